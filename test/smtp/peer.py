#!/usr/bin/python3
"""peer.py - helpers for check_smtp.c.

  peer.py serve DIR USER PASSWORD
      A real SMTP server (Debian's python3-aiosmtpd) on 127.0.0.1 with
      DIR/good.crt and DIR/good.key: one port with STARTTLS required
      and AUTH offered only after it, one port with TLS from the first
      byte.  Both require AUTH (PLAIN or LOGIN) as USER/PASSWORD.  Each
      message goes to DIR/RCPT.eml (the first recipient, as received
      after dot-unstuffing) and DIR/RCPT.json (envelope, TLS, AUTH).
      Writes "starttls PORT" and "implicit PORT" to DIR/ports once it
      listens.  Runs until killed.

  peer.py check EML SUBJECT_FILE BODY_FILE
      Parse EML as RFC 5322 (email.policy.default) and check it: no
      defects, CRLF only, header lines <= 78 and body lines <= 76
      bytes, the subject decoding to SUBJECT_FILE exactly, the body
      decoding to BODY_FILE exactly, charset utf-8, Date and
      Message-ID well formed.  Prints "ok" or what is wrong (exit 1).

Run with /usr/bin/python3: aiosmtpd is a Debian package.
"""
import asyncio
import email
import email.policy
import email.utils
import json
import os
import re
import ssl
import sys


def serve(d, user, password):
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(os.path.join(d, "good.crt"),
                        os.path.join(d, "good.key"))

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            name = re.sub(r"[^A-Za-z0-9@.+-]", "_", envelope.rcpt_tos[0])
            base = os.path.join(d, name)
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            with open(base + ".json", "w") as f:
                json.dump({"mail_from": envelope.mail_from,
                           "rcpt_tos": envelope.rcpt_tos,
                           "mail_options": envelope.mail_options,
                           "tls": session.ssl is not None,
                           "auth": bool(session.authenticated)}, f)
            os.rename(base + ".eml.tmp", base + ".eml")
            return "250 2.0.0 Ok: saved as " + name

    def auth(server, session, envelope, mechanism, data):
        ok = (isinstance(data, LoginPassword) and
              data.login == user.encode() and
              data.password == password.encode())
        return AuthResult(success=ok, handled=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def starttls():
        return SMTP(Handler(), hostname="localhost", tls_context=ctx,
                    require_starttls=True, authenticator=auth,
                    auth_required=True, auth_require_tls=True)

    def implicit():
        return SMTP(Handler(), hostname="localhost", authenticator=auth,
                    auth_required=True, auth_require_tls=False)

    s1 = loop.run_until_complete(
        loop.create_server(starttls, "127.0.0.1", 0))
    s2 = loop.run_until_complete(
        loop.create_server(implicit, "127.0.0.1", 0, ssl=ctx))
    tmp = os.path.join(d, "ports.tmp")
    with open(tmp, "w") as f:
        f.write("starttls %d\nimplicit %d\n" %
                (s1.sockets[0].getsockname()[1],
                 s2.sockets[0].getsockname()[1]))
    os.rename(tmp, os.path.join(d, "ports"))
    loop.run_forever()


def problems(raw, subject, body):
    out = []
    if re.search(rb"\r(?!\n)|(?<!\r)\n", raw):
        out.append("bare CR or LF")
    head, _, text = raw.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if len(line) > 78:
            out.append("header line over 78: %r" % line)
    for line in text.split(b"\r\n"):
        if len(line) > 76:
            out.append("body line over 76: %r" % line)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out += ["defect: %r" % x for x in msg.defects]
    for k, v in msg.items():
        out += ["defect in %s: %r" % (k, x) for x in v.defects]
    if str(msg["subject"]) != subject:
        out.append("subject %r, not %r" % (str(msg["subject"]), subject))
    if msg.get_content_type() != "text/plain" or \
            msg.get_content_charset() != "utf-8":
        out.append("content type %r" % msg["content-type"])
    # The payload keeps the wire's CRLF; the text given had LF.
    text = msg.get_content().replace("\r\n", "\n")
    if text != body:
        out.append("body %r, not %r" % (text, body))
    if email.utils.parsedate_to_datetime(str(msg["date"])) is None:
        out.append("date %r" % msg["date"])
    if not re.fullmatch(r"<[^<>@\s]+@[A-Za-z0-9.-]+>", str(msg["message-id"])):
        out.append("message id %r" % msg["message-id"])
    if str(msg["mime-version"]) != "1.0":
        out.append("mime version %r" % msg["mime-version"])
    return out


def check(eml, subject_file, body_file):
    with open(eml, "rb") as f:
        raw = f.read()
    with open(subject_file, encoding="utf-8") as f:
        subject = f.read()
    with open(body_file, encoding="utf-8") as f:
        body = f.read()
    out = problems(raw, subject, body)
    print("\n".join(out) if out else "ok")
    return 1 if out else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "serve":
        serve(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "check":
        sys.exit(check(*sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
