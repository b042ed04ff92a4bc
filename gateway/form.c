/* SPDX-License-Identifier: Apache-2.0 */
/*
 * form: see form.h.  JSON goes through jansson; the urlencoded decoder is
 * small enough to keep here, and has a fuzz target.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "form.h"

void
form_init(struct form *f)
{
	f->n = 0;
}

void
form_done(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	f->n = 0;
}

int
form_add(struct form *f, const char *name, const char *value)
{
	if (f->n == FORM_MAX_FIELDS)
		return -E2BIG;
	f->f[f->n].name = xstrdup(name);
	f->f[f->n].value = xstrdup(value);
	f->n++;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends the %-decoded s[0..len) to out; NUL bytes only when allowed.
 * -EINVAL for a bad escape or a refused NUL. */
static int
decode_into(const char *s, size_t len, bool allow_nul, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				return -EINVAL;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' && !allow_nul)
			return -EINVAL;
		buf_putc(out, c);
	}
	return 0;
}

/* A new string, or NULL on a bad escape or a NUL byte. */
static char *
decode(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b);
	if (decode_into(s, len, false, &b) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

int
form_parse_urlencoded(struct form *f, const char *s, size_t len,
    struct buf *err)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pend = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pend - p));
		char *name, *value;

		if (pend == p) {
			p = pend + 1;
			continue;
		}
		name = decode(p, (size_t)((eq ? eq : pend) - p));
		value =
		    eq ? decode(eq + 1, (size_t)(pend - eq - 1)) : xstrdup("");
		if (name == NULL || value == NULL) {
			buf_printf(err,
			    "malformed form field near byte %zu (bad %%-escape or NUL byte)",
			    (size_t)(p - s));
			free(name);
			free(value);
			return -EINVAL;
		}
		if (f->n == FORM_MAX_FIELDS) {
			buf_printf(err, "more than %d form fields",
			    FORM_MAX_FIELDS);
			free(name);
			free(value);
			return -E2BIG;
		}
		f->f[f->n].name = name;
		f->f[f->n].value = value;
		f->n++;
		p = pend + 1;
	}
	return 0;
}

int
form_parse_json(struct form *f, const char *s, size_t len, struct buf *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *key;
	json_t *v;
	int rc = 0;

	if (root == NULL) {
		buf_printf(err, "malformed JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		buf_puts(err, "the JSON body must be an object");
		json_decref(root);
		return -EINVAL;
	}
	json_object_foreach(root, key, v)
	{
		char num[64];
		const char *value = NULL;

		if (json_is_string(v)) {
			if (strlen(json_string_value(v)) !=
			    json_string_length(v)) {
				buf_printf(err,
				    "JSON field '%s' contains a NUL byte", key);
				rc = -EINVAL;
				break;
			}
			value = json_string_value(v);
		} else if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			value = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
			value = num;
		} else if (json_is_boolean(v)) {
			value = json_is_true(v) ? "true" : "false";
		}
		if (value == NULL)
			continue;
		if (form_add(f, key, value) < 0) {
			buf_printf(err, "more than %d JSON fields",
			    FORM_MAX_FIELDS);
			rc = -E2BIG;
			break;
		}
	}
	json_decref(root);
	return rc;
}

int
form_raw_value(const char *s, size_t len, const char *name, struct buf *out)
{
	const char *p = s, *end = s + len;
	size_t nlen = strlen(name);

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pend = amp ? amp : end;

		if ((size_t)(pend - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=')
			return decode_into(p + nlen + 1,
			    (size_t)(pend - p) - nlen - 1, true, out);
		p = pend + 1;
	}
	return -ENOENT;
}

const char *
form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}
