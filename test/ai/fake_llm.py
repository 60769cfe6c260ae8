#!/usr/bin/python3
"""fake_llm.py - a loopback stand-in for Groq and Ollama in ansai's tests.

    /usr/bin/python3 fake_llm.py --dir DIR [--cert CRT --key KEY]
        [--host 127.0.0.1|::1] [--port 0] [--api-key KEY]

Serves HTTPS when given a certificate, else plain HTTP, on one loopback
address only (the port is chosen by the kernel unless given); writes it
to DIR/port once listening.  It speaks the real request and response
shapes of
  Groq (OpenAI chat completions): POST /openai/v1/chat/completions with
      "Authorization: Bearer KEY" (checked against --api-key) and a JSON
      body holding model and messages; answers a chat.completion;
  Ollama: POST /api/chat with model, messages and "stream": false;
      answers one message with "done": true (without stream false it
      streams NDJSON, as Ollama does).
Every request is recorded before it is answered: DIR/req-NNNN.json
(method, path, mode, headers in order and by lower-case name) and
DIR/req-NNNN.body (the body as received).  Each TCP connection accepted
adds a line to DIR/connections, so a test can tell that nothing at all
was sent.

The mode of a request is named by a path prefix, /mode/NAME/REAL-PATH,
else by the file DIR/mode, else "ok":
  ok          the four sections ROOT CAUSE, WHY, FIX, PREVENTION
  429once     429 with Retry-After: 1 on odd requests, ok on even ones
  429long     429 with Retry-After: 3600
  429zero     429 with Retry-After: 0, every time
  401         Groq's "Invalid API Key" refusal
  413         Groq's "Request Entity Too Large"
  malformed   a 200 whose JSON is cut off
  nosections  a 200 whose text lacks the four headings
  chunked     the good answer in many small chunks
  silent      reads the request and never answers
A plain server that is sent a TLS ClientHello answers 400 at once, as
web servers do, so a client sees that the port does not speak TLS.

Only for tests: it binds 127.0.0.1 or ::1, never another address.  The
test that starts it kills it (test/check_ai.c also sets PR_SET_PDEATHSIG
before exec, so it dies with the test; in the e2e box it is a transient
unit that goes with the box).
"""
import argparse
import itertools
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

GROQ_PATH = "/openai/v1/chat/completions"
OLLAMA_PATH = "/api/chat"
BODY_MAX = 4 * 1024 * 1024

# The model's answer in "ok" mode.  test/check_ai.c and
# test/e2e/cases_ai.sh compare against these words.
ANSWER = (
    "Here is what I found.\n"
    "\n"
    "ROOT CAUSE: FAKE-LLM root cause: the process was killed by SIGKILL.\n"
    "WHY: FAKE-LLM why: systemd reports signal KILL.\n"
    "The journal shows no error before it.\n"
    "FIX: FAKE-LLM fix: systemctl restart the unit.\n"
    "PREVENTION: FAKE-LLM prevention: find who sends SIGKILL.\n"
)
NO_SECTIONS = ("The service seems to have crashed.  I would restart it "
               "and look at the logs.")

STATE = {"lock": threading.Lock(), "seq": itertools.count(1),
         "per_mode": {}}


def write_atomic(path, data):
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_llm: %s %s\n" % (self.address_string(),
                                                fmt % args))

    # ---- plumbing ----

    def read_body(self):
        n = self.headers.get("Content-Length")
        if n is None or not n.isdigit() or int(n) > BODY_MAX:
            return None
        return self.rfile.read(int(n))

    def record(self, mode, body):
        with STATE["lock"]:
            seq = next(STATE["seq"])
        base = os.path.join(self.server.dir, "req-%04d" % seq)
        hdrs = [[k, v] for k, v in self.headers.items()]
        meta = {
            "seq": seq, "method": self.command, "path": self.path,
            "mode": mode, "headers": hdrs,
            "header": {k.lower(): v for k, v in hdrs},
            "body_bytes": len(body or b""),
            "tls": self.server.tls,
        }
        write_atomic(base + ".body", body or b"")
        write_atomic(base + ".json", json.dumps(meta, indent=1).encode())

    def send(self, status, obj, extra=(), ctype="application/json"):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def send_chunked(self, data, size=7):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for i in range(0, len(data), size):
            piece = data[i:i + size]
            ext = ";n=%d" % i if i % 70 == 0 else ""
            self.wfile.write(b"%x%s\r\n%s\r\n" % (len(piece), ext.encode(),
                                                 piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def mode_and_path(self):
        path = self.path
        if path.startswith("/mode/"):
            rest = path[len("/mode/"):]
            mode, _, tail = rest.partition("/")
            return mode, "/" + tail
        try:
            with open(os.path.join(self.server.dir, "mode")) as f:
                return f.read().strip() or "ok", path
        except OSError:
            return "ok", path

    # ---- the APIs ----

    def groq_answer(self, model, content):
        return {
            "id": "chatcmpl-fake-%d" % time.time_ns(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": "stop",
            }],
            "usage": {"queue_time": 0.01, "prompt_tokens": 900,
                      "prompt_time": 0.05, "completion_tokens": 120,
                      "completion_time": 0.1, "total_time": 0.15},
            "system_fingerprint": "fp_fake",
            "x_groq": {"id": "req_fake"},
        }

    def ollama_answer(self, model, content):
        return {
            "model": model,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z",
                                        time.gmtime()),
            "message": {"role": "assistant", "content": content},
            "done_reason": "stop",
            "done": True,
            "total_duration": 123456789, "load_duration": 1234567,
            "prompt_eval_count": 900, "prompt_eval_duration": 2345678,
            "eval_count": 120, "eval_duration": 3456789,
        }

    def groq_error(self, status, message, etype, code, extra=()):
        self.send(status, {"error": {"message": message, "type": etype,
                                     "code": code}}, extra)

    def do_POST(self):
        mode, path = self.mode_and_path()
        body = self.read_body()
        self.record(mode, body)
        if body is None:
            return self.send(411, {"error": {"message":
                                             "Content-Length required"}})
        if path == GROQ_PATH:
            return self.groq(mode, body)
        if path == OLLAMA_PATH:
            return self.ollama(mode, body)
        return self.send(404, {"error": {
            "message": "Unknown request URL: POST %s. Please check the "
                       "URL for typos." % path,
            "type": "invalid_request_error", "code": "unknown_url"}})

    def do_GET(self):
        mode, _ = self.mode_and_path()
        self.record(mode, b"")
        self.send(405, {"error": {"message": "Method Not Allowed"}})

    def parse(self, body):
        try:
            req = json.loads(body)
        except ValueError:
            return None, "could not parse the JSON body"
        if not isinstance(req, dict):
            return None, "the body is not an object"
        if not isinstance(req.get("model"), str) or not req["model"]:
            return None, "'model' : property 'model' is missing"
        msgs = req.get("messages")
        if not isinstance(msgs, list) or not msgs or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and
                isinstance(m.get("content"), str) for m in msgs):
            return None, "'messages' : property 'messages' is invalid"
        return req, None

    def common_mode(self, mode, status_429, retry):
        """Answers shared by both APIs; True when it answered."""
        if mode == "silent":
            # Never answer; hold the connection until the client gives
            # up (or a generous cap passes).
            self.connection.settimeout(120)
            try:
                while self.connection.recv(1024):
                    pass
            except (OSError, ssl.SSLError):
                pass
            self.close_connection = True
            return True
        if mode in ("429once", "429long", "429zero") and status_429:
            self.groq_error(429, "Rate limit reached for model in "
                            "organization `org_fake` on tokens per minute "
                            "(TPM): Limit 6000, Used 5990, Requested 900. "
                            "Please try again in %ss." % retry, "tokens",
                            "rate_limit_exceeded",
                            [("Retry-After", retry)])
            return True
        if mode == "401":
            self.groq_error(401, "Invalid API Key", "invalid_request_error",
                            "invalid_api_key")
            return True
        if mode == "413":
            self.groq_error(413, "Request Entity Too Large",
                            "invalid_request_error", "request_too_large")
            return True
        return False

    def rate(self, mode):
        """For the 429 modes: (answer 429?, Retry-After)."""
        with STATE["lock"]:
            n = STATE["per_mode"].get(mode, 0)
            STATE["per_mode"][mode] = n + 1
        if mode == "429once":
            return n % 2 == 0, "1"
        if mode == "429long":
            return True, "3600"
        if mode == "429zero":
            return True, "0"
        return False, None

    def content_for(self, mode):
        return NO_SECTIONS if mode == "nosections" else ANSWER

    def groq(self, mode, body):
        limited, retry = self.rate(mode)
        if mode != "401":
            auth = self.headers.get("Authorization", "")
            if (self.server.api_key is None or
                    auth != "Bearer " + self.server.api_key):
                return self.groq_error(401, "Invalid API Key",
                                       "invalid_request_error",
                                       "invalid_api_key")
        if self.common_mode(mode, limited, retry):
            return None
        req, err = self.parse(body)
        if req is None:
            return self.groq_error(400, err, "invalid_request_error", None)
        if mode == "malformed":
            return self.send(200, b'{"id":"chatcmpl-fake","object":'
                             b'"chat.completion","choices":[{"index":0,'
                             b'"message":{"role":"assistant","content":'
                             b'"ROOT CAUSE: cut')
        ans = self.groq_answer(req["model"], self.content_for(mode))
        if mode == "chunked":
            return self.send_chunked(json.dumps(ans).encode())
        return self.send(200, ans, [
            ("x-ratelimit-limit-requests", "14400"),
            ("x-ratelimit-remaining-requests", "14399"),
            ("x-request-id", "req_fake")])

    def ollama(self, mode, body):
        limited, retry = self.rate(mode)
        if self.common_mode(mode, limited, retry):
            return None
        req, err = self.parse(body)
        if req is None:
            return self.send(400, {"error": err})
        if mode == "malformed":
            return self.send(200, b'{"model":"x","message":{"role":'
                             b'"assistant","content":"ROOT CAUSE: cut')
        content = self.content_for(mode)
        if req.get("stream", True) is not False:
            # Ollama streams unless told not to: one JSON object a line.
            lines = [self.ollama_answer(req["model"], w + " ") |
                     {"done": False} for w in content.split(" ")]
            lines.append(self.ollama_answer(req["model"], ""))
            data = b"".join(json.dumps(x).encode() + b"\n" for x in lines)
            return self.send(200, data, (), "application/x-ndjson")
        ans = self.ollama_answer(req["model"], content)
        if mode == "chunked":
            return self.send_chunked(json.dumps(ans).encode())
        return self.send(200, ans)


class Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 64

    def server_bind(self):
        # Set up before bind by hand: HTTPServer.server_bind would look
        # the host name up.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name = "localhost"
        self.server_port = self.server_address[1]

    def finish_request(self, request, client_address):
        # Runs in the connection's own thread: a client that never
        # completes its handshake holds up nobody else.
        with open(os.path.join(self.dir, "connections"), "a") as f:
            f.write("%s\n" % (client_address[0],))
        if self.ctx is not None:
            try:
                request.settimeout(30)
                request = self.ctx.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (OSError, ssl.SSLError) as e:
                sys.stderr.write("fake_llm: handshake: %s\n" % e)
                return
        elif not self.http_peer(request):
            return
        super().finish_request(request, client_address)

    def http_peer(self, sock):
        """Plain HTTP: a TLS ClientHello gets a 400 at once."""
        try:
            sock.settimeout(30)
            first = sock.recv(1, socket.MSG_PEEK)
            sock.settimeout(None)
        except OSError:
            return False
        if first != b"\x16":
            return True
        try:
            sock.settimeout(2)
            sock.recv(16384)
            msg = b"400 Bad Request: this port speaks plain HTTP\n"
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: "
                         b"text/plain\r\nContent-Length: %d\r\nConnection: "
                         b"close\r\n\r\n%s" % (len(msg), msg))
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(16384):
                pass
        except OSError:
            pass
        return False

    def handle_error(self, request, client_address):
        sys.stderr.write("fake_llm: error with %s: %s\n" %
                         (client_address, sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--host", default="127.0.0.1",
                    choices=["127.0.0.1", "::1"])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key")
    a = ap.parse_args()
    family = socket.AF_INET6 if a.host == "::1" else socket.AF_INET
    Server.address_family = family
    srv = Server((a.host, a.port), Handler)
    srv.dir = a.dir
    srv.api_key = a.api_key
    srv.tls = bool(a.cert)
    srv.ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.ctx = ctx
    write_atomic(os.path.join(a.dir, "port"),
                 b"%d\n" % srv.server_address[1])
    sys.stderr.write("fake_llm: listening on %s port %d (%s)\n" %
                     (a.host, srv.server_address[1],
                      "https" if a.cert else "http"))
    srv.serve_forever()


if __name__ == "__main__":
    main()
