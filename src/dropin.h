/*
 * dropin.h - the OnFailure= wiring `ansai enable` adds to a unit:
 *
 *   UNITDIR/UNIT.d/ansai-self-heal.conf
 *     [Unit]
 *     OnFailure=ansai-heal@%n.service
 *
 * %n is the unit's full name as systemd spells it (with its \x2d
 * escapes and @instance), which the template receives unchanged as %i.
 * The file is written to a temporary name, synced and renamed, so a
 * crash never leaves half a drop-in.  UNITDIR is /etc/systemd/system
 * in use; tests pass their own.
 */
#ifndef ANSAI_DROPIN_H
#define ANSAI_DROPIN_H

#include <stddef.h>

#define DROPIN_UNITDIR	"/etc/systemd/system"
#define DROPIN_NAME	"ansai-self-heal.conf"
#define DROPIN_HEAL_UNIT "ansai-heal@%n.service"

/* Write the drop-in for unit.  0, or -1 with why[n]. */
int dropin_write(const char *unitdir, const char *unit, char *why, size_t n);

/* Remove it, and the UNIT.d directory when that is then empty.  Returns
 * 1 when removed, 0 when there was none, -1 with why[n]. */
int dropin_remove(const char *unitdir, const char *unit, char *why,
    size_t n);

/* Call fn with the name of every unit that has the drop-in, sorted.
 * Returns the count, or -1/errno when unitdir cannot be read. */
int dropin_list(const char *unitdir, void (*fn)(const char *unit, void *),
    void *arg);

#endif
