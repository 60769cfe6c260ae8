/*
 * conn.h - one HTTP request over a fresh connection: plain TCP for
 * http://, TLS (BearSSL, verified against ca_file) for https://, under
 * one deadline.  The model client and the alert channels share it.
 */
#ifndef ANSAI_CONN_H
#define ANSAI_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Connect to u, send req, read the answer into r (after
 * http_resp_init), close.  0 when a complete response arrived, whatever
 * its status; -1 with why[n] (connect, TLS, or HTTP failure in words).
 * Not reentrant: the TLS buffers (about 41 KiB) are static, and ansai
 * makes one request at a time. */
int conn_http(const struct http_url *u, const char *ca_file,
    int64_t deadline_ms, const struct http_request *req,
    struct http_resp *r, char *why, size_t n);

#endif
