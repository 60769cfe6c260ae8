/*
 * conf.h - ansai.conf: INI in systemd's style.
 *
 *   [heal]            defaults for every unit
 *   [unit NAME]       settings for one unit ("my-app" = my-app.service)
 *
 * "#" or ";" starts a comment line; "key = value" with blanks around
 * the "=" ignored.  Unknown sections or keys, bad values, duplicate keys
 * and duplicate sections are errors reported as "FILE:LINE: what".
 * Keys are described once, in the table in conf.c, which is also what
 * the README's reference is checked against.
 */
#ifndef ANSAI_CONF_H
#define ANSAI_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "unitname.h"

#define CONF_DEFAULT_PATH	"/etc/ansai/ansai.conf"
#define CONF_UNITS_MAX		32	/* [unit] sections in one file */
#define CONF_LINE_MAX		1024	/* longer lines are an error */
#define CONF_ERRS_MAX		20	/* errors kept; the rest counted */
#define CONF_ERR_LEN		512
#define CONF_PATH_MAX		256
/* Per-unit lists; sized so 32 units stay under 100 KiB in all. */
#define CONF_FILES_MAX		4	/* config = FILE... */
#define CONF_ARGS_MAX		12	/* validate = COMMAND ARGS... */
#define CONF_WORD_MAX		96	/* one argument */
#define CONF_ENV_MAX		8	/* env = NAME... */
#define CONF_NAME_MAX		64	/* one variable name */

enum strat_id { STRAT_RESTART, STRAT_PORT, STRAT_CONFIG, STRAT_COUNT };
#define STRATS_MAX 8

struct strat_list {
	unsigned n;
	enum strat_id id[STRATS_MAX];
};

/* A list of paths, words or names from one "key = a b c" line. */
struct conf_paths {
	unsigned n;
	char v[CONF_FILES_MAX][CONF_PATH_MAX];
};

struct conf_words {
	unsigned n;
	char v[CONF_ARGS_MAX][CONF_WORD_MAX];
};

struct conf_names {
	unsigned n;
	char v[CONF_ENV_MAX][CONF_NAME_MAX];
};

struct conf_unit {
	char name[UNIT_NAME_MAX];
	unsigned line;
	unsigned port;			/* 0: none */
	int stabilize_sec;		/* -1: from [heal] */
	struct strat_list strategies;	/* n == 0: from [heal] */
	int critical;			/* 0 or 1 */
	int max_heals;			/* -1: from [heal] */
	int window_sec;			/* -1: from [heal] */
	struct conf_paths config;	/* files the service reads */
	struct conf_words validate;	/* argv of a validator */
	struct conf_names env;		/* variables it needs */
	int rollback;			/* keep and restore good copies */
	uint64_t seen;			/* bit per key, for duplicates */
};

enum ai_provider { AI_NONE, AI_GROQ, AI_OLLAMA, AI_OPENAI };

#define CONF_REDACT_MAX		8	/* [ai] redact = PATTERN lines */
#define CONF_PATTERN_MAX	160
#define CONF_URL_MAX		512

/* [ai]: who explains a failure besides the built-in analyser. */
struct conf_ai {
	enum ai_provider provider;
	char url[CONF_URL_MAX];		/* "": the provider's default */
	char model[CONF_WORD_MAX];	/* "": the provider's default */
	char key_file[CONF_PATH_MAX];	/* "": $CREDENTIALS_DIRECTORY */
	unsigned timeout_sec;
	unsigned max_prompt_bytes;
	unsigned nredact;
	char redact[CONF_REDACT_MAX][CONF_PATTERN_MAX];
	int skip_redaction;		/* honoured for loopback only */
};

/* [mail]: e-mail through ansai's own SMTP client. */
struct conf_mail {
	char server[CONF_WORD_MAX];	/* "": no mail */
	unsigned port;			/* 0: by tls (587, 465, 25) */
	int tls;			/* 0 starttls, 1 tls, 2 none */
	char user[CONF_WORD_MAX];
	char password_file[CONF_PATH_MAX];
	char from[CONF_WORD_MAX];
	struct conf_words to;
	unsigned timeout_sec;
};

/* [alert], [slack], [webhook]: who is told, and how. */
struct conf_alert {
	int on_failure_only;		/* [alert] on = failure */
	unsigned spool_max_files;
	unsigned spool_max_bytes;
	char slack_url[CONF_URL_MAX];	/* [slack] url, or from url_file */
	char slack_url_file[CONF_PATH_MAX];
	unsigned slack_timeout_sec;
	char webhook_url[CONF_URL_MAX];
	char webhook_header[CONF_PATTERN_MAX];	/* "Name: value" */
	unsigned webhook_timeout_sec;
};

struct conf {
	char path[CONF_PATH_MAX];	/* "" when built-in defaults */
	char state_dir[CONF_PATH_MAX];
	unsigned stabilize_sec;
	unsigned journal_lines;
	unsigned keep_reports;
	unsigned max_heals;
	unsigned window_sec;
	char ssh_target[CONF_WORD_MAX];	/* "" : root@<hostname> */
	struct strat_list strategies;
	struct conf_ai ai;
	struct conf_alert alert;
	struct conf_mail mail;
	char ca_file[CONF_PATH_MAX];	/* [tls] ca_file */
	uint64_t seen;			/* bit per key, for duplicates */
	unsigned nunits;
	struct conf_unit units[CONF_UNITS_MAX];
};

struct conf_errors {
	unsigned n;		/* kept in msg[] */
	unsigned more;		/* further errors not kept */
	char msg[CONF_ERRS_MAX][CONF_ERR_LEN];
};

/* What one unit gets once [unit] and [heal] are merged. */
struct unit_policy {
	unsigned port;
	unsigned stabilize_sec;
	struct strat_list strategies;
	int critical;
	unsigned max_heals;
	unsigned window_sec;
	const struct conf_paths *config;	/* never NULL */
	const struct conf_words *validate;	/* never NULL */
	const struct conf_names *env;		/* never NULL */
	int rollback;
};

void conf_defaults(struct conf *c);

/* Load path over the defaults.  A missing file is an error only when
 * must_exist (the user named it).  Returns 0 when the file was clean;
 * -1 when errs holds at least one error, in which case c holds the
 * defaults only: a half-read configuration is never used. */
int conf_load(struct conf *c, const char *path, int must_exist,
    struct conf_errors *errs);

/* Settings for unit (a full service name). */
void conf_policy(const struct conf *c, const char *unit,
    struct unit_policy *p);

const char *strat_name(enum strat_id id);
const char *ai_provider_name(enum ai_provider p);

/* "restart, port, config" into buf[n]. */
void strat_list_format(const struct strat_list *l, char *buf, size_t n);

#endif
