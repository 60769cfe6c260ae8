/*
 * tcp.h - TCP client pieces.  For now only the local liveness probe
 * used to verify that a healed service accepts connections again.
 */
#ifndef ANSAI_TCP_H
#define ANSAI_TCP_H

/* Does anything accept a TCP connection on 127.0.0.1:port or, failing
 * that, [::1]:port within timeout_ms (split between the two)?  1 yes,
 * 0 no.  The connection is closed at once; nothing is sent. */
int tcp_probe_local(unsigned port, int timeout_ms);

#endif
