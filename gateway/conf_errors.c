/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_errors: formats configuration diagnostics with their location.  A
 * setting changed by -o is named by its path instead of a line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_errors.h"

void
conf_errors_init(struct conf_errors *ce)
{
	memset(ce, 0, sizeof(*ce));
	buf_init(&ce->text);
}

void
conf_errors_done(struct conf_errors *ce)
{
	buf_free(&ce->text);
}

static const char *
override_of(const struct conf_errors *ce, const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s))
		for (int i = 0; i < ce->noverridden; i++)
			if (ce->overridden[i] == s)
				return ce->override_path[i];
	return NULL;
}

char *
conf_file_path(const struct conf_errors *ce, const char *file)
{
	if (file == NULL) /* the main file, read from memory */
		return ce->main_file != NULL ? xstrdup(ce->main_file) : NULL;
	/* libconfig 1.5 names an @included file as written in the directive,
	 * relative to the include directory: make it a usable path */
	if (file[0] == '/' || ce->main_file == NULL ||
	    strcmp(file, ce->main_file) == 0 || ce->include_dir == NULL ||
	    strcmp(ce->include_dir, ".") == 0)
		return xstrdup(file);
	/* the main file's absolute includes come back as "../../abs" */
	if (strncmp(file, "../", 3) == 0) {
		char *joined = xasprintf("%s/%s", ce->include_dir, file);
		char *real = realpath(joined, NULL);

		if (real == NULL)
			return joined;
		free(joined);
		return real;
	}
	return xasprintf("%s/%s", ce->include_dir, file);
}

char *
conf_source_file(const struct conf_errors *ce, const config_setting_t *s)
{
	const char *file = config_setting_source_file(s);

	/* a setting -o added has no file: its paths are the caller's */
	if (file == NULL && override_of(ce, s) != NULL)
		return NULL;
	return conf_file_path(ce, file);
}

char *
conf_resolve_path(const struct conf_errors *ce, const config_setting_t *s,
    const char *value)
{
	char *file = s != NULL ? conf_source_file(ce, s) : NULL, *slash, *r;

	if (value[0] == '/' || file == NULL ||
	    (slash = strrchr(file, '/')) == NULL) {
		free(file);
		return xstrdup(value);
	}
	r = xasprintf("%.*s/%s", (int)(slash - file), file, value);
	free(file);
	return r;
}

char *
conf_default_path(const struct conf_errors *ce, const char *value)
{
	const char *slash =
	    ce->main_file != NULL ? strrchr(ce->main_file, '/') : NULL;

	if (slash == NULL)
		return xstrdup(value);
	return xasprintf("%.*s/%s", (int)(slash - ce->main_file), ce->main_file,
	    value);
}

void
conf_errorv(struct conf_errors *ce, int warning, const config_setting_t *where,
    const char *fmt, va_list ap)
{
	const char *ov = where != NULL ? override_of(ce, where) : NULL;
	char *file = where != NULL ? conf_source_file(ce, where) : NULL;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ov != NULL)
		buf_printf(&ce->text, "-o %s: ", ov);
	else if (file != NULL)
		buf_printf(&ce->text, "%s:%u: ", file,
		    config_setting_source_line(where));
	free(file);
	if (warning)
		buf_puts(&ce->text, "warning: ");
	buf_puts(&ce->text, msg);
	buf_putc(&ce->text, '\n');
	if (warning)
		ce->warnings++;
	else
		ce->errors++;
}

void
conf_error(struct conf_errors *ce, const config_setting_t *where,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errorv(ce, 0, where, fmt, ap);
	va_end(ap);
}

void
conf_warn(struct conf_errors *ce, const config_setting_t *where,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errorv(ce, 1, where, fmt, ap);
	va_end(ap);
}

void
conf_error_at(struct conf_errors *ce, int warning, const char *file,
    unsigned line, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_printf(&ce->text, "%s:%u: %s%s\n", file, line,
	    warning ? "warning: " : "", msg);
	if (warning)
		ce->warnings++;
	else
		ce->errors++;
}

static int
in_list(const char *const *keys, const char *name)
{
	for (; keys != NULL && *keys != NULL; keys++)
		if (strcmp(*keys, name) == 0)
			return 1;
	return 0;
}

void
conf_reject_unknown(struct conf_errors *ce, const config_setting_t *s,
    const char *const *keys, const char *const *more)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *m =
		    config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m);

		if (name == NULL || in_list(keys, name) || in_list(more, name))
			continue;
		conf_error(ce, m, "unknown setting '%s'", name);
	}
}
