/*
 * lock.h - one heal per unit at a time.
 *
 * STATE_DIR/locks/UNIT.lock is flock(2)ed exclusively and without
 * waiting for the whole heal; the kernel drops the lock when ansai
 * exits, however it exits, so a crash never leaves a unit locked.
 * Different units have different files and heal in parallel.
 */
#ifndef ANSAI_LOCK_H
#define ANSAI_LOCK_H

#include <stddef.h>

/* 0: locked, *fd holds the lock (keep it open);  1: another heal of
 * this unit holds it;  -1: error, why[n] says which. */
int lock_unit(const char *state_dir, const char *unit, int *fd,
    char *why, size_t n);

#endif
