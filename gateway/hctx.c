/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hctx: the hctx_* half of handler.h (see hctx.h).  Reads answer from the
 * message and the routing; writes go through the store in the caller's
 * transaction.  Nothing here logs: the pipeline or the command that owns
 * the transaction reports a failure once.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "export.h"
#include "fetch.h"
#include "hctx.h"
#include "pseudonym.h"
#include "router.h"
#include "text.h"
#include "ussd.h"

void
hctx_done(struct hctx *ctx)
{
	free(ctx->reply);
	ctx->reply = NULL;
	free(ctx->sess_state);
	ctx->sess_state = NULL;
	free(ctx->fetch_url);
	ctx->fetch_url = NULL;
}

/* Keeps the first store failure; returns rc. */
static int
keep(struct hctx *ctx, int rc)
{
	if (rc < 0 && rc != -ENOENT && rc != -EEXIST && ctx->store_rc == 0)
		ctx->store_rc = rc;
	return rc;
}

/* --- reading ----------------------------------------------------------- */

const char *
hctx_text(const struct hctx *ctx)
{
	return ctx->text;
}

const char *
hctx_args(const struct hctx *ctx)
{
	return ctx->args;
}

const char *
hctx_number(const struct hctx *ctx)
{
	return ctx->number;
}

const char *
hctx_channel(const struct hctx *ctx)
{
	return ctx->channel;
}

int
hctx_lang(const struct hctx *ctx)
{
	return ctx->lang;
}

int
hctx_nlangs(const struct hctx *ctx)
{
	return ctx->r->nlangs;
}

const char *
hctx_lang_code(const struct hctx *ctx, int lang)
{
	return lang >= 0 && lang < ctx->r->nlangs ? ctx->r->lang_code[lang]
						  : ctx->r->lang_code[0];
}

int
hctx_lang_of(const struct hctx *ctx, const char *code)
{
	return code != NULL ? routing_lang(ctx->r, code) : -1;
}

bool
hctx_other_keyword(const struct hctx *ctx)
{
	return ctx->other_keyword;
}

bool
hctx_restarted(const struct hctx *ctx)
{
	return ctx->restarted;
}

int64_t
hctx_now(const struct hctx *ctx)
{
	return ctx->now;
}

FILE *
hctx_out(const struct hctx *ctx)
{
	return ctx->out != NULL ? ctx->out : stdout;
}

bool
hctx_as_number(const struct hctx *ctx, const char *word, long *ret)
{
	char f[64], *end;
	long x;

	text_fold(word, strlen(word), f, sizeof(f));
	if (f[0] == '\0')
		return false;
	if (strspn(f, "0123456789") == strlen(f)) {
		errno = 0;
		x = strtol(f, &end, 10);
		if (errno != 0)
			return false;
		*ret = x;
		return true;
	}
	for (int l = 0; l < ctx->r->nlangs; l++)
		for (int i = 0; ctx->r->numbers[l] != NULL &&
		     ctx->r->numbers[l][i] != NULL;
		     i++)
			if (strcmp(ctx->r->numbers[l][i], f) == 0) {
				*ret = i;
				return true;
			}
	return false;
}

char *
hctx_keyword_list(const struct hctx *ctx)
{
	return routing_keyword_list(ctx->r, ctx->lang);
}

char *
hctx_menu_list(const struct hctx *ctx)
{
	return ussd_sms_menu_list(ctx->r, ctx->lang);
}

/* --- the reply and the session ----------------------------------------- */

void
hctx_reply(struct hctx *ctx, const char *text)
{
	free(ctx->reply);
	ctx->reply = xstrdup(text);
}

void
hctx_reply_words(struct hctx *ctx, const char *ref)
{
	snprintf(ctx->words_ref, sizeof(ctx->words_ref), "%s", ref);
}

void
hctx_anonymous(struct hctx *ctx)
{
	ctx->anonymous = true;
}

void
hctx_reply_template(struct hctx *ctx, const struct ltext *tmpl,
    const char *const *vars)
{
	free(ctx->reply);
	ctx->reply = handler_expand(tmpl, ctx->lang, vars);
}

const char *
hctx_session(const struct hctx *ctx)
{
	return ctx->sess_op == SESS_SET ? ctx->sess_state
	    : ctx->sess_op == SESS_END  ? NULL
					: ctx->session;
}

void
hctx_session_set(struct hctx *ctx, const char *state, int ttl_s)
{
	free(ctx->sess_state);
	ctx->sess_state = xstrdup(state);
	ctx->sess_ttl = ttl_s > 0 ? ttl_s : 600;
	ctx->sess_op = SESS_SET;
}

void
hctx_session_end(struct hctx *ctx)
{
	free(ctx->sess_state);
	ctx->sess_state = NULL;
	ctx->sess_op = SESS_END;
}

int
hctx_session_put_for(struct hctx *ctx, const char *number, const char *state,
    int64_t expires_at)
{
	return keep(ctx,
	    store_session_put(ctx->st, number, ctx->r->routes[ctx->route].name,
		state, expires_at, ctx->now));
}

/* --- other numbers ----------------------------------------------------- */

int
hctx_contact(struct hctx *ctx, const char *number, int *ret_lang,
    bool *ret_opted_out, bool *ret_in_session)
{
	struct contact c = { 0 };
	char *route = NULL, *state = NULL;
	int rc;

	if ((rc = keep(ctx, store_contact_get(ctx->st, number, &c))) < 0)
		return rc;
	rc = store_session_get(ctx->st, number, ctx->now, &route, &state, NULL);
	free(route);
	free(state);
	if (rc < 0 && rc != -ENOENT) {
		contact_done(&c);
		return keep(ctx, rc);
	}
	*ret_in_session = rc == 0;
	*ret_lang = c.lang != NULL ? routing_lang(ctx->r, c.lang) : -1;
	*ret_opted_out = c.opted_out;
	contact_done(&c);
	return 0;
}

int
hctx_notify(struct hctx *ctx, const char *number, int lang, const char *text,
    int64_t not_before, bool anonymous)
{
	return hctx_notify_words(ctx, NULL, number, lang, text, not_before,
	    anonymous);
}

int
hctx_notify_words(struct hctx *ctx, const char *ref, const char *number,
    int lang, const char *text, int64_t not_before, bool anonymous)
{
	struct outbound_new o = { 0 };
	struct contact c = { 0 };
	struct sms_info info;
	const struct provider *p;
	char *prepared;
	int64_t id;
	int rc;

	if ((rc = keep(ctx, store_contact_get(ctx->st, number, &c))) < 0)
		return rc;
	if (c.opted_out) {
		contact_done(&c);
		return 1;
	}
	contact_done(&c);
	p = ctx->conf != NULL ? conf_provider_for(ctx->conf, number) : NULL;
	prepared = sms_prepare(text);
	sms_measure(prepared, &info);
	o.provider = p != NULL ? p->name : ctx->notify_provider;
	o.number = number;
	o.peer = p != NULL ? p->from : NULL;
	o.text = prepared;
	o.status = "queued";
	o.route = ctx->r->routes[ctx->route].name;
	o.lang = hctx_lang_code(ctx, lang);
	o.segments = (int)info.segments;
	o.encoding = sms_encoding_name(info.encoding);
	o.at = ctx->now;
	o.not_before = not_before;
	o.anonymous = anonymous;
	rc = o.provider != NULL ? store_outbound_add(ctx->st, &o, &id) : -EIO;
	if (rc == 0 && ref != NULL)
		rc = store_complaint_words(ctx->st, ref, id);
	free(prepared);
	return keep(ctx, rc);
}

/* --- live sources ------------------------------------------------------ */

/* sim: GETs url now and keeps the answer like the fetcher would. */
static int
fetch_now(struct hctx *ctx, const char *url, int timeout_ms, int cache_s,
    char **ret_body)
{
	char *body = NULL, *err = NULL;
	int rc = fetch_url(url, timeout_ms, &body, &err);
	int64_t keep_ms = (int64_t)cache_s * 1000;

	free(err);
	if (rc < 0 && keep_ms > 30000)
		keep_ms = 30000;
	if (keep(ctx,
		store_fetch_put(ctx->st, url, rc == 0, body, ctx->now,
		    ctx->now + keep_ms)) < 0) {
		free(body);
		return ctx->store_rc;
	}
	if (rc < 0)
		return rc;
	*ret_body = body;
	return 0;
}

int
hctx_fetch(struct hctx *ctx, const char *url, int timeout_ms, int cache_s,
    char **ret_body)
{
	enum fetch_state state;
	char *body = NULL;
	int rc;

	rc = keep(ctx, store_fetch_get(ctx->st, url, ctx->now, &state, &body));
	if (rc < 0)
		return rc;
	switch (state) {
	case FETCH_OK:
		*ret_body = body;
		return 0;
	case FETCH_FAILED:
		return -EIO;
	case FETCH_LATE:
		return -ETIMEDOUT;
	default:
		break;
	}
	if (ctx->fetch_inline)
		return fetch_now(ctx, url, timeout_ms, cache_s, ret_body);
	/* asked (now, or by an earlier message): wait for the fetcher */
	free(ctx->fetch_url);
	ctx->fetch_url = xstrdup(url);
	ctx->fetch_timeout_ms = timeout_ms;
	ctx->fetch_cache_s = cache_s;
	return -EAGAIN;
}

/* --- surveys ----------------------------------------------------------- */

int
hctx_survey_begin(struct hctx *ctx, const char *survey, int64_t *ret_id)
{
	return keep(ctx,
	    store_response_begin(ctx->st, survey, ctx->number,
		hctx_lang_code(ctx, ctx->lang), ctx->channel, ctx->now,
		ret_id));
}

int
hctx_survey_answer(struct hctx *ctx, int64_t id, const char *question,
    const char *value, const char *raw)
{
	return keep(ctx,
	    store_response_answer(ctx->st, id, question, value, raw, ctx->now));
}

int
hctx_survey_finish(struct hctx *ctx, int64_t id)
{
	return keep(ctx, store_response_finish(ctx->st, id, ctx->now));
}

int
hctx_survey_completed(struct hctx *ctx, const char *survey, const char *number,
    int64_t since, int *ret_n)
{
	return keep(ctx,
	    store_response_count(ctx->st, survey, number, since, ret_n));
}

int
hctx_survey_tally(struct hctx *ctx, const char *survey, struct tally **ret,
    size_t *ret_n, int64_t *ret_complete, int64_t *ret_partial)
{
	int rc =
	    store_response_totals(ctx->st, survey, ret_complete, ret_partial);

	if (rc == 0)
		rc = store_survey_tally(ctx->st, survey, 0, INT64_MAX, true,
		    ret, ret_n);
	return keep(ctx, rc);
}

/* --- complaints -------------------------------------------------------- */

int
hctx_complaint_add(struct hctx *ctx, const struct complaint *c, const char *by)
{
	return keep(ctx, store_complaint_add(ctx->st, c, by));
}

int
hctx_complaint_get(struct hctx *ctx, const char *ref, struct complaint *ret)
{
	return keep(ctx, store_complaint_get(ctx->st, ref, ret));
}

int
hctx_complaint_latest(struct hctx *ctx, const char *desk, const char *number,
    struct complaint *ret)
{
	return keep(ctx, store_complaint_latest(ctx->st, desk, number, ret));
}

int
hctx_complaint_list(struct hctx *ctx, const struct complaint_filter *f,
    struct complaint **ret, size_t *ret_n)
{
	return keep(ctx, store_complaint_list(ctx->st, f, ret, ret_n));
}

int
hctx_complaint_update(struct hctx *ctx, const char *ref, const char *status,
    const char *note, const char *by, bool close, bool erase)
{
	return keep(ctx,
	    store_complaint_update(ctx->st, ref, status, note, by, close, erase,
		ctx->now));
}

int
hctx_complaint_citizen(struct hctx *ctx, const char *ref, const char *says,
    const char *reopen)
{
	return keep(ctx,
	    store_complaint_citizen(ctx->st, ref, says, reopen, ctx->now));
}

int
hctx_complaint_events(struct hctx *ctx, const char *ref,
    struct complaint_event **ret, size_t *ret_n)
{
	return keep(ctx, store_complaint_events(ctx->st, ref, ret, ret_n));
}

char *
hctx_pseudonym(struct hctx *ctx, const char *number)
{
	unsigned char key[PSEUDONYM_KEY_LEN];
	char out[PSEUDONYM_LEN + 1];

	if (keep(ctx,
		store_secret(ctx->st, PSEUDONYM_SECRET, key, sizeof(key))) < 0)
		return NULL;
	pseudonym_make(key, number, out);
	return xstrdup(out);
}

/* --- files for commands ------------------------------------------------ */

void
hctx_numbers_free(char **v)
{
	for (char **p = v; p != NULL && *p != NULL; p++)
		free(*p);
	free(v);
}

static bool
e164(const char *n)
{
	size_t digits = strlen(n) - 1;

	return n[0] == '+' && digits >= 7 && digits <= 15 &&
	    strspn(n + 1, "0123456789") == digits;
}

int
hctx_read_numbers(struct hctx *ctx, const char *path, char ***ret,
    size_t *ret_n)
{
	FILE *f = fopen(path, "r");
	char line[256], **v = NULL;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;
	int bad = 0;

	if (f == NULL) {
		fprintf(stderr, "baraza: cannot read '%s': %s\n", path,
		    strerror(errno));
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *field = line, *num;

		lineno++;
		field[strcspn(field, ",;\t\r\n")] = '\0';
		while (*field == ' ' || *field == '"')
			field++;
		if (field[0] != '\0' && field[strlen(field) - 1] == '"')
			field[strlen(field) - 1] = '\0';
		if (field[0] == '\0' || field[0] == '#' ||
		    (lineno == 1 && strpbrk(field, "0123456789") == NULL))
			continue;
		num = conf_number(ctx->conf != NULL ? &ctx->conf->gw : NULL,
		    field);
		if (!e164(num)) {
			if (bad++ < 10)
				fprintf(stderr,
				    "%s:%u: '%s' is not a phone number in E.164 (+254...)\n",
				    path, lineno, field);
			free(num);
			continue;
		}
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 64;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = num;
		v[n] = NULL;
	}
	if (ferror(f)) {
		fprintf(stderr, "baraza: cannot read '%s'\n", path);
		bad++;
	}
	fclose(f);
	if (bad > 0 || n == 0) {
		if (bad == 0)
			fprintf(stderr, "baraza: '%s' has no phone numbers\n",
			    path);
		else
			fprintf(stderr, "%s: %d bad line%s; nothing done\n",
			    path, bad, bad == 1 ? "" : "s");
		hctx_numbers_free(v);
		return -EINVAL;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* --- text -------------------------------------------------------------- */

char *
handler_url_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r;

	if (e == NULL)
		abort();
	r = xstrdup(e);
	curl_free(e);
	return r;
}

char *
handler_json_pointer(const char *json, const char *pointer)
{
	json_t *root = json_loads(json, JSON_DECODE_ANY, NULL), *v = root;
	const char *p = pointer;
	char *out = NULL;

	while (v != NULL && *p == '/') {
		struct buf tok;
		const char *end = strchr(p + 1, '/');
		size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);

		buf_init(&tok);
		buf_puts(&tok, "");
		/* RFC 6901: ~1 is '/', ~0 is '~' */
		for (size_t i = 1; i <= n; i++) {
			if (p[i] == '~' && i < n &&
			    (p[i + 1] == '0' || p[i + 1] == '1')) {
				buf_putc(&tok, p[i + 1] == '0' ? '~' : '/');
				i++;
			} else {
				buf_putc(&tok, p[i]);
			}
		}
		if (json_is_object(v)) {
			v = json_object_get(v, tok.data);
		} else if (json_is_array(v)) {
			int64_t idx;
			v = parse_int64(tok.data, 0, 1000000, &idx) == 0
			    ? json_array_get(v, (size_t)idx)
			    : NULL;
		} else {
			v = NULL;
		}
		buf_free(&tok);
		p += n + 1;
	}
	if (v != NULL && *p == '\0') {
		if (json_is_string(v))
			out = xstrdup(json_string_value(v));
		else if (json_is_integer(v))
			out =
			    xasprintf("%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			out = xasprintf("%g", json_real_value(v));
		else if (json_is_boolean(v))
			out = xstrdup(json_is_true(v) ? "true" : "false");
	}
	json_decref(root);
	return out;
}

char *
handler_fold(const char *s)
{
	char out[256];

	text_fold(s, strlen(s), out, sizeof(out));
	return xstrdup(out);
}

bool
handler_valid_id(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 32)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			*s == '_' || *s == '-'))
			return false;
	return true;
}

void
handler_word(const char **s, char *word, size_t size)
{
	const char *p = *s;
	size_t n;

	p += strspn(p, " \t\r\n");
	n = strcspn(p, " \t\r\n");
	snprintf(word, size, "%.*s", (int)(n < size ? n : size - 1), p);
	p += n;
	p += strspn(p, " \t\r\n");
	*s = p;
}

void
handler_word_part(const char **s, char *word, size_t size)
{
	const char *p = *s + strspn(*s, " \t\r\n");
	size_t n = strcspn(p, " \t\r\n"), next,
	       cut = text_word_cut(p, n, &next);

	word[0] = '\0';
	if (cut == n || size == 0)
		return;
	snprintf(word, size, "%.*s", (int)(cut < size ? cut : size - 1), p);
	p += next;
	*s = p + strspn(p, " \t\r\n");
}

char *
handler_cut(const char *text, size_t max)
{
	return xstrndup_utf8(text, max);
}

char *
hctx_echo(const struct hctx *ctx, const struct ltext *tmpl, const char *text,
    size_t max)
{
	return handler_echo(tmpl, ctx->lang, text, max);
}

char *
handler_echo(const struct ltext *tmpl, int lang, const char *text, size_t max)
{
	char *cut = xstrndup_utf8(text, max), *reply, *echo;
	struct sms_info info;

	reply = sms_prepare(ltext_get(tmpl, lang));
	sms_measure(reply, &info);
	free(reply);
	if (info.encoding != SMS_GSM7)
		return cut;
	echo = sms_force_gsm7(cut);
	free(cut);
	return echo;
}

int64_t
handler_within_hours(int64_t t, int from, int to)
{
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	int minute;

	if (localtime_r(&secs, &tm) == NULL)
		return t;
	minute = tm.tm_hour * 60 + tm.tm_min;
	if (minute >= from && minute < to)
		return t;
	if (minute >= to)
		tm.tm_mday++; /* mktime() carries into the month */
	tm.tm_hour = from / 60;
	tm.tm_min = from % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

void
handler_local_time(int64_t ms, char *out, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M %z", &tm) == 0)
		snprintf(out, size, "?");
}

int
handler_parse_day(const char *day, int64_t *ret)
{
	char d[EXPORT_DAY_LEN + 1];
	int64_t to;

	if (export_day_parse(day, d) < 0)
		return -EINVAL;
	return export_day_bounds(d, ret, &to);
}

char *
handler_expand(const struct ltext *tmpl, int lang, const char *const *vars)
{
	char *t = text_expand(ltext_get(tmpl, lang), vars);
	size_t n = strlen(t);

	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\n'))
		t[--n] = '\0';
	return t;
}

unsigned
handler_distance(const char *a, const char *b, unsigned limit)
{
	return text_distance(a, b, limit);
}

unsigned
handler_segments(const char *text)
{
	char *prepared = sms_prepare(text);
	struct sms_info info;

	sms_measure(prepared, &info);
	free(prepared);
	return info.segments;
}
