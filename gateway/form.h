/* SPDX-License-Identifier: Apache-2.0 */
/*
 * form: decoded name/value fields of a webhook -- from an
 * application/x-www-form-urlencoded body or query string, or from a flat
 * JSON object -- with limits on count and size.  Pure parsing, no I/O.
 */
#ifndef BARAZA_FORM_H
#define BARAZA_FORM_H

#include <stddef.h>

#include "util.h"

#define FORM_MAX_FIELDS 64

struct form_field {
	char *name;
	char *value;
};

struct form {
	struct form_field f[FORM_MAX_FIELDS];
	size_t n;
};

void form_init(struct form *f);
void form_done(struct form *f);
/* Adds a copy; -E2BIG past FORM_MAX_FIELDS. */
int form_add(struct form *f, const char *name, const char *value);
/* Decodes "a=1&b=x%20y"; err says what is wrong.  Fields with a NUL
 * byte or invalid percent-escapes are errors. */
int form_parse_urlencoded(struct form *f, const char *s, size_t len,
    struct buf *err);
/* Decodes a JSON object whose values are strings, numbers, booleans or
 * null (nested values are ignored). */
int form_parse_json(struct form *f, const char *s, size_t len, struct buf *err);
/* Decodes the first value of name in an urlencoded string as bytes (NUL
 * bytes allowed, for binary or UTF-16 texts) into out.  0, -ENOENT, or
 * -EINVAL for a bad %-escape. */
int form_raw_value(const char *s, size_t len, const char *name,
    struct buf *out);
/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);

#endif
