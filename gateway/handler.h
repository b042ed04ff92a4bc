/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handler: the one interface between the gateway and the modules in
 * handlers/.  A handler is a type ("help", "text", "survey", ...); each
 * route in conf names one and gets its own state from configure().
 *
 * Handlers never open the database, a socket or a file: what they read
 * (the message, the citizen's language, their session) and what they do
 * (reply, keep session state) goes through the hctx_* functions below, which
 * the gateway applies inside the same transaction that marks the inbound
 * message processed.  handle() must not block.
 */
#ifndef BARAZA_HANDLER_H
#define BARAZA_HANDLER_H

#include <stdbool.h>

#include <libconfig.h>

#define HANDLER_ABI 1

/* Return values of handle() and help(); failures are negative errno. */
#define HANDLER_OK       0 /* the message is consumed (a reply may be set) */
#define HANDLER_DECLINED 1 /* not mine: the router routes it elsewhere */

#define LANG_MAX 8

/* A text a citizen sees, one string per configured language (index as in
 * the languages group; 0 is the default).  NULL where not given. */
struct ltext {
	char *s[LANG_MAX];
};

/* The text for lang, falling back to the default language; never NULL. */
const char *ltext_get(const struct ltext *t, int lang);
void ltext_done(struct ltext *t);

struct hconf; /* configure() context: settings, languages, diagnostics */
struct hctx;  /* one message being handled */

struct handler {
	const char *name; /* matches 'handler = "..."' in a route */
	unsigned abi;     /* HANDLER_ABI */
	/* Route settings this handler accepts beyond the core ones (name,
	 * handler, keywords, listed); NULL-terminated.  Others are errors. */
	const char *const *keys;

	/* Required.  Validate the route's settings and build its state.
	 * Report problems with hconf_error() and return -EINVAL. */
	int (*configure)(struct hconf *hc, void **ret_state);
	/* Required.  Frees what configure() built; accepts NULL. */
	void (*free_state)(void *state);
	/* Required.  Handles one message routed here (by keyword, or because
	 * this route holds the number's session). */
	int (*handle)(void *state, struct hctx *ctx);
	/* Optional.  HELP sent while this route holds the session. */
	int (*help)(void *state, struct hctx *ctx);
	/* Optional.  Called when every route is configured, to check what
	 * depends on the whole routing (a text that lists the keywords). */
	void (*check)(void *state, struct hconf *hc);
};

/* --- configure() side ------------------------------------------------- */

const config_setting_t *hconf_route(const struct hconf *hc);
int hconf_nlangs(const struct hconf *hc);
const char *hconf_lang_code(const struct hconf *hc, int lang);
void hconf_error(struct hconf *hc, const config_setting_t *where,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hconf_warn(struct hconf *hc, const config_setting_t *where,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Reads a citizen-facing text: a string (all languages) or a group of
 * strings keyed by language code.  Checks UTF-8, warns when a language is
 * missing or when a text needs more than one SMS segment.  Returns 0, or
 * -ENOENT when absent (an error only if required), -EINVAL when invalid.
 */
int hconf_ltext(struct hconf *hc, const config_setting_t *parent,
    const char *key, bool required, struct ltext *ret);

/* The keyword list hctx_keyword_list() would give in lang.  Caller frees. */
char *hconf_keyword_list(const struct hconf *hc, int lang);
/* Warns when tmpl, expanded with vars, needs more than one SMS segment. */
void hconf_check_text(struct hconf *hc, const char *key, int lang,
    const char *tmpl, const char *const *vars);

/* --- handle() side ---------------------------------------------------- */

const char *hctx_text(const struct hctx *ctx);    /* whole message */
const char *hctx_args(const struct hctx *ctx);    /* after the keyword */
const char *hctx_number(const struct hctx *ctx);  /* the citizen */
const char *hctx_channel(const struct hctx *ctx); /* "sms" or "ussd" */
int hctx_lang(const struct hctx *ctx);
/* Another route's keyword starts this message (sessions may decline). */
bool hctx_other_keyword(const struct hctx *ctx);

/* Sets the reply (copied); a later call replaces it. */
void hctx_reply(struct hctx *ctx, const char *text);
/*
 * Sets the reply from a template in the citizen's language, replacing
 * {name} by the value paired with it in vars (name, value, ..., NULL).
 */
void hctx_reply_template(struct hctx *ctx, const struct ltext *tmpl,
    const char *const *vars);
/* "SURVEY, COMPLAIN, STATUS": the first keyword of each listed route in
 * the citizen's language.  Caller frees. */
char *hctx_keyword_list(const struct hctx *ctx);

/* This route's session state for the number, or NULL when none/expired. */
const char *hctx_session(const struct hctx *ctx);
void hctx_session_set(struct hctx *ctx, const char *state, int ttl_s);
void hctx_session_end(struct hctx *ctx);

/* The compiled-in handlers, NULL-terminated (handlers/handlers.c). */
extern const struct handler *const handlers_table[];

#endif
