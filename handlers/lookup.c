/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lookup: answers "CLINIC KIBERA" from a CSV table (columns key, aliases
 * separated by '|', ';' or ',', reply, and optional reply_LANG per
 * language).  A key or alias matches after folding (case, accents,
 * punctuation, spaces); else the nearest names by Damerau distance or by
 * prefix (the whole query, else each of its words): one clear best is
 * answered, several make a "did you mean" list, none the not-found text.
 * The table is read at configure time (and again on SIGHUP); handle()
 * only reads memory.  CLINIC alone asks which place, and the next message
 * is the answer (a short session), so a USSD screen can ask it too.  A
 * "did you mean" list is numbered, and its session keeps the keys it
 * offered ("pick\tKEY\tKEY"), so that "2" picks the second.
 *
 * With a `source`, the query first goes to a live HTTP source (the URL
 * template with {query} escaped; the reply at a JSON pointer), fetched off
 * the writer thread (hctx_fetch) and cached; when it fails, is late or
 * has no answer, the table answers, and without a table match the
 * `unavailable` text does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"

#define LOOKUP_SUGGESTIONS_MAX 5
#define LOOKUP_NAME_MAX        64  /* folded bytes text_distance compares */
#define LOOKUP_ECHO_MAX        24  /* bytes of the query a reply repeats */
#define LOOKUP_SOURCE_MAX      480 /* bytes of a live source's reply sent */
#define ALIAS_SEPARATORS       "|;,"
#define LOOKUP_ASK_S           300 /* "which place?" waits this long */
#define SOURCE_NONE            10
#define SOURCE_FAILED          11

struct name {
	char *folded;
	size_t row;
};

struct lookup {
	struct table *table;
	int col_key;
	int col_reply;
	int col_reply_lang[LANG_MAX]; /* -1 where the table has none */
	struct name *names;           /* keys and aliases, folded */
	size_t nnames;
	int suggestions;
	struct ltext prompt;
	struct ltext not_found;
	struct ltext did_you_mean;
	/* the live source, when configured */
	char *url;   /* with {query} */
	char *field; /* JSON pointer */
	int timeout_ms;
	int cache_s;
	struct ltext unavailable;
};

static const char *const lookup_keys[] = { "table", "prompt", "not_found",
	"did_you_mean", "suggestions", "source", "unavailable", NULL };
static const char *const source_keys[] = { "url", "field", "timeout_ms",
	"cache_s" };

static void
lookup_free(void *state)
{
	struct lookup *l = state;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nnames; i++)
		free(l->names[i].folded);
	free(l->names);
	table_free(l->table);
	ltext_done(&l->prompt);
	ltext_done(&l->not_found);
	ltext_done(&l->did_you_mean);
	ltext_done(&l->unavailable);
	free(l->url);
	free(l->field);
	free(l);
}

/* Adds one folded name; a name two rows share is an error. */
static int
add_name(struct hconf *hc, struct lookup *l, const char *raw, size_t row)
{
	char *f = handler_fold(raw);

	if (f[0] == '\0') {
		free(f);
		return 0;
	}
	for (size_t i = 0; i < l->nnames; i++)
		if (strcmp(l->names[i].folded, f) == 0) {
			if (l->names[i].row != row)
				hconf_table_error(hc, l->table, row, false,
				    "'%s' is already a name of '%s'", raw,
				    table_cell(l->table, l->names[i].row,
					l->col_key));
			free(f);
			return l->names[i].row != row ? -EINVAL : 0;
		}
	l->names = realloc(l->names, (l->nnames + 1) * sizeof(*l->names));
	if (l->names == NULL)
		abort();
	l->names[l->nnames].folded = f;
	l->names[l->nnames].row = row;
	l->nnames++;
	return 0;
}

/* An alias without the spaces around it, in place (for the messages of
 * `baraza check`: folding ignores spaces anyway). */
static char *
alias_trim(char *a)
{
	size_t n;

	a += strspn(a, " \t");
	n = strlen(a);
	while (n > 0 && (a[n - 1] == ' ' || a[n - 1] == '\t'))
		a[--n] = '\0';
	return a;
}

/* Indexes the rows' names and checks each row. */
static int
index_rows(struct hconf *hc, struct lookup *l)
{
	int col_aliases = table_column(l->table, "aliases"), err = 0;

	for (size_t row = 0; row < table_nrows(l->table); row++) {
		const char *key = table_cell(l->table, row, l->col_key);
		char *aliases = strdup(table_cell(l->table, row, col_aliases));
		char *save = NULL, *folded = handler_fold(key);

		if (aliases == NULL)
			abort();
		if (folded[0] == '\0') {
			hconf_table_error(hc, l->table, row, false,
			    "a row without a key");
			err = -EINVAL;
		} else if (add_name(hc, l, key, row) < 0) {
			err = -EINVAL;
		}
		/* '|' as documented; ';' and ',' as a spreadsheet user
		 * writes a list */
		for (char *a = strtok_r(aliases, ALIAS_SEPARATORS, &save);
		     a != NULL; a = strtok_r(NULL, ALIAS_SEPARATORS, &save))
			if (add_name(hc, l, alias_trim(a), row) < 0)
				err = -EINVAL;
		free(aliases);
		free(folded);
		if (table_cell(l->table, row, l->col_reply)[0] == '\0') {
			hconf_table_error(hc, l->table, row, false,
			    "'%s' has no reply", key);
			err = -EINVAL;
		}
		for (int lang = 0; lang < hconf_nlangs(hc); lang++) {
			int col = l->col_reply_lang[lang];
			const char *reply = table_cell(l->table, row,
			    col >= 0 ? col : l->col_reply);
			unsigned segs = handler_segments(reply);
			if (segs > 1)
				hconf_table_error(hc, l->table, row, true,
				    "the %s reply of '%s' needs %u SMS segments",
				    hconf_lang_code(hc, lang), key, segs);
		}
	}
	return err;
}

/* source = { url = "http://.../clinics?q={query}"; field = "/reply";
 *            timeout_ms = 2000; cache_s = 300; } */
static int
read_source(struct hconf *hc, struct lookup *l)
{
	const config_setting_t *g =
	    config_setting_get_member(hconf_route(hc), "source");
	const char *url = NULL, *field = NULL;
	int err = 0;

	if (g == NULL)
		return 0;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		hconf_error(hc, g, "'source' must be a group { url = ...; }");
		return -EINVAL;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const char *name = config_setting_name(
		    config_setting_get_elem(g, (unsigned)i));
		bool known = false;
		for (size_t k = 0;
		     k < sizeof(source_keys) / sizeof(*source_keys); k++)
			known = known || strcmp(name, source_keys[k]) == 0;
		if (!known) {
			hconf_error(hc, config_setting_get_elem(g, (unsigned)i),
			    "unknown setting 'source.%s'", name);
			err = -EINVAL;
		}
	}
	if (!config_setting_lookup_string(g, "url", &url) ||
	    (strncmp(url, "http://", 7) != 0 &&
		strncmp(url, "https://", 8) != 0) ||
	    strstr(url, "{query}") == NULL) {
		hconf_error(hc, g,
		    "'source.url' must be an http(s) URL with {query} where the words go");
		err = -EINVAL;
	}
	if (!config_setting_lookup_string(g, "field", &field) ||
	    (field[0] != '/' && field[0] != '\0')) {
		hconf_error(hc, g,
		    "'source.field' must be a JSON pointer to the reply, e.g. \"/reply\"");
		err = -EINVAL;
	}
	if (hconf_int(hc, g, "timeout_ms", 100, 10000, 2000, &l->timeout_ms) <
		0 ||
	    hconf_int(hc, g, "cache_s", 0, 86400, 300, &l->cache_s) < 0)
		err = -EINVAL;
	if (hconf_ltext(hc, NULL, "unavailable", true, &l->unavailable) < 0)
		err = -EINVAL;
	if (err == 0) {
		l->url = strdup(url);
		l->field = strdup(field);
	}
	return err;
}

static int
lookup_configure(struct hconf *hc, void **ret_state)
{
	static const char *const required[] = { "key", "reply", NULL };
	const config_setting_t *route = hconf_route(hc), *s;
	struct lookup *l = calloc(1, sizeof(*l));
	int err = 0, rc;

	if (l == NULL)
		return -ENOMEM;
	l->suggestions = 3;
	if (read_source(hc, l) < 0)
		err = -EINVAL;
	rc = hconf_table(hc, "table", required, &l->table);
	if (rc == -ENOENT && l->url == NULL)
		hconf_error(hc, NULL,
		    "'table' (a CSV file) or 'source' (a live URL) is required");
	if (rc < 0 && (rc != -ENOENT || l->url == NULL))
		err = -EINVAL;
	if (hconf_ltext(hc, NULL, "prompt", true, &l->prompt) < 0 ||
	    hconf_ltext(hc, NULL, "not_found", true, &l->not_found) < 0 ||
	    hconf_ltext(hc, NULL, "did_you_mean", true, &l->did_you_mean) < 0)
		err = -EINVAL;
	if ((s = config_setting_get_member(route, "suggestions")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_INT ||
		    config_setting_get_int(s) < 2 ||
		    config_setting_get_int(s) > LOOKUP_SUGGESTIONS_MAX) {
			hconf_error(hc, s, "'suggestions' must be 2 to %d",
			    LOOKUP_SUGGESTIONS_MAX);
			err = -EINVAL;
		} else {
			l->suggestions = config_setting_get_int(s);
		}
	}
	if (err == 0 && l->table != NULL) {
		char col[16];

		l->col_key = table_column(l->table, "key");
		l->col_reply = table_column(l->table, "reply");
		for (int lang = 0; lang < LANG_MAX; lang++) {
			const char *code = hconf_lang_code(hc, lang);
			l->col_reply_lang[lang] = -1;
			if (code == NULL)
				continue;
			snprintf(col, sizeof(col), "reply_%s", code);
			l->col_reply_lang[lang] = table_column(l->table, col);
		}
		err = index_rows(hc, l);
	}
	if (err < 0) {
		lookup_free(l);
		return err;
	}
	*ret_state = l;
	return 0;
}

static const char *
row_reply(const struct lookup *l, size_t row, int lang)
{
	const char *r = "";

	if (lang >= 0 && lang < LANG_MAX && l->col_reply_lang[lang] >= 0)
		r = table_cell(l->table, row, l->col_reply_lang[lang]);
	return r[0] != '\0' ? r : table_cell(l->table, row, l->col_reply);
}

/* How far a query is from a name: 0 exact, 1 a prefix of it, else 1 +
 * the edit distance; anything over the query's allowance is no match. */
static unsigned
score(const char *q, const char *name)
{
	size_t lq = strlen(q), ln = strlen(name);
	unsigned allowed = lq < 4 ? 0 : lq <= 6 ? 1 : 2;
	unsigned d;

	if (strcmp(q, name) == 0)
		return 0;
	if (lq >= 3 && strncmp(q, name, lq) == 0)
		return 1;
	/* lengths further apart than the allowance cannot be within it: a
	 * big table is not run through the distance for every query */
	if (allowed == 0 || lq > LOOKUP_NAME_MAX || ln > LOOKUP_NAME_MAX ||
	    (lq > ln ? lq - ln : ln - lq) > allowed)
		return UINT32_MAX;
	d = handler_distance(q, name, allowed);
	return d <= allowed ? 1 + d : UINT32_MAX;
}

/* The rows nearest a query, one each, best first. */
struct best {
	size_t rows[LOOKUP_SUGGESTIONS_MAX];
	unsigned scores[LOOKUP_SUGGESTIONS_MAX];
	size_t n;
};

/* Puts row into b at its place by score; a row already there keeps the
 * better of its two scores; past max rows the worst falls out. */
static void
best_put(struct best *b, size_t max, size_t row, unsigned sc)
{
	size_t at, k;

	for (k = 0; k < b->n && b->rows[k] != row; k++)
		;
	if (k < b->n) {
		if (sc >= b->scores[k])
			return;
		memmove(&b->rows[k], &b->rows[k + 1],
		    (b->n - 1 - k) * sizeof(*b->rows));
		memmove(&b->scores[k], &b->scores[k + 1],
		    (b->n - 1 - k) * sizeof(*b->scores));
		b->n--;
	}
	for (at = b->n; at > 0 && b->scores[at - 1] > sc; at--)
		;
	if (at >= max)
		return;
	if (b->n < max)
		b->n++;
	memmove(&b->rows[at + 1], &b->rows[at],
	    (b->n - 1 - at) * sizeof(*b->rows));
	memmove(&b->scores[at + 1], &b->scores[at],
	    (b->n - 1 - at) * sizeof(*b->scores));
	b->rows[at] = row;
	b->scores[at] = sc;
}

/* Adds to b the rows whose names are near the folded query q. */
static void
best_of(const struct lookup *l, const char *q, struct best *b)
{
	for (size_t i = 0; i < l->nnames; i++) {
		unsigned sc = score(q, l->names[i].folded);

		if (sc != UINT32_MAX)
			best_put(b, (size_t)l->suggestions, l->names[i].row,
			    sc);
	}
}

/* When the whole query names nothing ("near Mathare", "Kibera please",
 * "Mathare/Kibera"): each of its words of three or more characters on
 * its own. */
static void
best_of_words(const struct lookup *l, const char *text, struct best *b)
{
	const char *p = text;

	while (*p != '\0') {
		const char *w;
		char word[LOOKUP_NAME_MAX + 1], *q;
		size_t len;

		while (*p != '\0' && (unsigned char)*p < 0x80 &&
		    !isalnum((unsigned char)*p) && *p != '\'')
			p++;
		for (w = p; *p != '\0' &&
		     ((unsigned char)*p >= 0x80 || isalnum((unsigned char)*p) ||
			 *p == '\'');
		     p++)
			;
		len = (size_t)(p - w);
		if (len < 3 || len > LOOKUP_NAME_MAX)
			continue;
		memcpy(word, w, len);
		word[len] = '\0';
		q = handler_fold(word);
		if (strlen(q) >= 3)
			best_of(l, q, b);
		free(q);
	}
}

/* "KIBERA, KILIMANI, KITENGELA": keys in upper case, for the reply;
 * numbered ("1 KIBERA, 2 KILIMANI") for a list to pick from. */
static char *
key_list(const struct lookup *l, const size_t *rows, size_t n, bool numbered)
{
	size_t cap = 1, len = 0;
	char *s;

	for (size_t i = 0; i < n; i++)
		cap += strlen(table_cell(l->table, rows[i], l->col_key)) + 2 +
		    (numbered ? 4 : 0);
	if ((s = malloc(cap)) == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *k = table_cell(l->table, rows[i], l->col_key);
		size_t kl = strlen(k);
		if (i > 0) {
			memcpy(s + len, ", ", 2);
			len += 2;
		}
		if (numbered) /* at most LOOKUP_SUGGESTIONS_MAX: one digit */
			len +=
			    (size_t)snprintf(s + len, cap - len, "%zu ", i + 1);
		for (size_t j = 0; j < kl; j++)
			s[len++] = k[j] >= 'a' && k[j] <= 'z'
			    ? (char)(k[j] - 'a' + 'A')
			    : k[j];
	}
	s[len] = '\0';
	return s;
}

/* The live source's answer: 0 (replied), SOURCE_NONE or SOURCE_FAILED
 * (the table answers), HANDLER_DEFER, or a store error. */
static int
from_source(const struct lookup *l, struct hctx *ctx)
{
	char *q = handler_url_escape(hctx_args(ctx)), *body = NULL, *reply;
	const char *vars[] = { "query", q, NULL };
	struct ltext t = { .s = { l->url } };
	char *url = handler_expand(&t, 0, vars);
	int rc = hctx_fetch(ctx, url, l->timeout_ms, l->cache_s, &body);

	free(q);
	free(url);
	if (rc == -EAGAIN)
		return HANDLER_DEFER;
	if (rc == -EIO || rc == -ETIMEDOUT)
		return SOURCE_FAILED;
	if (rc < 0)
		return rc;
	reply = handler_json_pointer(body, l->field);
	free(body);
	if (reply == NULL || reply[0] == '\0') {
		free(reply);
		return SOURCE_NONE;
	}
	if (strlen(reply) > LOOKUP_SOURCE_MAX) {
		size_t n = LOOKUP_SOURCE_MAX; /* theirs: bounded, whole chars */
		while (n > 0 && ((unsigned char)reply[n] & 0xC0) == 0x80)
			n--;
		reply[n] = '\0';
	}
	hctx_reply(ctx, reply);
	free(reply);
	return 0;
}

/* The session of a "did you mean" list: "pick" and the keys offered, a
 * tab before each.  Caller frees. */
static char *
pick_state(const struct lookup *l, const struct best *b)
{
	size_t cap = sizeof("pick"), len;
	char *s;

	for (size_t i = 0; i < b->n; i++)
		cap += strlen(table_cell(l->table, b->rows[i], l->col_key)) + 1;
	if ((s = malloc(cap)) == NULL)
		abort();
	len = (size_t)snprintf(s, cap, "pick");
	for (size_t i = 0; i < b->n; i++)
		len += (size_t)snprintf(s + len, cap - len, "\t%s",
		    table_cell(l->table, b->rows[i], l->col_key));
	return s;
}

/* The row a reply of "2" picks from the list in the session state; -1
 * when the reply is no number of that list, or its key is gone (the
 * table was reloaded). */
static long
picked_row(const struct lookup *l, const char *state, const char *reply)
{
	char *end, *f = NULL;
	long n, row = -1;
	const char *k;
	size_t len;

	reply += strspn(reply, " ");
	n = strtol(reply, &end, 10);
	if (strncmp(state, "pick\t", 5) != 0 || end == reply ||
	    end[strspn(end, " .")] != '\0' || n < 1)
		return -1;
	for (k = state + 4; n > 0 && *k == '\t'; n--) {
		k++;
		len = strcspn(k, "\t");
		if (n == 1) {
			char *key = strndup(k, len);

			if (key == NULL)
				abort();
			f = handler_fold(key);
			free(key);
		}
		k += len;
	}
	for (size_t i = 0; f != NULL && row < 0 && i < l->nnames; i++)
		if (strcmp(l->names[i].folded, f) == 0)
			row = (long)l->names[i].row;
	free(f);
	return row;
}

static int
lookup_handle(void *state, struct hctx *ctx)
{
	struct lookup *l = state;
	char *q = handler_fold(hctx_args(ctx));
	struct best b = { .n = 0 };
	int rc = SOURCE_NONE;

	if (hctx_session(ctx) != NULL) {
		/* the answer to "which place?" (or CLINIC and a place again);
		 * another route's keyword is not one */
		long row = l->table != NULL
		    ? picked_row(l, hctx_session(ctx), hctx_args(ctx))
		    : -1;

		if (hctx_other_keyword(ctx)) {
			free(q);
			return HANDLER_DECLINED;
		}
		hctx_session_end(ctx);
		if (row >= 0) { /* "2" from a "did you mean" list */
			free(q);
			hctx_reply(ctx,
			    row_reply(l, (size_t)row, hctx_lang(ctx)));
			return HANDLER_OK;
		}
	}
	if (q[0] == '\0') {
		free(q);
		hctx_session_set(ctx, "ask", LOOKUP_ASK_S);
		hctx_reply_template(ctx, &l->prompt, NULL);
		return HANDLER_OK;
	}
	if (l->url != NULL && (rc = from_source(l, ctx)) != SOURCE_NONE &&
	    rc != SOURCE_FAILED) {
		free(q);
		return rc;
	}
	if (l->table == NULL) {
		const struct ltext *t =
		    rc == SOURCE_FAILED ? &l->unavailable : &l->not_found;
		char *query =
		    hctx_echo(ctx, t, hctx_args(ctx), LOOKUP_ECHO_MAX);
		const char *vars[] = { "query", query, "examples", "", NULL };
		free(q);
		hctx_reply_template(ctx, t, vars);
		free(query);
		return HANDLER_OK;
	}
	best_of(l, q, &b);
	if (b.n == 0)
		best_of_words(l, hctx_args(ctx), &b);
	free(q);
	if (b.n == 1 || (b.n > 1 && b.scores[0] < b.scores[1])) {
		hctx_reply(ctx, row_reply(l, b.rows[0], hctx_lang(ctx)));
	} else if (b.n > 1) {
		char *choices = key_list(l, b.rows, b.n, true);
		char *pick = pick_state(l, &b);
		const char *vars[] = { "choices", choices, NULL };
		/* its number or a name next */
		hctx_session_set(ctx, pick, LOOKUP_ASK_S);
		hctx_reply_template(ctx, &l->did_you_mean, vars);
		free(choices);
		free(pick);
	} else if (rc == SOURCE_FAILED) {
		hctx_reply_template(ctx, &l->unavailable, NULL);
	} else {
		size_t ex[1] = { 0 };
		size_t nex = table_nrows(l->table) > 0 ? 1 : 0;
		char *examples = key_list(l, ex, nex, false),
		     *query = hctx_echo(ctx, &l->not_found, hctx_args(ctx),
			 LOOKUP_ECHO_MAX);
		const char *vars[] = { "query", query, "examples", examples,
			NULL };
		hctx_reply_template(ctx, &l->not_found, vars);
		free(examples);
		free(query);
	}
	return HANDLER_OK;
}

static const char *
lookup_item(void *state, size_t i)
{
	struct lookup *l = state;

	if (l->table == NULL || i >= table_nrows(l->table))
		return NULL;
	return table_cell(l->table, i, l->col_key);
}

const struct handler lookup_handler = {
	.name = "lookup",
	.abi = HANDLER_ABI,
	.keys = lookup_keys,
	.configure = lookup_configure,
	.free_state = lookup_free,
	.handle = lookup_handle,
	.item = lookup_item,
};
