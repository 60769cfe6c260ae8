/*
 * spool.h - alerts that a channel could not deliver, kept on disk in
 * STATE_DIR/spool/ until it does, so that no alert is lost to a
 * network outage, a reboot or a crash of ansai.
 *
 * One file per (alert, channel).  Each channel's delivery then has its
 * own attempts, back-off and fate, a delivery is confirmed by deleting
 * one file, and no update ever rewrites state another channel needs.
 * An alert that two channels failed is kept twice (a few KiB each).
 * The file name says what the file is, so that listing, bounding and
 * `ls` need not open it:
 *
 *	ID.CLASS.CHANNEL.STATE
 *	20261204T154231Z-9f1c0e2a7b3d4c5e.esc.slack.pending
 *
 *   ID       the alert's id ([0-9A-Za-z_-], starts with the time, so
 *            names sort oldest first)
 *   CLASS    esc (an escalation) or info (anything else: a heal)
 *   CHANNEL  [a-z0-9_-], 1-15 bytes: mail, slack, webhook
 *   STATE    pending     to be sent at next_try
 *            dead        failed for good (SMTP 5xx, HTTP 401/404/410,
 *                        Slack invalid_payload, ...): kept with its
 *                        reason for `ansai status`, never retried
 *            sending-PID claimed by process PID, which is sending it
 *   a ".corrupt" suffix: a file that did not parse, set aside (see
 *            below); ".tmp-*": a file being written.
 *
 * The content is one JSON document, read back with json.h:
 *   {"spool": 1, "channel": "slack", "state": "pending", "attempts": 2,
 *    "created": 1733327000, "last_try": 1733327070,
 *    "next_try": 1733327190, "last_error": "HTTP 503 ...",
 *    "alert": { the webhook document of alert.h }}
 * at most SPOOL_FILE_MAX bytes; a bigger file is corrupt.
 *
 * Durability.  Every new state is written whole to a temporary file in
 * the spool directory, fsync'd, renamed over its name and the directory
 * fsync'd; only then is the previous state's file removed.  A crash at
 * any point leaves the complete old state or the complete new one, or
 * both (then the scan below keeps the newer); never a cut file and
 * never none.  test/check_spool.c kills writers with SIGKILL at random
 * points to check it; the fsyncs are what carries this over a power
 * cut, which a test cannot show.
 *
 * Every listing (put, each, due, stats) first tidies up:
 *  - ".tmp-*" files older than SPOOL_TMP_STALE seconds (a writer died)
 *    are removed;
 *  - dead wins over pending of the same (alert, channel), and either
 *    over an abandoned sending-PID (the newer state was written, the
 *    older file not yet removed);
 *  - a sending-PID file whose process is gone, or that is older than
 *    SPOOL_SENDING_STALE, goes back to pending: its process died while
 *    sending;
 *  - a file that cannot be read, does not parse, or does not match its
 *    name is renamed NAME.corrupt with a warning, and skipped.
 *
 * At least once, not exactly once.  A first delivery is written ahead
 * (spool_begin) as sending-PID, so that a kill while sending loses
 * nothing; a retry is claimed by renaming its file to sending-PID (two
 * ansai processes never send the same file).  The file is deleted as
 * soon as the channel confirmed (SMTP 250 after the data, HTTP 2xx,
 * Slack "ok"), before anything else is done.  If ansai dies between
 * the confirmation and the unlink, a window of microseconds, the alert
 * goes back to pending and is sent again: a duplicate, never a loss.
 * Receivers deduplicate on the alert's id, which stays the same on
 * every channel and retry.  Exactly once would need the receiver's
 * help (an idempotency key it honours); the id is that key.
 *
 * Bounds: at most max_files files and max_bytes bytes in all.  When a
 * new file does not fit, files are dropped (and each drop logged) in
 * this order, oldest first within each: corrupt ones, dead heal
 * alerts, pending heal alerts, dead escalations, pending escalations;
 * never one being sent.  A new heal alert never pushes out an
 * escalation: when only escalations could make room, the new alert is
 * dropped instead, and logged.  The new file is in place before any
 * other is dropped for it.
 *
 * Times are wall-clock seconds, passed in by the caller so that tests
 * can move them.  Errors are logged here with the path and the reason.
 */
#ifndef ANSAI_SPOOL_H
#define ANSAI_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "alert.h"
#include "conf.h"

#define SPOOL_SUBDIR		"spool"
#define SPOOL_FILES_DEFAULT	100
#define SPOOL_BYTES_DEFAULT	(2 * 1024 * 1024)
/* One file: a full alert's JSON and the record around it. */
#define SPOOL_FILE_MAX		(ALERT_JSON_MAX + 2048)
/* Files looked at in one pass: far over any bound (more are left for
 * the next pass and said so). */
#define SPOOL_LIST_MAX		256
#define SPOOL_NAME_MAX		128
#define SPOOL_CHANNEL_MAX	16
#define SPOOL_ERR_MAX		256
/* Back-off after n failed attempts: 60 s doubled each time, at most
 * an hour, less up to a tenth at random so that many devices that
 * lost the same server do not come back in step. */
#define SPOOL_BACKOFF_MIN	60
#define SPOOL_BACKOFF_MAX	3600
/* A server's Retry-After beyond a day is taken as a day. */
#define SPOOL_WAIT_MAX		86400
/* A claim this old is a crash, even if its pid now names another
 * process: a channel's deadline is seconds. */
#define SPOOL_SENDING_STALE	900
#define SPOOL_TMP_STALE		60

enum spool_state {
	SPOOL_PENDING,
	SPOOL_DEAD,
	SPOOL_SENDING,		/* claimed by spool_due for fn */
	SPOOL_DONE		/* spool_done removed it */
};

struct spool {
	char dir[CONF_PATH_MAX + 8];	/* STATE_DIR/spool */
	unsigned max_files;
	uint64_t max_bytes;
};

struct spool_entry {
	char name[SPOOL_NAME_MAX];	/* its file in the spool now */
	char channel[SPOOL_CHANNEL_MAX];
	enum spool_state state;
	pid_t pid;			/* SPOOL_SENDING: who */
	unsigned attempts;		/* failed deliveries so far */
	int64_t created;		/* first failure */
	int64_t last_try;
	int64_t next_try;		/* pending: not before */
	char last_error[SPOOL_ERR_MAX];
	struct alert alert;
};

struct spool_stats {
	unsigned pending, dead, sending, corrupt;
	uint64_t bytes;			/* all files, corrupt ones too */
	int64_t oldest;			/* first failure of the oldest
					   pending one; 0 none */
	int64_t next_try;		/* earliest retry; 0 none */
};

/* The spool of state_dir with the default bounds.  0, or -1 when the
 * path does not fit. */
int spool_init(struct spool *sp, const char *state_dir);

/*
 * Keep alert a for channel, whose delivery just failed with err (the
 * channel's words).  permanent: as dead, never to be retried; else
 * pending for attempt 2 after the back-off, or after wait seconds when
 * the server asked for longer (Retry-After; -1 none).  Creates the
 * directory (0700) if needed.  0 kept; 1 dropped because the spool is
 * full of more important alerts (logged); -1 on error (logged).
 */
int spool_put(const struct spool *sp, const struct alert *a,
    const char *channel, const char *err, int permanent, int64_t wait,
    int64_t now);

/*
 * Write-ahead, before a first delivery: keep a for channel as claimed
 * by this process (state SPOOL_SENDING, attempts 0) in *e, so that a
 * crash or a kill while sending leaves it pending, to be retried.
 * Then send, and call spool_done or spool_mark with e.  Bounded and
 * checked as spool_put.  0 held; 1 dropped (full; logged): send it
 * anyway, unprotected; -1 on error (logged): likewise.
 */
int spool_begin(const struct spool *sp, const struct alert *a,
    const char *channel, int64_t now, struct spool_entry *e);

/* Called for each entry.  fn may send and call spool_done and
 * spool_mark, but not spool_put, spool_each, spool_due or spool_stats:
 * those refuse to run inside one another (the listing is kept in
 * static storage, off the stack). */
typedef void (*spool_fn)(const struct spool *sp, struct spool_entry *e,
    void *arg);

/* Every readable entry, oldest first, in any state.  The count, or -1
 * when the directory cannot be read (a missing one holds none). */
int spool_each(const struct spool *sp, spool_fn fn, void *arg);

/*
 * Every pending entry whose next_try has come, oldest first: each is
 * claimed (state SPOOL_SENDING) and handed to fn, which sends it and
 * then must call spool_done or spool_mark.  One fn left without
 * either is put back as it was.  The count handed to fn, or -1.
 */
int spool_due(const struct spool *sp, int64_t now, spool_fn fn, void *arg);

/* Delivered: remove e's file.  Call it at once when the channel
 * confirmed.  0, or -1 (logged). */
int spool_done(const struct spool *sp, struct spool_entry *e);

/* Failed again: one more attempt counted, err kept, and e pending
 * after the back-off (or wait), or dead when permanent.  e->name and
 * e->state follow.  0, or -1 (logged; e's old file is then kept). */
int spool_mark(const struct spool *sp, struct spool_entry *e,
    const char *err, int permanent, int64_t wait, int64_t now);

/* Not tried after all (its channel is down for this pass): pending
 * again as it was, nothing counted.  0, or -1 (logged). */
int spool_release(const struct spool *sp, struct spool_entry *e);

/* Counts for `ansai status`.  0, or -1. */
int spool_stats(const struct spool *sp, struct spool_stats *st);

/* Seconds to wait after attempts failures, with jitter. */
int64_t spool_backoff(unsigned attempts);

/* "pending", "dead", "sending", "done". */
const char *spool_state_word(enum spool_state s);

/* Is channel a valid channel name? */
int spool_channel_ok(const char *channel);

#endif
