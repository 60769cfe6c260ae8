/* check_dropin.c - unit tests for dropin.c against a unit directory
 * under /tmp. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "unitname.h"
#include "util.h"

static const char want_text[] =
    "# Written by `ansai enable`; `ansai disable` removes it.\n"
    "# On failure, systemd starts ansai's heal unit for this unit.\n"
    "[Unit]\n"
    "OnFailure=ansai-heal@%n.service\n";

static char top[64];
static char udir[128];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
top_make(void)
{
	strcpy(top, "/tmp/check_dropin.XXXXXX");
	if (mkdtemp(top) == NULL)
		abort();
}

static void
top_remove(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
udir_make(void)
{
	snprintf(udir, sizeof udir, "%s/u.XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(udir));
	umask(022);
}

/* udir/a followed by b, in one of four rotating buffers. */
static const char *
pth(const char *a, const char *b)
{
	static char buf[4][700];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s%s", udir, a, b);
	return buf[i];
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "keep\n", 5), 5);
	close(fd);
}

static void
assert_dropin(const char *unit)
{
	char text[1024];
	const char *path = pth(unit, ".d/" DROPIN_NAME);
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(stat(pth(unit, ".d"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(file_read(path, text, sizeof text),
	    (ssize_t)strlen(want_text));
	ck_assert_str_eq(text, want_text);
}

/* How many names dir holds, "." and ".." aside. */
static unsigned
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(check_text)
{
	ck_assert_str_eq(DROPIN_HEAL_UNIT, "ansai-heal@%n.service");
	ck_assert_str_eq(DROPIN_NAME, "ansai-self-heal.conf");
}
END_TEST

START_TEST(check_write)
{
	char why[256] = "";

	udir_make();
	ck_assert_int_eq(dropin_write(udir, "my-app.service", why,
	    sizeof why), 0);
	ck_assert_str_eq(why, "");
	assert_dropin("my-app.service");
	/* Only the drop-in: no temporary file left behind. */
	ck_assert_uint_eq(entries(udir), 1);
	ck_assert_uint_eq(entries(pth("", "my-app.service.d")), 1);
}
END_TEST

START_TEST(check_write_replaces)
{
	char why[256];
	const char *path;

	udir_make();
	ck_assert_int_eq(mkdir(pth("", "a.service.d"), 0755), 0);
	touch(pth("", "a.service.d/override.conf"));
	path = pth("", "a.service.d/" DROPIN_NAME);
	touch(path);
	ck_assert_int_eq(dropin_write(udir, "a.service", why, sizeof why),
	    0);
	assert_dropin("a.service");
	ck_assert(exists(pth("", "a.service.d/override.conf")));
	ck_assert_uint_eq(entries(pth("", "a.service.d")), 2);
	/* Twice is the same as once. */
	ck_assert_int_eq(dropin_write(udir, "a.service", why, sizeof why),
	    0);
	assert_dropin("a.service");
}
END_TEST

START_TEST(check_escaped_names)
{
	char why[256];

	udir_make();
	ck_assert_int_eq(dropin_write(udir, "foo\\x2dbar.service", why,
	    sizeof why), 0);
	assert_dropin("foo\\x2dbar.service");
	ck_assert(exists(pth("", "foo\\x2dbar.service.d")));
	ck_assert(!exists(pth("", "foo-bar.service.d")));

	ck_assert_int_eq(dropin_write(udir, "getty@tty1.service", why,
	    sizeof why), 0);
	assert_dropin("getty@tty1.service");
	ck_assert_int_eq(dropin_write(udir,
	    "my\\x2dapp@inst\\x2d1.service", why, sizeof why), 0);
	assert_dropin("my\\x2dapp@inst\\x2d1.service");
	ck_assert_uint_eq(entries(udir), 3);
}
END_TEST

START_TEST(check_remove)
{
	char why[256];

	udir_make();
	ck_assert_int_eq(dropin_write(udir, "a.service", why, sizeof why),
	    0);
	ck_assert_int_eq(dropin_remove(udir, "a.service", why, sizeof why),
	    1);
	/* The now empty UNIT.d goes too. */
	ck_assert(!exists(pth("", "a.service.d")));
	ck_assert_uint_eq(entries(udir), 0);
	/* Nothing there: 0, twice. */
	ck_assert_int_eq(dropin_remove(udir, "a.service", why, sizeof why),
	    0);
	ck_assert_int_eq(dropin_remove(udir, "never.service", why,
	    sizeof why), 0);
}
END_TEST

START_TEST(check_remove_keeps_others)
{
	char why[256];

	udir_make();
	ck_assert_int_eq(dropin_write(udir, "web@blue.service", why,
	    sizeof why), 0);
	touch(pth("", "web@blue.service.d/limits.conf"));
	ck_assert_int_eq(dropin_remove(udir, "web@blue.service", why,
	    sizeof why), 1);
	ck_assert(!exists(pth("", "web@blue.service.d/" DROPIN_NAME)));
	ck_assert(exists(pth("", "web@blue.service.d/limits.conf")));

	/* A UNIT.d without the drop-in is left alone. */
	ck_assert_int_eq(mkdir(pth("", "b.service.d"), 0755), 0);
	ck_assert_int_eq(dropin_remove(udir, "b.service", why, sizeof why),
	    0);
	ck_assert(exists(pth("", "b.service.d")));
}
END_TEST

START_TEST(check_remove_error)
{
	char why[256], want[700];

	udir_make();
	ck_assert_int_eq(mkdir(pth("", "a.service.d"), 0755), 0);
	ck_assert_int_eq(mkdir(pth("", "a.service.d/" DROPIN_NAME), 0755),
	    0);
	ck_assert_int_eq(dropin_remove(udir, "a.service", why, sizeof why),
	    -1);
	snprintf(want, sizeof want, "cannot remove %s: Is a directory",
	    pth("", "a.service.d/" DROPIN_NAME));
	ck_assert_str_eq(why, want);
}
END_TEST

START_TEST(check_write_errors)
{
	char why[256], want[700], nodir[200], big[700];

	udir_make();
	snprintf(nodir, sizeof nodir, "%s/missing", udir);
	ck_assert_int_eq(dropin_write(nodir, "a.service", why, sizeof why),
	    -1);
	snprintf(want, sizeof want, "cannot create %s/a.service.d: "
	    "No such file or directory", nodir);
	ck_assert_str_eq(why, want);

	/* UNIT.d is a file. */
	touch(pth("", "f.service.d"));
	ck_assert_int_eq(dropin_write(udir, "f.service", why, sizeof why),
	    -1);
	snprintf(want, sizeof want, "cannot create %s.tmp%ld: "
	    "Not a directory", pth("", "f.service.d/" DROPIN_NAME),
	    (long)getpid());
	ck_assert_str_eq(why, want);

	memset(big, 'a', 600);
	strcpy(big + 600, ".service");
	ck_assert_int_eq(dropin_write(udir, big, why, sizeof why), -1);
	ck_assert_str_eq(why, "path too long");
	ck_assert_int_eq(dropin_remove(udir, big, why, sizeof why), -1);
	ck_assert_str_eq(why, "path too long");
}
END_TEST

/* The temporary file is never opened through a symlink planted at
 * its name. */
START_TEST(check_write_tmp_symlink)
{
	char why[256], tmp[700], target[300];

	udir_make();
	ck_assert_int_eq(mkdir(pth("", "a.service.d"), 0755), 0);
	snprintf(target, sizeof target, "%s/target", udir);
	snprintf(tmp, sizeof tmp, "%s.tmp%ld",
	    pth("", "a.service.d/" DROPIN_NAME), (long)getpid());
	ck_assert_int_eq(symlink(target, tmp), 0);
	ck_assert_int_eq(dropin_write(udir, "a.service", why, sizeof why),
	    -1);
	ck_assert(!exists(target));
	ck_assert(!exists(pth("", "a.service.d/" DROPIN_NAME)));
}
END_TEST

struct names {
	unsigned n;
	char name[8][UNIT_NAME_MAX];
};

static void
collect(const char *unit, void *arg)
{
	struct names *s = arg;

	if (s->n < 8)
		strcpy(s->name[s->n], unit);
	s->n++;
}

START_TEST(check_list)
{
	struct names s;
	char why[256];

	udir_make();
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dropin_list(udir, collect, &s), 0);
	ck_assert_uint_eq(s.n, 0);

	ck_assert_int_eq(dropin_write(udir, "web@blue.service", why,
	    sizeof why), 0);
	ck_assert_int_eq(dropin_write(udir, "a.service", why, sizeof why),
	    0);
	ck_assert_int_eq(dropin_write(udir, "foo\\x2dbar.service", why,
	    sizeof why), 0);
	ck_assert_int_eq(dropin_write(udir, "Zed.service", why, sizeof why),
	    0);
	/* Not listed: no drop-in, not a unit name, not a directory. */
	ck_assert_int_eq(mkdir(pth("", "c.service.d"), 0755), 0);
	touch(pth("", "c.service.d/other.conf"));
	ck_assert_int_eq(dropin_write(udir, "notaunit", why, sizeof why), 0);
	touch(pth("", "plain.service"));
	touch(pth("", "file.service.d"));
	ck_assert_int_eq(mkdir(pth("", ".d"), 0755), 0);

	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dropin_list(udir, collect, &s), 4);
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.name[0], "Zed.service");
	ck_assert_str_eq(s.name[1], "a.service");
	ck_assert_str_eq(s.name[2], "foo\\x2dbar.service");
	ck_assert_str_eq(s.name[3], "web@blue.service");

	ck_assert_int_eq(dropin_remove(udir, "a.service", why, sizeof why),
	    1);
	memset(&s, 0, sizeof s);
	ck_assert_int_eq(dropin_list(udir, collect, &s), 3);
	ck_assert_str_eq(s.name[0], "Zed.service");
	ck_assert_str_eq(s.name[1], "foo\\x2dbar.service");
}
END_TEST

START_TEST(check_list_missing_dir)
{
	struct names s;
	char nodir[200];

	udir_make();
	snprintf(nodir, sizeof nodir, "%s/missing", udir);
	memset(&s, 0, sizeof s);
	errno = 0;
	ck_assert_int_eq(dropin_list(nodir, collect, &s), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

static Suite *
dropin_suite(void)
{
	Suite *s = suite_create("dropin");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, top_make, top_remove);
	tcase_add_test(tc, check_text);
	tcase_add_test(tc, check_write);
	tcase_add_test(tc, check_write_replaces);
	tcase_add_test(tc, check_escaped_names);
	tcase_add_test(tc, check_remove);
	tcase_add_test(tc, check_remove_keeps_others);
	tcase_add_test(tc, check_remove_error);
	tcase_add_test(tc, check_write_errors);
	tcase_add_test(tc, check_write_tmp_symlink);
	tcase_add_test(tc, check_list);
	tcase_add_test(tc, check_list_missing_dir);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dropin_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
