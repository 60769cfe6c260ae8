/*
 * exitcode.h - what ansai's exit status means; the README's table of
 * exit codes is this list.  Numbers from 64 follow sysexits(3).
 */
#ifndef ANSAI_EXITCODE_H
#define ANSAI_EXITCODE_H

enum {
	EXIT_OK = 0,		/* healed, or the command did its job */
	EXIT_NOT_HEALED = 1,	/* heal: still down, a human is needed */
	EXIT_NOTHING = 2,	/* heal: it was up or systemd restarts it */
	EXIT_USAGE = 64,	/* bad command line */
	EXIT_BAD_UNIT = 65,	/* not a valid unit name, or ansai's own */
	EXIT_NO_UNIT = 66,	/* systemd knows no such unit */
	EXIT_SYSTEM = 71,	/* systemctl, /proc or a system call failed */
	EXIT_CANT_WRITE = 73,	/* report, history or drop-in not written */
	EXIT_BUSY = 75,		/* heal: another heal of the unit runs */
	EXIT_CONFIG = 78,	/* the configuration file is broken */
};

#endif
