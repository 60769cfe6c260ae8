/*
 * notify.h - deliver an alert to a Slack incoming webhook or to a
 * generic webhook over HTTP or HTTPS, and hand what fails to the
 * spool.
 *
 * Each delivery is one POST on a fresh connection (Connection: close),
 * bounded as a whole by the channel's timeout: connecting, TLS, the
 * exchange and any wait a 429 asks for (name lookup aside: see tcp.h).
 * The outcome is one of three, with the words for logs and the spool:
 *
 *   SENT      Slack: HTTP 200 and the body "ok"; webhook: any 2xx.
 *   PERMFAIL  it will never work as configured: a 4xx other than 408
 *             and 429 (Slack's invalid_payload 400, no_service 404,
 *             channel_is_archived 410, a webhook's 401/403/404/410),
 *             a redirect (not followed: set the URL it names), an
 *             invalid URL or header.  Spooled as dead.
 *   TEMPFAIL  it may work later: no connection, TLS failure (often a
 *             clock not yet set at boot), timeout, 408, 429 past the
 *             deadline, 5xx, Slack answering 200 without "ok", a
 *             response that does not parse.  Spooled for a retry,
 *             not before the server's Retry-After.
 *
 * 429 with Retry-After is waited out and retried while the wait ends
 * before the deadline.  Error words never hold the URL's path or query
 * (a Slack webhook's path is its key) nor the extra header's value
 * (it is often a token).
 */
#ifndef ANSAI_NOTIFY_H
#define ANSAI_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "spool.h"

#define NOTIFY_TIMEOUT_DEFAULT	10	/* seconds */
#define NOTIFY_WHY_MAX		320
/* The server's answer kept: "ok" or Slack's error word, a webhook's
 * short message. */
#define NOTIFY_BODY_MAX		4096

enum notify_res { NOTIFY_SENT, NOTIFY_TEMPFAIL, NOTIFY_PERMFAIL };

enum notify_kind { NOTIFY_SLACK, NOTIFY_WEBHOOK, NOTIFY_MAIL };

struct smtp_opts;

/* One configured channel.  The strings belong to the caller (the
 * configuration) and must outlive the calls. */
struct notify_channel {
	enum notify_kind kind;
	const char *name;	/* the spool's channel: "slack", "webhook" */
	const char *url;	/* http:// or https:// */
	const char *header;	/* "Name: value" sent too; NULL or "" none */
	const char *ca_file;	/* https trust; NULL: the system's bundle */
	unsigned timeout_sec;	/* 0: NOTIFY_TIMEOUT_DEFAULT */
	const struct smtp_opts *smtp;	/* NOTIFY_MAIL: server, login,
					   from, to; its timeout wins */
};

struct notify_result {
	enum notify_res res;
	int status;		/* the last HTTP status; 0 none came */
	int64_t retry_after;	/* seconds the server asked; -1 none */
	long ms;		/* the whole delivery */
	char why[NOTIFY_WHY_MAX];	/* "" when sent */
};

/* Deliver a on ch: the Slack message or the webhook document of
 * alert.h.  Returns r->res. */
enum notify_res notify_send(const struct notify_channel *ch,
    const struct alert *a, struct notify_result *r);

/* "sent", "tempfail", "permfail". */
const char *notify_res_word(enum notify_res res);

/*
 * Send a on each of the n channels; what does not go is put in the
 * spool sp (dead when PERMFAIL).  Logs each outcome.  Returns how many
 * channels took it.
 */
unsigned notify_alert(const struct notify_channel *ch, size_t n,
    const struct spool *sp, const struct alert *a, int64_t now);

/*
 * Retry the spool's due entries on the channels of the same name:
 * delivered ones are removed, failures counted and backed off.  An
 * entry whose channel is no longer configured waits (a configuration
 * may bring it back).  A channel that did not answer, or answered
 * 429 or 5xx, is not tried again in this pass; nothing is started
 * once max_ms (0: no limit) have passed: what is left waits for the
 * next pass as it was.  The count handed out by the spool, or -1.
 */
/* The same for every pending entry, due or not (`ansai flush --now`). */
int notify_flush_all(const struct notify_channel *ch, size_t n,
    const struct spool *sp, int64_t now, long max_ms);

int notify_flush(const struct notify_channel *ch, size_t n,
    const struct spool *sp, int64_t now, long max_ms);

#endif
