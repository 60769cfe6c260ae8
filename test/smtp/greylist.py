#!/usr/bin/python3
"""greylist.py - a scripted SMTP peer for ansai's e2e tests: it answers
450 to the first RCPT of every session until DIR/open exists, then
accepts, and stores each message in DIR/msg-N.eml.  Plain SMTP on
127.0.0.1 (ansai allows tls = none for loopback only).

    /usr/bin/python3 greylist.py --dir DIR --port PORT
"""
import argparse
import itertools
import os
import socketserver

SEQ = itertools.count(1)


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        d = self.server.rec_dir
        self.reply("220 greylist.test ESMTP")
        data = None
        while True:
            line = self.rfile.readline(1002)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if data is not None:
                if cmd == ".":
                    path = os.path.join(d, "msg-%d.eml" % next(SEQ))
                    with open(path, "wb") as f:
                        f.write(b"".join(data))
                    data = None
                    self.reply("250 2.0.0 queued")
                else:
                    data.append(line)
                continue
            if verb in ("EHLO", "HELO"):
                self.reply("250 greylist.test")
            elif verb == "MAIL":
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                if os.path.exists(os.path.join(d, "open")):
                    self.reply("250 2.1.5 ok")
                else:
                    self.reply("450 4.2.0 Greylisted, try again later")
            elif verb == "DATA":
                data = []
                self.reply("354 go ahead")
            elif verb == "RSET" or verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 5.5.2 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.rec_dir = args.dir
    srv.serve_forever()


if __name__ == "__main__":
    main()
