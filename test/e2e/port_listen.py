#!/usr/bin/python3
"""port_listen.py - a TCP listener for the e2e tests of the port strategy.

    port_listen.py PORT [options]

Binds HOST:PORT, listens, writes its pid to /run/port_listen/PORT.pid
and accepts connections until killed (closing each at once, server side
first, so the server end goes to TIME_WAIT).  When the port is taken it
prints the refusal in the style --style names (as nginx, Go or Python
would) and exits 1, as a real service does.
"""
import argparse
import errno
import os
import signal
import socket
import sys


def refusal(style, host, port):
    if style == "nginx":
        shown = "[%s]" % host if ":" in host else host
        return "bind() to %s:%d failed (98: Address already in use)" % (
            shown, port)
    if style == "go":
        shown = "[%s]" % host if ":" in host else host
        return "listen tcp %s:%d: bind: address already in use" % (
            shown, port)
    return "OSError: [Errno 98] Address already in use"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--v6only", choices=["yes", "no"])
    ap.add_argument("--no-reuse", action="store_true",
                    help="no SO_REUSEADDR: TIME_WAIT sockets then block")
    ap.add_argument("--ignore-term", action="store_true")
    ap.add_argument("--style", default="nginx",
                    choices=["nginx", "go", "python"])
    ap.add_argument("--accept", type=int, default=0,
                    help="exit after this many connections (0: never)")
    a = ap.parse_args()

    if a.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if not a.no_reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.v6only:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                     1 if a.v6only == "yes" else 0)
    try:
        s.bind((a.host, a.port))
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        print(refusal(a.style, a.host, a.port), file=sys.stderr, flush=True)
        sys.exit(1)
    s.listen(64)
    with open("/run/port_listen/%d.pid" % a.port, "w") as f:
        f.write("%d\n" % os.getpid())
    print("listening on %s port %d, pid %d" % (a.host, a.port, os.getpid()),
          flush=True)
    n = 0
    while True:
        c, _ = s.accept()
        c.close()
        n += 1
        if a.accept and n >= a.accept:
            return


if __name__ == "__main__":
    main()
