/* signame.c - see signame.h.  The table is Linux's numbering, which is
 * what systemd reports in ExecMainStatus for killed processes. */
#include "signame.h"

#include <signal.h>
#include <string.h>

static const struct {
	int no;
	const char *name;
} sigs[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
	{ SIGSTKFLT, "STKFLT" }, { SIGCHLD, "CHLD" }, { SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" }, { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" }, { SIGIO, "IO" }, { SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
};

/* Real-time signals as systemd names them: RTMIN is 34 there (glibc
 * keeps 32 and 33 for itself), whatever libc ansai is built with. */
#define RT_FIRST 34
#define RT_LAST 64

static const char *const rtnames[RT_LAST - RT_FIRST + 1] = {
	"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3", "RTMIN+4", "RTMIN+5",
	"RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9", "RTMIN+10", "RTMIN+11",
	"RTMIN+12", "RTMIN+13", "RTMIN+14", "RTMIN+15", "RTMIN+16",
	"RTMIN+17", "RTMIN+18", "RTMIN+19", "RTMIN+20", "RTMIN+21",
	"RTMIN+22", "RTMIN+23", "RTMIN+24", "RTMIN+25", "RTMIN+26",
	"RTMIN+27", "RTMIN+28", "RTMIN+29", "RTMIN+30",
};

const char *
signame(int signo)
{
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigs[i].no == signo)
			return sigs[i].name;
	if (signo >= RT_FIRST && signo <= RT_LAST)
		return rtnames[signo - RT_FIRST];
	return "?";
}

int
signum(const char *name)
{
	size_t i;

	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (strcmp(sigs[i].name, name) == 0)
			return sigs[i].no;
	for (i = 0; i < sizeof rtnames / sizeof rtnames[0]; i++)
		if (strcmp(rtnames[i], name) == 0)
			return RT_FIRST + (int)i;
	return -1;
}
