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
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libconfig.h>

#include "records.h"

#define HANDLER_ABI 2

/* Return values of handle() and help(); failures are negative errno. */
#define HANDLER_OK       0 /* the message is consumed (a reply may be set) */
#define HANDLER_DECLINED 1 /* not mine: the router routes it elsewhere */
#define HANDLER_DEFER    3 /* wait for hctx_fetch(); handled again later */

#define LANG_MAX 8

/* A text a citizen sees, one string per configured language (index as in
 * the languages group; 0 is the default).  NULL where not given. */
struct ltext {
	char *s[LANG_MAX];
};

/* The text for lang, falling back to the default language; never NULL. */
const char *ltext_get(const struct ltext *t, int lang);
void ltext_done(struct ltext *t);

/* Words a citizen may send for one thing (a category, YES), per language,
 * as configured (upper case as written) and folded for matching. */
struct lwords {
	char **w[LANG_MAX];      /* NULL-terminated; NULL where none */
	char **folded[LANG_MAX]; /* the same, folded */
};

/* The first word for lang (falling back to the default language, then
 * any), or "". */
const char *lwords_first(const struct lwords *w, int lang);
/* True when a folded word is one of them, in any language. */
bool lwords_has(const struct lwords *w, const char *folded);
void lwords_done(struct lwords *w);

/* What a route's records look like in the daily exports: a survey's
 * survey-NAME.csv has one column per question, in this order.  Borrowed
 * from the route's state. */
struct hexport {
	const char *dataset;        /* NAME */
	const char *const *columns; /* question ids */
	const char *const *kinds;   /* per column: "choice", "number",
				       "yesno" (charted in summary.html) or
				       "text" (never charted) */
	const char *const *labels;  /* per column: the question as asked,
				       in the default language */
	size_t ncolumns;
};

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
	/* Optional.  A message that starts with no keyword and is in no
	 * session, before the default route answers it: HANDLER_DECLINED
	 * when the text is not this route's (as nearly always), else
	 * handled as by handle().  Must be cheap for texts it declines. */
	int (*unrouted)(void *state, struct hctx *ctx);
	/* Optional.  Called when every route is configured, to check what
	 * depends on the whole routing (a text that lists the keywords). */
	void (*check)(void *state, struct hconf *hc);
	/* Optional.  `baraza NAME ARGS...` from the command line, where NAME
	 * is this handler's name: argv[0] is the subcommand.  Runs in one
	 * transaction, committed when it returns HANDLER_OK; prints to
	 * hctx_out().  HANDLER_DECLINED: not this route's (another route of
	 * the same handler is asked); -EINVAL: a usage error, already
	 * printed to stderr; other negative errnos: the store failed. */
	int (*command)(void *state, struct hctx *ctx, int argc, char **argv);
	/* Optional.  The columns of the records this route keeps, for the
	 * daily exports; 0, or HANDLER_DECLINED when it keeps none. */
	int (*exports)(void *state, struct hexport *ret);
	/* Optional.  The i-th entry a citizen can pick (a lookup's places),
	 * for a USSD list; NULL past the last.  Sending the route's keyword
	 * and the entry picks it. */
	const char *(*item)(void *state, size_t i);
};

/* --- configure() side ------------------------------------------------- */

const config_setting_t *hconf_route(const struct hconf *hc);
/* A number from the route's settings as inbound numbers are stored
 * (gateway.country_code applied).  Caller frees. */
char *hconf_number(const struct hconf *hc, const char *number);
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

/*
 * Another route's state, configured before this one, when it is of the same
 * handler type (a complaint status route naming its desk); NULL otherwise.
 * Borrowed: it lives as long as this route's state.
 */
void *hconf_peer_state(struct hconf *hc, const char *route);

/*
 * A CSV table (RFC 4180, UTF-8, a header row) whose path the route setting
 * key names, relative to the file that names it.  Every column named in
 * the NULL-terminated list required must be there.  Errors are reported at
 * the table's FILE:LINE.  Returns 0, -ENOENT when the setting is absent
 * (nothing reported), or -EINVAL.
 */
struct table;
int hconf_table(struct hconf *hc, const char *key, const char *const *required,
    struct table **ret);
void hconf_table_error(struct hconf *hc, const struct table *t, size_t row,
    bool warning, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t table_nrows(const struct table *t);
int table_column(const struct table *t, const char *name); /* or -1 */
/* A cell; "" for a column < 0 or beyond a short row.  Borrowed. */
const char *table_cell(const struct table *t, size_t row, int col);
void table_free(struct table *t);

/*
 * Reads words: an array of strings (all languages) or a group of arrays
 * keyed by language code.  Returns 0, -ENOENT when absent (an error only
 * if required), or -EINVAL.
 */
int hconf_words(struct hconf *hc, const config_setting_t *parent,
    const char *key, bool required, struct lwords *ret);

/*
 * Reads a whole number setting of parent (the route when NULL) within
 * [min, max]; def when absent.  0, or -EINVAL after an error.
 */
int hconf_int(struct hconf *hc, const config_setting_t *parent, const char *key,
    int min, int max, int def, int *ret);
/*
 * Reads hours of the local day, "HH:MM-HH:MM" (a survey's invite_hours,
 * a desk's alert_hours), of the route into minutes of the day; *ret_from
 * and *ret_to stay as given (the default) when absent.  0, or -EINVAL
 * after an error.
 */
int hconf_hours(struct hconf *hc, const char *key, int *ret_from, int *ret_to);
/* True for an id of 1..32 lower-case letters, digits, '_' or '-'. */
bool handler_valid_id(const char *s);

/* The keyword list hctx_keyword_list() would give in lang.  Caller frees. */
char *hconf_keyword_list(const struct hconf *hc, int lang);
/* The menu list hctx_menu_list() would give in lang.  Caller frees. */
char *hconf_menu_list(const struct hconf *hc, int lang);
/* Warns when tmpl, expanded with vars, needs more than one SMS segment. */
void hconf_check_text(struct hconf *hc, const char *key, int lang,
    const char *tmpl, const char *const *vars);

/* --- handle() side ---------------------------------------------------- */

const char *hctx_text(const struct hctx *ctx);    /* whole message */
const char *hctx_args(const struct hctx *ctx);    /* after the keyword */
const char *hctx_number(const struct hctx *ctx);  /* the citizen */
const char *hctx_channel(const struct hctx *ctx); /* "sms" or "ussd" */
int hctx_lang(const struct hctx *ctx);
int hctx_nlangs(const struct hctx *ctx);
const char *hctx_lang_code(const struct hctx *ctx, int lang);
/* A language's index by its code, or -1. */
int hctx_lang_of(const struct hctx *ctx, const char *code);
/* A whole number in a word: digits, or a number word of any configured
 * language (languages.xx.numbers: "two", "mbili"), so that a citizen who
 * writes the number out is understood.  False when it is neither. */
bool hctx_as_number(const struct hctx *ctx, const char *word, long *ret);
/* Another route's keyword starts this message (sessions may decline). */
bool hctx_other_keyword(const struct hctx *ctx);
/* This route's own keyword starts it, though the route holds a session
 * (the citizen sent SURVEY again in the middle of the survey); then
 * hctx_args() is what follows the keyword, as without a session. */
bool hctx_restarted(const struct hctx *ctx);
/* The time the message is handled at, in ms since the epoch. */
int64_t hctx_now(const struct hctx *ctx);

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
/* "1 Water survey, 2 Make a complaint": the USSD home screen's options,
 * which a numbered SMS reply walks; "" without menus.  Caller frees. */
char *hctx_menu_list(const struct hctx *ctx);

/* This route's session state for the number, or NULL when none/expired. */
const char *hctx_session(const struct hctx *ctx);
void hctx_session_set(struct hctx *ctx, const char *state, int ttl_s);
void hctx_session_end(struct hctx *ctx);

/*
 * Another number's session on this route (a survey invitation), until
 * expires_at.  For commands; a handle() sets only its sender's session.
 */
int hctx_session_put_for(struct hctx *ctx, const char *number,
    const char *state, int64_t expires_at);

/* What the gateway knows of a number: its language (index, or -1 when
 * unknown), whether it sent STOP, and whether it is in any session. */
int hctx_contact(struct hctx *ctx, const char *number, int *ret_lang,
    bool *ret_opted_out, bool *ret_in_session);

/*
 * The message being handled and its reply are about something anonymous
 * (a complaint in an anonymous category): wherever they are shown -- the
 * exports, `baraza queue show` -- their number is a pseudonym.
 */
void hctx_anonymous(struct hctx *ctx);

/*
 * Queues a message that is not the reply -- to another number (the
 * citizen an officer's update is about, an invitation) -- in language
 * lang, first sent at not_before (0: now), marked anonymous as
 * hctx_anonymous() marks a reply.  A number that sent STOP gets nothing:
 * returns 1.  Otherwise 0 or a negative errno.
 */
int hctx_notify(struct hctx *ctx, const char *number, int lang,
    const char *text, int64_t not_before, bool anonymous);
/* hctx_notify() of a text that carries words of complaint ref (its
 * description or place) to another number: FORGET from the complaint's
 * citizen erases it too. */
int hctx_notify_words(struct hctx *ctx, const char *ref, const char *number,
    int lang, const char *text, int64_t not_before, bool anonymous);
/* The reply carries words of complaint ref to the number asking (an
 * officer): FORGET from the complaint's citizen erases it too. */
void hctx_reply_words(struct hctx *ctx, const char *ref);

/*
 * Live data: the body of a GET of url (a template filled in with
 * handler_url_escape), kept cache_s seconds.  Returns 0 with *ret_body
 * (owned) when known.  -EAGAIN when it has been asked for: return
 * HANDLER_DEFER, and the message is handled again once the answer is in or
 * timeout_ms has passed.  -ETIMEDOUT or -EIO when it could not be had:
 * answer from what the handler has (a table, a polite text).  The fetch
 * never runs on the thread that calls this.
 */
int hctx_fetch(struct hctx *ctx, const char *url, int timeout_ms, int cache_s,
    char **ret_body);

/* --- what handlers keep (records.h) ---------------------------------------
 * Written in the transaction of the message (or command) being handled.
 * They return 0 or a negative errno; a handler returns a store failure as
 * it is, and the gateway retries the whole message later.
 */
int hctx_survey_begin(struct hctx *ctx, const char *survey, int64_t *ret_id);
int hctx_survey_answer(struct hctx *ctx, int64_t id, const char *question,
    const char *value, const char *raw);
int hctx_survey_finish(struct hctx *ctx, int64_t id);
/* Completed responses of number to survey since a time. */
int hctx_survey_completed(struct hctx *ctx, const char *survey,
    const char *number, int64_t since, int *ret_n);
/* Every answer to survey, per question and value, counted apart in
 * completed and in partial responses, and the two responses' totals. */
int hctx_survey_tally(struct hctx *ctx, const char *survey, struct tally **ret,
    size_t *ret_n, int64_t *ret_complete, int64_t *ret_partial);

/* -EEXIST when c->ref is taken (draw another). */
int hctx_complaint_add(struct hctx *ctx, const struct complaint *c,
    const char *by);
/* -ENOENT when unknown. */
int hctx_complaint_get(struct hctx *ctx, const char *ref,
    struct complaint *ret);
int hctx_complaint_latest(struct hctx *ctx, const char *desk,
    const char *number, struct complaint *ret);
int hctx_complaint_list(struct hctx *ctx, const struct complaint_filter *f,
    struct complaint **ret, size_t *ret_n);
int hctx_complaint_update(struct hctx *ctx, const char *ref, const char *status,
    const char *note, const char *by, bool close, bool erase);
int hctx_complaint_events(struct hctx *ctx, const char *ref,
    struct complaint_event **ret, size_t *ret_n);
/* The citizen's answer to "is it fixed?" (store_complaint_citizen()). */
int hctx_complaint_citizen(struct hctx *ctx, const char *ref, const char *says,
    const char *reopen);
/* A keyed pseudonym of a number, stable for this database ("p-" and 12
 * characters); NULL when the store failed.  Caller frees. */
char *hctx_pseudonym(struct hctx *ctx, const char *number);

/* Where a command prints (stdout). */
FILE *hctx_out(const struct hctx *ctx);
/*
 * For commands: reads a file of phone numbers, one per line (or the first
 * column of a CSV; a header, blank lines and '#' comments skipped), each
 * made E.164 ("+254 700 000 001" -> "+254700000001").  Bad lines are
 * printed to stderr as FILE:LINE and make it -EINVAL; an unreadable file
 * too.  *ret is NULL-terminated; free it with hctx_numbers_free().
 */
int hctx_read_numbers(struct hctx *ctx, const char *path, char ***ret,
    size_t *ret_n);
void hctx_numbers_free(char **v);

/* --- text, as the router sees it --------------------------------------- */

/* Folds a word or phrase for matching: lower case, Latin accents removed,
 * only letters and digits kept ("Kibera South!" -> "kiberasouth").  At most
 * 255 bytes.  Caller frees. */
char *handler_fold(const char *s);
/* A template in lang with {name} replaced from vars (name, value, ...,
 * NULL), trailing spaces trimmed (an empty {note} at the end).  Caller
 * frees.  hctx_reply_template() is this, as the reply. */
char *handler_expand(const struct ltext *tmpl, int lang,
    const char *const *vars);
/* Moves *s past the next word (spaces around it skipped), copied into word
 * (cut to size). */
void handler_word(const char **s, char *word, size_t size);
/* For a first word written against the next with punctuation
 * ("WATER,no water"): its part before the mark, and *s moved past the
 * mark(s) and spaces; else word is "" and *s stays. */
void handler_word_part(const char **s, char *word, size_t size);
/* A copy of at most max bytes of UTF-8 text, cut between characters.
 * Caller frees. */
char *handler_cut(const char *text, size_t max);
/*
 * A citizen's words to repeat in the reply tmpl will give: at most max
 * bytes, cut between characters, and, when that reply is GSM-7 in the
 * citizen's language, GSM-7 too (an emoji or a check mark would make it
 * UCS-2, two segments instead of one: each run of what GSM-7 lacks
 * becomes '?').  Caller frees.
 */
char *hctx_echo(const struct hctx *ctx, const struct ltext *tmpl,
    const char *text, size_t max);
/* hctx_echo() for a text in lang (a message to another number). */
char *handler_echo(const struct ltext *tmpl, int lang, const char *text,
    size_t max);
/* The first time at or after t (ms) that is within [from, to) minutes of
 * the local day: t itself, or the next day's or today's `from`. */
int64_t handler_within_hours(int64_t t, int from, int to);
/* A time as "2026-11-27 09:14 +0300", local. */
void handler_local_time(int64_t ms, char *out, size_t size);
/* A local day's first millisecond: YYYY-MM-DD, "today" or "yesterday";
 * -EINVAL when not a date. */
int handler_parse_day(const char *day, int64_t *ret);
/* A text %-escaped for a URL's query or path.  Caller frees. */
char *handler_url_escape(const char *s);
/* The value at a JSON pointer (RFC 6901, "/data/0/reply") of a JSON text,
 * as text (strings as they are, numbers written out); NULL when the text
 * is not JSON or the pointer leads nowhere or to null.  Caller frees. */
char *handler_json_pointer(const char *json, const char *pointer);
/* Damerau (optimal string alignment) distance, capped at limit+1. */
unsigned handler_distance(const char *a, const char *b, unsigned limit);
/* The SMS segments a text takes once sent (look-alikes substituted). */
unsigned handler_segments(const char *text);

/* The compiled-in handlers, NULL-terminated (handlers/handlers.c). */
extern const struct handler *const handlers_table[];

#endif
