/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: reads the libconfig file, applies -o overrides, validates every
 * setting against its bounds and builds struct conf.  Errors are counted
 * and all reported (conf_errors); nothing is returned unless the whole file
 * is valid.  Relative paths resolve against the directory of the file that
 * names them; @include resolves against the directory of the main file
 * (libconfig 1.5 has one include directory; see docs/configuration.md).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "provider_util.h"
#include "router.h"
#include "text.h"
#include "ussd.h"

static const char *const top_keys[] = { "gateway", "export", "providers",
	"languages", "replies", "routes", "ussd", NULL };
static const char *const gateway_keys[] = { "listen", "database", "timezone",
	"metrics_token", "addr_rate_per_s", "prefix_cap_per_hour",
	"prefix_digits", "http_threads", "body_max_bytes", "flood_messages",
	"flood_window_s", "dedup_window_s", "concat_timeout_s",
	"retry_max_attempts", "retry_base_ms", "retry_cap_ms", "deny",
	"retention_days", "max_connections", "max_connections_per_addr",
	"client_timeout_s", "database_max_mb", "burst_backlog_ms",
	"max_idle_connections", "country_code", "late_answer_min", NULL };
static const char *const export_keys[] = { "dir", "time", "phones", "bom",
	"keep_days", "min_group", NULL };
static const char *const provider_common_keys[] = { "name", "type", "default",
	"from", "concurrency", "rate_per_s", "timeout_ms", "prefixes",
	"poll_interval_s", NULL };
static const char *const reserved_names[RESERVED_COUNT] = { "help", "stop",
	"start", "quit", "forget" };
static const char *const lang_keys[] = { "name", "help", "stop", "start",
	"quit", "forget", "numbers", NULL };
static const char *const reply_names[REPLY_COUNT + 1] = { "stop", "start",
	"quit", "ambiguous", "forget_ask", "forget_done", "forget_kept", NULL };
static const char *const route_core_keys[] = { "name", "handler", "keywords",
	"listed", "default", NULL };

struct int_key {
	const char *key;
	int min, max, def;
	size_t off;
};

static const struct int_key gateway_ints[] = {
	{ "http_threads", 1, 64, 2,
	    offsetof(struct gateway_conf, http_threads) },
	{ "body_max_bytes", 256, 1048576, 65536,
	    offsetof(struct gateway_conf, body_max) },
	{ "addr_rate_per_s", 0, 1000000, 0,
	    offsetof(struct gateway_conf, addr_rate_per_s) },
	{ "prefix_cap_per_hour", 0, 100000000, 0,
	    offsetof(struct gateway_conf, prefix_cap_per_hour) },
	{ "prefix_digits", 2, 16, 8,
	    offsetof(struct gateway_conf, prefix_digits) },
	{ "flood_messages", 1, 100000, 10,
	    offsetof(struct gateway_conf, flood_messages) },
	{ "flood_window_s", 1, 86400, 60,
	    offsetof(struct gateway_conf, flood_window_s) },
	{ "dedup_window_s", 0, 3600, 10,
	    offsetof(struct gateway_conf, dedup_window_s) },
	{ "concat_timeout_s", 1, 86400, 60,
	    offsetof(struct gateway_conf, concat_timeout_s) },
	{ "retry_max_attempts", 1, 100, 8,
	    offsetof(struct gateway_conf, retry_max_attempts) },
	{ "retry_base_ms", 10, 3600000, 2000,
	    offsetof(struct gateway_conf, retry_base_ms) },
	{ "retention_days", 0, 36500, 0,
	    offsetof(struct gateway_conf, retention_days) },
	{ "max_connections", 16, 65536, 1024,
	    offsetof(struct gateway_conf, max_connections) },
	{ "max_connections_per_addr", 0, 65536, 0,
	    offsetof(struct gateway_conf, max_connections_per_addr) },
	{ "max_idle_connections", 0, 65536, 64,
	    offsetof(struct gateway_conf, max_idle_connections) },
	{ "client_timeout_s", 1, 3600, 30,
	    offsetof(struct gateway_conf, client_timeout_s) },
	{ "database_max_mb", 0, 16777216, 0,
	    offsetof(struct gateway_conf, database_max_mb) },
	{ "retry_cap_ms", 10, 86400000, 600000,
	    offsetof(struct gateway_conf, retry_cap_ms) },
	{ "burst_backlog_ms", 0, 60000, 2000,
	    offsetof(struct gateway_conf, burst_backlog_ms) },
	{ "late_answer_min", 0, 10080, 1440,
	    offsetof(struct gateway_conf, late_answer_min) },
};

/* --- small readers ---------------------------------------------------- */

int
conf_get_int(struct conf_errors *ce, const config_setting_t *group,
    const char *key, int min, int max, int def, int *ret)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	long long v;

	*ret = def;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_error(ce, s, "'%s' must be a whole number", key);
		return -EINVAL;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		conf_error(ce, s, "'%s' is %lld, must be %d..%d", key, v, min,
		    max);
		return -ERANGE;
	}
	*ret = (int)v;
	return 0;
}

int
conf_get_string(struct conf_errors *ce, const config_setting_t *group,
    const char *key, bool required, const char **ret)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	*ret = NULL;
	if (s == NULL) {
		if (required)
			conf_error(ce, group, "'%s' is required", key);
		return required ? -ENOENT : 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_error(ce, s, "'%s' must be a string", key);
		return -EINVAL;
	}
	*ret = config_setting_get_string(s);
	if (!utf8_valid(*ret, strlen(*ret))) {
		conf_error(ce, s, "'%s' is not valid UTF-8", key);
		*ret = NULL;
		return -EINVAL;
	}
	return 0;
}

int
conf_get_bool(struct conf_errors *ce, const config_setting_t *group,
    const char *key, bool def, bool *ret)
{
	const config_setting_t *s = config_setting_get_member(group, key);

	*ret = def;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_error(ce, s, "'%s' must be true or false", key);
		return -EINVAL;
	}
	*ret = config_setting_get_bool(s);
	return 0;
}

static bool
valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s != '\0'; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

int
parse_listen(const char *s, char **ret_host, int *ret_port)
{
	const char *colon = strrchr(s, ':');
	int64_t port;
	size_t hl;

	if (colon == NULL || colon == s)
		return -EINVAL;
	if (parse_int64(colon + 1, 1, 65535, &port) < 0)
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return -EINVAL;
		*ret_host = xstrndup(s + 1, hl - 2);
	} else {
		*ret_host = xstrndup(s, hl);
	}
	*ret_port = (int)port;
	return 0;
}

/* --- per-language texts ------------------------------------------------ */

const char *
ltext_get(const struct ltext *t, int lang)
{
	if (lang >= 0 && lang < LANG_MAX && t->s[lang] != NULL)
		return t->s[lang];
	return t->s[0] != NULL ? t->s[0] : "";
}

void
ltext_done(struct ltext *t)
{
	for (int i = 0; i < LANG_MAX; i++) {
		free(t->s[i]);
		t->s[i] = NULL;
	}
}

static void
check_segments(struct conf_errors *ce, const config_setting_t *s,
    const char *key, const char *lang, const char *text)
{
	struct sms_info info;
	char *prepared = sms_prepare(text);

	sms_measure(prepared, &info);
	if (info.segments > 1)
		conf_warn(ce, s,
		    "'%s' (%s) needs %u SMS segments (%s, %u of %u characters)",
		    key, lang, info.segments, sms_encoding_name(info.encoding),
		    info.units, info.encoding == SMS_GSM7 ? 160 : 70);
	free(prepared);
}

static int
read_ltext(struct conf_errors *ce, const struct routing *r,
    const config_setting_t *parent, const char *key, bool required,
    struct ltext *ret)
{
	const config_setting_t *s = config_setting_get_member(parent, key);
	struct ltext t;
	int n, err = 0;

	memset(&t, 0, sizeof(t));
	if (s == NULL) {
		if (required)
			conf_error(ce, parent, "'%s' is required", key);
		return -ENOENT;
	}
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(s);
		if (!utf8_valid(v, strlen(v)) || strlen(v) > MSG_TEXT_MAX) {
			conf_error(ce, s, "'%s' is not valid UTF-8 or too long",
			    key);
			return -EINVAL;
		}
		t.s[0] = xstrdup(v);
		check_segments(ce, s, key, r->lang_code[0], v);
		*ret = t;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_error(ce, s,
		    "'%s' must be a string or a group of strings by language",
		    key);
		return -EINVAL;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m =
		    config_setting_get_elem(s, (unsigned)i);
		const char *code = config_setting_name(m), *v;
		int lang = routing_lang(r, code);

		if (lang < 0) {
			conf_error(ce, m,
			    "'%s': '%s' is not a configured language", key,
			    code);
			err = -EINVAL;
			continue;
		}
		if (config_setting_type(m) != CONFIG_TYPE_STRING) {
			conf_error(ce, m, "'%s.%s' must be a string", key,
			    code);
			err = -EINVAL;
			continue;
		}
		v = config_setting_get_string(m);
		if (!utf8_valid(v, strlen(v)) || strlen(v) > MSG_TEXT_MAX) {
			conf_error(ce, m,
			    "'%s.%s' is not valid UTF-8 or too long", key,
			    code);
			err = -EINVAL;
			continue;
		}
		free(t.s[lang]);
		t.s[lang] = xstrdup(v);
		check_segments(ce, m, key, code, v);
	}
	if (err == 0 && t.s[0] == NULL) {
		conf_error(ce, s,
		    "'%s' has no text in the default language '%s'", key,
		    r->lang_code[0]);
		err = -EINVAL;
	}
	for (int i = 1; err == 0 && i < r->nlangs; i++)
		if (t.s[i] == NULL)
			conf_warn(ce, s,
			    "'%s' has no '%s' text; %s is sent instead", key,
			    r->lang_code[i], r->lang_code[0]);
	if (err < 0) {
		ltext_done(&t);
		return err;
	}
	*ret = t;
	return 0;
}

/* --- hconf: what a handler's configure() sees -------------------------- */

char *
hconf_number(const struct hconf *hc, const char *number)
{
	return conf_number(hc->gw, number);
}

const config_setting_t *
hconf_route(const struct hconf *hc)
{
	return hc->route;
}

int
hconf_nlangs(const struct hconf *hc)
{
	return hc->r->nlangs;
}

const char *
hconf_lang_code(const struct hconf *hc, int lang)
{
	return lang >= 0 && lang < hc->r->nlangs ? hc->r->lang_code[lang]
						 : NULL;
}

void
hconf_error(struct hconf *hc, const config_setting_t *where, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errorv(hc->ce, 0, where != NULL ? where : hc->route, fmt, ap);
	va_end(ap);
}

void
hconf_warn(struct hconf *hc, const config_setting_t *where, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_errorv(hc->ce, 1, where != NULL ? where : hc->route, fmt, ap);
	va_end(ap);
}

char *
hconf_keyword_list(const struct hconf *hc, int lang)
{
	return routing_keyword_list(hc->r, lang);
}

int
hconf_int(struct hconf *hc, const config_setting_t *parent, const char *key,
    int min, int max, int def, int *ret)
{
	const config_setting_t *v =
	    config_setting_get_member(parent != NULL ? parent : hc->route, key);

	*ret = def;
	if (v == NULL)
		return 0;
	if (config_setting_type(v) != CONFIG_TYPE_INT ||
	    config_setting_get_int(v) < min ||
	    config_setting_get_int(v) > max) {
		hconf_error(hc, v, "'%s' must be a whole number from %d to %d",
		    key, min, max);
		return -EINVAL;
	}
	*ret = config_setting_get_int(v);
	return 0;
}

int
hconf_hours(struct hconf *hc, const char *key, int *ret_from, int *ret_to)
{
	const config_setting_t *v = config_setting_get_member(hc->route, key);
	int h1, m1, h2, m2;
	char tail;
	const char *str;

	if (v == NULL)
		return 0;
	if ((str = config_setting_get_string(v)) == NULL ||
	    sscanf(str, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4 ||
	    h1 < 0 || m1 < 0 || h2 < 0 || m2 < 0 || h1 > 23 || m1 > 59 ||
	    h2 > 24 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2) {
		hconf_error(hc, v,
		    "'%s' must be \"HH:MM-HH:MM\" within one day, e.g. \"08:00-20:00\"",
		    key);
		return -EINVAL;
	}
	*ret_from = h1 * 60 + m1;
	*ret_to = h2 * 60 + m2;
	return 0;
}

char *
hconf_menu_list(const struct hconf *hc, int lang)
{
	return ussd_sms_menu_list(hc->r, lang);
}

void
hconf_check_text(struct hconf *hc, const char *key, int lang, const char *tmpl,
    const char *const *vars)
{
	char *t = text_expand(tmpl, vars);

	check_segments(hc->ce, hc->route, key, hconf_lang_code(hc, lang), t);
	free(t);
}

int
hconf_ltext(struct hconf *hc, const config_setting_t *parent, const char *key,
    bool required, struct ltext *ret)
{
	return read_ltext(hc->ce, hc->r, parent != NULL ? parent : hc->route,
	    key, required, ret);
}

const char *
lwords_first(const struct lwords *w, int lang)
{
	if (lang >= 0 && lang < LANG_MAX && w->w[lang] != NULL &&
	    w->w[lang][0] != NULL)
		return w->w[lang][0];
	for (int i = 0; i < LANG_MAX; i++)
		if (w->w[i] != NULL && w->w[i][0] != NULL)
			return w->w[i][0];
	return "";
}

bool
lwords_has(const struct lwords *w, const char *folded)
{
	for (int i = 0; i < LANG_MAX; i++)
		for (char **f = w->folded[i]; f != NULL && *f != NULL; f++)
			if (strcmp(*f, folded) == 0)
				return true;
	return false;
}

void
lwords_done(struct lwords *w)
{
	for (int i = 0; i < LANG_MAX; i++) {
		for (char **p = w->w[i]; p != NULL && *p != NULL; p++)
			free(*p);
		for (char **p = w->folded[i]; p != NULL && *p != NULL; p++)
			free(*p);
		free(w->w[i]);
		free(w->folded[i]);
		w->w[i] = w->folded[i] = NULL;
	}
}

/* One language's array of words; 0 or -EINVAL. */
static int
read_word_array(struct hconf *hc, const config_setting_t *a, const char *key,
    char ***ret_w, char ***ret_folded)
{
	int n = config_setting_length(a);
	char **w, **f;

	if ((config_setting_type(a) != CONFIG_TYPE_ARRAY &&
		config_setting_type(a) != CONFIG_TYPE_LIST) ||
	    n == 0) {
		hconf_error(hc, a, "'%s' must be a list of words [ \"...\" ]",
		    key);
		return -EINVAL;
	}
	w = xcalloc((size_t)n + 1, sizeof(char *));
	f = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(a, i);
		char folded[64];
		if (v == NULL || !utf8_valid(v, strlen(v)) ||
		    text_fold(v, strlen(v), folded, sizeof(folded)) == 0) {
			hconf_error(hc, a, "'%s': item %d is not a word", key,
			    i + 1);
			for (int j = 0; j < i; j++) {
				free(w[j]);
				free(f[j]);
			}
			free(w);
			free(f);
			return -EINVAL;
		}
		w[i] = xstrdup(v);
		f[i] = xstrdup(folded);
	}
	*ret_w = w;
	*ret_folded = f;
	return 0;
}

int
hconf_words(struct hconf *hc, const config_setting_t *parent, const char *key,
    bool required, struct lwords *ret)
{
	const config_setting_t *s;
	struct lwords w;
	int err = 0;

	memset(&w, 0, sizeof(w));
	parent = parent != NULL ? parent : hc->route;
	if ((s = config_setting_get_member(parent, key)) == NULL) {
		if (required)
			hconf_error(hc, parent, "'%s' is required", key);
		return -ENOENT;
	}
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		err = read_word_array(hc, s, key, &w.w[0], &w.folded[0]);
	} else {
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *m =
			    config_setting_get_elem(s, (unsigned)i);
			int lang = routing_lang(hc->r, config_setting_name(m));
			if (lang < 0) {
				hconf_error(hc, m,
				    "'%s': '%s' is not a configured language",
				    key, config_setting_name(m));
				err = -EINVAL;
			} else if (w.w[lang] == NULL &&
			    read_word_array(hc, m, key, &w.w[lang],
				&w.folded[lang]) < 0) {
				err = -EINVAL;
			}
		}
	}
	if (err < 0) {
		lwords_done(&w);
		return err;
	}
	*ret = w;
	return 0;
}

/* --- routing ----------------------------------------------------------- */

int
routing_lang(const struct routing *r, const char *code)
{
	for (int i = 0; i < r->nlangs; i++)
		if (strcmp(r->lang_code[i], code) == 0)
			return i;
	return -1;
}

void
routing_free(struct routing *r)
{
	if (r == NULL)
		return;
	ussd_menu_free(r->ussd);
	for (int i = 0; i < r->nlangs; i++) {
		free(r->lang_code[i]);
		free(r->lang_name[i]);
		for (char **w = r->numbers[i]; w != NULL && *w != NULL; w++)
			free(*w);
		free(r->numbers[i]);
	}
	for (int i = 0; i < REPLY_COUNT; i++)
		ltext_done(&r->replies[i]);
	for (size_t i = 0; i < r->nroutes; i++) {
		struct route *rt = &r->routes[i];
		if (rt->handler != NULL)
			rt->handler->free_state(rt->state);
		for (int l = 0; l < LANG_MAX; l++) {
			for (char **k = rt->keywords[l];
			     k != NULL && *k != NULL; k++)
				free(*k);
			free(rt->keywords[l]);
		}
		free(rt->name);
	}
	free(r->routes);
	for (size_t i = 0; i < r->nkeywords; i++)
		free(r->keywords[i].folded);
	free(r->keywords);
	free(r);
}

/* Where each keyword was configured, for collision messages. */
struct kwsite {
	const char *file;
	unsigned line;
};

static void
add_keyword(struct conf_errors *ce, struct routing *r, struct kwsite **sites,
    const config_setting_t *s, const char *word, int lang, int route,
    int reserved)
{
	char folded[64], *at;
	struct keyword *k;

	if (!utf8_valid(word, strlen(word)) ||
	    text_fold(word, strlen(word), folded, sizeof(folded)) == 0) {
		conf_error(ce, s, "keyword '%s' has no letters or digits",
		    word);
		return;
	}
	if (strlen(folded) >= sizeof(folded) - 1) {
		conf_error(ce, s, "keyword '%s' is too long", word);
		return;
	}
	for (size_t i = 0; i < r->nkeywords; i++) {
		k = &r->keywords[i];
		if (strcmp(k->folded, folded) != 0)
			continue;
		if (k->route == route && k->reserved == reserved) {
			/* the same word for the same thing in two languages:
			 * it says nothing of the sender's language */
			if (k->lang != lang)
				k->lang = -1;
			return;
		}
		at = conf_file_path(ce, (*sites)[i].file);
		conf_error(ce, s, "keyword '%s' is already used at %s:%u", word,
		    at != NULL ? at : "?", (*sites)[i].line);
		free(at);
		return;
	}
	r->keywords = xrealloc(r->keywords, (r->nkeywords + 1) * sizeof(*k));
	*sites = xrealloc(*sites, (r->nkeywords + 1) * sizeof(**sites));
	(*sites)[r->nkeywords].file = config_setting_source_file(s) != NULL
	    ? config_setting_source_file(s)
	    : ce->main_file;
	(*sites)[r->nkeywords].line = config_setting_source_line(s);
	k = &r->keywords[r->nkeywords++];
	k->folded = xstrdup(folded);
	k->lang = lang;
	k->route = route;
	k->reserved = reserved;
}

/* Reads ["A", "B"] into a NULL-terminated copy; adds each as a keyword. */
static char **
read_words(struct conf_errors *ce, struct routing *r, struct kwsite **sites,
    const config_setting_t *s, int lang, int route, int reserved)
{
	int n;
	char **words;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		words = xcalloc(2, sizeof(*words));
		words[0] = xstrdup(config_setting_get_string(s));
		add_keyword(ce, r, sites, s, words[0], lang, route, reserved);
		return words;
	}
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_error(ce, s, "'%s' must be a list of words",
		    config_setting_name(s));
		return NULL;
	}
	n = config_setting_length(s);
	words = xcalloc((size_t)n + 1, sizeof(*words));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_error(ce, e, "keywords must be strings");
			continue;
		}
		words[i] = xstrdup(config_setting_get_string(e));
		add_keyword(ce, r, sites, e, words[i], lang, route, reserved);
	}
	return words;
}

/* A language's number words ("ZERO", "ONE", ...: the first is 0), folded
 * into r->numbers[lang]; optional. */
static void
read_numbers(struct conf_errors *ce, struct routing *r, int lang,
    const config_setting_t *g)
{
	const config_setting_t *s = config_setting_get_member(g, "numbers");
	int n;

	if (s == NULL)
		return;
	if ((config_setting_type(s) != CONFIG_TYPE_ARRAY &&
		config_setting_type(s) != CONFIG_TYPE_LIST) ||
	    (n = config_setting_length(s)) < 1 || n > NUMBER_WORDS_MAX) {
		conf_error(ce, s,
		    "'numbers' must be a list of 1 to %d words, the first for 0",
		    NUMBER_WORDS_MAX);
		return;
	}
	r->numbers[lang] = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(s, (unsigned)i);
		const char *w = config_setting_type(e) == CONFIG_TYPE_STRING
		    ? config_setting_get_string(e)
		    : "";
		char f[64];

		text_fold(w, strlen(w), f, sizeof(f));
		if (f[0] == '\0' || strspn(f, "0123456789") == strlen(f)) {
			conf_error(ce, e,
			    "number words must be words (letters), not '%s'",
			    w);
			snprintf(f, sizeof(f), "-");
		}
		for (int j = 0; j < i && f[0] != '-'; j++)
			if (strcmp(r->numbers[lang][j], f) == 0)
				conf_error(ce, e,
				    "'%s' stands for both %d and %d", w, j, i);
		r->numbers[lang][i] = xstrdup(f);
	}
}

static void
parse_languages(struct conf_errors *ce, const config_setting_t *root,
    struct routing *r, struct kwsite **sites)
{
	const config_setting_t *g =
	    config_setting_get_member(root, "languages");
	const config_setting_t *order[LANG_MAX];
	const char *def = NULL;
	int n;

	if (g == NULL || config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ce, g != NULL ? g : root,
		    "'languages' group is required");
		return;
	}
	conf_get_string(ce, g, "default", false, &def);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *l =
		    config_setting_get_elem(g, (unsigned)i);
		const char *code = config_setting_name(l);

		if (strcmp(code, "default") == 0)
			continue;
		if (config_setting_type(l) != CONFIG_TYPE_GROUP) {
			conf_error(ce, l, "language '%s' must be a group",
			    code);
			continue;
		}
		if (!valid_name(code, 8)) {
			conf_error(ce, l,
			    "language code '%s' must be lower-case letters",
			    code);
			continue;
		}
		if (r->nlangs == LANG_MAX) {
			conf_error(ce, l, "at most %d languages", LANG_MAX);
			break;
		}
		/* the default language goes first: index 0 is the fallback */
		if (def != NULL && strcmp(code, def) == 0 && r->nlangs > 0) {
			memmove(&order[1], &order[0],
			    (size_t)r->nlangs * sizeof(*order));
			memmove(&r->lang_code[1], &r->lang_code[0],
			    (size_t)r->nlangs * sizeof(char *));
			order[0] = l;
			r->lang_code[0] = xstrdup(code);
		} else {
			order[r->nlangs] = l;
			r->lang_code[r->nlangs] = xstrdup(code);
		}
		r->nlangs++;
	}
	if (r->nlangs == 0) {
		conf_error(ce, g, "at least one language is required");
		return;
	}
	if (def != NULL && routing_lang(r, def) != 0)
		conf_error(ce, g, "default language '%s' is not configured",
		    def);
	for (int i = 0; i < r->nlangs; i++) {
		const char *name = NULL;

		conf_reject_unknown(ce, order[i], lang_keys, NULL);
		conf_get_string(ce, order[i], "name", false, &name);
		r->lang_name[i] =
		    xstrdup(name != NULL ? name : r->lang_code[i]);
		read_numbers(ce, r, i, order[i]);
		for (int w = 0; w < RESERVED_COUNT; w++) {
			const config_setting_t *s =
			    config_setting_get_member(order[i],
				reserved_names[w]);
			char **words;

			if (s == NULL && w == RESERVED_FORGET)
				continue; /* optional */
			if (s == NULL) {
				conf_error(ce, order[i],
				    "language '%s' has no '%s' words (reserved words are needed in every language)",
				    r->lang_code[i], reserved_names[w]);
				continue;
			}
			if (w == RESERVED_FORGET)
				r->forget = true;
			words = read_words(ce, r, sites, s, i, -1, w);
			for (char **p = words; p != NULL && *p != NULL; p++)
				free(*p);
			free(words);
		}
	}
}

static void
parse_replies(struct conf_errors *ce, const config_setting_t *root,
    struct routing *r)
{
	const config_setting_t *g = config_setting_get_member(root, "replies");

	if (g == NULL || config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ce, g != NULL ? g : root,
		    "'replies' group is required");
		return;
	}
	conf_reject_unknown(ce, g, reply_names, NULL);
	/* the FORGET texts are needed when a language has FORGET words */
	for (int i = 0; i < REPLY_COUNT; i++)
		read_ltext(ce, r, g, reply_names[i],
		    i < REPLY_FORGET_ASK || r->forget, &r->replies[i]);
}

static void
parse_route(struct conf_errors *ce, const struct handler *const *handlers,
    const struct gateway_conf *gw, struct routing *r, struct kwsite **sites,
    const config_setting_t *s, int idx, bool *ret_default)
{
	struct route *rt = &r->routes[idx];
	const char *name = NULL, *hname = NULL;
	const config_setting_t *kw;
	struct hconf hc = { ce, s, r, gw };
	int before = ce->errors;
	bool isdef = false;

	*ret_default = false;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_error(ce, s,
		    "a route must be a group { name = ...; handler = ...; }");
		return;
	}
	conf_get_string(ce, s, "name", true, &name);
	conf_get_string(ce, s, "handler", true, &hname);
	conf_get_bool(ce, s, "listed", true, &rt->listed);
	conf_get_bool(ce, s, "default", false, &isdef);
	if (name != NULL && !valid_name(name, 32))
		conf_error(ce, config_setting_get_member(s, "name"),
		    "route name '%s' must be lower-case letters, digits, '-' or '_'",
		    name);
	for (int i = 0; name != NULL && i < idx; i++)
		if (r->routes[i].name != NULL &&
		    strcmp(r->routes[i].name, name) == 0)
			conf_error(ce, s, "route '%s' is defined twice", name);
	rt->name = xstrdup(name != NULL ? name : "?");
	if (hname != NULL) {
		for (const struct handler *const *h = handlers; *h != NULL; h++)
			if (strcmp((*h)->name, hname) == 0)
				rt->handler = *h;
		if (rt->handler == NULL)
			conf_error(ce, config_setting_get_member(s, "handler"),
			    "unknown handler '%s'", hname);
		else if (rt->handler->abi != HANDLER_ABI)
			conf_error(ce, s,
			    "handler '%s' was built for another interface",
			    hname);
	}
	kw = config_setting_get_member(s, "keywords");
	if (kw != NULL && config_setting_type(kw) == CONFIG_TYPE_GROUP) {
		int n = config_setting_length(kw);
		for (int i = 0; i < n; i++) {
			const config_setting_t *l =
			    config_setting_get_elem(kw, (unsigned)i);
			int lang = routing_lang(r, config_setting_name(l));
			if (lang < 0) {
				conf_error(ce, l,
				    "'%s' is not a configured language",
				    config_setting_name(l));
				continue;
			}
			rt->keywords[lang] =
			    read_words(ce, r, sites, l, lang, idx, -1);
		}
	} else if (kw != NULL) {
		/* a plain list: words of no one language (UPDATE), which
		 * leave the sender's language as it was */
		rt->keywords[0] = read_words(ce, r, sites, kw, -1, idx, -1);
	} else if (!isdef && (hname == NULL || strcmp(hname, "help") != 0)) {
		/* a help route is reached by the reserved HELP words */
		conf_error(ce, s, "route '%s' has no 'keywords'", rt->name);
	}
	if (rt->handler != NULL) {
		conf_reject_unknown(ce, s, route_core_keys, rt->handler->keys);
		if (ce->errors == before &&
		    rt->handler->configure(&hc, &rt->state) < 0 &&
		    ce->errors == before)
			conf_error(ce, s,
			    "route '%s': handler '%s' rejected its settings",
			    rt->name, rt->handler->name);
	}
	*ret_default = isdef;
}

static void
parse_routes(struct conf_errors *ce, const config_setting_t *root,
    const struct handler *const *handlers, const struct gateway_conf *gw,
    struct routing *r, struct kwsite **sites)
{
	const config_setting_t *l = config_setting_get_member(root, "routes");
	int n;

	r->default_route = -1;
	if (l == NULL ||
	    (config_setting_type(l) != CONFIG_TYPE_LIST &&
		config_setting_type(l) != CONFIG_TYPE_ARRAY)) {
		conf_error(ce, l != NULL ? l : root,
		    "'routes' list is required");
		return;
	}
	n = config_setting_length(l);
	if (n == 0) {
		conf_error(ce, l, "'routes' is empty");
		return;
	}
	r->routes = xcalloc((size_t)n, sizeof(*r->routes));
	r->nroutes = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(l, (unsigned)i);
		bool isdef;

		parse_route(ce, handlers, gw, r, sites, s, i, &isdef);
		if (isdef && r->default_route >= 0)
			conf_error(ce, s, "only one route can be the default");
		else if (isdef)
			r->default_route = i;
	}
	for (size_t i = 0; r->default_route < 0 && i < r->nroutes; i++)
		if (r->routes[i].handler != NULL &&
		    strcmp(r->routes[i].handler->name, "help") == 0)
			r->default_route = (int)i;
	if (r->default_route < 0)
		conf_error(ce, l,
		    "no default route: mark one 'default = true' or add a 'help' route");
	/* the menus name routes; handlers' checks may list the menus */
	if (ce->errors == 0)
		ussd_conf_parse(ce, root, r);
	for (int i = 0; ce->errors == 0 && i < n; i++) {
		struct route *rt = &r->routes[i];
		struct hconf hc = { ce, config_setting_get_elem(l, (unsigned)i),
			r, gw };
		if (rt->handler->check != NULL)
			rt->handler->check(rt->state, &hc);
	}
}

/* Two keywords one typo apart make that typo ambiguous; say so early. */
static void
warn_close_keywords(struct conf_errors *ce, const config_setting_t *root,
    const struct routing *r)
{
	for (size_t i = 0; i < r->nkeywords; i++) {
		const struct keyword *a = &r->keywords[i];
		if (a->route < 0 || strlen(a->folded) < 5)
			continue;
		for (size_t j = i + 1; j < r->nkeywords; j++) {
			const struct keyword *b = &r->keywords[j];
			if (b->route < 0 || b->route == a->route ||
			    strlen(b->folded) < 5 ||
			    a->folded[0] != b->folded[0])
				continue;
			if (text_distance(a->folded, b->folded, 2) <= 2)
				conf_warn(ce,
				    config_setting_get_member(root, "routes"),
				    "keywords '%s' and '%s' are close: a typo of either will be answered with a question",
				    a->folded, b->folded);
		}
	}
}

static struct routing *
parse_routing(struct conf_errors *ce, const config_setting_t *root,
    const struct handler *const *handlers, const struct gateway_conf *gw)
{
	struct routing *r = xcalloc(1, sizeof(*r));
	struct kwsite *sites = NULL;

	r->refs = 1;
	parse_languages(ce, root, r, &sites);
	if (r->nlangs > 0) {
		parse_replies(ce, root, r);
		parse_routes(ce, root, handlers, gw, r, &sites);
		warn_close_keywords(ce, root, r);
	}
	free(sites);
	return r;
}

/* --- gateway, export, providers ---------------------------------------- */

static bool
zone_exists(const char *tz)
{
	char path[PATH_MAX];

	if (strcmp(tz, "UTC") == 0)
		return true;
	if (strstr(tz, "..") != NULL || tz[0] == '/')
		return false;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return access(path, R_OK) == 0;
}

static void
parse_gateway(struct conf_errors *ce, const config_setting_t *root,
    struct gateway_conf *gw)
{
	const config_setting_t *g = config_setting_get_member(root, "gateway");
	const config_setting_t *deny;
	const char *listen = NULL, *db = NULL, *tz = NULL;

	if (g == NULL || config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ce, g != NULL ? g : root,
		    "'gateway' group is required");
		return;
	}
	conf_reject_unknown(ce, g, gateway_keys, NULL);
	for (size_t i = 0; i < ARRAY_LEN(gateway_ints); i++) {
		const struct int_key *k = &gateway_ints[i];
		conf_get_int(ce, g, k->key, k->min, k->max, k->def,
		    (int *)((char *)gw + k->off));
	}
	conf_get_string(ce, g, "listen", false, &listen);
	if (parse_listen(listen != NULL ? listen : "127.0.0.1:8080",
		&gw->listen_host, &gw->listen_port) < 0)
		conf_error(ce, config_setting_get_member(g, "listen"),
		    "'listen' is '%s', must be HOST:PORT with a port 1..65535",
		    listen);
	conf_get_string(ce, g, "database", false, &db);
	gw->database = db != NULL
	    ? conf_resolve_path(ce, config_setting_get_member(g, "database"),
		  db)
	    : conf_default_path(ce, "var/baraza.db");
	{
		const char *mt = NULL;
		conf_get_string(ce, g, "metrics_token", false, &mt);
		if (mt != NULL && strlen(mt) < 8)
			conf_error(ce,
			    config_setting_get_member(g, "metrics_token"),
			    "'metrics_token' must be 8 or more characters");
		gw->metrics_token = mt != NULL ? xstrdup(mt) : NULL;
	}
	conf_get_string(ce, g, "timezone", false, &tz);
	if (tz != NULL && !zone_exists(tz))
		conf_error(ce, config_setting_get_member(g, "timezone"),
		    "unknown time zone '%s' (an IANA name such as Africa/Nairobi)",
		    tz);
	gw->timezone = xstrdup(tz != NULL ? tz : "UTC");
	{
		/* "254" or 254: -o gateway.country_code=254 gives a number */
		const config_setting_t *m =
		    config_setting_get_member(g, "country_code");
		char num[24];
		const char *cc = NULL;

		if (m != NULL && config_setting_type(m) == CONFIG_TYPE_INT) {
			snprintf(num, sizeof(num), "%d",
			    config_setting_get_int(m));
			cc = num;
		} else {
			conf_get_string(ce, g, "country_code", false, &cc);
		}
		if (cc != NULL && cc[0] != '\0' &&
		    (strlen(cc) > 3 || strspn(cc, "0123456789") != strlen(cc) ||
			cc[0] == '0'))
			conf_error(ce, m,
			    "'country_code' is '%s', must be a calling code of "
			    "1 to 3 digits without '+' (254 for Kenya)",
			    cc);
		gw->country_code =
		    cc != NULL && cc[0] != '\0' ? xstrdup(cc) : NULL;
	}
	if (gw->retry_cap_ms < gw->retry_base_ms)
		conf_error(ce, g, "'retry_cap_ms' is below 'retry_base_ms'");
	deny = config_setting_get_member(g, "deny");
	if (deny != NULL) {
		int n = config_setting_length(deny);
		if (config_setting_type(deny) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(deny) != CONFIG_TYPE_LIST) {
			conf_error(ce, deny,
			    "'deny' must be a list of numbers");
			n = 0;
		}
		gw->deny = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0, j = 0; i < n; i++) {
			const config_setting_t *e =
			    config_setting_get_elem(deny, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				conf_error(ce, e,
				    "'deny' entries must be strings");
			else
				gw->deny[j++] = conf_number(gw,
				    config_setting_get_string(e));
		}
	} else {
		gw->deny = xcalloc(1, sizeof(char *));
	}
}

static void
parse_export(struct conf_errors *ce, const config_setting_t *root,
    struct export_conf *ex)
{
	const config_setting_t *g = config_setting_get_member(root, "export");
	const char *dir = NULL, *time = NULL, *phones = NULL;
	int hh, mm, end = 0;

	ex->bom = true;
	ex->min_group = 5;
	if (g != NULL) {
		conf_reject_unknown(ce, g, export_keys, NULL);
		conf_get_string(ce, g, "dir", false, &dir);
		conf_get_string(ce, g, "time", false, &time);
		conf_get_string(ce, g, "phones", false, &phones);
		conf_get_bool(ce, g, "bom", true, &ex->bom);
		conf_get_int(ce, g, "keep_days", 0, 36500, 0, &ex->keep_days);
		conf_get_int(ce, g, "min_group", 1, 1000, 5, &ex->min_group);
	}
	ex->dir = dir != NULL
	    ? conf_resolve_path(ce, config_setting_get_member(g, "dir"), dir)
	    : conf_default_path(ce, "var/exports");
	if (time != NULL &&
	    (sscanf(time, "%2d:%2d%n", &hh, &mm, &end) != 2 || end != 5 ||
		hh > 23 || mm > 59 || hh < 0 || mm < 0))
		conf_error(ce, config_setting_get_member(g, "time"),
		    "'time' is '%s', must be HH:MM (24-hour, local)", time);
	ex->time = xstrdup(time != NULL ? time : "01:00");
	if (phones != NULL && strcmp(phones, "full") != 0 &&
	    strcmp(phones, "masked") != 0 && strcmp(phones, "pseudonym") != 0)
		conf_error(ce, config_setting_get_member(g, "phones"),
		    "'phones' is '%s', must be full, masked or pseudonym",
		    phones);
	ex->phones = xstrdup(phones != NULL ? phones : "pseudonym");
}

/* `prefixes = [ "+254", "+255" ]`: a NULL-terminated copy. */
static char **
read_prefixes(struct conf_errors *ce, const config_setting_t *l)
{
	char **v;
	int n;

	if (l == NULL)
		return xcalloc(1, sizeof(char *));
	if (config_setting_type(l) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(l) != CONFIG_TYPE_LIST) {
		conf_error(ce, l,
		    "'prefixes' must be a list such as [ \"+254\" ]");
		return xcalloc(1, sizeof(char *));
	}
	n = config_setting_length(l);
	v = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0, j = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(l, (unsigned)i);
		const char *p = config_setting_get_string(e);
		if (p == NULL || p[0] != '+' || p[1] == '\0' ||
		    strspn(p + 1, "0123456789") != strlen(p + 1))
			conf_error(ce, e,
			    "prefixes are '+' and digits, such as \"+254\"");
		else
			v[j++] = xstrdup(p);
	}
	return v;
}

static void
parse_provider(struct conf_errors *ce, const config_setting_t *s,
    struct conf *c, struct provider *p)
{
	const char *name = NULL, *type = NULL, *from = NULL;
	const config_setting_t *rate;
	bool isdef = false;
	int before = ce->errors;

	p->concurrency = 4;
	p->timeout_ms = 10000;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_error(ce, s,
		    "a provider must be a group { name = ...; type = ...; }");
		return;
	}
	conf_get_string(ce, s, "name", true, &name);
	conf_get_string(ce, s, "type", true, &type);
	conf_get_string(ce, s, "from", false, &from);
	conf_get_bool(ce, s, "default", false, &isdef);
	conf_get_int(ce, s, "concurrency", 1, 1024, 4, &p->concurrency);
	conf_get_int(ce, s, "timeout_ms", 100, 300000, 10000, &p->timeout_ms);
	conf_get_int(ce, s, "poll_interval_s", 0, 86400, 0,
	    &p->poll_interval_s);
	rate = config_setting_get_member(s, "rate_per_s");
	if (rate != NULL) {
		int t = config_setting_type(rate);
		double v = t == CONFIG_TYPE_FLOAT
		    ? config_setting_get_float(rate)
		    : (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
		    ? (double)config_setting_get_int64(rate)
		    : -1;
		if (v < 0 || v > 100000)
			conf_error(ce, rate,
			    "'rate_per_s' must be a number 0..100000 (0: no cap)");
		else
			p->rate_per_s = v;
	}
	p->is_default = isdef;
	p->prefixes =
	    read_prefixes(ce, config_setting_get_member(s, "prefixes"));
	p->name = xstrdup(name != NULL ? name : "?");
	p->from = from != NULL ? xstrdup(from) : NULL;
	if (name != NULL && !valid_name(name, 32))
		conf_error(ce, config_setting_get_member(s, "name"),
		    "provider name '%s' must be lower-case letters, digits, '-' or '_'",
		    name);
	for (size_t i = 0; name != NULL && i < c->nproviders; i++)
		if (strcmp(c->providers[i].name, name) == 0)
			conf_error(ce, s, "provider '%s' is defined twice",
			    name);
	if (type == NULL)
		return;
	p->type = provider_type_find(type);
	if (p->type == NULL) {
		conf_error(ce, config_setting_get_member(s, "type"),
		    "unknown provider type '%s'", type);
		return;
	}
	conf_reject_unknown(ce, s, provider_common_keys, p->type->keys);
	if (config_setting_get_member(s, "concurrency") == NULL &&
	    p->type->default_concurrency > 0)
		p->concurrency = p->type->default_concurrency;
	if (ce->errors == before && p->type->configure(s, ce, &p->state) < 0 &&
	    ce->errors == before)
		conf_error(ce, s, "provider '%s' rejected its settings",
		    p->name);
	if (ce->errors == before && p->poll_interval_s > 0 &&
	    p->type->prepare_poll == NULL)
		conf_error(ce, config_setting_get_member(s, "poll_interval_s"),
		    "provider type '%s' cannot be polled", p->type->name);
	if (ce->errors != before)
		p->type = NULL; /* state not built: nothing to free */
}

static void
parse_providers(struct conf_errors *ce, const config_setting_t *root,
    struct conf *c)
{
	const config_setting_t *l =
	    config_setting_get_member(root, "providers");
	int n;

	c->default_provider = -1;
	if (l == NULL ||
	    (config_setting_type(l) != CONFIG_TYPE_LIST &&
		config_setting_type(l) != CONFIG_TYPE_ARRAY) ||
	    config_setting_length(l) == 0) {
		conf_error(ce, l != NULL ? l : root,
		    "'providers' must list at least one provider");
		return;
	}
	n = config_setting_length(l);
	c->providers = xcalloc((size_t)n, sizeof(*c->providers));
	for (int i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(l, (unsigned)i);
		struct provider *p = &c->providers[c->nproviders];

		parse_provider(ce, s, c, p);
		c->nproviders++;
		if (p->is_default && c->default_provider >= 0)
			conf_error(ce, s,
			    "only one provider can be the default");
		else if (p->is_default)
			c->default_provider = i;
	}
	if (c->default_provider < 0) {
		if (n > 1)
			conf_warn(ce, l,
			    "no provider is marked 'default = true'; '%s' sends the messages baraza starts",
			    c->providers[0].name);
		c->default_provider = 0;
	}
}

char *
conf_number(const struct gateway_conf *gw, const char *number)
{
	char *n = number_normalize(number), *e164;
	const char *cc = gw != NULL ? gw->country_code : NULL;
	size_t len = strlen(n), cl = cc != NULL ? strlen(cc) : 0;

	if (cl == 0 || len == 0 || strspn(n, "0123456789") != len)
		return n;
	if (strncmp(n, cc, cl) == 0 && len >= cl + 6 && len <= 15)
		e164 = xasprintf("+%s", n);
	else if (n[0] == '0' && n[1] != '0' && len >= 7 && cl + len - 1 <= 15)
		e164 = xasprintf("+%s%s", cc, n + 1);
	else
		return n;
	free(n);
	return e164;
}

void
conf_use_timezone(const struct conf *c)
{
	setenv("TZ", c->gw.timezone, 1);
	tzset();
}

bool
host_is_loopback(const char *host)
{
	unsigned char a[16];

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1) {
		static const unsigned char one[16] = { [15] = 1 };
		return memcmp(a, one, 16) == 0;
	}
	return false;
}

/* Beyond loopback, every webhook must prove where it comes from. */
static void
check_exposure(struct conf_errors *ce, const config_setting_t *root,
    const struct conf *c)
{
	const config_setting_t *g = config_setting_get_member(root, "gateway");
	const config_setting_t *l =
	    g ? config_setting_get_member(g, "listen") : NULL;

	if (c->gw.listen_host == NULL || host_is_loopback(c->gw.listen_host))
		return;
	for (size_t i = 0; i < c->nproviders; i++) {
		const struct provider *p = &c->providers[i];
		if (p->type == NULL || p->type->parse_inbound == NULL ||
		    p->type->authenticated(p->state))
			continue;
		conf_error(ce, l != NULL ? l : g,
		    "listening on %s, but provider '%s' (%s) takes webhooks without authentication: give it a token, signature or address list, or listen on 127.0.0.1",
		    c->gw.listen_host, p->name, p->type->name);
	}
}

/* --- overrides --------------------------------------------------------- */

static int
apply_override(struct conf_errors *ce, config_t *cfg,
    const struct conf_override *ov)
{
	config_setting_t *s = config_lookup(cfg, ov->path), *parent;
	int64_t iv;
	char *end;
	double dv;
	const char *dot;
	int type;

	if (s == NULL) {
		char *ppath;
		dot = strrchr(ov->path, '.');
		ppath =
		    dot ? xstrndup(ov->path, (size_t)(dot - ov->path)) : NULL;
		parent = ppath ? config_lookup(cfg, ppath)
			       : config_root_setting(cfg);
		/* a top-level group the file leaves out (export = { }) */
		if (parent == NULL && ppath != NULL &&
		    strchr(ppath, '.') == NULL &&
		    (strcmp(ppath, "gateway") == 0 ||
			strcmp(ppath, "export") == 0))
			parent = config_setting_add(config_root_setting(cfg),
			    ppath, CONFIG_TYPE_GROUP);
		free(ppath);
		if (parent == NULL ||
		    config_setting_type(parent) != CONFIG_TYPE_GROUP) {
			buf_printf(&ce->text,
			    "-o %s: no such group in the configuration\n",
			    ov->path);
			ce->errors++;
			return -ENOENT;
		}
		type = parse_int64(ov->value, INT_MIN, INT_MAX, &iv) == 0
		    ? CONFIG_TYPE_INT
		    : strcmp(ov->value, "true") == 0 ||
			strcmp(ov->value, "false") == 0
		    ? CONFIG_TYPE_BOOL
		    : CONFIG_TYPE_STRING;
		s = config_setting_add(parent, dot ? dot + 1 : ov->path, type);
		if (s == NULL) {
			buf_printf(&ce->text,
			    "-o %s: not a valid setting name\n", ov->path);
			ce->errors++;
			return -EINVAL;
		}
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		if (parse_int64(ov->value, INT64_MIN, INT64_MAX, &iv) < 0)
			goto bad;
		config_setting_set_int64(s, iv);
		break;
	case CONFIG_TYPE_FLOAT:
		dv = strtod(ov->value, &end);
		if (*ov->value == '\0' || *end != '\0')
			goto bad;
		config_setting_set_float(s, dv);
		break;
	case CONFIG_TYPE_BOOL:
		if (strcmp(ov->value, "true") != 0 &&
		    strcmp(ov->value, "false") != 0)
			goto bad;
		config_setting_set_bool(s, strcmp(ov->value, "true") == 0);
		break;
	case CONFIG_TYPE_STRING:
		config_setting_set_string(s, ov->value);
		break;
	default:
		buf_printf(&ce->text, "-o %s: not a scalar setting\n",
		    ov->path);
		ce->errors++;
		return -EINVAL;
	}
	if (ce->noverridden < (int)ARRAY_LEN(ce->overridden)) {
		ce->overridden[ce->noverridden] = s;
		ce->override_path[ce->noverridden++] = ov->path;
	}
	return 0;
bad:
	buf_printf(&ce->text,
	    "-o %s: '%s' is not a valid value for this setting\n", ov->path,
	    ov->value);
	ce->errors++;
	return -EINVAL;
}

/* Appends the rest of f to b; -1 when a read failed. */
static int
read_all(FILE *f, struct buf *b)
{
	char chunk[4096];
	size_t got;

	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, got);
	return ferror(f) ? -1 : 0;
}

/* The path of the @include directive at p (a line's start), as
 * libconfig 1.5's scanner reads it: `^[ \t]*@include[ \t]+"`, then up to
 * the closing quote, across lines, with \\ and \" escaped (another
 * backslash dropped), and cut at a NUL byte as fopen() would be; NULL
 * when p holds no such directive. */
static char *
include_path(const char *p, const char *end)
{
	struct buf b;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 9 || memcmp(p, "@include", 8) != 0 ||
	    (p[8] != ' ' && p[8] != '\t'))
		return NULL;
	for (p += 8; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p++ != '"')
		return NULL;
	buf_init(&b);
	for (; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end && (p[1] == '\\' || p[1] == '"'))
			p++;
		else if (*p == '\\')
			continue; /* no rule takes it: the scanner drops it */
		buf_append(&b, p, 1);
	}
	if (p == end) {
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, "", 1);
	return b.data;
}

/* An absolute path written relative to dir (through its real path), as
 * libconfig 1.5 must be given it; NULL when dir cannot be resolved. */
static char *
relative_to(const char *dir, const char *abs)
{
	char real[PATH_MAX];
	struct buf up;
	char *r;

	if (realpath(dir, real) == NULL)
		return NULL;
	buf_init(&up);
	for (const char *p = real; *p != '\0'; p++)
		if (*p == '/' && p[1] != '\0')
			buf_append(&up, "../", 3);
	r = xasprintf("%s%s", up.data != NULL ? up.data : "", abs + 1);
	buf_free(&up);
	return r;
}

/* libconfig 1.5 says only "cannot open include file": name the file and
 * where it was looked for.  It reads every @include relative to the main
 * file's folder, an absolute path too (joined to that folder), so for one
 * of those say how to write it.  NULL when the error is another. */
static char *
include_error(config_t *cfg, const char *file, const char *dir)
{
	char line[1024] = "", *q, *msg, *rel;
	struct stat sb;
	FILE *f;
	int n = config_error_line(cfg);

	if (strcmp(config_error_text(cfg), "cannot open include file") != 0 ||
	    (f = fopen(file, "r")) == NULL)
		return NULL;
	while (n-- > 0 && fgets(line, sizeof(line), f) != NULL)
		;
	fclose(f);
	if (n >= 0 || (q = include_path(line, line + strlen(line))) == NULL)
		return NULL;
	if (q[0] != '/')
		msg = xasprintf("cannot open include file '%s' (looked for "
				"%s/%s)",
		    q, dir, q);
	else if (stat(q, &sb) != 0)
		msg = xasprintf("cannot open include file '%s': %s", q,
		    strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		msg = xasprintf("cannot open include file '%s': not a file", q);
	else if ((rel = relative_to(dir, q)) == NULL)
		msg = NULL;
	else {
		msg = xasprintf(
		    "cannot open include file '%s': libconfig 1.5 reads every "
		    "@include relative to %s (the main file's folder), so "
		    "write it as \"%s\"",
		    q, dir, rel);
		free(rel);
	}
	free(q);
	return msg;
}

/* The spec reads a relative @include in an included file next to that
 * file; libconfig 1.5 reads it in the main file's folder.  When the two
 * differ and the first exists, libconfig would read another file, or
 * none: that is an error saying how to write the path.  `here` is the
 * including file's folder (not the main file's), fs what `full` (the path
 * libconfig opens) is, NULL when nothing.  Returns 1 for such an
 * @include, else 0. */
static int
nested_include_check(struct conf_errors *ce, const char *file, int line,
    const char *path, const char *dir, const char *here, const struct stat *fs)
{
	char *mine, *hint = NULL, real[PATH_MAX];
	size_t dl = strlen(dir);
	struct stat ms;
	int bad = 0;

	if (path[0] == '/')
		return 0;
	mine = xasprintf("%s/%s", here, path);
	if (stat(mine, &ms) == 0 &&
	    !(fs != NULL && fs->st_dev == ms.st_dev &&
		fs->st_ino == ms.st_ino)) {
		if (strncmp(here, dir, dl) == 0 && here[dl] == '/')
			hint = xasprintf("%s/%s", here + dl + 1, path);
		else if (realpath(mine, real) != NULL)
			hint = relative_to(dir, real);
		buf_printf(&ce->text,
		    "%s:%d: @include '%s' means %s, next to this file, but "
		    "libconfig 1.5 reads every @include relative to %s (the "
		    "main file's folder)%s%s%s\n",
		    file, line, path, mine, dir,
		    hint != NULL ? ": write it as \"" : "",
		    hint != NULL ? hint : "", hint != NULL ? "\"" : "");
		bad = 1;
	}
	free(hint);
	free(mine);
	return bad;
}

/* libconfig 1.5 opens what an @include names without looking: a folder
 * makes its scanner exit() the process, a device or a FIFO reads forever.
 * So every @include (joined to the main file's folder, as libconfig
 * does), and those in the files it names, must be a regular file before
 * libconfig reads any, and readable to its end (/proc/self/mem is a
 * "regular file" whose read fails); one that is missing is left for
 * libconfig to report.  Each file is read once (seen[], at most INCLUDE_FILES
 * of them), however often and however deep it is included.  Returns the errors
 * found. */
#define INCLUDE_FILES 64

struct file_id {
	dev_t dev;
	ino_t ino;
};

static int
check_includes(struct conf_errors *ce, const char *main, const char *file,
    const char *dir, struct file_id *seen, size_t *nseen)
{
	struct buf text;
	struct stat fsb;
	const char *slash;
	char *here = NULL;
	FILE *f;
	int line = 1, errors = 0;

	if ((f = fopen(file, "r")) == NULL)
		return 0;
	if (fstat(fileno(f), &fsb) != 0 || *nseen == INCLUDE_FILES) {
		fclose(f);
		return 0;
	}
	for (size_t i = 0; i < *nseen; i++)
		if (seen[i].dev == fsb.st_dev && seen[i].ino == fsb.st_ino) {
			fclose(f);
			return 0;
		}
	seen[(*nseen)++] = (struct file_id){ fsb.st_dev, fsb.st_ino };
	buf_init(&text);
	if (read_all(f, &text) < 0 && !S_ISDIR(fsb.st_mode)) {
		/* libconfig's scanner would exit() on it too */
		buf_printf(&ce->text, "%s: cannot read it: %s\n", file,
		    strerror(errno));
		fclose(f);
		buf_free(&text);
		return 1;
	}
	fclose(f);
	if (text.data == NULL)
		return 0;
	/* an included file's folder, when it is not the main file's */
	if (file != main && (slash = strrchr(file, '/')) != NULL &&
	    ((size_t)(slash - file) != strlen(dir) ||
		strncmp(file, dir, (size_t)(slash - file)) != 0))
		here = xstrndup(file, (size_t)(slash - file));
	for (const char *p = text.data, *end = text.data + text.len;
	     p != NULL && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *path = include_path(p, end), *full;
		struct stat sb;
		bool found;

		p = nl != NULL ? nl + 1 : NULL;
		if (path == NULL)
			continue;
		/* the main file's absolute ones are read as they are
		 * (rewrite_absolute_includes) */
		full = path[0] == '/' && file == main
		    ? xstrdup(path)
		    : xasprintf("%s/%s", dir, path);
		found = stat(full, &sb) == 0;
		if (here != NULL &&
		    nested_include_check(ce, file, line, path, dir, here,
			found ? &sb : NULL)) {
			errors++;
			free(full);
			free(path);
			continue;
		}
		if (!found)
			; /* libconfig says it cannot open it */
		else if (S_ISREG(sb.st_mode))
			errors +=
			    check_includes(ce, main, full, dir, seen, nseen);
		else {
			buf_printf(&ce->text,
			    "%s:%d: @include '%s' is not a file (%s is a %s)\n",
			    file, line, path, full,
			    S_ISDIR(sb.st_mode) ? "folder" : "device or pipe");
			errors++;
		}
		free(full);
		free(path);
	}
	free(here);
	buf_free(&text);
	return errors;
}

/* A deployment's own baraza.conf names the shipped routes by an absolute
 * path; libconfig 1.5 would join it to the main file's folder.  Each
 * @include of the main file naming an existing file by an absolute path
 * (on one line, without quotes or backslashes in it) is rewritten
 * relative to that folder, in a copy read from memory: lines keep their
 * numbers.  NULL when the file has none (it is then read from disk). */
static char *
rewrite_absolute_includes(const char *path, const char *dir)
{
	struct buf text, out;
	FILE *f;
	bool rewritten = false;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf_init(&text);
	read_all(f, &text);
	fclose(f);
	if (text.data == NULL || memchr(text.data, '\0', text.len) != NULL) {
		buf_free(&text);
		return NULL;
	}
	buf_init(&out);
	for (const char *p = text.data, *end = text.data + text.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl + 1 : end;
		const char *q1 = memchr(p, '"', (size_t)(eol - p));
		const char *q2 = q1 != NULL
		    ? memchr(q1 + 1, '"', (size_t)(eol - q1 - 1))
		    : NULL;
		char *inc = include_path(p, eol), *rel = NULL;
		struct stat sb;

		if (inc != NULL && inc[0] == '/' && q2 != NULL &&
		    (size_t)(q2 - q1 - 1) == strlen(inc) &&
		    memcmp(q1 + 1, inc, strlen(inc)) == 0 &&
		    stat(inc, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (rel = relative_to(dir, inc)) != NULL) {
			buf_append(&out, p, (size_t)(q1 + 1 - p));
			buf_append(&out, rel, strlen(rel));
			buf_append(&out, q2, (size_t)(eol - q2));
			rewritten = true;
		} else {
			buf_append(&out, p, (size_t)(eol - p));
		}
		free(rel);
		free(inc);
		p = eol;
	}
	buf_free(&text);
	if (!rewritten) {
		buf_free(&out);
		return NULL;
	}
	buf_append(&out, "", 1);
	return out.data;
}

/* --- load -------------------------------------------------------------- */

struct conf *
conf_load(const char *path, const struct conf_override *ov, size_t nov,
    const struct handler *const *handlers, struct conf_errors *ce)
{
	struct conf *c;
	config_t cfg;
	const config_setting_t *root;
	const char *slash = strrchr(path, '/');
	char *dir =
	    slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	struct file_id seen[INCLUDE_FILES];
	size_t nseen = 0;
	char *text = NULL;
	int n;

	config_init(&cfg);
	config_set_include_dir(&cfg, dir);
	ce->main_file = path;
	ce->include_dir = dir;
	if ((n = check_includes(ce, path, path, dir, seen, &nseen)) > 0) {
		ce->errors += n;
		goto fail;
	}
	text = rewrite_absolute_includes(path, dir);
	if ((text != NULL ? config_read_string(&cfg, text)
			  : config_read_file(&cfg, path)) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			buf_printf(&ce->text,
			    "%s: cannot read the configuration: %s\n", path,
			    strerror(errno ? errno : ENOENT));
		else {
			char *file =
			    conf_file_path(ce, config_error_file(&cfg));
			char *why = include_error(&cfg, file, dir);

			buf_printf(&ce->text, "%s:%d: %s\n", file,
			    config_error_line(&cfg),
			    why != NULL ? why : config_error_text(&cfg));
			free(why);
			free(file);
		}
		ce->errors++;
		goto fail;
	}
	for (size_t i = 0; i < nov; i++)
		apply_override(ce, &cfg, &ov[i]);
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	root = config_root_setting(&cfg);
	conf_reject_unknown(ce, root, top_keys, NULL);
	parse_gateway(ce, root, &c->gw);
	parse_export(ce, root, &c->export);
	parse_providers(ce, root, c);
	check_exposure(ce, root, c);
	c->routing = parse_routing(ce, root, handlers, &c->gw);
	config_destroy(&cfg);
	ce->main_file = ce->include_dir = NULL;
	free(dir);
	free(text);
	if (ce->errors > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
fail:
	config_destroy(&cfg);
	ce->main_file = ce->include_dir = NULL;
	free(dir);
	free(text);
	return NULL;
}

struct routing *
conf_take_routing(struct conf *c)
{
	struct routing *r = c->routing;

	c->routing = NULL;
	return r;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->gw.listen_host);
	free(c->gw.database);
	free(c->gw.timezone);
	free(c->gw.country_code);
	free(c->gw.metrics_token);
	for (char **d = c->gw.deny; d != NULL && *d != NULL; d++)
		free(*d);
	free(c->gw.deny);
	free(c->export.dir);
	free(c->export.time);
	free(c->export.phones);
	for (size_t i = 0; i < c->nproviders; i++) {
		struct provider *p = &c->providers[i];
		if (p->type != NULL && p->type->free_state != NULL)
			p->type->free_state(p->state);
		free(p->name);
		free(p->from);
		for (char **x = p->prefixes; x != NULL && *x != NULL; x++)
			free(*x);
		free(p->prefixes);
	}
	free(c->providers);
	routing_free(c->routing);
	free(c);
}

struct provider *
conf_provider(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nproviders; i++)
		if (c->providers[i].type != NULL &&
		    strcmp(c->providers[i].name, name) == 0)
			return &c->providers[i];
	return NULL;
}

struct provider *
conf_provider_for(const struct conf *c, const char *number)
{
	struct provider *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < c->nproviders; i++)
		for (char **x = c->providers[i].prefixes;
		     x != NULL && *x != NULL; x++) {
			size_t n = strlen(*x);
			if (n > best_len && strncmp(number, *x, n) == 0) {
				best = &c->providers[i];
				best_len = n;
			}
		}
	if (best == NULL && c->default_provider >= 0)
		best = &c->providers[c->default_provider];
	return best;
}
