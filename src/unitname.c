/* unitname.c - see unitname.h. */
#include "unitname.h"
#include "util.h"

#include <string.h>

static const char *const unit_types[] = {
	".service", ".socket", ".target", ".device", ".mount",
	".automount", ".swap", ".timer", ".path", ".slice", ".scope",
};

static int
valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr(":-_.\\@", c) != NULL;
}

/* Length of the type suffix of name, or 0 when it has none we know. */
static size_t
type_suffix(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(unit_types); i++)
		if (str_ends(name, unit_types[i]))
			return strlen(unit_types[i]);
	return 0;
}

enum unit_name_err
unit_name_check(const char *name)
{
	size_t len = strlen(name), suf;
	const char *at, *p;

	if (len == 0)
		return UNIT_EMPTY;
	if (len >= UNIT_NAME_MAX)
		return UNIT_TOO_LONG;
	for (p = name; *p; p++)
		if (!valid_char(*p))
			return UNIT_BAD_CHAR;
	suf = type_suffix(name);
	if (suf == 0)
		return UNIT_BAD_SUFFIX;
	if (suf == len)
		return UNIT_NO_PREFIX;
	at = strchr(name, '@');
	if (at == name)
		return UNIT_NO_PREFIX;
	if (at != NULL && at + 1 == name + len - suf)
		return UNIT_TEMPLATE;
	return UNIT_OK;
}

enum unit_name_err
unit_name_service(const char *in, char out[UNIT_NAME_MAX])
{
	enum unit_name_err e;

	out[0] = '\0';
	if (*in == '\0')
		return UNIT_EMPTY;
	if (type_suffix(in) == 0) {
		/* The shorthand systemctl accepts: no type means service. */
		if (str_fmt(out, UNIT_NAME_MAX, "%s.service", in) < 0) {
			out[0] = '\0';
			return UNIT_TOO_LONG;
		}
	} else if (str_copy(out, UNIT_NAME_MAX, in) < 0) {
		out[0] = '\0';
		return UNIT_TOO_LONG;
	}
	e = unit_name_check(out);
	if (e == UNIT_OK && !str_ends(out, ".service"))
		e = UNIT_NOT_SERVICE;
	if (e != UNIT_OK)
		out[0] = '\0';
	return e;
}

const char *
unit_name_strerror(enum unit_name_err e)
{
	switch (e) {
	case UNIT_OK:
		return "valid";
	case UNIT_EMPTY:
		return "empty name";
	case UNIT_TOO_LONG:
		return "longer than 255 characters";
	case UNIT_BAD_CHAR:
		return "only letters, digits and :-_.\\@ are allowed";
	case UNIT_NO_PREFIX:
		return "nothing before the type or the '@'";
	case UNIT_BAD_SUFFIX:
		return "unknown unit type";
	case UNIT_TEMPLATE:
		return "a template names no instance";
	case UNIT_NOT_SERVICE:
		return "ansai heals .service units only";
	}
	return "invalid";
}

int
unit_name_is_ansai(const char *name)
{
	return str_starts(name, "ansai-heal@") ||
	    str_starts(name, "ansai-flush.") ||
	    str_starts(name, "ansai.") || str_starts(name, "ansai@");
}
