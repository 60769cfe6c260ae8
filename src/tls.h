/*
 * tls.h - TLS 1.2 client on BearSSL, over a struct tcp_conn.
 *
 * The server's certificate chain is always verified: against trust
 * anchors loaded from a PEM file (the system's CA bundle, or a CA the
 * configuration names), with the server name checked against the
 * certificate and the validity dates against the system clock.  There
 * is no way to skip any of it.
 *
 * Every step runs under the deadline of the TCP connection underneath
 * (see tcp.h): a handshake, read or write never outlives it.
 *
 * Failures are told in words a user can act on, e.g. "certificate
 * chain not trusted (is the CA in ca_file?)", never as bare BearSSL
 * codes.  tls.c is the only file that includes BearSSL's headers.
 *
 * Memory: the anchors of Debian 12's bundle (144 CAs) take 70 KiB of
 * heap; a connection, 41 KiB, mostly the 33 KiB record buffer BearSSL
 * needs to send and receive full TLS records at the same time.  A
 * static build loading that bundle and fetching a page over TLS peaks
 * at about 340 KiB of RSS in all.
 */
#ifndef ANSAI_TLS_H
#define ANSAI_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "tcp.h"

#define TLS_CA_FILE_DEFAULT	"/etc/ssl/certs/ca-certificates.crt"

/* Limits on a CA file: Debian's bundle is 215 KiB with 144
 * certificates; anything far beyond is not a CA bundle. */
#define TLS_CA_FILE_MAX		(1024 * 1024)
#define TLS_ANCHORS_MAX		256

/* Trust anchors (names and public keys of trusted CAs), on the heap. */
struct tls_trust;

/*
 * Load the certificates of the PEM file path as trust anchors.  0 with
 * *out set, or -1 with *out NULL and why[n] telling what is wrong with
 * the file.  The file is decoded as it is read; only the anchors are
 * kept.  PEM objects other than certificates (keys, CRLs) are ignored;
 * a certificate BearSSL cannot use (say, an Ed25519 key) is skipped
 * and counted.  It is an error when the file is not a regular file
 * (a FIFO could block for ever), is larger than TLS_CA_FILE_MAX, holds
 * more than TLS_ANCHORS_MAX certificates, holds broken PEM, or holds
 * no usable certificate.
 *
 * A CA certificate (basicConstraints CA) anchors chains it issued; any
 * other certificate is trusted only as the server's own certificate,
 * which pins a self-signed server.
 */
int tls_trust_load(struct tls_trust **out, const char *path, char *why,
    size_t n);

/* Anchors loaded; certificates skipped as unusable. */
size_t tls_trust_count(const struct tls_trust *t);
size_t tls_trust_skipped(const struct tls_trust *t);

/* Heap bytes held by t (anchors and their table), for -v reports. */
size_t tls_trust_bytes(const struct tls_trust *t);

/* Free t; NULL is fine. */
void tls_trust_free(struct tls_trust *t);

/* Room for BearSSL's engine, the X.509 validator and the names taken
 * from the server's certificate for messages; tls.c checks at build
 * time that it suffices. */
#define TLS_PRIV_SIZE		8192
/* BR_SSL_BUFSIZE_BIDI: a full input and a full output record. */
#define TLS_IOBUF_SIZE		(16384 + 325 + 16384 + 85)
/* The SNI limit of BearSSL, and of DNS. */
#define TLS_NAME_MAX		256

/*
 * A TLS connection, owned by the caller: about 41 KiB, so put it in
 * static storage or the heap rather than on a small thread's stack.
 * The fields are private to tls.c.  It holds session keys: tls_close
 * wipes them.
 */
struct tls_conn {
	struct tcp_conn *tcp;		/* not owned */
	int state;
	char name[TLS_NAME_MAX];	/* server name, for messages */
	unsigned char first[8];		/* first bytes from the server */
	size_t nfirst;
	_Alignas(16) unsigned char priv[TLS_PRIV_SIZE];
	unsigned char iobuf[TLS_IOBUF_SIZE];
};

/*
 * Handshake over the connected tcp, as a TLS 1.2 client: send
 * server_name as SNI, and verify the server's chain against trust and
 * its certificate against server_name (a DNS name; an IP address is
 * refused since BearSSL checks names only, not IP addresses).  trust
 * must outlive tls.  0, or -1 with why[n] set to
 * "TLS handshake with PEER: REASON", REASON being for instance
 *   certificate chain not trusted (is the CA in ca_file?)
 *   certificate is for another name than "NAME" (it names "OTHER")
 *   certificate expired or not yet valid: check the clock (now is
 *     2026-12-04T16:23:45Z)
 *   server wants a TLS version ansai does not speak (TLS 1.3 only?)
 *   server does not speak TLS (it sent "HTTP/")
 *   server closed the connection without answering (is it a TLS port?)
 *   server does not know the name "NAME" (SNI)
 *   TLS protocol error (BearSSL error N)
 * or, when TCP failed, "TLS handshake: " and tcp->err, e.g.
 *   TLS handshake: timed out after 5000 ms while reading from PEER
 * tcp stays the caller's to close, after tls_close.
 */
int tls_connect(struct tls_conn *tls, struct tcp_conn *tcp,
    const struct tls_trust *trust, const char *server_name,
    char *why, size_t n);

/* Read at most len bytes of application data.  The count, 0 when the
 * server closed the session properly (close_notify) or len is 0, or -1
 * with why[n] set ("TLS read with PEER: ..." or "TLS read: " and
 * tcp->err), which includes a connection closed without close_notify:
 * what was read may have been cut short.  After -1 the session is
 * over: further calls fail with "session not open". */
ssize_t tls_read(struct tls_conn *tls, void *buf, size_t len, char *why,
    size_t n);

/* Write and send all of buf.  0, or -1 with why[n] set. */
int tls_write_all(struct tls_conn *tls, const void *buf, size_t len,
    char *why, size_t n);

/* Send close_notify if the session is open (best effort, without
 * waiting for the server's), then wipe the keys.  Safe on NULL, on a
 * zeroed struct, twice, and after a failed tls_connect.  The TCP
 * connection stays open. */
void tls_close(struct tls_conn *tls);

#endif
