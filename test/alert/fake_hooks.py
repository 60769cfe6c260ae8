#!/usr/bin/python3
"""fake_hooks.py - a loopback stand-in for a Slack incoming webhook and
a generic webhook, for ansai's tests (test/check_notify.c).

    /usr/bin/python3 fake_hooks.py --dir DIR [--host 127.0.0.1|::1]
        [--cert CERT --key KEY]

Serves plain HTTP (HTTPS with --cert) on one loopback address only, on a port the kernel
picks, written to DIR/port once listening.  Every request is recorded
before it is answered: DIR/req-NNNN.json (method, path, headers in
order) and DIR/req-NNNN.body (the body as received).

The first path segment names the answer; the rest is ignored (as a
webhook's key would be):
  slack-ok        200 "ok"                      Slack's success
  slack-invalid   400 "invalid_payload"
  slack-404       404 "no_service"
  slack-410       410 "channel_is_archived"
  slack-429once   429 Retry-After: 1 "rate_limited" on odd requests to
                  the same path, 200 "ok" on even ones
  slack-429long   429 Retry-After: 3600
  slack-200notok  200 "invalid_token"
  slack-500       500 "rollup_error"
  hook-200        200 {"received": true}
  hook-204        204, no body
  hook-500        500 "boom"
  hook-503        503 Retry-After: 120
  hook-404, hook-401, hook-410, hook-408   that status, a short body
  hook-301        301 to /elsewhere
  hook-slow       reads the request, answers 200 after 5 s
  hook-close      reads the request, closes without answering
Only for tests: it binds 127.0.0.1 or ::1, never another address.
"""
import argparse
import itertools
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

BODY_MAX = 1024 * 1024
STATE = {"lock": threading.Lock(), "seq": itertools.count(1), "hits": {}}

ANSWERS = {
    "slack-ok": (200, {}, b"ok"),
    "slack-invalid": (400, {}, b"invalid_payload"),
    "slack-404": (404, {}, b"no_service"),
    "slack-410": (410, {}, b"channel_is_archived"),
    "slack-429long": (429, {"Retry-After": "3600"}, b"rate_limited"),
    "slack-200notok": (200, {}, b"invalid_token"),
    "slack-500": (500, {}, b"rollup_error"),
    "hook-200": (200, {"Content-Type": "application/json"},
                 b'{"received": true}'),
    "hook-204": (204, {}, b""),
    "hook-500": (500, {}, b"boom"),
    "hook-503": (503, {"Retry-After": "120"}, b"busy"),
    "hook-404": (404, {}, b"not found"),
    "hook-401": (401, {}, b"bad token"),
    "hook-410": (410, {}, b"gone"),
    "hook-408": (408, {}, b"too slow"),
    "hook-301": (301, {"Location": "/elsewhere"}, b""),
}


def write_atomic(path, data):
    tmp = "%s.tmp.%d" % (path, threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_hooks: " + (fmt % args) + "\n")

    def record(self, body):
        with STATE["lock"]:
            n = next(STATE["seq"])
        base = os.path.join(self.server.rec_dir, "req-%04d" % n)
        meta = {"method": self.command, "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()]}
        write_atomic(base + ".body", body)
        write_atomic(base + ".json", json.dumps(meta).encode())

    def answer(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if status != 204:
            self.wfile.write(body)
        self.close_connection = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(min(length, BODY_MAX))
        self.record(body)
        mode = self.path.lstrip("/").split("/", 1)[0]
        if mode == "slack-429once":
            with STATE["lock"]:
                k = STATE["hits"].get(self.path, 0) + 1
                STATE["hits"][self.path] = k
            if k % 2 == 1:
                return self.answer(429, {"Retry-After": "1"},
                                   b"rate_limited")
            return self.answer(200, {}, b"ok")
        if mode == "hook-slow":
            time.sleep(5)
            return self.answer(200, {}, b"late")
        if mode == "hook-close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status, headers, data = ANSWERS.get(mode, (418, {}, b"no mode"))
        return self.answer(status, headers, data)


class Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--host", default="127.0.0.1",
                    choices=["127.0.0.1", "::1"])
    # HTTPS with the tests' own certificate (test/tls/mkcerts.sh).
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    Server.address_family = (socket.AF_INET6 if args.host == "::1"
                             else socket.AF_INET)
    srv = Server((args.host, 0), Handler)
    if args.cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.rec_dir = args.dir
    write_atomic(os.path.join(args.dir, "port"),
                 ("%d\n" % srv.server_address[1]).encode())
    srv.serve_forever()


if __name__ == "__main__":
    main()
