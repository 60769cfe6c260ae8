/*
 * rollback.h - last-known-good copies of a unit's `config` files.
 *
 * With `rollback = yes` in [unit NAME], each config FILE is copied when
 * the unit is known good (a heal verified it up, or `ansai enable` ran
 * while it was active), after its configuration passed the file and
 * validator checks of cfgcheck.h.  The store:
 *
 *   STATE_DIR/good/UNIT/ESCAPED        the bytes of FILE, mode 0600
 *   STATE_DIR/good/UNIT/ESCAPED%meta   "path=", "mode=", "uid=",
 *                                      "gid=", "size=", "taken=" lines
 *
 * ESCAPED is FILE in the manner of `systemd-escape --path` with %XX for
 * \xXX: the leading "/" dropped, "/" as "-", every byte but [A-Za-z0-9_.:]
 * (and a leading ".") as %XX: /etc/c-app.json is etc-c%2dapp.json.  A
 * name made this way never holds "%m", so the "%meta" and "%tmp"
 * siblings cannot clash with another file's copy.  A backslash in
 * UNIT (systemd's \x2d) is stored as %5c.
 *
 * A restore never deletes: the file in place gets a second name
 * FILE.ansai-broken-20261204T161500Z (a hard link; "-2", "-3" ... when
 * taken), then the good copy, written to a temporary file in FILE's own
 * directory with the recorded mode and owner and fsync'ed, is renamed
 * over FILE.  FILE is never missing in between.
 */
#ifndef ANSAI_ROLLBACK_H
#define ANSAI_ROLLBACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

#define ROLLBACK_DIR		"good"
#define ROLLBACK_NAME_MAX	255		/* one file name (NAME_MAX) */
#define ROLLBACK_PATH_MAX	1024
#define ROLLBACK_FILE_MAX	(16L << 20)	/* larger: not copied */
#define ROLLBACK_SEQ_MAX	99	/* broken names in one second */

struct rollback_meta {
	char path[CONF_PATH_MAX];
	mode_t mode;		/* permission bits: 07777 */
	uid_t uid;
	gid_t gid;
	int64_t size;
	int64_t taken;		/* when copied, seconds since the epoch */
};

/* Take good copies of unit's config files, for `ansai enable` and after
 * a successful heal.  Only when rollback = yes, the unit is active and
 * its files and validator pass (cfgcheck.h, files and validate checks).
 * Returns how many files were copied, why[n] naming them; 0 when there
 * is nothing to do (rollback off, no config files), why[n] saying so;
 * -1 when refused or failed, why[n] saying why.  Logs nothing: the
 * caller says it in its own words. */
int rollback_snapshot(const struct conf *c, const char *unit, char *why,
    size_t n);

/* ---- the parts, for the config strategy and for tests ---- */

/* FILE (absolute) as one file name, see above; -1 when it would be
 * longer than ROLLBACK_NAME_MAX or out[n] is too small. */
int rollback_escape(const char *path, char *out, size_t n);

/* STATE_DIR/good/UNIT/ESCAPED (suffix "" for the copy, "%meta" ...). */
int rollback_store_path(const char *state_dir, const char *unit,
    const char *path, const char *suffix, char *out, size_t n);

/* FILE.ansai-broken-YYYYmmddTHHMMSSZ for time t (UTC); seq > 1 adds
 * "-SEQ".  -1 when it does not fit out[n]. */
int rollback_broken_name(const char *path, int64_t t, unsigned seq,
    char *out, size_t n);

void rollback_meta_format(const struct rollback_meta *m, char *buf,
    size_t n);
/* 0, or -1 when a line is missing or malformed. */
int rollback_meta_parse(const char *text, struct rollback_meta *m);

/* Copy path into the store of unit.  0, or -1 with why[n]. */
int rollback_save(const char *state_dir, const char *unit, const char *path,
    char *why, size_t n);

/* Is there a good copy of path?  1 (m filled), 0 none, -1 the store is
 * unreadable or damaged (why[n]). */
int rollback_find(const char *state_dir, const char *unit, const char *path,
    struct rollback_meta *m, char *why, size_t n);

/* Does path differ from its good copy m, in bytes, mode or owner (or is
 * it missing)?  1 yes, 0 no, -1 error (why[n]). */
int rollback_differs(const char *state_dir, const char *unit,
    const struct rollback_meta *m, char *why, size_t n);

/* Put the good copy m back at m->path as described above, the file in
 * place keeping a broken name for time now (broken[bn], "" when there
 * was no file).  A symlink or non-regular file in place is refused.
 * 0, or -1 with why[n], FILE then as it was. */
int rollback_restore(const char *state_dir, const char *unit,
    const struct rollback_meta *m, int64_t now, char *broken, size_t bn,
    char *why, size_t n);

#endif
