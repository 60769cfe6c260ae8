/*
 * check_port.c - tests for src/port.c
 *
 * Build and run from the repository root:
 *
 *	gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
 *	    -fsanitize=address,undefined -g -Isrc \
 *	    -o check_port test/check_port.c src/port.c \
 *	    $(pkg-config --cflags --libs check)
 *	./check_port
 *
 * Fixtures are read from test/fixtures/port relative to the working
 * directory, or from $PORT_FIXTURES.  Generated trees go to $TMPDIR or
 * /tmp.  The live tests listen on 127.0.0.1 and ::1 only.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "port.h"

#define ROW_MAX		512
#define TREE_MAX	256
#define OUT_MAX		4096
#define NOBODY		65534

/* Inodes used by generated trees. */
#define INO_A		1000001ULL
#define INO_B		1000002ULL

static const char *
fixtures(void)
{
	const char *d = getenv("PORT_FIXTURES");

	return d != NULL && *d != '\0' ? d : "test/fixtures/port";
}

static void
fixture_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", fixtures(), name);

	ck_assert(n > 0 && (size_t)n < size);
}

static int
little_endian(void)
{
	uint32_t one = 1;
	unsigned char b;

	memcpy(&b, &one, 1);
	return b == 1;
}

/* An address as the kernel prints it: each 32-bit word in host order. */
static void
khex(int family, const char *text, char *out, size_t size)
{
	unsigned char	a[16];
	uint32_t	w;
	int		i, words = family == AF_INET ? 1 : 4;

	ck_assert_int_eq(inet_pton(family, text, a), 1);
	ck_assert_uint_ge(size, (size_t)words * 8 + 1);
	for (i = 0; i < words; i++) {
		memcpy(&w, a + 4 * i, sizeof(w));
		snprintf(out + 8 * i, size - 8 * (size_t)i, "%08X",
		    (unsigned)w);
	}
}

/* One table row in the kernel's format, newline included. */
static void
krow(char *buf, size_t size, int sl, int family, const char *laddr,
    unsigned lport, const char *raddr, unsigned rport, unsigned st,
    unsigned uid, unsigned long long inode)
{
	char	l[40], r[40];
	int	n;

	khex(family, laddr, l, sizeof(l));
	khex(family, raddr, r, sizeof(r));
	n = snprintf(buf, size, "%4d: %s:%04X %s:%04X %02X "
	    "00000000:00000000 00:00000000 00000000 %5u %8d %llu 1 "
	    "0000000000000000 100 0 0 10 0\n", sl, l, lport, r, rport, st,
	    uid, 0, inode);
	ck_assert(n > 0 && (size_t)n < size);
}

static const char H4[] = "  sl  local_address rem_address   st tx_queue "
    "rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
static const char H6[] = "  sl  local_address                         "
    "remote_address                        st tx_queue rx_queue tr "
    "tm->when retrnsmt   uid  timeout inode\n";

/* Generated fake proc trees. */

static void
tree_new(char *dir, size_t size)
{
	const char	*tmp = getenv("TMPDIR");
	int		 n;

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(dir, size, "%s/check_port.XXXXXX", tmp);
	ck_assert(n > 0 && (size_t)n < size);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The denied test reads it as nobody. */
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
tree_free(const char *dir)
{
	ck_assert_int_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void
tree_mkdirs(const char *dir, const char *rel)
{
	char	path[PATH_MAX];
	char	*p;
	int	n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	for (p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
		    "mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

static FILE *
tree_open(const char *dir, const char *rel)
{
	char	 path[PATH_MAX];
	FILE	*fp;

	tree_mkdirs(dir, rel);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	return fp;
}

static void
tree_put(const char *dir, const char *rel, const char *text)
{
	FILE *fp = tree_open(dir, rel);

	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
tree_link(const char *dir, const char *rel, const char *target)
{
	char path[PATH_MAX];

	tree_mkdirs(dir, rel);
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg(symlink(target, path) == 0, "%s: %s", path,
	    strerror(errno));
}

/* A process dir; sockets lists up to n inodes it holds. */
static void
tree_pid(const char *dir, int pid, const char *comm,
    const unsigned long long *sockets, int n)
{
	char	rel[64], text[ROW_MAX];
	int	i;

	snprintf(rel, sizeof(rel), "%d/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	tree_put(dir, rel, text);
	snprintf(rel, sizeof(rel), "%d/stat", pid);
	snprintf(text, sizeof(text), "%d (%s) S 1 %d %d 0 -1 4194560 1 0 0 "
	    "0 0 0 0 0 20 0 1 0 %d 1000 10 18446744073709551615 0 0\n",
	    pid, comm, pid, pid, 1000 + pid);
	tree_put(dir, rel, text);
	snprintf(rel, sizeof(rel), "%d/status", pid);
	tree_put(dir, rel, "Name:\tx\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n");
	snprintf(rel, sizeof(rel), "%d/cgroup", pid);
	tree_put(dir, rel, "0::/system.slice/gen.service\n");
	snprintf(rel, sizeof(rel), "%d/fd/0", pid);
	tree_link(dir, rel, "/dev/null");
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%d/fd/%d", pid, i + 3);
		snprintf(text, sizeof(text), "socket:[%llu]", sockets[i]);
		tree_link(dir, rel, text);
	}
}

/* net/tcp with one LISTEN row per inode on port, and an empty tcp6. */
static void
tree_listen(const char *dir, unsigned port, const unsigned long long *ino,
    int n)
{
	char	 row[ROW_MAX];
	FILE	*fp;
	int	 i;

	fp = tree_open(dir, "net/tcp");
	fputs(H4, fp);
	for (i = 0; i < n; i++) {
		krow(row, sizeof(row), i, AF_INET, "0.0.0.0", port,
		    "0.0.0.0", 0, 0x0A, 0, ino[i]);
		fputs(row, fp);
	}
	ck_assert_int_eq(fclose(fp), 0);
	tree_put(dir, "net/tcp6", H6);
}

static const struct port_owner *
find_owner(const struct port_result *res, pid_t pid)
{
	unsigned i;

	for (i = 0; i < res->nowners; i++)
		if (res->owners[i].pid == pid)
			return &res->owners[i];
	return NULL;
}

static void
lookup_fixture(uint16_t port, struct port_result *res)
{
	char proc[PATH_MAX], pw[PATH_MAX];

	fixture_path(proc, sizeof(proc), "proc");
	fixture_path(pw, sizeof(pw), "passwd");
	ck_assert_msg(port_lookup(port, proc, pw, res) == 0,
	    "port_lookup(%u, %s): %s", port, proc, strerror(errno));
}

static void
addr_is(const struct port_listener *l, const char *want)
{
	char buf[PORT_ADDR_MAX];

	ck_assert_int_eq(port_format_addr(l, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
}

/* port_print into a string. */
static void
print_to(const struct port_result *res, char *out, size_t size)
{
	FILE	*fp;
	size_t	 n;

	fp = tmpfile();
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(port_print(fp, res), 0);
	rewind(fp);
	n = fread(out, 1, size - 1, fp);
	out[n] = '\0';
	ck_assert_int_eq(ferror(fp), 0);
	fclose(fp);
}

/* Parsers */

START_TEST(test_row_v4)
{
	struct port_listener	l;
	unsigned		st;
	char			row[ROW_MAX], buf[PORT_ADDR_MAX];

	krow(row, sizeof(row), 1, AF_INET, "127.0.0.1", 5000, "0.0.0.0", 0,
	    0x0A, 1000, 19517);
	row[strlen(row) - 1] = '\0';
	ck_assert_int_eq(port_parse_tcp_row(row, AF_INET, &l, &st), 0);
	ck_assert_uint_eq(st, 0x0A);
	ck_assert_int_eq(l.family, AF_INET);
	ck_assert_uint_eq(l.port, 5000);
	ck_assert_uint_eq(l.uid, 1000);
	ck_assert_uint_eq(l.inode, 19517);
	ck_assert_uint_eq(l.nowners, 0);
	ck_assert_int_eq(l.addr[0], 127);
	ck_assert_int_eq(l.addr[3], 1);
	addr_is(&l, "127.0.0.1:5000");

	krow(row, sizeof(row), 0, AF_INET, "0.0.0.0", 22, "0.0.0.0", 0,
	    0x0A, 0, 108);
	ck_assert_int_eq(port_parse_tcp_row(row, AF_INET, &l, &st), 0);
	addr_is(&l, "0.0.0.0:22");
	ck_assert_int_eq(port_format_addr(&l, buf, 11), 0);
	ck_assert_int_eq(port_format_addr(&l, buf, 10), -1);
	ck_assert_int_eq(errno, ENOSPC);
	l.family = AF_UNIX;
	ck_assert_int_eq(port_format_addr(&l, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EAFNOSUPPORT);
}
END_TEST

START_TEST(test_row_v6)
{
	static const struct {
		const char	*addr;
		const char	*want;
	} t[] = {
		{ "::", "[::]:5000" },
		{ "::1", "[::1]:5000" },
		{ "::ffff:127.0.0.1", "[::ffff:127.0.0.1]:5000" },
		{ "fe80::1:2:3:4", "[fe80::1:2:3:4]:5000" },
	};
	struct port_listener	l;
	unsigned		st;
	char			row[ROW_MAX];
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		krow(row, sizeof(row), (int)i, AF_INET6, t[i].addr, 5000,
		    "::", 0, 0x0A, 0, 42 + i);
		ck_assert_int_eq(port_parse_tcp_row(row, AF_INET6, &l, &st),
		    0);
		ck_assert_int_eq(l.family, AF_INET6);
		ck_assert_uint_eq(l.inode, 42 + i);
		addr_is(&l, t[i].want);
		/* The same row is no IPv4 row. */
		ck_assert_int_eq(port_parse_tcp_row(row, AF_INET, &l, &st),
		    -1);
	}
}
END_TEST

START_TEST(test_row_states)
{
	struct port_listener	l;
	unsigned		st;
	char			row[ROW_MAX];

	/* Captured TIME_WAIT row: different tail, inode 0. */
	ck_assert_int_eq(port_parse_tcp_row("   2: 0100007F:9604 "
	    "0100007F:A445 06 00000000:00000000 03:00001770 00000000     0"
	    "        0 0 3 000000003e533985", AF_INET, &l, &st), 0);
	ck_assert_uint_eq(st, 0x06);
	ck_assert_uint_eq(l.inode, 0);
	/* ESTABLISHED with negative timeout-like fields in the tail. */
	ck_assert_int_eq(port_parse_tcp_row("   3: 0100007F:1388 "
	    "0100007F:A446 01 00000000:00000000 00:00000000 00000000  1000"
	    "        0 2999 1 0000000000000000 20 4 30 10 -1", AF_INET, &l,
	    &st), 0);
	ck_assert_uint_eq(st, 0x01);
	ck_assert_uint_eq(l.inode, 2999);
	krow(row, sizeof(row), 0, AF_INET6, "::1", 80, "::1", 4000, 0x01, 7,
	    77);
	ck_assert_int_eq(port_parse_tcp_row(row, AF_INET6, &l, &st), 0);
	ck_assert_uint_eq(st, 0x01);
	ck_assert_uint_eq(l.uid, 7);
}
END_TEST

START_TEST(test_row_malformed)
{
	static const char *const bad[] = {
		"",
		"  sl  local_address rem_address   st tx_queue rx_queue tr "
		    "tm->when retrnsmt   uid  timeout inode",
		"garbage",
		"   0:",
		/* cut right after the inode: might be a prefix of it */
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108",
		"   0: 0000000G:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 0000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:00016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   x: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A0 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A 0000000000000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000    -1        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000 4294967296 0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 1O8 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 "
		    "184467440737095516160 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 +108 1 0",
		"   0:\t00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 00000000     0        0 108 1 0",
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 "
		    "00:00000000 0x000000     0        0 108 1 0",
	};
	struct port_listener	l;
	unsigned		st = 99;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(port_parse_tcp_row(bad[i], AF_INET, &l, &st)
		    == -1 && errno == EINVAL, "accepted bad row %zu: %s", i,
		    bad[i]);
	}
	ck_assert_uint_eq(st, 99);
	/* The control: the same shape, well formed, parses. */
	ck_assert_int_eq(port_parse_tcp_row("   0: 00000000:0016 "
	    "00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
	    "        0 108 1 0", AF_INET, &l, &st), 0);
	ck_assert_int_eq(port_parse_tcp_row("   0: 00000000:0016 "
	    "00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
	    "        0 108 1 0", AF_UNIX, &l, &st), -1);
}
END_TEST

START_TEST(test_stat_start)
{
	static const struct {
		const char		*stat;
		unsigned long long	 start;
	} good[] = {
		{ "1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
		    "3 1 2 3\n", 3 },
		{ "300 (my (evil) d)) S 1 300 300 0 -1 4194560 100 0 0 0 1 2 "
		    "0 0 20 0 1 0 4242 12345678 100\n", 4242 },
		/* comm ending in ") 1 2 3" tries to shift the fields */
		{ "7 (a) 1 2 3) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 -2 -5 1 0 "
		    "18446744073709551615 0\n", 18446744073709551615ULL },
		{ "8 () S 1 8 8 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", 99 },
	};
	static const char *const bad[] = {
		"",
		"1 systemd S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 3 1",
		"1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0",
		"1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 ",
		"1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 x",
		"1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 3x",
		"1 (systemd)  S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 3",
		"1 (systemd) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
		    "18446744073709551616",
	};
	unsigned long long	start;
	size_t			i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		start = 0;
		ck_assert_msg(port_parse_stat_start(good[i].stat, &start) == 0,
		    "rejected %s", good[i].stat);
		ck_assert_msg(start == good[i].start, "%s: got %llu",
		    good[i].stat, start);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(port_parse_stat_start(bad[i], &start) == -1 &&
		    errno == EINVAL, "accepted %s", bad[i]);
	}
}
END_TEST

START_TEST(test_cgroup_path)
{
	static const struct {
		const char *path;
		const char *unit;	/* NULL: none */
	} t[] = {
		{ "/system.slice/foo.service", "foo.service" },
		{ "/system.slice/foo.service/child", "foo.service" },
		{ "/system.slice/foo.service/a/b/c", "foo.service" },
		{ "/system.slice/system-getty.slice/getty@tty1.service",
		    "getty@tty1.service" },
		{ "/system.slice/dbus.socket", "dbus.socket" },
		{ "/system.slice/docker-0123abcd.scope",
		    "docker-0123abcd.scope" },
		{ "/init.scope", "init.scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/app.slice/"
		    "app-foo.scope", "app-foo.scope" },
		{ "/system.slice/-.mount", "-.mount" },
		{ "/system.slice/dev-sda2.swap", "dev-sda2.swap" },
		{ "/system.slice/foo.service/", "foo.service" },
		{ "//system.slice//bar.service//x", "bar.service" },
		{ "/", NULL },
		{ "", NULL },
		{ "/system.slice", NULL },
		{ "/user.slice/user-1000.slice", NULL },
		{ "/system.slice/.service", NULL },
		{ "/system.slice/foo.services", NULL },
		{ "/system.slice/foo.service.d", NULL },
		{ "/system.slice/bad name.service", NULL },
		{ "/process_api/52ab87241aab0d72eefa546740e86959", NULL },
	};
	char	unit[PORT_UNIT_MAX], longpath[PORT_UNIT_MAX + 32];
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = port_unit_from_cgroup_path(t[i].path, unit,
		    sizeof(unit));

		if (t[i].unit == NULL) {
			ck_assert_msg(r == -1 && errno == ENOENT,
			    "%s: found %s", t[i].path, unit);
			continue;
		}
		ck_assert_msg(r == 0, "%s: none", t[i].path);
		ck_assert_str_eq(unit, t[i].unit);
	}
	ck_assert_int_eq(port_unit_from_cgroup_path("/a/foo.service", unit,
	    11), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_int_eq(port_unit_from_cgroup_path("/a/foo.service", unit,
	    12), 0);
	/* Longer than systemd allows: not a unit, the outer one is. */
	snprintf(longpath, sizeof(longpath), "/ok.service/%0*d.service",
	    PORT_UNIT_MAX, 0);
	ck_assert_int_eq(port_unit_from_cgroup_path(longpath, unit,
	    sizeof(unit)), 0);
	ck_assert_str_eq(unit, "ok.service");
}
END_TEST

/* Fixture tree */

START_TEST(test_fixture_any)
{
	struct port_result res;
	const struct port_owner *o;

	lookup_fixture(22, &res);
	ck_assert_int_eq(res.state, PORT_OWNED);
	ck_assert_uint_eq(res.why, 0);
	ck_assert_uint_eq(res.port, 22);
	/* net/tcp repeats the 0.0.0.0 row, as a shifting table does. */
	ck_assert_uint_eq(res.nlisteners, 2);
	ck_assert_uint_eq(res.nlisteners_total, 2);
	ck_assert_int_eq(res.listeners[0].family, AF_INET);
	addr_is(&res.listeners[0], "0.0.0.0:22");
	ck_assert_int_eq(res.listeners[1].family, AF_INET6);
	addr_is(&res.listeners[1], "[::]:22");
	ck_assert_uint_eq(res.listeners[0].nowners, 1);
	ck_assert_uint_eq(res.listeners[1].nowners, 1);
	ck_assert_str_eq(res.listeners[0].user, "root");
	ck_assert_uint_eq(res.nowners, 1);
	ck_assert_uint_eq(res.nowners_total, 1);
	o = &res.owners[0];
	ck_assert_int_eq(o->pid, 100);
	ck_assert_uint_eq(o->listeners, 3);
	ck_assert_str_eq(o->comm, "sshd");
	ck_assert_uint_eq(o->uid, 0);
	ck_assert_str_eq(o->user, "root");
	ck_assert_str_eq(o->unit, "ssh.service");
	ck_assert_str_eq(o->exe, "/usr/sbin/sshd");
	ck_assert_uint_eq(o->start, 1500);
	/* The 8 malformed rows of the README, no more, no fewer. */
	ck_assert_uint_eq(res.nbad, 8);
}
END_TEST

START_TEST(test_fixture_shared)
{
	struct port_result res;
	const struct port_owner *o;

	lookup_fixture(5000, &res);
	ck_assert_int_eq(res.state, PORT_OWNED);
	/*
	 * TIME_WAIT, ESTABLISHED, garbled and wrong-family rows on 5000
	 * are all ignored.
	 */
	ck_assert_uint_eq(res.nlisteners, 2);
	ck_assert_uint_eq(res.listeners[0].inode, 2001);
	ck_assert_uint_eq(res.listeners[1].inode, 2002);
	if (little_endian()) {
		addr_is(&res.listeners[0], "127.0.0.1:5000");
		addr_is(&res.listeners[1], "[::1]:5000");
	}
	ck_assert_uint_eq(res.listeners[0].nowners, 3);
	ck_assert_uint_eq(res.listeners[1].nowners, 2);
	ck_assert_uint_eq(res.nowners, 4);
	ck_assert_int_eq(res.owners[0].pid, 200);
	ck_assert_int_eq(res.owners[1].pid, 201);
	ck_assert_int_eq(res.owners[2].pid, 202);
	ck_assert_int_eq(res.owners[3].pid, 203);
	/* 400 holds an ESTABLISHED socket of port 5000 only. */
	ck_assert_ptr_null(find_owner(&res, 400));

	o = &res.owners[0];
	ck_assert_uint_eq(o->listeners, 3);
	ck_assert_str_eq(o->unit, "web.service");	/* name=systemd */
	ck_assert_str_eq(o->user, "alice");		/* first of two */
	ck_assert_uint_eq(o->start, 2000);
	o = &res.owners[1];
	ck_assert_uint_eq(o->listeners, 1);
	ck_assert_str_eq(o->unit, "web.service");	/* nested */
	ck_assert_str_eq(o->exe, "");
	o = &res.owners[2];
	ck_assert_uint_eq(o->listeners, 1);
	ck_assert_str_eq(o->comm, "web worker");
	ck_assert_str_eq(o->unit, "");		/* v1, no name=systemd */
	ck_assert_str_eq(o->exe, "/usr/bin/python3.11 (deleted)");
	o = &res.owners[3];
	ck_assert_uint_eq(o->listeners, 2);
	ck_assert_str_eq(o->unit, "new.service");	/* v2 wins */
	ck_assert_uint_eq(o->uid, 33);
	ck_assert_str_eq(o->user, "www-data");
}
END_TEST

START_TEST(test_fixture_evil_comm)
{
	struct port_result res;
	const struct port_owner *o;

	lookup_fixture(6000, &res);
	ck_assert_int_eq(res.state, PORT_OWNED);
	ck_assert_uint_eq(res.nowners, 1);
	o = &res.owners[0];
	ck_assert_int_eq(o->pid, 300);
	ck_assert_str_eq(o->comm, "my (evil) d)");
	ck_assert_uint_eq(o->start, 4242);
	ck_assert_str_eq(o->unit, "getty@tty1.service");
	ck_assert_str_eq(o->user, "www-data");
	ck_assert_str_eq(o->exe, "/sbin/agetty");
}
END_TEST

START_TEST(test_fixture_mapped)
{
	struct port_result res;

	lookup_fixture(6001, &res);
	ck_assert_int_eq(res.state, PORT_OWNED);
	ck_assert_uint_eq(res.nlisteners, 1);
	ck_assert_int_eq(res.listeners[0].family, AF_INET6);
	if (little_endian())
		addr_is(&res.listeners[0], "[::ffff:127.0.0.1]:6001");
	ck_assert_uint_eq(res.nowners, 1);
	ck_assert_int_eq(res.owners[0].pid, 300);
}
END_TEST

START_TEST(test_fixture_unowned)
{
	struct port_result res;

	lookup_fixture(7000, &res);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_NOPROC);
	ck_assert_uint_eq(res.nlisteners, 1);
	ck_assert_uint_eq(res.listeners[0].inode, 4001);
	ck_assert_uint_eq(res.nowners, 0);

	/* Inode 0, and the unterminated last tcp6 row must not count. */
	lookup_fixture(8000, &res);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_NOPROC);
	ck_assert_uint_eq(res.nlisteners, 1);
	ck_assert_int_eq(res.listeners[0].family, AF_INET);
	ck_assert_uint_eq(res.listeners[0].inode, 0);
}
END_TEST

START_TEST(test_fixture_free)
{
	struct port_result res;

	/* Only TIME_WAIT and ESTABLISHED rows on 9000. */
	lookup_fixture(9000, &res);
	ck_assert_int_eq(res.state, PORT_FREE);
	ck_assert_uint_eq(res.why, 0);
	ck_assert_uint_eq(res.nlisteners, 0);
	ck_assert_uint_eq(res.nowners, 0);
	lookup_fixture(65535, &res);
	ck_assert_int_eq(res.state, PORT_FREE);
}
END_TEST

START_TEST(test_bad_args)
{
	struct port_result	res;
	char			dir[TREE_MAX];

	errno = 0;
	ck_assert_int_eq(port_lookup(0, NULL, NULL, &res), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(port_lookup(22, NULL, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(port_lookup(22, "/nonexistent/proc", NULL, &res),
	    -1);
	ck_assert_int_eq(errno, ENOENT);

	tree_new(dir, sizeof(dir));
	tree_put(dir, "1/comm", "init\n");
	/* No net/tcp: not a proc tree, an error and not "free". */
	ck_assert_int_eq(port_lookup(22, dir, NULL, &res), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* No net/tcp6: a kernel without IPv6. */
	tree_put(dir, "net/tcp", H4);
	ck_assert_int_eq(port_lookup(22, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_FREE);
	/* tcp6 that is not readable as a file is an error. */
	tree_mkdirs(dir, "net/tcp6/x");
	ck_assert_int_eq(port_lookup(22, dir, NULL, &res), -1);
	ck_assert_int_eq(errno, EISDIR);
	tree_free(dir);

	ck_assert_int_eq(port_same_process(NULL, getpid(), 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(port_same_process(NULL, 0, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Generated trees */

START_TEST(test_big_table)
{
	unsigned long long	 want[] = { 11, 12, 13, 14 };
	struct port_result	 res;
	struct stat		 st;
	char			 dir[TREE_MAX], row[ROW_MAX], path[PATH_MAX];
	FILE			*fp;
	unsigned		 i, j, seen = 0;
	int			 sl = 0;

	tree_new(dir, sizeof(dir));
	fp = tree_open(dir, "net/tcp");
	fputs(H4, fp);
	krow(row, sizeof(row), sl++, AF_INET, "0.0.0.0", 5555, "0.0.0.0",
	    0, 0x0A, 0, 11);
	fputs(row, fp);
	for (i = 0; i < 3000; i++) {
		krow(row, sizeof(row), sl++, AF_INET, "10.0.0.1",
		    1024 + i % 60000, "10.0.0.2", 40000 + i % 20000,
		    i % 2 ? 0x01 : 0x06, 1000, 100000 + i);
		fputs(row, fp);
		if (i == 1500) {
			krow(row, sizeof(row), sl++, AF_INET, "127.0.0.1",
			    5555, "0.0.0.0", 0, 0x0A, 0, 12);
			fputs(row, fp);
			/*
			 * Longer than any read buffer, its tail a valid
			 * LISTEN row that a naive reader would take.
			 */
			fputs("x", fp);
			for (j = 0; j < 20000; j++)
				fputc(' ', fp);
			krow(row, sizeof(row), sl++, AF_INET, "127.0.0.2",
			    5555, "0.0.0.0", 0, 0x0A, 0, 99);
			fputs(row, fp);
		}
	}
	krow(row, sizeof(row), sl++, AF_INET, "127.0.0.3", 5555, "0.0.0.0",
	    0, 0x0A, 0, 13);
	fputs(row, fp);
	ck_assert_int_eq(fclose(fp), 0);

	fp = tree_open(dir, "net/tcp6");
	fputs(H6, fp);
	for (i = 0; i < 2000; i++) {
		krow(row, sizeof(row), (int)i, AF_INET6, "2001:db8::1",
		    2000 + i, "2001:db8::2", 50000, 0x01, 0, 200000 + i);
		fputs(row, fp);
		if (i == 1234) {
			krow(row, sizeof(row), (int)i, AF_INET6, "::", 5555,
			    "::", 0, 0x0A, 0, 14);
			fputs(row, fp);
		}
	}
	ck_assert_int_eq(fclose(fp), 0);
	snprintf(path, sizeof(path), "%s/net/tcp", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 64 * 1024);

	tree_pid(dir, 1, "init", NULL, 0);
	tree_pid(dir, 42, "bigd", (const unsigned long long[]){ 14, 99, 12,
	    5, 11, 13 }, 6);
	tree_pid(dir, 43, "bigd2", (const unsigned long long[]){ 11 }, 1);
	/* An exe path that does not fit is unknown, not cut short. */
	memset(path, 'e', sizeof(path));
	path[0] = '/';
	path[PORT_EXE_MAX] = '\0';
	snprintf(row, sizeof(row), "%s/42/exe", dir);
	ck_assert_int_eq(symlink(path, row), 0);
	path[PORT_EXE_MAX - 1] = '\0';
	snprintf(row, sizeof(row), "%s/43/exe", dir);
	ck_assert_int_eq(symlink(path, row), 0);
	ck_assert_int_eq(port_lookup(5555, dir, NULL, &res), 0);
	ck_assert_uint_eq(res.nlisteners, 4);
	ck_assert_uint_eq(res.nbad, 1);
	for (i = 0; i < res.nlisteners; i++)
		for (j = 0; j < 4; j++)
			if (res.listeners[i].inode == want[j])
				seen |= 1U << j;
	ck_assert_uint_eq(seen, 0xF);
	ck_assert_int_eq(res.state, PORT_OWNED);
	ck_assert_uint_eq(res.nowners, 2);
	ck_assert_int_eq(res.owners[0].pid, 42);
	ck_assert_uint_eq(res.owners[0].listeners, 0xF);
	ck_assert_uint_eq(res.owners[0].start, 1042);
	ck_assert_str_eq(res.owners[0].unit, "gen.service");
	ck_assert_str_eq(res.owners[0].exe, "");
	ck_assert_int_eq(res.owners[1].pid, 43);
	ck_assert_str_eq(res.owners[1].exe, path);
	tree_free(dir);
}
END_TEST

START_TEST(test_too_many_owners)
{
	unsigned long long	ino = INO_A;
	struct port_result	res;
	char			dir[TREE_MAX];
	int			pid;

	tree_new(dir, sizeof(dir));
	tree_listen(dir, 80, &ino, 1);
	tree_pid(dir, 1, "init", NULL, 0);
	for (pid = 100; pid < 100 + PORT_MAX_OWNERS + 6; pid++)
		tree_pid(dir, pid, "prefork", &ino, 1);
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_PARTIAL);
	ck_assert_uint_eq(res.why, PORT_WHY_TOOMANY);
	ck_assert_uint_eq(res.nowners, PORT_MAX_OWNERS);
	ck_assert_uint_eq(res.nowners_total, PORT_MAX_OWNERS + 6);
	ck_assert_uint_eq(res.listeners[0].nowners, PORT_MAX_OWNERS + 6);
	for (pid = 1; pid < PORT_MAX_OWNERS; pid++)
		ck_assert_int_lt(res.owners[pid - 1].pid, res.owners[pid].pid);
	tree_free(dir);
}
END_TEST

START_TEST(test_too_many_listeners)
{
	unsigned long long	ino[PORT_MAX_LISTENERS + 6];
	struct port_result	res;
	char			dir[TREE_MAX];
	size_t			i;

	for (i = 0; i < sizeof(ino) / sizeof(ino[0]); i++)
		ino[i] = INO_A + i;
	tree_new(dir, sizeof(dir));
	tree_listen(dir, 443, ino, (int)(sizeof(ino) / sizeof(ino[0])));
	tree_pid(dir, 1, "init", NULL, 0);
	tree_pid(dir, 7, "nginx", ino, (int)(sizeof(ino) / sizeof(ino[0])));
	ck_assert_int_eq(port_lookup(443, dir, NULL, &res), 0);
	ck_assert_uint_eq(res.nlisteners, PORT_MAX_LISTENERS);
	ck_assert_uint_eq(res.nlisteners_total, PORT_MAX_LISTENERS + 6);
	ck_assert_int_eq(res.state, PORT_PARTIAL);
	ck_assert_uint_eq(res.why, PORT_WHY_TOOMANY);
	ck_assert_uint_eq(res.nowners, 1);
	ck_assert(res.owners[0].listeners == UINT64_MAX);
	tree_free(dir);
}
END_TEST

START_TEST(test_hidden)
{
	unsigned long long	ino = INO_A;
	struct port_result	res;
	char			dir[TREE_MAX];

	/* No pid 1: what hidepid=invisible looks like to non-root. */
	tree_new(dir, sizeof(dir));
	tree_listen(dir, 80, &ino, 1);
	tree_pid(dir, 50, "httpd", &ino, 1);
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_PARTIAL);
	ck_assert_uint_eq(res.why, PORT_WHY_HIDDEN);
	ck_assert_uint_eq(res.nowners, 1);

	/* Unowned: hidden explains it, NOPROC must not be claimed. */
	ino = INO_B;
	tree_listen(dir, 81, &ino, 1);
	ck_assert_int_eq(port_lookup(81, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_HIDDEN);
	tree_free(dir);
}
END_TEST

START_TEST(test_vanished)
{
	unsigned long long	ino = INO_A;
	struct port_result	res;
	char			dir[TREE_MAX];

	tree_new(dir, sizeof(dir));
	tree_listen(dir, 80, &ino, 1);
	tree_pid(dir, 1, "init", NULL, 0);
	/* A pid dir whose fd dir is gone: it exited mid-scan. */
	tree_put(dir, "60/comm", "gone\n");
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_VANISHED | PORT_WHY_NOPROC);
	ck_assert_uint_eq(res.nvanished, 1);

	/* Listed, but its stat is gone by the time it is described. */
	tree_pid(dir, 61, "quitter", &ino, 1);
	tree_put(dir, "62/comm", "gone\n");
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/61/stat", dir);
		ck_assert_int_eq(unlink(path), 0);
	}
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.nowners, 0);
	ck_assert_uint_eq(res.nvanished, 3);

	/* Vanished processes do not taint a fully owned result. */
	tree_pid(dir, 63, "stayer", &ino, 1);
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_OWNED);
	ck_assert_uint_eq(res.why, 0);
	ck_assert_uint_eq(res.nvanished, 3);
	tree_free(dir);
}
END_TEST

START_TEST(test_proc_error)
{
	unsigned long long	ino = INO_A;
	struct port_result	res;
	char			dir[TREE_MAX], out[OUT_MAX];

	tree_new(dir, sizeof(dir));
	tree_listen(dir, 80, &ino, 1);
	tree_pid(dir, 1, "init", NULL, 0);
	tree_put(dir, "70/fd", "not a directory\n");
	ck_assert_int_eq(port_lookup(80, dir, NULL, &res), 0);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_ERROR);
	ck_assert_int_eq(res.err, ENOTDIR);
	ck_assert_uint_eq(res.nerror, 1);
	print_to(&res, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "could not inspect 1 process: "));
	tree_free(dir);
}
END_TEST

/*
 * Run port_lookup in a child without root powers (root reads any
 * mode-000 dir) and hand its result back through a pipe.
 */
static void
lookup_unprivileged(uint16_t port, const char *dir, struct port_result *res)
{
	char	*p = (char *)res;
	size_t	 got = 0;
	ssize_t	 n;
	pid_t	 pid;
	int	 fds[2], status;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) != 0 ||
		    setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
			_exit(2);
		if (port_lookup(port, dir, NULL, res) != 0)
			_exit(3);
		while (got < sizeof(*res)) {
			n = write(fds[1], p + got, sizeof(*res) - got);
			if (n <= 0)
				_exit(4);
			got += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(*res) &&
	    (n = read(fds[0], p + got, sizeof(*res) - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "unprivileged child failed: status %d", status);
	ck_assert_uint_eq(got, sizeof(*res));
}

START_TEST(test_denied)
{
	unsigned long long	ino[2] = { INO_A, INO_B };
	struct port_result	res;
	char			dir[TREE_MAX], path[PATH_MAX], out[OUT_MAX];

	tree_new(dir, sizeof(dir));
	tree_listen(dir, 80, ino, 2);
	tree_pid(dir, 1, "init", NULL, 0);
	tree_pid(dir, 42, "mine", &ino[0], 1);
	/* 43 holds both, but its fds cannot be read. */
	tree_pid(dir, 43, "theirs", ino, 2);
	snprintf(path, sizeof(path), "%s/43/fd", dir);
	ck_assert_int_eq(chmod(path, 0), 0);

	lookup_unprivileged(80, dir, &res);
	ck_assert_int_eq(res.state, PORT_PARTIAL);
	ck_assert_uint_eq(res.why, PORT_WHY_DENIED);
	ck_assert_uint_eq(res.ndenied, 1);
	ck_assert_uint_eq(res.nowners, 1);
	ck_assert_int_eq(res.owners[0].pid, 42);
	ck_assert_uint_eq(res.listeners[1].nowners, 0);
	print_to(&res, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "the owner list may be incomplete: "
	    "permission denied reading the fds of 1 process\n"));

	/* Only the unreadable process holds it: unknown, never free. */
	ino[0] = INO_B;
	tree_listen(dir, 81, &ino[0], 1);
	lookup_unprivileged(81, dir, &res);
	ck_assert_int_eq(res.state, PORT_UNKNOWN);
	ck_assert_uint_eq(res.why, PORT_WHY_DENIED);
	ck_assert_uint_eq(res.nowners, 0);
	print_to(&res, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "listening, but the owner could "
	    "not be identified: permission denied"));
	ck_assert_ptr_null(strstr(out, "no process listens"));

	ck_assert_int_eq(chmod(path, 0755), 0);
	tree_free(dir);
}
END_TEST

/* Printing */

START_TEST(test_print_table)
{
	struct port_result	res;
	char			out[OUT_MAX];

	lookup_fixture(22, &res);
	print_to(&res, out, sizeof(out));
	ck_assert_str_eq(out,
	    "PORT  ADDRESS     PID  COMM  USER  UNIT         EXE\n"
	    "22    0.0.0.0:22  100  sshd  root  ssh.service  "
	    "/usr/sbin/sshd\n"
	    "22    [::]:22     100  sshd  root  ssh.service  "
	    "/usr/sbin/sshd\n");

	lookup_fixture(5000, &res);
	print_to(&res, out, sizeof(out));
	/* Each listener, then its owners by pid; "-" for what is unknown. */
	if (little_endian())
		ck_assert_str_eq(out,
		    "PORT  ADDRESS         PID  COMM        USER      "
		    "UNIT         EXE\n"
		    "5000  127.0.0.1:5000  200  python3     alice     "
		    "web.service  /usr/bin/python3.11\n"
		    "5000  127.0.0.1:5000  201  python3     alice     "
		    "web.service  -\n"
		    "5000  127.0.0.1:5000  202  web worker  alice     "
		    "-            /usr/bin/python3.11 (deleted)\n"
		    "5000  [::1]:5000      200  python3     alice     "
		    "web.service  /usr/bin/python3.11\n"
		    "5000  [::1]:5000      203  helper      www-data  "
		    "new.service  /usr/libexec/helper\n");
	else
		ck_assert_ptr_nonnull(strstr(out, "  202  web worker  alice"));
}
END_TEST

START_TEST(test_print_free_unknown)
{
	struct port_result	res;
	char			out[OUT_MAX];

	lookup_fixture(9000, &res);
	print_to(&res, out, sizeof(out));
	ck_assert_str_eq(out, "no process listens on TCP port 9000\n");

	lookup_fixture(7000, &res);
	print_to(&res, out, sizeof(out));
	ck_assert_str_eq(out,
	    "PORT  ADDRESS       PID  COMM  USER  UNIT  EXE\n"
	    "7000  0.0.0.0:7000  -    -     root  -     -\n"
	    "listening, but the owner could not be identified: no process "
	    "holds the socket (kernel socket, another PID namespace, or just "
	    "closed)\n");
}
END_TEST

START_TEST(test_print_sanitized)
{
	static struct port_result res;
	struct port_owner	*o = &res.owners[0];
	char			 out[OUT_MAX], why[16];
	size_t			 n;

	res.port = 80;
	res.state = PORT_PARTIAL;
	res.why = PORT_WHY_DENIED | PORT_WHY_TOOMANY;
	res.ndenied = 3;
	res.nlisteners = res.nlisteners_total = 1;
	res.listeners[0].family = AF_INET;
	res.listeners[0].port = 80;
	res.listeners[0].uid = 1000;
	res.listeners[0].nowners = 1;
	res.nowners = res.nowners_total = 1;
	o->pid = 9;
	o->uid = 1234;
	o->listeners = 1;
	snprintf(o->comm, sizeof(o->comm), "a\x1b[2Jb\n");
	snprintf(o->exe, sizeof(o->exe), "/tmp/x\ry\x7f");
	print_to(&res, out, sizeof(out));
	ck_assert_str_eq(out,
	    "PORT  ADDRESS     PID  COMM     USER  UNIT  EXE\n"
	    "80    0.0.0.0:80  9    a?[2Jb?  1234  -     /tmp/x?y?\n"
	    "the owner list may be incomplete: permission denied reading "
	    "the fds of 3 processes; more listeners or owners than fit, "
	    "list truncated\n");

	n = port_why_str(&res, why, sizeof(why));
	ck_assert_uint_gt(n, sizeof(why));
	ck_assert_uint_eq(strlen(why), sizeof(why) - 1);
	res.why = 0;
	ck_assert_uint_eq(port_why_str(&res, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
}
END_TEST

START_TEST(test_print_write_error)
{
	struct port_result	 res;
	FILE			*fp;

	lookup_fixture(22, &res);
	fp = fopen("/dev/full", "w");
	if (fp == NULL)
		return;
	setvbuf(fp, NULL, _IONBF, 0);
	ck_assert_int_eq(port_print(fp, &res), -1);
	fclose(fp);
	ck_assert_int_eq(port_print(NULL, &res), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Live, against the real /proc, with our own loopback sockets. */

static int
listen_on(int family, const char *addr, uint16_t *port)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET) {
		ck_assert_int_eq(inet_pton(family, addr, &s4->sin_addr), 1);
		len = sizeof(*s4);
	} else {
		ck_assert_int_eq(inet_pton(family, addr, &s6->sin6_addr), 1);
		len = sizeof(*s6);
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0,
	    "bind %s: %s", addr, strerror(errno));
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	return fd;
}

static void
check_live(int family, const char *addr)
{
	struct port_result	 res;
	const struct port_owner	*o;
	char			 comm[17] = "", exe[PORT_EXE_MAX], want[64];
	uint16_t		 port;
	ssize_t			 n;
	int			 fd;

	fd = listen_on(family, addr, &port);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		fprintf(stderr, "check_port: no IPv6, skipped %s\n", addr);
		return;
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(port_lookup(port, NULL, NULL, &res), 0);
	ck_assert_msg(res.state == PORT_OWNED || (res.state == PORT_PARTIAL
	    && (res.why & ~(unsigned)(PORT_WHY_DENIED | PORT_WHY_HIDDEN |
	    PORT_WHY_ERROR)) == 0), "state %d why %#x", res.state, res.why);
	ck_assert_uint_eq(res.nlisteners, 1);
	ck_assert_int_eq(res.listeners[0].family, family);
	snprintf(want, sizeof(want), family == AF_INET ? "%s:%u" : "[%s]:%u",
	    addr, (unsigned)port);
	addr_is(&res.listeners[0], want);
	ck_assert_uint_eq(res.listeners[0].uid, geteuid());

	o = find_owner(&res, getpid());
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(prctl(PR_GET_NAME, comm), 0);
	ck_assert_str_eq(o->comm, comm);
	ck_assert_uint_eq(o->uid, getuid());
	if (getuid() == 0)
		ck_assert_str_eq(o->user, "root");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ck_assert_int_gt(n, 0);
	exe[n] = '\0';
	ck_assert_str_eq(o->exe, exe);
	ck_assert_uint_ne(o->start, 0);
	ck_assert_int_eq(port_same_process(NULL, o->pid, o->start), 1);
	ck_assert_int_eq(port_same_process(NULL, o->pid, o->start + 1), 0);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_live_v4)
{
	check_live(AF_INET, "127.0.0.1");
}
END_TEST

START_TEST(test_live_v6)
{
	check_live(AF_INET6, "::1");
}
END_TEST

START_TEST(test_live_shared)
{
	struct port_result	res;
	const struct port_owner	*o;
	uint16_t		port;
	pid_t			child;
	char			c;
	int			fd, go[2], ready[2], status;

	fd = listen_on(AF_INET, "127.0.0.1", &port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(ready), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		/* Hold the inherited socket until the parent is done. */
		close(go[1]);
		close(ready[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(go[0]);
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(port_lookup(port, NULL, NULL, &res), 0);
	ck_assert_ptr_nonnull(find_owner(&res, getpid()));
	o = find_owner(&res, child);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->listeners, 1);
	ck_assert_uint_ge(res.listeners[0].nowners, 2);
	ck_assert_int_eq(port_same_process(NULL, child, o->start), 1);

	close(go[1]);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* The pid is gone (or reused): never the same process again. */
	ck_assert_int_eq(port_same_process(NULL, child, o->start), 0);
	close(ready[0]);
	close(fd);
}
END_TEST

START_TEST(test_live_free)
{
	struct sockaddr_in	sin;
	struct port_result	res;
	socklen_t		len = sizeof(sin);
	int			fd;

	/*
	 * Bound but not listening: the port is ours, so nobody else can
	 * listen on it during the test, and it must read as free.
	 */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_eq(port_lookup(ntohs(sin.sin_port), NULL, NULL, &res),
	    0);
	ck_assert_int_eq(res.state, PORT_FREE);
	ck_assert_uint_eq(res.nlisteners, 0);
	ck_assert_uint_eq(res.why, 0);
	close(fd);
}
END_TEST

static Suite *
port_suite(void)
{
	Suite	*s = suite_create("port");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_row_v4);
	tcase_add_test(tc, test_row_v6);
	tcase_add_test(tc, test_row_states);
	tcase_add_test(tc, test_row_malformed);
	tcase_add_test(tc, test_stat_start);
	tcase_add_test(tc, test_cgroup_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("fixture");
	tcase_add_test(tc, test_fixture_any);
	tcase_add_test(tc, test_fixture_shared);
	tcase_add_test(tc, test_fixture_evil_comm);
	tcase_add_test(tc, test_fixture_mapped);
	tcase_add_test(tc, test_fixture_unowned);
	tcase_add_test(tc, test_fixture_free);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("generated");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_big_table);
	tcase_add_test(tc, test_too_many_owners);
	tcase_add_test(tc, test_too_many_listeners);
	tcase_add_test(tc, test_hidden);
	tcase_add_test(tc, test_vanished);
	tcase_add_test(tc, test_proc_error);
	tcase_add_test(tc, test_denied);
	suite_add_tcase(s, tc);

	tc = tcase_create("print");
	tcase_add_test(tc, test_print_table);
	tcase_add_test(tc, test_print_free_unknown);
	tcase_add_test(tc, test_print_sanitized);
	tcase_add_test(tc, test_print_write_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("live");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_live_v4);
	tcase_add_test(tc, test_live_v6);
	tcase_add_test(tc, test_live_shared);
	tcase_add_test(tc, test_live_free);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(port_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
