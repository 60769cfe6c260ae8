/* cfgcheck.c - see cfgcheck.h. */
#include "cfgcheck.h"
#include "exec.h"
#include "log.h"
#include "svc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the checks need to know of the unit, in one systemctl call. */
static const char cfg_props[] =
    "User,Group,SupplementaryGroups,DynamicUser,Environment,"
    "EnvironmentFiles,FragmentPath";
#define CFG_SHOW_MAX	16384	/* Environment= may be long */
#define CUT_MARK	" [...]"
#define ID_MAX		4294967294u	/* (uid_t)-1 means "unchanged" */
#define CHILD_NOSWITCH	255	/* readability child: setuid & co. failed */

struct ctx {
	const char *unit;
	const struct unit_policy *p;
	unsigned what;
	struct cfg_result *r;
	char show[CFG_SHOW_MAX];
};

/* ---- the summary line ---- */

/* Replace the end of a full buffer by CUT_MARK: a cut summary says so. */
static void
mark_cut(char *buf, size_t n)
{
	if (n >= sizeof CUT_MARK)
		memcpy(buf + n - sizeof CUT_MARK, CUT_MARK, sizeof CUT_MARK);
}

static void
problem(struct ctx *x, int fixable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
problem(struct ctx *x, int fixable, const char *fmt, ...)
{
	struct cfg_result *r = x->r;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->problems++;
	if (fixable)
		r->fixable++;
	if (!r->cut && str_append(r->text, sizeof r->text, "%s%s",
	    r->text[0] ? "; " : "", msg) < 0) {
		r->cut = 1;
		mark_cut(r->text, sizeof r->text);
	}
	/* Quiet callers log r->text; what did not fit it is logged here,
	 * so that no problem is lost. */
	if (!(x->what & CFG_QUIET) || r->cut)
		logx(LOG_WARNING, "%s: configuration: %s", x->unit, msg);
}

static void
note(struct ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct ctx *x, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	logx(x->what & CFG_QUIET ? LOG_DEBUG : LOG_INFO,
	    "%s: configuration: not checked: %s", x->unit, msg);
	if (str_append(x->r->notes, sizeof x->r->notes, "%s%s",
	    x->r->notes[0] ? "; " : "", msg) < 0)
		mark_cut(x->r->notes, sizeof x->r->notes);
}

/* The value of key in the show text, not copied: NULL when absent. */
static const char *
prop_find(const char *text, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (*p) {
		size_t l = strcspn(p, "\n");

		if (l > kl && memcmp(p, key, kl) == 0 && p[kl] == '=') {
			*len = l - kl - 1;
			return p + kl + 1;
		}
		if (l == kl && memcmp(p, key, kl) == 0)
			break;	/* "Key" alone: not a property line */
		p += l + (p[l] == '\n');
	}
	return NULL;
}

/* A short property (User=, Group= ...) into val[n]; "" when absent. */
static int
prop_get(const char *text, const char *key, char *val, size_t n)
{
	size_t len;
	const char *v = prop_find(text, key, &len);

	val[0] = '\0';
	if (v == NULL)
		return 0;
	if (len >= n)
		return -1;
	memcpy(val, v, len);
	val[len] = '\0';
	return 0;
}

/* ---- the unit's user ---- */

static int
group_id(const char *name, gid_t *gid)
{
	uint64_t id;
	struct group *gr;

	if (parse_u64(name, ID_MAX, &id) == 0) {
		*gid = (gid_t)id;
		return 0;
	}
	gr = getgrnam(name);
	if (gr == NULL)
		return -1;
	*gid = gr->gr_gid;
	return 0;
}

static int
add_group(struct cfg_user *u, gid_t g)
{
	unsigned i;

	for (i = 0; i < u->ngroups; i++)
		if (u->groups[i] == g)
			return 0;
	if (u->ngroups == CFG_GROUPS_MAX)
		return -1;
	u->groups[u->ngroups++] = g;
	return 0;
}

/* The user's own groups from /etc/group, as initgroups would set. */
static int
own_groups(struct cfg_user *u, const char *login, char *why, size_t n)
{
	gid_t g[CFG_GROUPS_MAX];
	int ng = CFG_GROUPS_MAX, i;

	if (getgrouplist(login, u->gid, g, &ng) < 0) {
		str_fmt(why, n, "User=%s is in more than %d groups", u->name,
		    CFG_GROUPS_MAX);
		return -1;
	}
	for (i = 0; i < ng; i++)
		add_group(u, g[i]);
	return 0;
}

static int
supp_groups(struct cfg_user *u, const char *supp, char *why, size_t n)
{
	char word[64];

	while (*supp) {
		size_t len;
		gid_t g;

		supp += strspn(supp, " \t");
		len = strcspn(supp, " \t");
		if (len == 0)
			break;
		if (len >= sizeof word) {
			str_fmt(why, n, "SupplementaryGroups=%.*s...: name "
			    "too long", 20, supp);
			return -1;
		}
		memcpy(word, supp, len);
		word[len] = '\0';
		supp += len;
		if (group_id(word, &g) < 0) {
			str_fmt(why, n, "SupplementaryGroups=%s does not "
			    "exist", word);
			return -1;
		}
		if (add_group(u, g) < 0) {
			str_fmt(why, n, "more than %d groups", CFG_GROUPS_MAX);
			return -1;
		}
	}
	return 0;
}

int
cfg_user_resolve(const char *user, const char *group, const char *supp,
    struct cfg_user *u, char *why, size_t n)
{
	char login[64] = "";
	struct passwd *pw;
	uint64_t id;

	memset(u, 0, sizeof *u);
	if (user == NULL || *user == '\0')
		user = "root";
	if (str_copy(u->name, sizeof u->name, user) < 0) {
		str_fmt(why, n, "User=%.20s...: name too long", user);
		return -1;
	}
	if (parse_u64(user, ID_MAX, &id) == 0) {
		/* systemd takes a number as is, known or not. */
		u->uid = (uid_t)id;
		pw = getpwuid(u->uid);
		u->gid = pw ? pw->pw_gid : (gid_t)id;
	} else {
		pw = getpwnam(user);
		if (pw == NULL) {
			str_fmt(why, n, "User=%s does not exist", user);
			return -1;
		}
		u->uid = pw->pw_uid;
		u->gid = pw->pw_gid;
	}
	/* getgrouplist may reuse the static passwd storage: copy first. */
	if (pw != NULL && str_copy(login, sizeof login, pw->pw_name) < 0)
		login[0] = '\0';
	if (group != NULL && *group != '\0' && group_id(group, &u->gid) < 0) {
		str_fmt(why, n, "Group=%s does not exist", group);
		return -1;
	}
	add_group(u, u->gid);
	if (login[0] != '\0' && own_groups(u, login, why, n) < 0)
		return -1;
	if (supp != NULL && supp_groups(u, supp, why, n) < 0)
		return -1;
	return 0;
}

/* In the child: only system calls from here to _exit. */
static void
try_open_as(const struct cfg_user *u, const char *path)
{
	int fd;

	if (setgroups(u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 ||
	    setuid(u->uid) < 0)
		_exit(CHILD_NOSWITCH);
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	_exit(fd < 0 ? (errno > 0 && errno < CHILD_NOSWITCH ? errno :
	    EIO) : 0);
}

int
cfg_readable_as(const struct cfg_user *u, const char *path, int *err)
{
	int status;
	pid_t pid, w;

	if (geteuid() != 0 && u->uid != geteuid()) {
		*err = EPERM;	/* only root may take on another user */
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*err = errno;
		return -1;
	}
	if (pid == 0)
		try_open_as(u, path);
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0 || !WIFEXITED(status)) {
		*err = w < 0 ? errno : EINTR;
		return -1;
	}
	if (WEXITSTATUS(status) == CHILD_NOSWITCH) {
		*err = EPERM;
		return -1;
	}
	*err = WEXITSTATUS(status);
	return *err == 0;
}

/* ---- environment files and Environment= ---- */

enum env_state { ENV_PRE, ENV_VALUE, ENV_SQ, ENV_DQ };

static int
is_name_char(char c, int first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (!first && c >= '0' && c <= '9');
}

/* Past the value that starts at p: the end of its line, after quotes
 * and escapes that may carry it over several lines. */
static const char *
env_value_end(const char *p)
{
	enum env_state st = ENV_PRE;

	for (; *p; p++) {
		char c = *p;

		if (st == ENV_SQ) {
			if (c == '\'')
				st = ENV_PRE;
		} else if (st == ENV_DQ) {
			if (c == '\\' && p[1] != '\0')
				p++;
			else if (c == '"')
				st = ENV_PRE;
		} else if (c == '\n') {
			return p + 1;
		} else if (c == '\\' && p[1] != '\0') {
			p++;
			st = ENV_VALUE;
		} else if (st == ENV_PRE && c == '\'') {
			st = ENV_SQ;
		} else if (st == ENV_PRE && c == '"') {
			st = ENV_DQ;
		} else if (c != ' ' && c != '\t') {
			st = ENV_VALUE;
		}
	}
	return p;
}

/* One line or assignment from p: its key into key[kn] ("" when the line
 * assigns nothing, or is overlong: *overlong then set). */
static const char *
env_entry(const char *p, char *key, size_t kn, int *overlong)
{
	const char *start = p, *k, *ke, *end;

	key[0] = '\0';
	*overlong = 0;
	p += strspn(p, " \t\r");
	/* A comment or a line without '=' assigns nothing, whatever its
	 * length. */
	if (*p == '#' || *p == ';' || p[strcspn(p, "=\n")] != '=') {
		end = p + strcspn(p, "\n");
		return end + (*end == '\n');
	}
	if (str_starts(p, "export") && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	k = p;
	ke = p + strcspn(p, "=");
	end = env_value_end(ke + 1);
	if ((size_t)(end - start) > CFG_ENVLINE_MAX) {
		*overlong = 1;
		return end;
	}
	while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
		ke--;
	if (ke > k && (size_t)(ke - k) < kn) {
		memcpy(key, k, (size_t)(ke - k));
		key[ke - k] = '\0';
	}
	return end;
}

static int
valid_name(const char *s)
{
	if (!is_name_char(*s, 1))
		return 0;
	for (s++; *s; s++)
		if (!is_name_char(*s, 0))
			return 0;
	return 1;
}

int
env_text_defines(const char *text, const char *name, unsigned *skipped)
{
	char key[CONF_NAME_MAX + 1];
	const char *p = text;
	int found = 0, over;

	if (skipped != NULL)
		*skipped = 0;
	while (*p) {
		p = env_entry(p, key, sizeof key, &over);
		if (over && skipped != NULL)
			(*skipped)++;
		if (key[0] != '\0' && valid_name(key) &&
		    strcmp(key, name) == 0)
			found = 1;
	}
	return found;
}

int
env_prop_defines(const char *v, size_t len, const char *name)
{
	const char *end = v + len;

	while (v < end) {
		char key[CONF_NAME_MAX + 1], quote = 0;
		size_t k = 0;
		int in_key = 1, over = 0;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		for (; v < end; v++) {
			char c = *v;

			if (!quote && (c == ' ' || c == '\t'))
				break;
			if (quote && c == quote) {
				quote = 0;
				continue;
			}
			if (!quote && (c == '"' || c == '\'')) {
				quote = c;
				continue;
			}
			if (c == '\\' && quote != '\'' && v + 1 < end)
				c = *++v;
			if (!in_key)
				continue;
			if (c == '=')
				in_key = 0;
			else if (k < sizeof key - 1)
				key[k++] = c;
			else
				over = 1;
		}
		key[k] = '\0';
		if (!in_key && !over && k > 0 && strcmp(key, name) == 0)
			return 1;
	}
	return 0;
}

/* One "PATH (ignore_errors=yes|no)" value into f. */
static int
env_file_one(const char *v, size_t len, struct env_file *f, char *why,
    size_t n)
{
	static const char tag[] = " (ignore_errors=";
	size_t tl = sizeof tag - 1, i, plen = 0;
	const char *flag = NULL;

	for (i = 0; i + tl <= len; i++)
		if (memcmp(v + i, tag, tl) == 0) {
			plen = i;
			flag = v + i + tl;
		}
	if (flag == NULL || v[len - 1] != ')' || plen == 0) {
		str_fmt(why, n, "EnvironmentFiles=%.*s: not understood",
		    (int)(len > 80 ? 80 : len), v);
		return -1;
	}
	if ((size_t)(v + len - flag) == 4 && memcmp(flag, "yes)", 4) == 0)
		f->ignore_errors = 1;
	else if ((size_t)(v + len - flag) == 3 && memcmp(flag, "no)", 3) == 0)
		f->ignore_errors = 0;
	else {
		str_fmt(why, n, "EnvironmentFiles=%.*s: not understood",
		    (int)(len > 80 ? 80 : len), v);
		return -1;
	}
	if (plen >= sizeof f->path) {
		str_fmt(why, n, "EnvironmentFiles=%.40s...: path too long", v);
		return -1;
	}
	memcpy(f->path, v, plen);
	f->path[plen] = '\0';
	return 0;
}

int
env_files_parse(const char *show, struct env_file *f, unsigned max,
    unsigned *nf, char *why, size_t n)
{
	static const char key[] = "EnvironmentFiles=";
	const char *p = show;

	*nf = 0;
	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len >= sizeof key && memcmp(p, key, sizeof key - 1) == 0) {
			if (*nf == max) {
				str_fmt(why, n, "more than %u "
				    "EnvironmentFile= lines", max);
				return -1;
			}
			if (env_file_one(p + sizeof key - 1,
			    len - (sizeof key - 1), &f[*nf], why, n) < 0)
				return -1;
			(*nf)++;
		}
		p += len + (p[len] == '\n');
	}
	return 0;
}

/* ---- output in one line ---- */

struct stream {
	size_t k;		/* position in the joined stream */
	size_t skip, max;	/* emit [skip, skip + max) */
	char *out;
	size_t pos, n;
};

static void
emit(struct stream *s, char c)
{
	if (s->k >= s->skip && s->k - s->skip < s->max && s->out != NULL &&
	    s->pos + 1 < s->n) {
		s->out[s->pos++] = c;
		s->out[s->pos] = '\0';
	}
	s->k++;
}

/* Walk text as one line (see cfg_condense), emitting part of it. */
static size_t
joined(const char *text, struct stream *s)
{
	const char *p = text;
	int first = 1;

	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *a = p, *b = p + len;

		while (a < b && (*a == ' ' || *a == '\t' || *a == '\r'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' ||
		    b[-1] == '\r'))
			b--;
		if (b > a) {
			if (!first) {
				emit(s, ' ');
				emit(s, '|');
				emit(s, ' ');
			}
			first = 0;
			for (; a < b; a++) {
				unsigned char c = (unsigned char)*a;

				emit(s, c == '\t' ? ' ' : c < 0x20 ||
				    c == 0x7f ? '?' : (char)c);
			}
		}
		p += len + (p[len] == '\n');
	}
	return s->k;
}

void
cfg_condense(const char *text, int cut, size_t keep, char *out, size_t n)
{
	struct stream s = { 0, 0, 0, NULL, 0, 0 };
	size_t total, head;

	if (n == 0)
		return;
	out[0] = '\0';
	total = joined(text, &s);
	s = (struct stream){ 0, 0, keep, out, 0, n };
	if (total <= keep) {
		joined(text, &s);
	} else {
		head = keep / 2;
		s.max = head;
		joined(text, &s);
		str_append(out, n, " [...] ");
		s = (struct stream){ 0, total - (keep - head), keep - head,
			out, strlen(out), n };
		joined(text, &s);
	}
	if (cut)
		str_append(out, n, " [cut]");
}

/* ---- the validator ---- */

int
cfg_validate(const struct conf_words *v, int timeout_ms, char *out,
    size_t n)
{
	const char *argv[CONF_ARGS_MAX + 1];
	char ob[CFG_CAPTURE_MAX], eb[CFG_CAPTURE_MAX];
	char both[2 * CFG_CAPTURE_MAX + 2], how[128];
	char said[CFG_OUTPUT_MAX + 32];
	struct exec_buf o = { .data = ob, .cap = sizeof ob };
	struct exec_buf e = { .data = eb, .cap = sizeof eb };
	struct exec_result res;
	unsigned i;

	for (i = 0; i < v->n && i < CONF_ARGS_MAX; i++)
		argv[i] = v->v[i];
	argv[i] = NULL;
	if (exec_run(argv, timeout_ms, &o, &e, &res) < 0) {
		str_fmt(out, n, "could not be run: %s", strerror(errno));
		return -1;
	}
	/* Not started, or no verdict in time: the configuration was not
	 * checked, which is not the same as found broken (no rollback
	 * may follow from it). */
	if (res.exec_errno != 0 || res.timed_out) {
		exec_describe(&res, how, sizeof how);
		str_copy(out, n, how);
		return -1;
	}
	if (exec_ok(&res)) {
		out[0] = '\0';
		return 1;
	}
	exec_describe(&res, how, sizeof how);
	/* Validators print their complaint on stderr, mostly. */
	str_fmt(both, sizeof both, "%s\n%s", eb, ob);
	cfg_condense(both, o.truncated || e.truncated, CFG_OUTPUT_MAX, said,
	    sizeof said);
	str_fmt(out, n, "%s%s%s", how, said[0] ? ": " : ", printing nothing",
	    said);
	return 0;
}

/* ---- systemd-analyze verify ---- */

static int
names_unit(const char *line, size_t len, const char *unit, const char *frag)
{
	size_t ul = strlen(unit), fl = strlen(frag), i;

	if (len > ul && memcmp(line, unit, ul) == 0 && line[ul] == ':')
		return 1;
	if (len > 5 + ul && memcmp(line, "Unit ", 5) == 0 &&
	    memcmp(line + 5, unit, ul) == 0 && line[5 + ul] == ' ')
		return 1;
	for (i = 0; fl > 0 && i + fl <= len; i++)
		if (memcmp(line + i, frag, fl) == 0)
			return 1;
	return 0;
}

unsigned
cfg_verify_lines(const char *text, const char *unit, const char *frag,
    char *out, size_t n)
{
	char kept[2048];
	unsigned count = 0;
	int cut = 0;

	kept[0] = '\0';
	while (*text) {
		size_t len = strcspn(text, "\n");

		if (names_unit(text, len, unit, frag)) {
			count++;
			if (str_append(kept, sizeof kept, "%.*s\n", (int)len,
			    text) < 0)
				cut = 1;
		}
		text += len + (text[len] == '\n');
	}
	cfg_condense(kept, cut, CFG_OUTPUT_MAX, out, n);
	return count;
}

/* ---- the checks ---- */

static int
is_config_file(const struct ctx *x, const char *path)
{
	unsigned i;

	for (i = 0; i < x->p->config->n; i++)
		if (strcmp(x->p->config->v[i], path) == 0)
			return 1;
	return 0;
}

static const char *
type_word(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
	    S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO" :
	    S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Whom to test readability as; 0, or -1 when that cannot be tested. */
static int
unit_user(struct ctx *x, struct cfg_user *u)
{
	char user[64], group[64], supp[512], dyn[8], why[256];

	if (prop_get(x->show, "User", user, sizeof user) < 0 ||
	    prop_get(x->show, "Group", group, sizeof group) < 0 ||
	    prop_get(x->show, "SupplementaryGroups", supp, sizeof supp) < 0 ||
	    prop_get(x->show, "DynamicUser", dyn, sizeof dyn) < 0) {
		note(x, "readability: User=, Group= or SupplementaryGroups= "
		    "too long to read");
		return -1;
	}
	if (cfg_user_resolve(user, group, supp, u, why, sizeof why) == 0)
		return 0;
	/* A dynamic user exists only while the unit runs. */
	if (strcmp(dyn, "yes") == 0)
		note(x, "readability: DynamicUser=yes (%s)", why);
	else
		problem(x, 0, "%s", why);
	return -1;
}

static void
check_file(struct ctx *x, unsigned i, const struct cfg_user *u)
{
	const char *path = x->p->config->v[i];
	struct stat st;
	int r, err;

	if (stat(path, &st) < 0) {
		err = errno;
		problem(x, err == ENOENT, "%s %s", path, err == ENOENT ?
		    "does not exist" : strerror(err));
		if (err == ENOENT)
			x->r->bad_files |= 1u << i;
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		problem(x, 0, "%s is %s", path, type_word(st.st_mode));
		return;
	}
	if (u == NULL)
		return;
	r = cfg_readable_as(u, path, &err);
	if (r == 0) {
		problem(x, 1, "%s is not readable by User=%s: %s", path,
		    u->name, strerror(err));
		x->r->bad_files |= 1u << i;
	} else if (r < 0) {
		note(x, "readability of %s by User=%s: %s", path, u->name,
		    strerror(err));
	}
}

static void
check_files(struct ctx *x)
{
	struct cfg_user u;
	int have_user;
	unsigned i;

	if (x->p->config->n == 0)
		return;
	have_user = unit_user(x, &u) == 0;
	for (i = 0; i < x->p->config->n; i++)
		check_file(x, i, have_user ? &u : NULL);
}

static void
check_validate(struct ctx *x)
{
	char out[CFG_OUTPUT_MAX + 160];
	int r;

	if (x->p->validate->n == 0)
		return;
	r = cfg_validate(x->p->validate, CFG_VALIDATE_MS, out, sizeof out);
	if (r == 0)
		problem(x, 1, "validator %s %s", x->p->validate->v[0], out);
	else if (r < 0)
		problem(x, 0, "validator %s gave no verdict: %s",
		    x->p->validate->v[0], out);
}

/* Read one EnvironmentFile=; sets bits in *found for names it sets. */
static void
env_file_scan(struct ctx *x, const struct env_file *f, unsigned *found,
    int *unread)
{
	static char text[CFG_ENVFILE_MAX];	/* kept off the stack */
	const struct conf_names *e = x->p->env;
	unsigned i, skipped = 0, s;

	if (file_read(f->path, text, sizeof text) < 0) {
		/* A missing file sets nothing: the names it might set are
		 * missing indeed. */
		if (errno == ENOENT && f->ignore_errors)
			return;
		if (errno == ENOENT) {
			problem(x, is_config_file(x, f->path),
			    "EnvironmentFile=%s does not exist (systemd will "
			    "not start the unit without it)", f->path);
			return;
		}
		if (errno == EFBIG)
			note(x, "EnvironmentFile=%s is over %d KiB", f->path,
			    CFG_ENVFILE_MAX / 1024);
		else
			problem(x, 0, "EnvironmentFile=%s: %s", f->path,
			    strerror(errno));
		*unread = 1;
		return;
	}
	for (i = 0; i < e->n; i++) {
		if (env_text_defines(text, e->v[i], &s))
			*found |= 1u << i;
		skipped = s;
	}
	if (skipped > 0)
		note(x, "%u assignments in %s over %d bytes", skipped, f->path,
		    CFG_ENVLINE_MAX);
}

static void
check_env(struct ctx *x)
{
	struct env_file files[CFG_ENVFILES_MAX];
	const struct conf_names *e = x->p->env;
	unsigned nf = 0, i, found = 0, from_config = 0;
	int unread = 0;
	const char *v;
	size_t len;
	char why[256];

	/* Even with no `env`: a missing EnvironmentFile= (without "-")
	 * alone keeps systemd from starting the unit. */
	if (env_files_parse(x->show, files, CFG_ENVFILES_MAX, &nf, why,
	    sizeof why) < 0) {
		note(x, "environment files: %s", why);
		unread = 1;
		nf = 0;
	}
	for (i = 0; i < nf; i++) {
		env_file_scan(x, &files[i], &found, &unread);
		from_config |= is_config_file(x, files[i].path);
	}
	v = prop_find(x->show, "Environment", &len);
	for (i = 0; i < e->n; i++) {
		if (found & (1u << i) ||
		    (v != NULL && env_prop_defines(v, len, e->v[i])))
			continue;
		if (unread)
			note(x, "%s: not in Environment=, and not every "
			    "EnvironmentFile= could be read", e->v[i]);
		else
			problem(x, from_config, "%s is set neither by "
			    "Environment= nor by an EnvironmentFile=",
			    e->v[i]);
	}
}

static void
check_verify(struct ctx *x)
{
	char frag[CONF_PATH_MAX], ob[4096], eb[8192], lines[CFG_OUTPUT_MAX +
	    32], how[128];
	struct exec_buf o = { .data = ob, .cap = sizeof ob };
	struct exec_buf e = { .data = eb, .cap = sizeof eb };
	struct exec_result res;
	const char *argv[] = { "systemd-analyze", "verify", "--", frag, NULL };
	unsigned k;

	if (prop_get(x->show, "FragmentPath", frag, sizeof frag) < 0 ||
	    frag[0] == '\0') {
		note(x, "no unit file to verify");
		return;
	}
	if (exec_run(argv, CFG_VERIFY_MS, &o, &e, &res) < 0) {
		note(x, "systemd-analyze verify: %s", strerror(errno));
		return;
	}
	/* Not on the device, or hung: the unit file is simply not
	 * verified; neither is a fault of the unit. */
	if (res.exec_errno != 0 || res.timed_out) {
		exec_describe(&res, how, sizeof how);
		note(x, "systemd-analyze verify: %s", how);
		return;
	}
	if (exec_ok(&res))
		return;
	k = cfg_verify_lines(eb, x->unit, frag, lines, sizeof lines);
	if (k == 0)
		k = cfg_verify_lines(ob, x->unit, frag, lines, sizeof lines);
	if (k > 0)
		problem(x, 0, "systemd-analyze verify %s: %s", frag, lines);
	else
		logx(LOG_INFO, "%s: systemd-analyze verify failed on other "
		    "units only; not counted", x->unit);
}

int
cfg_check(const char *unit, const struct unit_policy *p, unsigned what,
    struct cfg_result *r)
{
	static struct ctx x;	/* 16 KiB of show text: off the stack */
	char why[256];

	memset(r, 0, sizeof *r);
	memset(&x, 0, sizeof x);
	x.unit = unit;
	x.p = p;
	x.what = what;
	x.r = r;
	if (svc_props(unit, cfg_props, x.show, sizeof x.show, why,
	    sizeof why) < 0) {
		str_fmt(r->text, sizeof r->text, "systemctl show: %s", why);
		return -1;
	}
	if (what & CFG_FILES)
		check_files(&x);
	if (what & CFG_ENV)
		check_env(&x);
	if (what & CFG_VERIFY)
		check_verify(&x);
	/* Last: the slowest, and its output is what a human reads first
	 * when it is the only problem. */
	if (what & CFG_VALIDATE)
		check_validate(&x);
	return 0;
}
