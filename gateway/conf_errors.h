/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_errors: diagnostics collected while loading a configuration, each
 * "FILE:LINE: message" (warnings say "warning:").  Collected, not printed,
 * so that check prints them, a reload logs them, and tests read them.
 */
#ifndef BARAZA_CONF_ERRORS_H
#define BARAZA_CONF_ERRORS_H

#include <libconfig.h>

#include "util.h"

/* -o overrides one command line may give */
#define CONF_MAX_OVERRIDES 32

struct conf_errors {
	int errors;
	int warnings;
	struct buf text; /* one diagnostic per line */
	/* -o overrides: settings changed from the command line */
	const config_setting_t *overridden[CONF_MAX_OVERRIDES];
	const char *override_path[CONF_MAX_OVERRIDES];
	int noverridden;
	/* set by conf_load(): where @include and relative paths resolve */
	const char *main_file;
	const char *include_dir;
};

void conf_errors_init(struct conf_errors *ce);
void conf_errors_done(struct conf_errors *ce);
void conf_error(struct conf_errors *ce, const config_setting_t *where,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void conf_warn(struct conf_errors *ce, const config_setting_t *where,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void conf_errorv(struct conf_errors *ce, int warning,
    const config_setting_t *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* A diagnostic about a data file (a CSV table), at its own line. */
void conf_error_at(struct conf_errors *ce, int warning, const char *file,
    unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A file as libconfig names it (NULL: the main file, read from memory)
 * as a path usable from the cwd.  Caller frees. */
char *conf_file_path(const struct conf_errors *ce, const char *file);
/* The path of the file a setting came from, usable from the cwd;
 * NULL for settings made by -o.  Caller frees. */
char *conf_source_file(const struct conf_errors *ce, const config_setting_t *s);

/* A path relative to the directory of the file that names it (s), as a
 * path usable from the cwd.  Caller frees. */
char *conf_resolve_path(const struct conf_errors *ce, const config_setting_t *s,
    const char *value);

/* A default path (a setting left out) next to the main configuration
 * file, as a path usable from the cwd.  Caller frees. */
char *conf_default_path(const struct conf_errors *ce, const char *value);

/* Reports settings of group s not in the NULL-terminated lists. */
void conf_reject_unknown(struct conf_errors *ce, const config_setting_t *s,
    const char *const *keys, const char *const *more);

#endif
