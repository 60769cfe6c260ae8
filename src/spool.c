/* spool.c - see spool.h. */
#include "spool.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SPOOL_VERSION	1
#define CORRUPT		".corrupt"
#define TMP_PREFIX	".tmp-"
#define PATH_LEN	(sizeof ((struct spool *)0)->dir + SPOOL_NAME_MAX)

enum kind { K_PENDING, K_DEAD, K_SENDING, K_CORRUPT };

/* One file of the spool, from its name and lstat. */
struct item {
	char name[SPOOL_NAME_MAX];
	size_t base;		/* length of ID.CLASS.CHANNEL */
	int esc;
	enum kind kind;
	pid_t pid;		/* K_SENDING */
	uint64_t size;
	int64_t ctime;
	int gone;		/* removed or renamed away in this pass */
};

/*
 * Process-wide, one pass at a time (busy): the listing (about 40 KiB),
 * the entry being looked at, the entry spool_put builds, and the bytes
 * of one file read or written.  ansai is single-threaded; the busy flag
 * refuses a nested pass from a callback.
 */
static struct {
	int busy;
	int changed;		/* tidy renamed or removed a file */
	unsigned n, more;
	struct item it[SPOOL_LIST_MAX];
	struct spool_entry cur;
	struct spool_entry put;
	char raw[SPOOL_FILE_MAX + 1];
	char rec[SPOOL_FILE_MAX];
} S;

/* ---- names ---- */

static int
id_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static int
chan_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    c == '-' || c == '_';
}

static size_t
span(const char *s, int (*ok)(int))
{
	size_t k = 0;

	while (s[k] && ok((unsigned char)s[k]))
		k++;
	return k;
}

int
spool_channel_ok(const char *channel)
{
	size_t k = span(channel, chan_char);

	return k > 0 && k < SPOOL_CHANNEL_MAX && channel[k] == '\0';
}

static int
state_parse(const char *s, size_t len, struct item *it)
{
	uint64_t pid;
	char num[16];

	if (len == 7 && memcmp(s, "pending", 7) == 0)
		it->kind = K_PENDING;
	else if (len == 4 && memcmp(s, "dead", 4) == 0)
		it->kind = K_DEAD;
	else if (len > 8 && len - 8 < sizeof num &&
	    memcmp(s, "sending-", 8) == 0) {
		memcpy(num, s + 8, len - 8);
		num[len - 8] = '\0';
		if (parse_u64(num, 0x7fffffff, &pid) < 0 || pid == 0)
			return -1;
		it->kind = K_SENDING;
		it->pid = (pid_t)pid;
	} else
		return -1;
	return 0;
}

/* ID.CLASS.CHANNEL.STATE[.corrupt] into it; -1 for any other name. */
static int
name_parse(const char *name, struct item *it)
{
	const char *p = name;
	size_t k = span(p, id_char), len;
	int corrupt;

	if (k == 0 || k >= ALERT_ID_MAX || p[k] != '.')
		return -1;
	p += k + 1;
	it->esc = str_starts(p, "esc.");
	if (it->esc)
		p += 4;
	else if (str_starts(p, "info."))
		p += 5;
	else
		return -1;
	k = span(p, chan_char);
	if (k == 0 || k >= SPOOL_CHANNEL_MAX || p[k] != '.')
		return -1;
	p += k;
	it->base = (size_t)(p - name);
	p++;
	len = strlen(p);
	corrupt = str_ends(p, CORRUPT);
	if (corrupt)
		len -= strlen(CORRUPT);
	if (state_parse(p, len, it) < 0)
		return -1;
	if (corrupt)
		it->kind = K_CORRUPT;
	return 0;
}

/* The file name of e's alert and channel in state (pid for sending). */
static int
entry_name(const struct spool_entry *e, const char *state, char *buf,
    size_t n)
{
	return str_fmt(buf, n, "%s.%s.%s.%s", e->alert.id,
	    e->alert.escalated ? "esc" : "info", e->channel, state);
}

static const char *
state_file_word(enum spool_state s)
{
	return s == SPOOL_DEAD ? "dead" : "pending";
}

const char *
spool_state_word(enum spool_state s)
{
	switch (s) {
	case SPOOL_PENDING:
		return "pending";
	case SPOOL_DEAD:
		return "dead";
	case SPOOL_SENDING:
		return "sending";
	default:
		return "done";
	}
}

/* ---- the directory ---- */

int
spool_init(struct spool *sp, const char *state_dir)
{
	sp->max_files = SPOOL_FILES_DEFAULT;
	sp->max_bytes = SPOOL_BYTES_DEFAULT;
	return str_fmt(sp->dir, sizeof sp->dir, "%s/" SPOOL_SUBDIR,
	    state_dir);
}

static void
path_of(const struct spool *sp, const char *name, char *buf)
{
	/* Both parts are bounded, so this always fits PATH_LEN. */
	str_fmt(buf, PATH_LEN, "%s/%s", sp->dir, name);
}

/* The renames and unlinks before it survive a power cut once the
 * directory is synced.  A failure is logged: the files are in place,
 * only their durability is in doubt. */
static void
dir_sync(const struct spool *sp)
{
	int fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd) < 0)
		log_errno(LOG_WARNING, "spool %s: cannot sync the directory",
		    sp->dir);
	if (fd >= 0)
		close(fd);
}

static int
remove_file(const struct spool *sp, const char *name)
{
	char path[PATH_LEN];

	path_of(sp, name, path);
	if (unlink(path) < 0 && errno != ENOENT) {
		log_errno(LOG_ERR, "spool: cannot remove %s", path);
		return -1;
	}
	return 0;
}

static int
rename_file(const struct spool *sp, const char *from, const char *to)
{
	char a[PATH_LEN], b[PATH_LEN];

	path_of(sp, from, a);
	path_of(sp, to, b);
	if (rename(a, b) < 0) {
		if (errno != ENOENT)
			log_errno(LOG_ERR, "spool: cannot rename %s to %s", a,
			    to);
		return -1;
	}
	return 0;
}

/*
 * Write buf to name: a temporary file in the same directory, fsync'd,
 * renamed over name, the directory synced.  A crash leaves name as it
 * was or as buf, never in between.
 */
static int
write_atomic(const struct spool *sp, const char *name, const char *buf,
    size_t len)
{
	char tmp[PATH_LEN], path[PATH_LEN];
	int fd, saved;

	str_fmt(tmp, sizeof tmp, "%s/" TMP_PREFIX "%ld-%016llx", sp->dir,
	    (long)getpid(), (unsigned long long)alert_random64());
	path_of(sp, name, path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0) {
		log_errno(LOG_ERR, "spool: cannot create %s", tmp);
		return -1;
	}
	if (fd_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		log_errno(LOG_ERR, "spool: cannot write %s", tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		log_errno(LOG_ERR, "spool: cannot put %s in place", path);
		return -1;
	}
	dir_sync(sp);
	return 0;
}

/* ---- listing and tidying ---- */

static int
item_cmp(const void *x, const void *y)
{
	return strcmp(((const struct item *)x)->name,
	    ((const struct item *)y)->name);
}

/* A temporary file left by a writer that died (live writers finish in
 * milliseconds).  File ages are taken on the real clock. */
static void
tmp_tidy(const struct spool *sp, int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (int64_t)time(NULL) - (int64_t)st.st_mtime < SPOOL_TMP_STALE)
		return;
	if (unlinkat(dfd, name, 0) == 0)
		logx(LOG_INFO, "spool %s: removed %s, left by a writer that "
		    "died", sp->dir, name);
}

static void
add_item(const struct spool *sp, int dfd, const char *name)
{
	struct item *it;
	struct stat st;

	if (name[0] == '.') {
		if (str_starts(name, TMP_PREFIX))
			tmp_tidy(sp, dfd, name);
		return;
	}
	if (S.n == SPOOL_LIST_MAX) {
		S.more++;
		return;
	}
	it = &S.it[S.n];
	memset(it, 0, sizeof *it);
	if (strlen(name) >= sizeof it->name || name_parse(name, it) < 0) {
		logx(LOG_DEBUG, "spool %s: %s is not a spool file; ignored",
		    sp->dir, name);
		return;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			log_errno(LOG_WARNING, "spool %s: %s", sp->dir, name);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		logx(LOG_WARNING, "spool %s: %s is not a regular file; "
		    "ignored", sp->dir, name);
		return;
	}
	str_copy(it->name, sizeof it->name, name);
	it->size = (uint64_t)st.st_size;
	it->ctime = (int64_t)st.st_ctime;
	S.n++;
}

/* Is a claim abandoned?  Its process is gone, or it is far older than
 * any delivery takes (the pid may have been reused). */
static int
claim_abandoned(const struct item *it)
{
	if (it->pid == getpid())
		return 0;
	if (kill(it->pid, 0) < 0 && errno == ESRCH)
		return 1;
	return (int64_t)time(NULL) - it->ctime > SPOOL_SENDING_STALE;
}

static void
superseded(const struct spool *sp, struct item *it)
{
	S.changed = 1;
	if (remove_file(sp, it->name) == 0) {
		logx(LOG_INFO, "spool %s: removed %s: a newer state of it is "
		    "in place", sp->dir, it->name);
		it->gone = 1;
	}
}

/* A claim whose process died: pending again, to be sent again. */
static void
reclaim(const struct spool *sp, struct item *it)
{
	char to[SPOOL_NAME_MAX];

	str_fmt(to, sizeof to, "%.*s.pending", (int)it->base, it->name);
	S.changed = 1;
	if (rename_file(sp, it->name, to) < 0)
		return;
	logx(LOG_WARNING, "spool %s: %s was being sent by process %ld, "
	    "which is gone; pending again (it may arrive twice)", sp->dir,
	    it->name, (long)it->pid);
	str_copy(it->name, sizeof it->name, to);
	it->kind = K_PENDING;
}

/* The files of one (alert, channel): keep the newest state only. */
static void
tidy_group(const struct spool *sp, struct item *g, unsigned n)
{
	int dead = 0, pending = 0;
	unsigned k;

	for (k = 0; k < n; k++) {
		dead |= g[k].kind == K_DEAD;
		pending |= g[k].kind == K_PENDING;
	}
	for (k = 0; k < n; k++) {
		struct item *it = &g[k];

		if ((it->kind == K_PENDING && dead) ||
		    (it->kind == K_SENDING && (dead || pending) &&
		    claim_abandoned(it)))
			superseded(sp, it);
		else if (it->kind == K_SENDING && claim_abandoned(it)) {
			reclaim(sp, it);
			pending |= it->kind == K_PENDING;
		}
	}
}

static void
tidy(const struct spool *sp)
{
	unsigned i = 0, j;

	S.changed = 0;
	while (i < S.n) {
		for (j = i + 1; j < S.n && S.it[j].base == S.it[i].base &&
		    strncmp(S.it[j].name, S.it[i].name, S.it[i].base) == 0;
		    j++)
			;
		tidy_group(sp, &S.it[i], j - i);
		i = j;
	}
	if (S.changed)
		dir_sync(sp);
}

/* List the spool into S (sorted by name: oldest alert first) and tidy
 * it.  0, or -1 when it cannot be read; a missing spool is empty. */
static int
scan(const struct spool *sp)
{
	struct dirent *de;
	DIR *d;

	S.n = S.more = 0;
	d = opendir(sp->dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		log_errno(LOG_ERR, "spool %s: cannot read it", sp->dir);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL)
		add_item(sp, dirfd(d), de->d_name);
	if (errno != 0)
		log_errno(LOG_WARNING, "spool %s: listing cut short", sp->dir);
	closedir(d);
	if (S.more > 0)
		logx(LOG_WARNING, "spool %s: %u files beyond the first %d "
		    "are left for a later pass", sp->dir, S.more,
		    SPOOL_LIST_MAX);
	qsort(S.it, S.n, sizeof S.it[0], item_cmp);
	tidy(sp);
	return 0;
}

/* Take the busy flag for one pass. */
static int
enter(const struct spool *sp)
{
	if (S.busy) {
		logx(LOG_ERR, "spool %s: called from inside another spool "
		    "pass; refused", sp->dir);
		return -1;
	}
	S.busy = 1;
	return 0;
}

static void
leave(void)
{
	S.busy = 0;
}

/* ---- one file's content ---- */

static int
render(const struct spool_entry *e, size_t *len)
{
	struct json_enc j;

	json_enc_init(&j, S.rec, sizeof S.rec);
	json_obj(&j);
	json_key_int(&j, "spool", SPOOL_VERSION);
	json_key_str(&j, "channel", e->channel);
	json_key_str(&j, "state", state_file_word(e->state));
	json_key_int(&j, "attempts", e->attempts);
	json_key_int(&j, "created", e->created);
	json_key_int(&j, "last_try", e->last_try);
	json_key_int(&j, "next_try", e->next_try);
	json_key_str(&j, "last_error", e->last_error);
	json_key(&j, "alert");
	alert_json_enc(&j, &e->alert);
	json_end(&j);
	return json_enc_end(&j, len);
}

static int
get_time(const struct json_doc *d, const char *key, int64_t *t, char *why,
    size_t wn)
{
	long long v;
	int r = json_get_int(d, key, &v);

	if (r != JSON_OK || v < 0) {
		str_fmt(why, wn, "%s: %s", key, r != JSON_OK ?
		    json_strerror(r) : "negative");
		return -1;
	}
	*t = (int64_t)v;
	return 0;
}

static int
parse_record(const struct json_doc *d, struct spool_entry *e, char *state,
    size_t sn, char *why, size_t wn)
{
	long long v;
	int r;

	if ((r = json_get_int(d, "spool", &v)) != JSON_OK || v != 1) {
		str_fmt(why, wn, "spool: %s", r != JSON_OK ? json_strerror(r) :
		    "not version 1");
		return -1;
	}
	if ((r = json_get_string(d, "channel", e->channel,
	    sizeof e->channel)) != JSON_OK ||
	    (r = json_get_string(d, "state", state, sn)) != JSON_OK ||
	    (r = json_get_string(d, "last_error", e->last_error,
	    sizeof e->last_error)) != JSON_OK ||
	    (r = json_get_int(d, "attempts", &v)) != JSON_OK) {
		str_fmt(why, wn, "channel, state, last_error or attempts: %s",
		    json_strerror(r));
		return -1;
	}
	if (v < 0 || v > 1000000) {
		str_copy(why, wn, "attempts: out of range");
		return -1;
	}
	e->attempts = (unsigned)v;
	if (get_time(d, "created", &e->created, why, wn) < 0 ||
	    get_time(d, "last_try", &e->last_try, why, wn) < 0 ||
	    get_time(d, "next_try", &e->next_try, why, wn) < 0)
		return -1;
	return alert_from_json(d, "alert", &e->alert, why, wn);
}

/* Does the content say what the name says? */
static int
matches(const struct item *it, const struct spool_entry *e,
    const char *state, char *why, size_t wn)
{
	char want[SPOOL_NAME_MAX];
	int dead = strcmp(state, "dead") == 0;

	if (!dead && strcmp(state, "pending") != 0) {
		str_copy(why, wn, "state: neither pending nor dead");
		return -1;
	}
	entry_name(e, "", want, sizeof want);
	if (strlen(want) != it->base + 1 ||
	    strncmp(want, it->name, it->base) != 0) {
		str_copy(why, wn, "its id, class or channel is not its "
		    "name's");
		return -1;
	}
	if (dead != (it->kind == K_DEAD)) {
		str_copy(why, wn, "its state is not its name's");
		return -1;
	}
	return 0;
}

/* Read and check its file into e.  0; -1 with why[wn]; -2 when the
 * file is gone (another process took it). */
static int
load(const struct spool *sp, const struct item *it, struct spool_entry *e,
    char *why, size_t wn)
{
	char path[PATH_LEN], state[16];
	struct json_doc d;
	ssize_t len;

	memset(e, 0, sizeof *e);
	path_of(sp, it->name, path);
	len = file_read(path, S.raw, sizeof S.raw);
	if (len < 0 && errno == ENOENT)
		return -2;
	if (len < 0) {
		str_fmt(why, wn, "%s", errno == EFBIG ? "larger than "
		    "the spool's file limit" : strerror(errno));
		return -1;
	}
	if (json_parse(&d, S.raw, (size_t)len) < 0) {
		str_fmt(why, wn, "not JSON: %s", d.err);
		return -1;
	}
	if (parse_record(&d, e, state, sizeof state, why, wn) < 0 ||
	    matches(it, e, state, why, wn) < 0)
		return -1;
	str_copy(e->name, sizeof e->name, it->name);
	e->state = it->kind == K_DEAD ? SPOOL_DEAD : it->kind == K_SENDING ?
	    SPOOL_SENDING : SPOOL_PENDING;
	e->pid = it->pid;
	return 0;
}

/* Set a file that cannot be used aside, so that it is looked at once,
 * by a human, and costs nothing more. */
static void
quarantine(const struct spool *sp, struct item *it, const char *why)
{
	char to[SPOOL_NAME_MAX];

	str_fmt(to, sizeof to, "%s" CORRUPT, it->name);
	logx(LOG_WARNING, "spool %s: %s is unusable (%s): set aside as %s",
	    sp->dir, it->name, why, to);
	if (rename_file(sp, it->name, to) < 0) {
		it->gone = 1;
		return;
	}
	str_copy(it->name, sizeof it->name, to);
	it->kind = K_CORRUPT;
}

/* Load S.it[i] into S.cur, or set it aside.  0 or -1. */
static int
load_or_quarantine(const struct spool *sp, struct item *it)
{
	char why[SPOOL_ERR_MAX];
	int r;

	if (it->gone || it->kind == K_CORRUPT)
		return -1;
	r = load(sp, it, &S.cur, why, sizeof why);
	if (r == 0)
		return 0;
	if (r == -2)
		it->gone = 1;
	else
		quarantine(sp, it, why);
	return -1;
}

/* ---- back-off ---- */

int64_t
spool_backoff(unsigned attempts)
{
	int64_t d = SPOOL_BACKOFF_MIN;
	unsigned i;

	for (i = 1; i < attempts && d < SPOOL_BACKOFF_MAX; i++)
		d *= 2;
	if (d > SPOOL_BACKOFF_MAX)
		d = SPOOL_BACKOFF_MAX;
	return d - (int64_t)(alert_random64() % (uint64_t)(d / 10 + 1));
}

static int64_t
next_try(unsigned attempts, int64_t wait, int64_t now)
{
	int64_t d = spool_backoff(attempts);

	if (wait > SPOOL_WAIT_MAX)
		wait = SPOOL_WAIT_MAX;
	return now + (wait > d ? wait : d);
}

/* ---- state changes ---- */

/* Write e in its (new) state under its name for that state, then
 * remove its previous file, e->name, when that was another. */
static int
write_state(const struct spool *sp, struct spool_entry *e)
{
	char name[SPOOL_NAME_MAX];
	size_t len;

	if (entry_name(e, state_file_word(e->state), name, sizeof name) < 0 ||
	    render(e, &len) < 0) {
		logx(LOG_ERR, "spool %s: alert %s for %s does not fit a spool "
		    "file", sp->dir, e->alert.id, e->channel);
		return -1;
	}
	if (write_atomic(sp, name, S.rec, len) < 0)
		return -1;
	if (e->name[0] != '\0' && strcmp(e->name, name) != 0) {
		remove_file(sp, e->name);
		dir_sync(sp);
	}
	str_copy(e->name, sizeof e->name, name);
	return 0;
}

int
spool_mark(const struct spool *sp, struct spool_entry *e, const char *err,
    int permanent, int64_t wait, int64_t now)
{
	e->attempts++;
	e->last_try = now;
	str_copy(e->last_error, sizeof e->last_error, err ? err : "");
	e->state = permanent ? SPOOL_DEAD : SPOOL_PENDING;
	e->next_try = permanent ? 0 : next_try(e->attempts, wait, now);
	if (write_state(sp, e) < 0)
		return -1;
	e->pid = 0;
	if (permanent)
		logx(LOG_ERR, "spool %s: alert %s for %s (%s) failed for good "
		    "after %u attempt%s: %s", sp->dir, e->alert.id,
		    e->channel, e->alert.unit, e->attempts,
		    e->attempts == 1 ? "" : "s", e->last_error);
	return 0;
}

int
spool_done(const struct spool *sp, struct spool_entry *e)
{
	if (remove_file(sp, e->name) < 0)
		return -1;
	dir_sync(sp);
	e->state = SPOOL_DONE;
	e->name[0] = '\0';
	return 0;
}

/* ---- bounds ---- */

/* Which files go first when the spool is full (lowest first). */
static int
rank(enum kind k, int esc)
{
	switch (k) {
	case K_CORRUPT:
		return 0;
	case K_DEAD:
		return esc ? 3 : 1;
	case K_PENDING:
		return esc ? 4 : 2;
	default:
		return 99;	/* being sent: never */
	}
}

/* Index of the next victim of rank at most max, lowest rank then
 * oldest first; -1 when none is left. */
static int
next_victim(int max)
{
	int best = -1, r, br = max + 1;
	unsigned i;

	for (i = 0; i < S.n; i++) {
		if (S.it[i].gone)
			continue;
		r = rank(S.it[i].kind, S.it[i].esc);
		if (r < br) {
			br = r;
			best = (int)i;
		}
	}
	return best;
}

static void
totals(unsigned *files, uint64_t *bytes)
{
	unsigned i;

	*files = 0;
	*bytes = 0;
	for (i = 0; i < S.n; i++) {
		if (!S.it[i].gone) {
			(*files)++;
			*bytes += S.it[i].size;
		}
	}
}

/* Mark (gone = 2) the files to drop so that one more of len bytes and
 * rank r fits.  0 when it then fits, else -1 and nothing is marked. */
static int
plan_room(const struct spool *sp, int r, uint64_t len)
{
	unsigned files, i;
	uint64_t bytes;
	int v;

	totals(&files, &bytes);
	while (files + 1 > sp->max_files || bytes + len > sp->max_bytes) {
		v = next_victim(r);
		if (v < 0) {
			for (i = 0; i < S.n; i++)
				if (S.it[i].gone == 2)
					S.it[i].gone = 0;
			return -1;
		}
		S.it[v].gone = 2;
		files--;
		bytes -= S.it[v].size;
	}
	return 0;
}

static void
drop_planned(const struct spool *sp)
{
	char why[SPOOL_ERR_MAX];
	unsigned i;

	for (i = 0; i < S.n; i++) {
		struct item *it = &S.it[i];

		if (it->gone != 2)
			continue;
		it->gone = 0;
		if (it->kind != K_CORRUPT &&
		    load(sp, it, &S.cur, why, sizeof why) == 0)
			logx(LOG_WARNING, "spool %s full: dropped the %s %s "
			    "alert %s about %s for %s", sp->dir,
			    it->kind == K_DEAD ? "dead" : "pending",
			    it->esc ? "escalation" : "heal", S.cur.alert.id,
			    S.cur.alert.unit, S.cur.channel);
		else
			logx(LOG_WARNING, "spool %s full: dropped %s",
			    sp->dir, it->name);
		remove_file(sp, it->name);
		it->gone = 1;
	}
	dir_sync(sp);
}

/* ---- the API ---- */

/* S.put as a new entry of a for channel. */
static void
new_entry(const struct alert *a, const char *channel, int64_t now)
{
	struct spool_entry *e = &S.put;

	memset(e, 0, sizeof *e);
	e->alert = *a;
	alert_clean(&e->alert);
	str_copy(e->channel, sizeof e->channel, channel);
	e->created = now;
}

/* Write S.put, new, making room for it.  0, 1 dropped, -1 error. */
static int
put_entry(const struct spool *sp, const char *state)
{
	struct spool_entry *e = &S.put;
	char name[SPOOL_NAME_MAX];
	size_t len;

	if (render(e, &len) < 0 ||
	    entry_name(e, state, name, sizeof name) < 0) {
		logx(LOG_ERR, "spool %s: alert %s does not fit a spool file",
		    sp->dir, e->alert.id);
		return -1;
	}
	if (plan_room(sp, rank(e->state == SPOOL_DEAD ? K_DEAD : K_PENDING,
	    e->alert.escalated), len) < 0) {
		logx(LOG_ERR, "spool %s full (limits: %u files, %llu bytes) "
		    "of alerts that matter as much: dropped the new alert %s "
		    "about %s for %s", sp->dir, sp->max_files,
		    (unsigned long long)sp->max_bytes, e->alert.id,
		    e->alert.unit, e->channel);
		return 1;
	}
	if (write_atomic(sp, name, S.rec, len) < 0)
		return -1;
	str_copy(e->name, sizeof e->name, name);
	drop_planned(sp);
	return 0;
}

/* Checks and the directory before a new entry; then the listing. */
static int
put_start(const struct spool *sp, const struct alert *a,
    const char *channel)
{
	if (!spool_channel_ok(channel) || a->id[0] == '\0' ||
	    a->id[span(a->id, id_char)] != '\0') {
		logx(LOG_ERR, "spool %s: refused: bad channel or alert id",
		    sp->dir);
		return -1;
	}
	if (state_dir_make(sp->dir) < 0) {
		log_errno(LOG_ERR, "spool: cannot create %s", sp->dir);
		return -1;
	}
	if (enter(sp) < 0)
		return -1;
	/* Unreadable, the spool still takes the alert, unbounded. */
	if (scan(sp) < 0)
		S.n = 0;
	return 0;
}

int
spool_put(const struct spool *sp, const struct alert *a,
    const char *channel, const char *err, int permanent, int64_t wait,
    int64_t now)
{
	struct spool_entry *e = &S.put;
	int r;

	if (put_start(sp, a, channel) < 0)
		return -1;
	new_entry(a, channel, now);
	str_copy(e->last_error, sizeof e->last_error, err ? err : "");
	e->attempts = 1;
	e->last_try = now;
	e->state = permanent ? SPOOL_DEAD : SPOOL_PENDING;
	e->next_try = permanent ? 0 : next_try(1, wait, now);
	r = put_entry(sp, state_file_word(e->state));
	leave();
	return r;
}

int
spool_begin(const struct spool *sp, const struct alert *a,
    const char *channel, int64_t now, struct spool_entry *out)
{
	struct spool_entry *e = &S.put;
	char state[32];
	int r;

	if (put_start(sp, a, channel) < 0)
		return -1;
	new_entry(a, channel, now);
	e->next_try = now;
	e->state = SPOOL_SENDING;
	e->pid = getpid();
	str_fmt(state, sizeof state, "sending-%ld", (long)e->pid);
	r = put_entry(sp, state);
	if (r == 0)
		*out = *e;
	leave();
	return r;
}

int
spool_each(const struct spool *sp, spool_fn fn, void *arg)
{
	unsigned i;
	int n = 0;

	if (enter(sp) < 0)
		return -1;
	if (scan(sp) < 0) {
		leave();
		return -1;
	}
	for (i = 0; i < S.n; i++) {
		if (load_or_quarantine(sp, &S.it[i]) < 0)
			continue;
		fn(sp, &S.cur, arg);
		n++;
	}
	leave();
	return n;
}

/* Claim S.it[i] for this process; then read it again, as another
 * process may have changed it since it was read.  0 with S.cur, or
 * -1 (someone else has it, or it is not due any more). */
static int
claim(const struct spool *sp, struct item *it, int64_t now)
{
	char to[SPOOL_NAME_MAX];

	str_fmt(to, sizeof to, "%.*s.sending-%ld", (int)it->base, it->name,
	    (long)getpid());
	if (rename_file(sp, it->name, to) < 0)
		return -1;
	str_copy(it->name, sizeof it->name, to);
	it->kind = K_SENDING;
	it->pid = getpid();
	if (load_or_quarantine(sp, it) < 0)
		return -1;
	if (S.cur.next_try > now) {
		str_fmt(to, sizeof to, "%.*s.pending", (int)it->base,
		    it->name);
		rename_file(sp, it->name, to);
		return -1;
	}
	return 0;
}

int
spool_release(const struct spool *sp, struct spool_entry *e)
{
	char to[SPOOL_NAME_MAX];

	if (entry_name(e, "pending", to, sizeof to) < 0 ||
	    rename_file(sp, e->name, to) < 0) {
		logx(LOG_ERR, "spool %s: %s could not be put back; the next "
		    "pass will", sp->dir, e->name);
		return -1;
	}
	str_copy(e->name, sizeof e->name, to);
	e->state = SPOOL_PENDING;
	e->pid = 0;
	return 0;
}

int
spool_due(const struct spool *sp, int64_t now, spool_fn fn, void *arg)
{
	unsigned i;
	int n = 0;

	if (enter(sp) < 0)
		return -1;
	if (scan(sp) < 0) {
		leave();
		return -1;
	}
	for (i = 0; i < S.n; i++) {
		struct item *it = &S.it[i];

		if (it->gone || it->kind != K_PENDING ||
		    load_or_quarantine(sp, it) < 0 || S.cur.next_try > now ||
		    claim(sp, it, now) < 0)
			continue;
		fn(sp, &S.cur, arg);
		n++;
		if (S.cur.state == SPOOL_SENDING &&
		    spool_release(sp, &S.cur) == 0)
			logx(LOG_WARNING, "spool %s: %s was neither delivered "
			    "nor failed; pending again", sp->dir, S.cur.name);
	}
	leave();
	return n;
}

static void
count(struct spool_stats *st, const struct item *it)
{
	switch (it->kind) {
	case K_PENDING:
		st->pending++;
		if (st->oldest == 0 || S.cur.created < st->oldest)
			st->oldest = S.cur.created;
		if (st->next_try == 0 || S.cur.next_try < st->next_try)
			st->next_try = S.cur.next_try;
		break;
	case K_DEAD:
		st->dead++;
		break;
	case K_SENDING:
		st->sending++;
		break;
	default:
		st->corrupt++;
	}
}

int
spool_stats(const struct spool *sp, struct spool_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof *st);
	if (enter(sp) < 0)
		return -1;
	if (scan(sp) < 0) {
		leave();
		return -1;
	}
	for (i = 0; i < S.n; i++) {
		struct item *it = &S.it[i];

		if (it->gone)
			continue;
		/* Only a pending entry's times are needed; the others
		 * are counted by name.  A corrupt one counts as such. */
		if (it->kind == K_PENDING)
			load_or_quarantine(sp, it);
		if (it->gone)
			continue;
		st->bytes += it->size;
		count(st, it);
	}
	leave();
	return 0;
}
