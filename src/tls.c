/* tls.c - see tls.h.  The only file that includes BearSSL's headers. */
#include "tls.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

/* The longest subject name kept for an anchor.  Real CA names are under
 * 300 bytes of DER; a longer one is skipped, not cut. */
#define TLS_DN_MAX	1024
/* Read size for CA files; the PEM decoder keeps its own state. */
#define TLS_READ_CHUNK	4096

/* ---- trust anchors ---------------------------------------------- */

struct tls_trust {
	br_x509_trust_anchor *ta;	/* table of cap, count used */
	size_t count, cap, skipped;
	size_t bytes;			/* names and keys */
};

/* State while one CA file is decoded: PEM, then the X.509 certificate
 * inside, streamed, so that no certificate is held whole. */
struct loader {
	br_pem_decoder_context pem;
	br_x509_decoder_context x509;
	unsigned char dn[TLS_DN_MAX];
	size_t dn_len;
	int dn_over;
	int in_obj, in_cert;
	size_t certs;
	struct tls_trust *t;
	const char *path;
	char *why;
	size_t n;
};

static void
dn_append(void *ctx, const void *buf, size_t len)
{
	struct loader *ld = ctx;

	if (ld->dn_over || len > sizeof ld->dn - ld->dn_len) {
		ld->dn_over = 1;
		return;
	}
	memcpy(ld->dn + ld->dn_len, buf, len);
	ld->dn_len += len;
}

static void
x509_append(void *ctx, const void *buf, size_t len)
{
	struct loader *ld = ctx;

	br_x509_decoder_push(&ld->x509, buf, len);
}

static int
load_fail(struct loader *ld, const char *what)
{
	str_fmt(ld->why, ld->n, "CA file %s: %s", ld->path, what);
	return -1;
}

static void
obj_begin(struct loader *ld)
{
	const char *name = br_pem_decoder_name(&ld->pem);

	ld->in_obj = 1;
	ld->in_cert = strcmp(name, "CERTIFICATE") == 0 ||
	    strcmp(name, "X509 CERTIFICATE") == 0;
	if (!ld->in_cert) {
		br_pem_decoder_setdest(&ld->pem, NULL, NULL);
		return;
	}
	ld->certs++;
	ld->dn_len = 0;
	ld->dn_over = 0;
	br_x509_decoder_init(&ld->x509, dn_append, ld);
	br_pem_decoder_setdest(&ld->pem, x509_append, ld);
}

static size_t
key_len(const br_x509_pkey *pk)
{
	if (pk->key_type == BR_KEYTYPE_RSA)
		return pk->key.rsa.nlen + pk->key.rsa.elen;
	return pk->key.ec.qlen;
}

static int
table_grow(struct tls_trust *t)
{
	size_t cap = t->cap == 0 ? 32 : t->cap * 2;
	br_x509_trust_anchor *ta;

	if (cap > TLS_ANCHORS_MAX)
		cap = TLS_ANCHORS_MAX;
	ta = realloc(t->ta, cap * sizeof *ta);
	if (ta == NULL)
		return -1;
	t->ta = ta;
	t->cap = cap;
	return 0;
}

/* Give back the unused end of the table (144 anchors in a table of
 * 256 would waste 7 KiB); keep the larger table if realloc fails. */
static void
table_fit(struct tls_trust *t)
{
	br_x509_trust_anchor *ta;

	if (t->count == t->cap)
		return;
	ta = realloc(t->ta, t->count * sizeof *ta);
	if (ta == NULL)
		return;
	t->ta = ta;
	t->cap = t->count;
}

/* One allocation per anchor holds its name then its key; ta->dn.data
 * is the block that tls_trust_free releases. */
static int
anchor_add(struct tls_trust *t, const unsigned char *dn, size_t dn_len,
    const br_x509_pkey *pk, int is_ca)
{
	br_x509_trust_anchor *ta;
	unsigned char *blob, *k;

	if (t->count == t->cap && table_grow(t) < 0)
		return -1;
	blob = malloc(dn_len + key_len(pk));
	if (blob == NULL)
		return -1;
	ta = &t->ta[t->count];
	memcpy(blob, dn, dn_len);
	ta->dn.data = blob;
	ta->dn.len = dn_len;
	ta->flags = is_ca ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;
	k = blob + dn_len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(k, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.n = k;
		k += pk->key.rsa.nlen;
		memcpy(k, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.e = k;
	} else {
		memcpy(k, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.q = k;
	}
	t->count++;
	t->bytes += dn_len + key_len(pk);
	return 0;
}

static int
obj_end(struct loader *ld)
{
	const br_x509_pkey *pk;

	ld->in_obj = 0;
	if (!ld->in_cert)
		return 0;
	ld->in_cert = 0;
	/* A certificate BearSSL cannot decode, or with a key type it
	 * does not support, cannot anchor anything: skip it. */
	pk = br_x509_decoder_get_pkey(&ld->x509);
	if (pk == NULL || ld->dn_over || (pk->key_type != BR_KEYTYPE_RSA &&
	    pk->key_type != BR_KEYTYPE_EC)) {
		ld->t->skipped++;
		return 0;
	}
	if (anchor_add(ld->t, ld->dn, ld->dn_len, pk,
	    br_x509_decoder_isCA(&ld->x509)) < 0)
		return load_fail(ld, "out of memory");
	return 0;
}

static int
load_push(struct loader *ld, const unsigned char *p, size_t len)
{
	char what[64];

	while (len > 0) {
		size_t used = br_pem_decoder_push(&ld->pem, p, len);

		p += used;
		len -= used;
		switch (br_pem_decoder_event(&ld->pem)) {
		case BR_PEM_BEGIN_OBJ:
			if (ld->certs == TLS_ANCHORS_MAX) {
				str_fmt(what, sizeof what,
				    "more than %d certificates",
				    TLS_ANCHORS_MAX);
				return load_fail(ld, what);
			}
			obj_begin(ld);
			break;
		case BR_PEM_END_OBJ:
			if (obj_end(ld) < 0)
				return -1;
			break;
		case BR_PEM_ERROR:
			str_fmt(what, sizeof what,
			    "broken PEM in object %zu", ld->certs);
			return load_fail(ld, what);
		default:
			break;
		}
	}
	return 0;
}

/* Stream the file through the decoders; the size cap holds again here
 * for a file that grows while it is read. */
static int
load_fd(struct loader *ld, int fd)
{
	unsigned char buf[TLS_READ_CHUNK];
	size_t total = 0;

	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return load_fail(ld, strerror(errno));
		if (r == 0)
			break;
		total += (size_t)r;
		if (total > TLS_CA_FILE_MAX)
			return load_fail(ld, "larger than 1 MiB: not a CA "
			    "bundle?");
		if (load_push(ld, buf, (size_t)r) < 0)
			return -1;
	}
	/* A last line without its newline still ends the object. */
	if (load_push(ld, (const unsigned char *)"\n", 1) < 0)
		return -1;
	if (ld->in_obj)
		return load_fail(ld, "ends inside a PEM object (cut short?)");
	return 0;
}

/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
 * writer, for ever.  Only a regular file is read; for one, O_NONBLOCK
 * changes nothing. */
static int
load_file(struct loader *ld)
{
	struct stat st;
	int fd, r;

	fd = open(ld->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return load_fail(ld, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = load_fail(ld, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = load_fail(ld, "not a regular file");
	else if (st.st_size > TLS_CA_FILE_MAX)
		r = load_fail(ld, "larger than 1 MiB: not a CA bundle?");
	else
		r = load_fd(ld, fd);
	close(fd);
	return r;
}

int
tls_trust_load(struct tls_trust **out, const char *path, char *why,
    size_t n)
{
	struct loader *ld;
	struct tls_trust *t;
	int r = -1;

	*out = NULL;
	t = calloc(1, sizeof *t);
	ld = malloc(sizeof *ld);
	if (t == NULL || ld == NULL) {
		str_fmt(why, n, "CA file %s: out of memory", path);
		goto done;
	}
	memset(ld, 0, sizeof *ld);
	br_pem_decoder_init(&ld->pem);
	ld->t = t;
	ld->path = path;
	ld->why = why;
	ld->n = n;
	if (load_file(ld) < 0)
		goto done;
	if (t->count == 0) {
		load_fail(ld, ld->certs == 0 ?
		    "no PEM certificate in it (BEGIN CERTIFICATE)" :
		    "no certificate in it that ansai can use");
		goto done;
	}
	table_fit(t);
	*out = t;
	t = NULL;
	r = 0;
done:
	free(ld);
	tls_trust_free(t);
	return r;
}

size_t
tls_trust_count(const struct tls_trust *t)
{
	return t->count;
}

size_t
tls_trust_skipped(const struct tls_trust *t)
{
	return t->skipped;
}

size_t
tls_trust_bytes(const struct tls_trust *t)
{
	return sizeof *t + t->cap * sizeof *t->ta + t->bytes;
}

void
tls_trust_free(struct tls_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->count; i++)
		free(t->ta[i].dn.data);
	free(t->ta);
	free(t);
}

/* ---- connections ------------------------------------------------- */

enum { TLS_FAILED, TLS_OPEN, TLS_ENDED };

/* How a run of the engine ended, when not at its target. */
enum run {
	RUN_OK = 0,
	RUN_IO,		/* TCP failed; tcp->err tells */
	RUN_EOF,	/* TCP connection closed by the server */
	RUN_CLOSED,	/* engine closed: br_ssl_engine_last_error */
	RUN_STUCK	/* wants to read while we write: cannot happen
			 * with a full-duplex buffer, but never spin */
};

/* What tls_conn.priv holds. */
struct tls_priv {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_name_element names[2];
	char san[TLS_NAME_MAX];		/* a DNS name in the certificate */
	char cn[TLS_NAME_MAX];		/* its subject's common name */
};

_Static_assert(sizeof(struct tls_priv) <= TLS_PRIV_SIZE,
    "TLS_PRIV_SIZE too small for BearSSL's contexts");
_Static_assert(_Alignof(struct tls_priv) <= 16,
    "tls_conn.priv is aligned to 16");
_Static_assert(TLS_IOBUF_SIZE == BR_SSL_BUFSIZE_BIDI,
    "TLS_IOBUF_SIZE must be BR_SSL_BUFSIZE_BIDI");

/* OIDs for br_name_element: SAN dNSName, and id-at-commonName. */
static const unsigned char oid_dns[] = { 0, 2 };
static const unsigned char oid_cn[] = { 3, 0x55, 0x04, 0x03 };

static struct tls_priv *
priv(struct tls_conn *tls)
{
	return (struct tls_priv *)(void *)tls->priv;
}

static br_ssl_engine_context *
engine(struct tls_conn *tls)
{
	return &priv(tls)->cc.eng;
}

static int
send_records(struct tls_conn *tls)
{
	br_ssl_engine_context *eng = engine(tls);
	unsigned char *buf;
	size_t len;

	buf = br_ssl_engine_sendrec_buf(eng, &len);
	if (tcp_write_all(tls->tcp, buf, len) < 0)
		return -1;
	br_ssl_engine_sendrec_ack(eng, len);
	return 0;
}

/* Keep the server's first bytes: when the handshake fails they tell
 * whether TLS was spoken at all.  BearSSL reads a record's 5-byte
 * header first, so that is usually all there is to quote. */
static void
keep_first(struct tls_conn *tls, const unsigned char *p, size_t len)
{
	size_t room = sizeof tls->first - tls->nfirst;

	if (len > room)
		len = room;
	memcpy(tls->first + tls->nfirst, p, len);
	tls->nfirst += len;
}

static enum run
recv_records(struct tls_conn *tls)
{
	br_ssl_engine_context *eng = engine(tls);
	unsigned char *buf;
	size_t len;
	ssize_t r;

	buf = br_ssl_engine_recvrec_buf(eng, &len);
	r = tcp_read(tls->tcp, buf, len);
	if (r < 0)
		return RUN_IO;
	if (r == 0)
		return RUN_EOF;
	keep_first(tls, buf, (size_t)r);
	br_ssl_engine_recvrec_ack(eng, (size_t)r);
	return RUN_OK;
}

/* Drive the engine until its state has a bit of target: records to
 * send go out first, then records are read as the engine asks.  Every
 * TCP step is bounded by the connection's deadline. */
static enum run
run_until(struct tls_conn *tls, unsigned target)
{
	br_ssl_engine_context *eng = engine(tls);

	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		enum run r;

		if (st & BR_SSL_CLOSED)
			return RUN_CLOSED;
		if (st & BR_SSL_SENDREC) {
			if (send_records(tls) < 0)
				return RUN_IO;
			continue;
		}
		if (st & target)
			return RUN_OK;
		if (st & BR_SSL_RECVAPP)
			return RUN_STUCK;
		if (st & BR_SSL_RECVREC) {
			r = recv_records(tls);
			if (r != RUN_OK)
				return r;
			continue;
		}
		/* Buffered application data blocks the way: send it. */
		br_ssl_engine_flush(eng, 0);
		if (br_ssl_engine_current_state(eng) == st)
			return RUN_STUCK;
	}
}

/* ---- errors in words --------------------------------------------- */

static const struct {
	int code;
	const char *name;
} alerts[] = {
	{ 10, "unexpected_message" }, { 20, "bad_record_mac" },
	{ 22, "record_overflow" }, { 40, "handshake_failure" },
	{ 42, "bad_certificate" }, { 43, "unsupported_certificate" },
	{ 46, "certificate_unknown" }, { 47, "illegal_parameter" },
	{ 48, "unknown_ca" }, { 50, "decode_error" },
	{ 51, "decrypt_error" }, { 70, "protocol_version" },
	{ 71, "insufficient_security" }, { 80, "internal_error" },
	{ 86, "inappropriate_fallback" }, { 90, "user_canceled" },
	{ 109, "missing_extension" }, { 110, "unsupported_extension" },
	{ 112, "unrecognized_name" }, { 116, "certificate_required" },
	{ 120, "no_application_protocol" },
};

static const char *
alert_name(int code)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(alerts); i++)
		if (alerts[i].code == code)
			return alerts[i].name;
	return "unknown alert";
}

/* Errors with one fixed explanation. */
static const struct {
	int code;
	const char *text;
} fixed[] = {
	{ BR_ERR_X509_NOT_TRUSTED,
	    "certificate chain not trusted (is the CA in ca_file?)" },
	{ BR_ERR_UNSUPPORTED_VERSION,
	    "server wants a TLS version ansai does not speak "
	    "(TLS 1.3 only?)" },
	{ BR_ERR_RECV_FATAL_ALERT + 70,
	    "server wants a TLS version ansai does not speak "
	    "(TLS 1.3 only?)" },
	{ BR_ERR_RECV_FATAL_ALERT + 40,
	    "server refused the handshake: no TLS 1.2 cipher suite in "
	    "common, or it wants TLS 1.3 or a client certificate" },
	{ BR_ERR_BAD_CIPHER_SUITE,
	    "server chose a cipher suite ansai did not offer" },
	{ BR_ERR_X509_EMPTY_CHAIN, "server sent no certificate" },
	{ BR_ERR_X509_NOT_CA,
	    "certificate chain not trusted: an issuer in it is not a CA" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY,
	    "certificate key too weak (RSA under 1017 bits?)" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE,
	    "certificate not allowed for TLS servers (key usage)" },
	{ BR_ERR_WRONG_KEY_USAGE,
	    "certificate not allowed for TLS servers (key usage)" },
	{ BR_ERR_X509_CRITICAL_EXTENSION,
	    "certificate has a critical extension ansai does not know" },
	{ BR_ERR_X509_LIMIT_EXCEEDED,
	    "certificate chain too long or too large" },
	{ BR_ERR_X509_TIME_UNKNOWN,
	    "cannot check certificate dates: the clock is unknown" },
	{ BR_ERR_NO_RANDOM,
	    "no random source for TLS (is /dev/urandom there?)" },
	{ BR_ERR_BAD_SIGNATURE,
	    "server's handshake signature does not verify" },
	{ BR_ERR_BAD_FINISHED,
	    "handshake corrupted in transit (Finished does not match)" },
	{ BR_ERR_BAD_MAC, "data corrupted in transit (bad record MAC)" },
};

static void
describe_name(struct tls_conn *tls, char *buf, size_t n)
{
	struct tls_priv *p = priv(tls);
	const char *seen = NULL;

	if (p->names[0].status == 1)
		seen = p->san;
	else if (p->names[1].status == 1)
		seen = p->cn;
	if (seen != NULL)
		str_fmt(buf, n, "certificate is for another name than \"%s\" "
		    "(it names \"%s\")", tls->name, seen);
	else
		str_fmt(buf, n, "certificate is for another name than \"%s\"",
		    tls->name);
}

static void
describe_code(struct tls_conn *tls, int err, char *buf, size_t n)
{
	char now[32];
	size_t i;

	for (i = 0; i < ARRAY_LEN(fixed); i++) {
		if (fixed[i].code == err) {
			str_copy(buf, n, fixed[i].text);
			return;
		}
	}
	if (err == BR_ERR_X509_BAD_SERVER_NAME) {
		describe_name(tls, buf, n);
	} else if (err == BR_ERR_X509_EXPIRED) {
		time_iso(now, sizeof now, (int64_t)time(NULL));
		str_fmt(buf, n, "certificate expired or not yet valid: check "
		    "the clock (now is %s)", now);
	} else if (err == BR_ERR_RECV_FATAL_ALERT + 112) {
		str_fmt(buf, n, "server does not know the name \"%s\" (SNI)",
		    tls->name);
	} else if (err > BR_ERR_RECV_FATAL_ALERT &&
	    err < BR_ERR_SEND_FATAL_ALERT) {
		err -= BR_ERR_RECV_FATAL_ALERT;
		str_fmt(buf, n, "server ended the session with TLS alert %d "
		    "(%s)", err, alert_name(err));
	} else if (err >= BR_ERR_X509_OK && err < BR_ERR_X509_OK + 32) {
		str_fmt(buf, n, "certificate cannot be decoded or verified "
		    "(BearSSL X.509 error %d)", err);
	} else {
		str_fmt(buf, n, "TLS protocol error (BearSSL error %d)", err);
	}
}

/* A TLS server's first record is a handshake (22) or an alert (21),
 * with a version of 3.x.  Anything else is another protocol. */
static int
spoke_tls(const struct tls_conn *tls)
{
	if (tls->nfirst == 0)
		return 1;
	if (tls->first[0] != 21 && tls->first[0] != 22)
		return 0;
	return tls->nfirst < 2 || tls->first[1] == 3;
}

/* Quote what a non-TLS server sent: its text up to the end of line, or
 * its bytes in hex. */
static void
describe_first(const struct tls_conn *tls, char *buf, size_t n)
{
	char q[sizeof tls->first + 1];
	size_t i;

	for (i = 0; i < tls->nfirst; i++) {
		unsigned char ch = tls->first[i];

		if (ch == '\r' || ch == '\n')
			break;
		if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
			goto hex;
		q[i] = (char)ch;
	}
	if (i == 0)
		goto hex;
	q[i] = '\0';
	str_fmt(buf, n, "server does not speak TLS (it sent \"%s\")", q);
	return;
hex:
	str_copy(buf, n, "server does not speak TLS (it sent");
	for (i = 0; i < tls->nfirst; i++)
		str_append(buf, n, " %02x", tls->first[i]);
	str_append(buf, n, ")");
}

/* why = "WHAT with PEER: reason".  A TCP failure already names the
 * peer, so it follows "WHAT: ". */
static void
describe(struct tls_conn *tls, enum run r, const char *what, char *why,
    size_t n)
{
	const char *peer = tls->tcp->peer;
	char clause[TCP_ERR_MAX];
	int err = br_ssl_engine_last_error(engine(tls));

	if (tls->state != TLS_OPEN && !spoke_tls(tls)) {
		describe_first(tls, clause, sizeof clause);
	} else if (r == RUN_IO) {
		str_fmt(why, n, "%s: %s", what, tls->tcp->err);
		return;
	} else if (r == RUN_EOF && tls->state == TLS_OPEN) {
		str_copy(clause, sizeof clause, "server closed the "
		    "connection without close_notify: data may be cut short");
	} else if (r == RUN_EOF) {
		str_copy(clause, sizeof clause, tls->nfirst == 0 ?
		    "server closed the connection without answering "
		    "(is it a TLS port?)" :
		    "server closed the connection during the handshake");
	} else if (r == RUN_STUCK) {
		str_copy(clause, sizeof clause,
		    "TLS engine stuck (server data not read)");
	} else if (err == BR_ERR_OK) {
		str_copy(clause, sizeof clause, "server ended the session "
		    "during the handshake");
	} else {
		describe_code(tls, err, clause, sizeof clause);
	}
	str_fmt(why, n, "%s with %s: %s", what, peer, clause);
}

/* ---- the public calls -------------------------------------------- */

static void
wipe(struct tls_conn *tls)
{
	explicit_bzero(tls->priv, sizeof tls->priv);
	explicit_bzero(tls->iobuf, sizeof tls->iobuf);
}

/* BearSSL sends the name as SNI and checks it against the certificate's
 * DNS names; an empty name would turn the check off, and IP addresses
 * are neither sent nor checked by the standards it follows. */
static int
check_name(struct tls_conn *tls, const char *name, char *why, size_t n)
{
	unsigned char a[sizeof(struct in6_addr)];

	if (*name == '\0' || strlen(name) >= TLS_NAME_MAX) {
		str_fmt(why, n, "TLS handshake with %s: server name empty or "
		    "longer than %d bytes", tls->tcp->peer, TLS_NAME_MAX - 1);
		return -1;
	}
	if (inet_pton(AF_INET, name, a) == 1 ||
	    inet_pton(AF_INET6, name, a) == 1) {
		str_fmt(why, n, "TLS handshake with %s: cannot verify a "
		    "certificate for an IP address (%s): use the host name "
		    "the certificate is for", tls->tcp->peer, name);
		return -1;
	}
	str_copy(tls->name, sizeof tls->name, name);
	return 0;
}

static void
engine_setup(struct tls_conn *tls, const struct tls_trust *trust)
{
	struct tls_priv *p = priv(tls);

	memset(p, 0, sizeof *p);
	br_ssl_client_init_full(&p->cc, &p->xc, trust->ta, trust->count);
	br_ssl_engine_set_versions(&p->cc.eng, BR_TLS12, BR_TLS12);
	p->names[0].oid = oid_dns;
	p->names[0].buf = p->san;
	p->names[0].len = sizeof p->san;
	p->names[1].oid = oid_cn;
	p->names[1].buf = p->cn;
	p->names[1].len = sizeof p->cn;
	br_x509_minimal_set_name_elements(&p->xc, p->names,
	    ARRAY_LEN(p->names));
	br_ssl_engine_set_buffer(&p->cc.eng, tls->iobuf, sizeof tls->iobuf,
	    1);
}

int
tls_connect(struct tls_conn *tls, struct tcp_conn *tcp,
    const struct tls_trust *trust, const char *server_name,
    char *why, size_t n)
{
	enum run r;

	tls->tcp = tcp;
	tls->state = TLS_FAILED;
	tls->nfirst = 0;
	tls->name[0] = '\0';
	if (check_name(tls, server_name, why, n) < 0)
		return -1;
	engine_setup(tls, trust);
	if (!br_ssl_client_reset(&priv(tls)->cc, server_name, 0))
		r = RUN_CLOSED;
	else
		r = run_until(tls, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
	if (r != RUN_OK) {
		describe(tls, r, "TLS handshake", why, n);
		wipe(tls);
		return -1;
	}
	tls->state = TLS_OPEN;
	return 0;
}

static int
fail_session(struct tls_conn *tls, enum run r, const char *what,
    char *why, size_t n)
{
	describe(tls, r, what, why, n);
	tls->state = TLS_FAILED;
	wipe(tls);
	return -1;
}

static int
not_open(struct tls_conn *tls, const char *what, char *why, size_t n)
{
	str_fmt(why, n, "%s with %s: session not open", what,
	    tls->tcp != NULL ? tls->tcp->peer : "?");
	return -1;
}

ssize_t
tls_read(struct tls_conn *tls, void *buf, size_t len, char *why,
    size_t n)
{
	br_ssl_engine_context *eng = engine(tls);
	unsigned char *app;
	size_t alen;
	enum run r;

	if (tls->state == TLS_ENDED || len == 0)
		return 0;
	if (tls->state != TLS_OPEN)
		return not_open(tls, "TLS read", why, n);
	r = run_until(tls, BR_SSL_RECVAPP);
	if (r == RUN_CLOSED && br_ssl_engine_last_error(eng) == BR_ERR_OK) {
		tls->state = TLS_ENDED;
		return 0;
	}
	if (r != RUN_OK)
		return fail_session(tls, r, "TLS read", why, n);
	app = br_ssl_engine_recvapp_buf(eng, &alen);
	if (alen > len)
		alen = len;
	memcpy(buf, app, alen);
	br_ssl_engine_recvapp_ack(eng, alen);
	return (ssize_t)alen;
}

int
tls_write_all(struct tls_conn *tls, const void *buf, size_t len,
    char *why, size_t n)
{
	br_ssl_engine_context *eng = engine(tls);
	const unsigned char *p = buf;
	enum run r;

	if (tls->state != TLS_OPEN)
		return not_open(tls, "TLS write", why, n);
	while (len > 0) {
		unsigned char *app;
		size_t alen;

		r = run_until(tls, BR_SSL_SENDAPP);
		if (r != RUN_OK)
			return fail_session(tls, r, "TLS write", why, n);
		app = br_ssl_engine_sendapp_buf(eng, &alen);
		if (alen > len)
			alen = len;
		memcpy(app, p, alen);
		br_ssl_engine_sendapp_ack(eng, alen);
		p += alen;
		len -= alen;
	}
	/* Push out the last, partial record; run_until sends records
	 * before it looks at its target. */
	br_ssl_engine_flush(eng, 0);
	r = run_until(tls, BR_SSL_SENDAPP | BR_SSL_RECVAPP);
	if (r != RUN_OK)
		return fail_session(tls, r, "TLS write", why, n);
	return 0;
}

void
tls_close(struct tls_conn *tls)
{
	br_ssl_engine_context *eng;

	if (tls == NULL)
		return;
	eng = engine(tls);
	if (tls->state == TLS_OPEN) {
		/* Queue close_notify and send what is queued; the
		 * server's answer is not awaited. */
		br_ssl_engine_close(eng);
		while ((br_ssl_engine_current_state(eng) & BR_SSL_SENDREC) &&
		    send_records(tls) == 0)
			;
	}
	wipe(tls);
	tls->state = TLS_FAILED;
}
