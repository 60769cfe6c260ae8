/* signame.h - signal numbers and their names without the SIG prefix. */
#ifndef ANSAI_SIGNAME_H
#define ANSAI_SIGNAME_H

/* "KILL" for 9; "RTMIN+3" style for real-time; "?" when unknown. */
const char *signame(int signo);

/* 9 for "KILL" or "SIGKILL"; -1 when unknown. */
int signum(const char *name);

#endif
