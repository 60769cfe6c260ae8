/* check_sysinfo.c - unit tests for the parsers and the formatter in
 * sysinfo.c, fed recorded /proc files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysinfo.h"
#include "util.h"

#define FIXTURES "test/fixtures"

static char text[8192];

static const char *
load(const char *name)
{
	char path[256];

	snprintf(path, sizeof path, FIXTURES "/sysinfo/%s", name);
	ck_assert_msg(file_read(path, text, sizeof text) > 0,
	    "cannot read %s", path);
	return text;
}

START_TEST(check_meminfo_real)
{
	struct meminfo m;

	ck_assert_int_eq(meminfo_parse(load("meminfo"), &m), 0);
	ck_assert_uint_eq(m.total, 24683792);
	ck_assert_uint_eq(m.free, 23978360);
	ck_assert_uint_eq(m.available, 24266660);
	ck_assert_uint_eq(m.swap_total, 0);
	ck_assert_uint_eq(m.swap_free, 0);
}
END_TEST

START_TEST(check_meminfo_swap_old)
{
	struct meminfo m;

	ck_assert_int_eq(meminfo_parse(load("meminfo-swap"), &m), 0);
	ck_assert_uint_eq(m.total, 2041224);
	ck_assert_uint_eq(m.free, 101876);
	ck_assert_uint_eq(m.available, 350012);
	ck_assert_uint_eq(m.swap_total, 1048572);
	ck_assert_uint_eq(m.swap_free, 524284);

	ck_assert_int_eq(meminfo_parse(load("meminfo-old"), &m), 0);
	ck_assert_uint_eq(m.total, 508132);
	ck_assert_uint_eq(m.free, 17788);
	ck_assert_uint_eq(m.available, SYSINFO_UNKNOWN);
}
END_TEST

START_TEST(check_meminfo_odd)
{
	struct meminfo m;

	/* No unit is accepted; a unit other than kB is not. */
	ck_assert_int_eq(meminfo_parse("MemTotal: 100\n", &m), 0);
	ck_assert_uint_eq(m.total, 100);
	ck_assert_int_eq(meminfo_parse("MemTotal: 100 MB\n", &m), -1);
	ck_assert_uint_eq(m.total, SYSINFO_UNKNOWN);
	/* No final newline. */
	ck_assert_int_eq(meminfo_parse("Foo: 1 kB\nMemTotal: 42 kB", &m),
	    0);
	ck_assert_uint_eq(m.total, 42);
	ck_assert_uint_eq(m.free, SYSINFO_UNKNOWN);
	/* Empty values, other keys, a bad number. */
	ck_assert_int_eq(meminfo_parse("MemTotal:\nMemTotal:   \n", &m), -1);
	ck_assert_int_eq(meminfo_parse("MemTotalX: 5 kB\n", &m), -1);
	ck_assert_int_eq(meminfo_parse(" MemTotal: 5 kB\n", &m), -1);
	ck_assert_int_eq(meminfo_parse("MemTotal: 5 kB\nMemAvailable: x kB\n"
	    "MemFree: -3 kB\n", &m), 0);
	ck_assert_uint_eq(m.available, SYSINFO_UNKNOWN);
	ck_assert_uint_eq(m.free, SYSINFO_UNKNOWN);
	ck_assert_int_eq(meminfo_parse("", &m), -1);
	ck_assert_uint_eq(m.swap_free, SYSINFO_UNKNOWN);
	/* A number must not run on into the next line. */
	ck_assert_int_eq(meminfo_parse("MemTotal: \n123 kB\n", &m), -1);
	/* kB values whose bytes overflow 64 bits are refused. */
	ck_assert_int_eq(meminfo_parse("MemTotal: 18014398509481983 kB\n",
	    &m), 0);
	ck_assert_uint_eq(m.total, 18014398509481983ULL);
	ck_assert_int_eq(meminfo_parse("MemTotal: 18014398509481984 kB\n",
	    &m), -1);
	ck_assert_int_eq(meminfo_parse("MemTotal: "
	    "1234567890123456789012345678901234567890 kB\n", &m), -1);
}
END_TEST

START_TEST(check_loadavg)
{
	struct loadavg l;

	ck_assert_int_eq(loadavg_parse(load("loadavg"), &l), 0);
	ck_assert_double_eq_tol(l.one, 2.66, 1e-9);
	ck_assert_double_eq_tol(l.five, 1.58, 1e-9);
	ck_assert_double_eq_tol(l.fifteen, 0.78, 1e-9);
	ck_assert_uint_eq(l.running, 3);
	ck_assert_uint_eq(l.total, 125);

	ck_assert_int_eq(loadavg_parse("0.00 0.01 0.05 1/1 1\n", &l), 0);
	ck_assert_double_eq_tol(l.fifteen, 0.05, 1e-9);
	ck_assert_uint_eq(l.total, 1);

	ck_assert_int_eq(loadavg_parse("", &l), -1);
	ck_assert_int_eq(loadavg_parse("0.1 0.2 0.3 1/2\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("0.1 0.2 0.3 1/2 3x\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("0.1 0.2 0.3 1 3\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("-0.1 0.2 0.3 1/2 3\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("0.1 0.2 -0.3 1/2 3\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("a b c 1/2 3\n", &l), -1);
}
END_TEST

/* sysinfo.h gives "0.12 0.34 0.56 1/234 5678" as what it parses. */
START_TEST(check_loadavg_header_example)
{
	struct loadavg l;

	ck_assert_int_eq(loadavg_parse("0.12 0.34 0.56 1/234 5678", &l), 0);
	ck_assert_uint_eq(l.total, 234);
}
END_TEST

/* Not numbers a kernel writes: NaN slips past the "< 0" checks. */
START_TEST(check_loadavg_non_finite)
{
	struct loadavg l;

	ck_assert_int_eq(loadavg_parse("nan 0.2 0.3 1/2 3\n", &l), -1);
	ck_assert_int_eq(loadavg_parse("0.1 inf 0.3 1/2 3\n", &l), -1);
}
END_TEST

START_TEST(check_uptime)
{
	double sec;

	ck_assert_int_eq(uptime_parse(load("uptime"), &sec), 0);
	ck_assert_double_eq_tol(sec, 899.55, 1e-9);
	ck_assert_int_eq(uptime_parse("12345.67 2345.67\n", &sec), 0);
	ck_assert_double_eq_tol(sec, 12345.67, 1e-9);
	ck_assert_int_eq(uptime_parse("0.00 0.00\n", &sec), 0);
	ck_assert_double_eq_tol(sec, 0.0, 1e-12);

	ck_assert_int_eq(uptime_parse("", &sec), -1);
	ck_assert_int_eq(uptime_parse("abc 1\n", &sec), -1);
	ck_assert_int_eq(uptime_parse("12345.67\n", &sec), -1);
	ck_assert_int_eq(uptime_parse("12345.67x 1\n", &sec), -1);
	ck_assert_int_eq(uptime_parse("-1 2\n", &sec), -1);
}
END_TEST

/* Infinity passes uptime_parse and sysinfo_format then converts it to
 * unsigned long, which is undefined behaviour. */
START_TEST(check_uptime_non_finite)
{
	double sec;

	ck_assert_int_eq(uptime_parse("inf 1\n", &sec), -1);
	ck_assert_int_eq(uptime_parse("nan 1\n", &sec), -1);
}
END_TEST

static void
snap_fill(struct sysinfo_snap *s)
{
	memset(s, 0, sizeof *s);
	strcpy(s->host, "box");
	ck_assert_int_eq(meminfo_parse(load("meminfo-swap"), &s->mem), 0);
	s->mem_ok = 1;
	ck_assert_int_eq(loadavg_parse("0.12 0.34 0.56 1/234 5678\n",
	    &s->load), 0);
	s->load_ok = 1;
	s->uptime_sec = 93784.5;	/* 1d 2h 3m 4.5s */
	s->uptime_ok = 1;
	strcpy(s->disk[0].path, "/");
	s->disk[0].total = 100ULL << 30;
	s->disk[0].avail = 25ULL << 30;
	s->disk[0].files = 6553600;
	s->disk[0].files_avail = 6225920;
	s->disk[0].ok = 1;
	strcpy(s->disk[1].path, "/var/lib/ansai");
}

START_TEST(check_format)
{
	struct sysinfo_snap s;
	char buf[1024];

	snap_fill(&s);
	sysinfo_format(&s, buf, sizeof buf);
	ck_assert_str_eq(buf,
	    "  Memory: 341.8 MiB available of 1.9 GiB (83% used)\n"
	    "  Swap: 512.0 MiB free of 1024.0 MiB\n"
	    "  Load: 0.12 0.34 0.56 (1 of 234 tasks runnable)\n"
	    "  Uptime: 1d 2h 3m\n"
	    "  Disk /: 25.0 GiB free of 100.0 GiB (75% used), "
	    "inodes 5% used\n"
	    "  Disk /var/lib/ansai: statvfs failed\n");

	/* The state directory on the root file system is not repeated. */
	s.disk[1] = s.disk[0];
	s.mem.swap_total = 0;
	s.mem.available = SYSINFO_UNKNOWN;
	s.load_ok = 0;
	s.uptime_sec = 59.9;
	sysinfo_format(&s, buf, sizeof buf);
	ck_assert_str_eq(buf,
	    "  Memory: ? available of 1.9 GiB\n"
	    "  Swap: none\n"
	    "  Uptime: 0d 0h 0m\n"
	    "  Disk /: 25.0 GiB free of 100.0 GiB (75% used), "
	    "inodes 5% used\n");
}
END_TEST

START_TEST(check_format_unreadable)
{
	struct sysinfo_snap s;
	char buf[512];

	memset(&s, 0, sizeof s);
	strcpy(s.disk[0].path, "/");
	strcpy(s.disk[1].path, "/");
	sysinfo_format(&s, buf, sizeof buf);
	ck_assert_str_eq(buf, "  Memory: /proc/meminfo unreadable\n"
	    "  Disk /: statvfs failed\n");

	/* A real machine's file, end to end. */
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(meminfo_parse(load("meminfo"), &s.mem), 0);
	s.mem_ok = 1;
	strcpy(s.disk[0].path, "/");
	strcpy(s.disk[1].path, "/");
	sysinfo_format(&s, buf, sizeof buf);
	ck_assert_str_eq(buf,
	    "  Memory: 23.1 GiB available of 23.5 GiB (2% used)\n"
	    "  Swap: none\n"
	    "  Disk /: statvfs failed\n");
}
END_TEST

START_TEST(check_format_bounded)
{
	struct sysinfo_snap s;
	char full[1024], buf[21];

	snap_fill(&s);
	sysinfo_format(&s, full, sizeof full);
	memset(buf, 'x', sizeof buf);
	sysinfo_format(&s, buf, sizeof buf);
	ck_assert_uint_eq(strlen(buf), sizeof buf - 1);
	ck_assert(strncmp(buf, full, sizeof buf - 1) == 0);
}
END_TEST

static Suite *
sysinfo_suite(void)
{
	Suite *s = suite_create("sysinfo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, check_meminfo_real);
	tcase_add_test(tc, check_meminfo_swap_old);
	tcase_add_test(tc, check_meminfo_odd);
	tcase_add_test(tc, check_loadavg);
	tcase_add_test(tc, check_loadavg_header_example);
	tcase_add_test(tc, check_loadavg_non_finite);
	tcase_add_test(tc, check_uptime);
	tcase_add_test(tc, check_uptime_non_finite);
	tcase_add_test(tc, check_format);
	tcase_add_test(tc, check_format_unreadable);
	tcase_add_test(tc, check_format_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sysinfo_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
