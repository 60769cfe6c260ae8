/*
 * unitname.h - systemd's unit-name rules, applied before a name is
 * passed to any program or used in a path.
 */
#ifndef ANSAI_UNITNAME_H
#define ANSAI_UNITNAME_H

#include <stddef.h>

/* systemd's UNIT_NAME_MAX: 255 characters plus the NUL. */
#define UNIT_NAME_MAX 256

enum unit_name_err {
	UNIT_OK = 0,
	UNIT_EMPTY,
	UNIT_TOO_LONG,
	UNIT_BAD_CHAR,
	UNIT_NO_PREFIX,		/* ".service", "@x.service" */
	UNIT_BAD_SUFFIX,	/* not a unit type systemd knows */
	UNIT_TEMPLATE,		/* "foo@.service" names no instance */
	UNIT_NOT_SERVICE,	/* valid, but ansai heals services only */
};

/* Is name a valid unit name of any type (systemd's rules: characters
 * [A-Za-z0-9:_.\-@\\], a non-empty prefix, a known type suffix, at most
 * 255 characters, no instance-less template)? */
enum unit_name_err unit_name_check(const char *name);

/* Turn what a user typed into the service name ansai works on: "my-app"
 * becomes "my-app.service"; a name with another type is refused with
 * UNIT_NOT_SERVICE.  out must hold UNIT_NAME_MAX bytes. */
enum unit_name_err unit_name_service(const char *in, char out[UNIT_NAME_MAX]);

/* Words for an error, for "invalid unit name 'x': <words>". */
const char *unit_name_strerror(enum unit_name_err e);

/* Is this one of ansai's own units, which must never be wired to heal
 * themselves (a heal of the healer would loop)? */
int unit_name_is_ansai(const char *name);

#endif
