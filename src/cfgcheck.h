/*
 * cfgcheck.h - is a unit's configuration fit to start it?  The checks
 * of the config strategy; none of them changes anything:
 *
 *   files     each `config` FILE exists, is a regular file and opens
 *             for reading as the unit's User=, Group= and groups (a
 *             child takes on those ids and calls open(), so modes,
 *             ACLs and every directory on the way count as they will
 *             for the service);
 *   validate  the `validate` COMMAND ARGS... exits 0 within
 *             CFG_VALIDATE_MS (run as ansai's user, without a shell);
 *   env       each `env` NAME is set by Environment= or by one of the
 *             EnvironmentFile=s, and each EnvironmentFile= without "-"
 *             exists;
 *   verify    `systemd-analyze verify` finds no error in the unit's own
 *             file.  It also loads the units this one names and may
 *             complain about them (a missing ExecStart= binary of
 *             another unit): only lines that name this unit or its
 *             file count, and only when it exits non-zero; warnings
 *             with exit 0 are what systemd itself starts the unit
 *             with.
 *
 * What could not be tested (ansai not root, a DynamicUser=, no
 * systemd-analyze on the device, an oversized file) is said in notes,
 * never counted as a problem and never guessed.
 */
#ifndef ANSAI_CFGCHECK_H
#define ANSAI_CFGCHECK_H

#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

#define CFG_VALIDATE_MS	30000	/* the validator, then killed */
#define CFG_VERIFY_MS	30000	/* systemd-analyze verify */
#define CFG_CAPTURE_MAX	4096	/* validator output read, per stream */
#define CFG_OUTPUT_MAX	200	/* of it kept in the one-line summary */
/* Problems in one line: it must fit a strategy's detail (512) with
 * words around it. */
#define CFG_TEXT_MAX	400
#define CFG_NOTES_MAX	256
#define CFG_ENVFILE_MAX	65536	/* a larger EnvironmentFile= is not read */
#define CFG_ENVLINE_MAX	4096	/* a longer assignment is skipped */
#define CFG_ENVFILES_MAX 16	/* EnvironmentFile= lines of one unit */
#define CFG_GROUPS_MAX	64	/* groups of the unit's user */

enum {
	CFG_FILES = 1,
	CFG_VALIDATE = 2,
	CFG_ENV = 4,
	CFG_VERIFY = 8,
	CFG_ALL = 15,
	CFG_QUIET = 16,		/* log only problems r->text cannot hold */
};

struct cfg_result {
	unsigned problems;	/* found */
	unsigned fixable;	/* of them, ones a good copy of the config
				   files may cure: a config file missing or
				   unreadable, the validator failing */
	unsigned bad_files;	/* bit i: config file i missing/unreadable */
	int cut;		/* text did not hold every problem */
	char text[CFG_TEXT_MAX];	/* "; " between problems */
	char notes[CFG_NOTES_MAX];	/* what was not checked, and why */
};

/* Run the checks in what (CFG_* bits) for unit under policy p.  Each
 * problem is summed up in r->text and logged at warning in full (with
 * CFG_QUIET only those that did not fit r->text).  Returns 0 when the
 * checks ran (r->problems says how they went), -1 when systemd could
 * not be asked (r->text says why). */
int cfg_check(const char *unit, const struct unit_policy *p, unsigned what,
    struct cfg_result *r);

/* ---- the parts, for the checks above and for tests ---- */

/* Who the service runs as, resolved like systemd does: User= empty is
 * root; a number is a uid even when /etc/passwd does not know it (its
 * gid is then the same number); Group= empty is the user's primary
 * group; the user's groups from /etc/group plus SupplementaryGroups=. */
struct cfg_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	unsigned ngroups;
	gid_t groups[CFG_GROUPS_MAX];
};

/* 0, or -1 with why[n] ("User=x does not exist" ...). */
int cfg_user_resolve(const char *user, const char *group, const char *supp,
    struct cfg_user *u, char *why, size_t n);

/* Can u open path for reading?  1 yes; 0 no, *err the errno it got;
 * -1 when it cannot be tested (ansai may not take on u's ids), *err
 * saying why. */
int cfg_readable_as(const struct cfg_user *u, const char *path, int *err);

/* Does an environment file's text assign name?  Lines are KEY=VALUE
 * with an optional "export ", blanks around KEY, "#" and ";" comment
 * lines, and values in single or double quotes or with backslash
 * escapes, which may run over several lines (systemd's rules).  An
 * assignment longer than CFG_ENVLINE_MAX is skipped whole and counted
 * in *skipped (which may be NULL). */
int env_text_defines(const char *text, const char *name, unsigned *skipped);

/* Does an Environment= value as `systemctl show` prints it (words
 * separated by blanks, quoted when they hold blanks: A=1 "B=x y")
 * assign name?  value need not be NUL-terminated at len. */
int env_prop_defines(const char *value, size_t len, const char *name);

struct env_file {
	char path[CONF_PATH_MAX];
	int ignore_errors;	/* "-" before the path: may be missing */
};

/* Every "EnvironmentFiles=PATH (ignore_errors=yes|no)" line of
 * `systemctl show` text into f[max]; 0 with *nf set, or -1 when a line
 * is malformed, a path too long or there are more than max (why[n]). */
int env_files_parse(const char *show, struct env_file *f, unsigned max,
    unsigned *nf, char *why, size_t n);

/* A program's output as one line for a report: lines joined with
 * " | ", blank lines dropped, control bytes as '?'.  Longer than keep
 * bytes: its head and tail around " [...] ".  cut (the capture itself
 * was cut): " [cut]" at the end.  out[n] always terminated, and never
 * longer than keep plus the markers. */
void cfg_condense(const char *text, int cut, size_t keep, char *out,
    size_t n);

/* Run the validator argv v.  1 when it exited 0; 0 when not, with
 * out[n] saying how it ended and what it printed (condensed, stderr
 * first); -1 when it could not be started, out[n] saying why. */
int cfg_validate(const struct conf_words *v, int timeout_ms, char *out,
    size_t n);

/* The lines of `systemd-analyze verify` output that name unit (at a
 * line's start, as "UNIT:" or "Unit UNIT ") or its file frag, condensed
 * into out[n].  Returns how many there were. */
unsigned cfg_verify_lines(const char *text, const char *unit,
    const char *frag, char *out, size_t n);

#endif
