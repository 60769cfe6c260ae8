/*
 * analyse.h - the built-in, offline analyser: why did the unit fail,
 * and what should a human do about it?
 *
 * From what a heal already holds (the cause systemd reported, the main
 * process's exit, the failed run's journal lines, the machine's memory
 * and disk, the unit's policy and what the strategies found) it names
 * the kind of failure and fills four sections, each with the unit's
 * name, the figures and the exact commands to run:
 *
 *   ROOT CAUSE   what went wrong, in one or two sentences;
 *   WHY          the evidence: systemd's result, the journal line that
 *                decides it, the figures;
 *   FIX          what to do now;
 *   PREVENTION   what stops it coming back.
 *
 * Kinds (analysis.kind), most specific first:
 *   oom               killed for memory (systemd's oom-kill, the OOM
 *                     killer in the journal, a runtime's out-of-memory)
 *   watchdog          WatchdogSec= expired
 *   exec-missing      203/EXEC (or 127) and no such file
 *   exec-permission   203/EXEC (or 126) and permission denied
 *   exec-format       203/EXEC and exec format error
 *   env-file          an EnvironmentFile= could not be loaded
 *   setup             systemd could not set the process up (2xx
 *                     codes: CHDIR, STDOUT, STATE_DIRECTORY, ...)
 *   disk-full         the journal says no space left on a device
 *   addr-in-use       the address or port is already taken
 *   permission        access denied to the service itself (EACCES,
 *                     EPERM, exit 77), or a setup step about identity
 *                     or sandbox (217/USER, 216/GROUP, 226/NAMESPACE,
 *                     218/CAPABILITIES, 224/PAM, 228/SECCOMP, ...)
 *   config            its configuration does not parse (exit 78, or a
 *                     parse error in the journal)
 *   crash             segfault, abort or another core dump
 *   timeout           it did not start or stop in time
 *   start-limit       systemd's start limit, nothing more specific
 *   disk-high         a disk 95 % full or more, or out of inodes, and
 *                     nothing more specific
 *   killed            killed by a signal from outside
 *   exit              a non-zero exit, explained by its code and last
 *                     error line
 *   unknown           nothing to go on: the four sections say what to
 *                     look at
 *
 * Journal text is matched case-insensitively, line by line.  Text taken
 * from the journal into a command (a path, a port) is quoted for the
 * shell when it holds anything but safe characters.  Nothing here runs
 * a command, reads a file or allocates.
 */
#ifndef ANSAI_ANALYSE_H
#define ANSAI_ANALYSE_H

#include <stddef.h>

#include "conf.h"
#include "heal.h"
#include "port.h"

#define ANALYSIS_SOURCE_BUILTIN "built-in"

struct analysis {
	char kind[32];		/* see above */
	char root_cause[512];
	char why[1024];
	char fix[1024];
	char prevention[1024];
	const char *source;	/* ANALYSIS_SOURCE_BUILTIN or a model */
	unsigned port;		/* addr-in-use: the port, 0 unknown */
	char owner[256];	/* addr-in-use: who holds it, or "" */
	char evidence[256];	/* the deciding journal line's message
				   (without timestamp and host), or "" */
};

/* Fill a from h.  h may come from a heal at any stage: fields it has
 * not filled (no journal yet, sysinfo not read) are simply not used.
 * Sections may hold '\n' between sentences and commands. */
void analyse_builtin(const struct heal *h, struct analysis *a);

/*
 * For an addr-in-use analysis whose owner no strategy named (the port
 * strategy was not listed, or it was a dry run): add who holds a->port
 * from a lookup the caller made with port_lookup(), so the analyser
 * itself reads nothing.  Also says when the port is free by now, or
 * its owner could not be read.  Does nothing for other kinds, another
 * port, or when a->owner is already known.
 */
void analyse_port_owner(struct analysis *a, const struct port_result *r);

/*
 * Before the first restart, reorder the unit's strategies when the
 * evidence already points somewhere:
 *   port first    a port is configured or named in the journal, and the
 *                 journal (when fetched) says the address is in use;
 *   config first  the unit has config, validate or env set and it
 *                 exited 78 (EX_CONFIG), failed a systemd setup step
 *                 (200..245, 203/EXEC included), could not get its
 *                 resources (a missing EnvironmentFile=), or the
 *                 journal (when fetched) shows a parse error.
 * Both: port, then config.  ansai fetches the journal only after the
 * first restart was issued, so before it only the cause counts unless
 * the caller fetched the lines.
 * Only h->pol.strategies is reordered into *order (which may be
 * &h->pol.strategies itself); nothing is added or removed, and the
 * others keep their order.  Returns 1 when the order changed, else 0.
 */
int analyse_suggest_order(const struct heal *h, struct strat_list *order);

/* The four sections as report text into buf[n], always terminated:
 *   ROOT CAUSE: ...
 *   WHY: ...
 *   FIX: ...
 *   PREVENTION: ...
 * Lines after the first of a section are indented by two spaces. */
void analysis_format(const struct analysis *a, char *buf, size_t n);

#endif
