/* SPDX-License-Identifier: Apache-2.0 */
/*
 * survey: questions from conf -- choice (numbered options with words per
 * language), number in a range, yes/no, free text -- asked one at a time,
 * each answer stored as it comes (normalised value and raw text), with
 * branches on answers.  An invalid answer is asked again with a hint;
 * after max_tries the question is skipped or the survey ends, as
 * configured.  In a free-text question everything is the answer; in the
 * others another route's keyword leaves the survey for it.
 *
 * Session state: "RESPONSE QUESTION TRIES"; RESPONSE is 0 for an
 * invitation not yet answered (the response starts with the first answer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey.h"

#define QUESTIONS_MAX 50
#define OPTIONS_MAX   9    /* one key on a phone */
#define ANSWER_MAX    1000 /* bytes of a free-text answer kept */
#define NEXT_DEFAULT  -2

static const char *const text_keys[S_COUNT] = {
	[S_INTRO] = "intro",
	[S_DONE] = "done",
	[S_ALREADY] = "already",
	[S_HELP] = "help",
	[S_INVALID_CHOICE] = "invalid_choice",
	[S_INVALID_NUMBER] = "invalid_number",
	[S_INVALID_YESNO] = "invalid_yesno",
	[S_GAVE_UP] = "gave_up",
};

static const char *const survey_keys[] = { "survey", "repeat", "expiry_min",
	"max_tries", "on_give_up", "yes", "no", "questions", "intro", "done",
	"already", "help", "invalid_choice", "invalid_number", "invalid_yesno",
	"gave_up", "invite_per_min", "invite_hours", "invite_expiry_h", NULL };

static const struct {
	const char *name;
	int64_t ms;
} repeats[] = {
	{ "once", 0 },
	{ "daily", 86400000LL },
	{ "weekly", 7 * 86400000LL },
	{ "monthly", 30 * 86400000LL },
	{ "unlimited", -1 },
};

/* --- configuration ----------------------------------------------------- */

static void
survey_free(void *state)
{
	struct survey *s = state;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nqs; i++) {
		struct question *q = &s->qs[i];
		free(q->id);
		ltext_done(&q->prompt);
		for (size_t j = 0; j < q->nopts; j++) {
			free(q->opts[j].value);
			lwords_done(&q->opts[j].words);
		}
		free(q->opts);
	}
	free(s->qs);
	free(s->ids);
	free(s->kinds);
	free(s->labels);
	lwords_done(&s->yes);
	lwords_done(&s->no);
	for (int i = 0; i < S_COUNT; i++)
		ltext_done(&s->t[i]);
	free(s->name);
	free(s->route);
	free(s);
}

static int
find_question(const struct survey *s, const char *id)
{
	for (size_t i = 0; i < s->nqs; i++)
		if (strcmp(s->qs[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* A branch target: "end" or a question after q.  Branches only go
 * forward, so that every survey ends. */
static int
read_next(struct hconf *hc, const struct survey *s, const config_setting_t *g,
    const char *key, int q, int *ret)
{
	const config_setting_t *n = config_setting_get_member(g, key);
	const char *id;
	int to;

	*ret = NEXT_DEFAULT;
	if (n == NULL)
		return 0;
	if ((id = config_setting_get_string(n)) == NULL) {
		hconf_error(hc, n, "'%s' must be a question id or \"end\"",
		    key);
		return -EINVAL;
	}
	if (strcmp(id, "end") == 0) {
		*ret = SURVEY_END;
		return 0;
	}
	if ((to = find_question(s, id)) < 0) {
		hconf_error(hc, n, "'%s': there is no question '%s'", key, id);
		return -EINVAL;
	}
	if (to <= q) {
		hconf_error(hc, n,
		    "'%s': question '%s' comes before; branches go forward only",
		    key, id);
		return -EINVAL;
	}
	*ret = to;
	return 0;
}

static int
read_options(struct hconf *hc, struct question *q, const config_setting_t *g)
{
	const config_setting_t *l = config_setting_get_member(g, "options");
	int n = l != NULL ? config_setting_length(l) : 0, err = 0;

	if (n < 2 || n > OPTIONS_MAX) {
		hconf_error(hc, l != NULL ? l : g,
		    "question '%s': a choice needs 'options', 2 to %d of them",
		    q->id, OPTIONS_MAX);
		return -EINVAL;
	}
	if ((q->opts = calloc((size_t)n, sizeof(*q->opts))) == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const config_setting_t *o =
		    config_setting_get_elem(l, (unsigned)i);
		const char *value = NULL;
		struct option *opt = &q->opts[q->nopts];

		if (config_setting_type(o) != CONFIG_TYPE_GROUP ||
		    !config_setting_lookup_string(o, "value", &value) ||
		    !handler_valid_id(value)) {
			hconf_error(hc, o,
			    "question '%s': each option needs a 'value' of lower-case letters, digits, '_' or '-'",
			    q->id);
			err = -EINVAL;
			continue;
		}
		opt->value = strdup(value);
		opt->next = NEXT_DEFAULT;
		q->nopts++;
		if (hconf_words(hc, o, "words", false, &opt->words) == -EINVAL)
			err = -EINVAL;
	}
	return err;
}

static int
read_question(struct hconf *hc, struct survey *s, const config_setting_t *g)
{
	struct question *q = &s->qs[s->nqs];
	const char *id = NULL, *type = NULL;
	int min = 0, max = 0;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP ||
	    !config_setting_lookup_string(g, "id", &id) ||
	    !handler_valid_id(id)) {
		hconf_error(hc, g,
		    "each question needs an 'id' of lower-case letters, digits, '_' or '-'");
		return -EINVAL;
	}
	if (find_question(s, id) >= 0) {
		hconf_error(hc, g, "question '%s' twice", id);
		return -EINVAL;
	}
	q->id = strdup(id);
	q->next = q->next_yes = q->next_no = NEXT_DEFAULT;
	s->nqs++;
	config_setting_lookup_string(g, "type", &type);
	if (type != NULL && strcmp(type, "choice") == 0)
		q->type = Q_CHOICE;
	else if (type != NULL && strcmp(type, "number") == 0)
		q->type = Q_NUMBER;
	else if (type != NULL && strcmp(type, "yesno") == 0)
		q->type = Q_YESNO;
	else if (type != NULL && strcmp(type, "text") == 0)
		q->type = Q_TEXT;
	else {
		hconf_error(hc, g,
		    "question '%s': 'type' must be \"choice\", \"number\", \"yesno\" or \"text\"",
		    id);
		return -EINVAL;
	}
	if (hconf_ltext(hc, g, "prompt", true, &q->prompt) < 0)
		return -EINVAL;
	if (q->type == Q_CHOICE)
		return read_options(hc, q, g);
	if (q->type == Q_NUMBER) {
		if (!config_setting_lookup_int(g, "min", &min) ||
		    !config_setting_lookup_int(g, "max", &max) || min > max) {
			hconf_error(hc, g,
			    "question '%s': a number needs 'min' and 'max' (min <= max)",
			    id);
			return -EINVAL;
		}
		q->min = min;
		q->max = max;
	}
	return 0;
}

/* Branches are read once every question is known. */
static int
read_branches(struct hconf *hc, struct survey *s, const config_setting_t *l)
{
	int err = 0;

	for (size_t i = 0; i < s->nqs; i++) {
		const config_setting_t *g =
		    config_setting_get_elem(l, (unsigned)i);
		const config_setting_t *ol =
		    config_setting_get_member(g, "options");
		struct question *q = &s->qs[i];

		if (read_next(hc, s, g, "next", (int)i, &q->next) < 0 ||
		    read_next(hc, s, g, "next_yes", (int)i, &q->next_yes) < 0 ||
		    read_next(hc, s, g, "next_no", (int)i, &q->next_no) < 0)
			err = -EINVAL;
		for (size_t j = 0; q->type == Q_CHOICE && j < q->nopts; j++)
			if (read_next(hc, s,
				config_setting_get_elem(ol, (unsigned)j),
				"next", (int)i, &q->opts[j].next) < 0)
				err = -EINVAL;
	}
	return err;
}

static int
read_questions(struct hconf *hc, struct survey *s)
{
	const config_setting_t *l =
	    config_setting_get_member(hconf_route(hc), "questions");
	int n = l != NULL ? config_setting_length(l) : 0, err = 0;

	if (n < 1 || n > QUESTIONS_MAX) {
		hconf_error(hc, l,
		    "'questions' is required: a list of 1 to %d questions",
		    QUESTIONS_MAX);
		return -EINVAL;
	}
	if ((s->qs = calloc((size_t)n, sizeof(*s->qs))) == NULL)
		abort();
	for (int i = 0; i < n; i++)
		if (read_question(hc, s,
			config_setting_get_elem(l, (unsigned)i)) < 0)
			err = -EINVAL;
	/* branches name questions: read them once all are known */
	return err == 0 ? read_branches(hc, s, l) : err;
}

/* "HH:MM-HH:MM", local: when invitations may go out. */
static int
read_hours(struct hconf *hc, struct survey *s)
{
	s->hours_from = 8 * 60;
	s->hours_to = 20 * 60;
	return hconf_hours(hc, "invite_hours", &s->hours_from, &s->hours_to);
}

static int
read_policy(struct hconf *hc, struct survey *s)
{
	const config_setting_t *route = hconf_route(hc);
	const char *repeat = "once", *give_up = "skip";
	int err = 0, expiry;
	size_t i;

	config_setting_lookup_string(route, "repeat", &repeat);
	for (i = 0; i < sizeof(repeats) / sizeof(repeats[0]); i++)
		if (strcmp(repeats[i].name, repeat) == 0)
			break;
	if (i == sizeof(repeats) / sizeof(repeats[0])) {
		hconf_error(hc, config_setting_get_member(route, "repeat"),
		    "'repeat' must be \"once\", \"daily\", \"weekly\", \"monthly\" or \"unlimited\"");
		err = -EINVAL;
	} else {
		s->repeat_ms = repeats[i].ms;
	}
	config_setting_lookup_string(route, "on_give_up", &give_up);
	if (strcmp(give_up, "skip") != 0 && strcmp(give_up, "end") != 0) {
		hconf_error(hc, config_setting_get_member(route, "on_give_up"),
		    "'on_give_up' must be \"skip\" (the question) or \"end\" (the survey)");
		err = -EINVAL;
	}
	s->give_up_ends = strcmp(give_up, "end") == 0;
	if (hconf_int(hc, NULL, "expiry_min", 1, 7 * 1440, 60, &expiry) < 0 ||
	    hconf_int(hc, NULL, "max_tries", 1, 10, 2, &s->max_tries) < 0 ||
	    hconf_int(hc, NULL, "invite_per_min", 1, 6000, 60,
		&s->invite_per_min) < 0 ||
	    hconf_int(hc, NULL, "invite_expiry_h", 1, 24 * 30, 72,
		&s->invite_expiry_h) < 0 ||
	    read_hours(hc, s) < 0)
		err = -EINVAL;
	s->expiry_s = expiry * 60;
	return err;
}

static int
survey_configure(struct hconf *hc, void **ret_state)
{
	const config_setting_t *route = hconf_route(hc);
	struct survey *s = calloc(1, sizeof(*s));
	const char *name = NULL, *rname = NULL;
	int err = 0;

	if (s == NULL)
		return -ENOMEM;
	config_setting_lookup_string(route, "name", &rname);
	config_setting_lookup_string(route, "survey", &name);
	if (name == NULL)
		name = rname;
	if (!handler_valid_id(name)) {
		hconf_error(hc, config_setting_get_member(route, "survey"),
		    "'survey' (the name results and exports use) must be lower-case letters, digits, '_' or '-'");
		err = -EINVAL;
	}
	s->name = strdup(name != NULL ? name : "?");
	s->route = strdup(rname != NULL ? rname : "?");
	if (read_questions(hc, s) < 0 || read_policy(hc, s) < 0)
		err = -EINVAL;
	if (hconf_words(hc, NULL, "yes", true, &s->yes) < 0 ||
	    hconf_words(hc, NULL, "no", true, &s->no) < 0)
		err = -EINVAL;
	for (int i = 0; i < S_COUNT; i++) {
		bool required = i != S_GAVE_UP || s->give_up_ends;
		int rc =
		    hconf_ltext(hc, NULL, text_keys[i], required, &s->t[i]);
		if (rc < 0 && (rc != -ENOENT || required))
			err = -EINVAL;
	}
	if (err < 0) {
		survey_free(s);
		return err;
	}
	if ((s->ids = calloc(s->nqs, sizeof(*s->ids))) == NULL ||
	    (s->kinds = calloc(s->nqs, sizeof(*s->kinds))) == NULL ||
	    (s->labels = calloc(s->nqs, sizeof(*s->labels))) == NULL)
		abort();
	for (size_t i = 0; i < s->nqs; i++) {
		static const char *const names[] = { [Q_CHOICE] = "choice",
			[Q_NUMBER] = "number",
			[Q_YESNO] = "yesno",
			[Q_TEXT] = "text" };
		s->ids[i] = s->qs[i].id;
		s->kinds[i] = names[s->qs[i].type];
		s->labels[i] = ltext_get(&s->qs[i].prompt, 0);
	}
	*ret_state = s;
	return 0;
}

/* --- the conversation -------------------------------------------------- */

int
survey_next(const struct survey *s, int q, const char *value)
{
	const struct question *qq = &s->qs[q];
	int next = qq->next;

	if (value != NULL && qq->type == Q_CHOICE) {
		for (size_t i = 0; i < qq->nopts; i++)
			if (strcmp(qq->opts[i].value, value) == 0 &&
			    qq->opts[i].next != NEXT_DEFAULT)
				next = qq->opts[i].next;
	} else if (value != NULL && qq->type == Q_YESNO) {
		int n = strcmp(value, "yes") == 0 ? qq->next_yes : qq->next_no;
		if (n != NEXT_DEFAULT)
			next = n;
	}
	if (next == NEXT_DEFAULT)
		next = q + 1 < (int)s->nqs ? q + 1 : SURVEY_END;
	return next;
}

char *
survey_opening(const struct survey *s, int lang)
{
	const char *vars[] = { "question", ltext_get(&s->qs[0].prompt, lang),
		NULL };

	return handler_expand(&s->t[S_INTRO], lang, vars);
}

struct sstate {
	int64_t response;
	int q;
	int tries;
};

static int
state_load(const struct survey *s, const char *text, struct sstate *ret)
{
	long long response;
	char tail;

	if (text == NULL ||
	    sscanf(text, "%lld %d %d%c", &response, &ret->q, &ret->tries,
		&tail) != 3 ||
	    response < 0 || ret->q < 0 || ret->q >= (int)s->nqs)
		return -EINVAL;
	ret->response = response;
	return 0;
}

static void
state_save(const struct survey *s, struct hctx *ctx, const struct sstate *st)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%lld %d %d", (long long)st->response, st->q,
	    st->tries);
	hctx_session_set(ctx, buf, s->expiry_s);
}

/*
 * Reads an answer to q.  Returns the normalised value (caller frees), or
 * NULL when the answer is not valid.  A number may be written out ("two",
 * "mbili": hctx_as_number()).
 */
static char *
parse_answer(const struct survey *s, const struct hctx *ctx,
    const struct question *q, const char *text)
{
	char word[64], *folded, *all, *v = NULL;
	size_t n;

	while (*text == ' ' || *text == '\t' || *text == '\r' || *text == '\n')
		text++;
	if (q->type == Q_TEXT) {
		return text[0] != '\0' ? handler_cut(text, ANSWER_MAX) : NULL;
	}
	n = strcspn(text, " \t\r\n.,;:!?");
	snprintf(word, sizeof(word), "%.*s",
	    (int)(n < sizeof(word) ? n : sizeof(word) - 1), text);
	folded = handler_fold(word);
	all = handler_fold(text);
	if (q->type == Q_NUMBER) {
		char *end;
		long x;
		bool ok = false;
		if (word[0] != '\0' && strspn(word, "0123456789-") == n) {
			x = strtol(word, &end, 10); /* a minus is kept */
			ok = *end == '\0';
		} else {
			ok = hctx_as_number(ctx, word, &x);
		}
		if (ok && x >= q->min && x <= q->max) {
			char buf[24];
			snprintf(buf, sizeof(buf), "%ld", x);
			v = strdup(buf);
		}
	} else if (q->type == Q_YESNO) {
		if (strcmp(folded, "1") == 0 || lwords_has(&s->yes, folded))
			v = strdup("yes");
		else if (strcmp(folded, "2") == 0 || lwords_has(&s->no, folded))
			v = strdup("no");
	} else {
		long x;
		if (hctx_as_number(ctx, word, &x) && x >= 1 &&
		    x <= (long)q->nopts)
			v = strdup(q->opts[x - 1].value);
		for (size_t i = 0; v == NULL && i < q->nopts; i++) {
			char *val = handler_fold(q->opts[i].value);
			if (strcmp(val, folded) == 0 || strcmp(val, all) == 0 ||
			    lwords_has(&q->opts[i].words, folded) ||
			    lwords_has(&q->opts[i].words, all))
				v = strdup(q->opts[i].value);
			free(val);
		}
	}
	free(folded);
	free(all);
	return v;
}

/* The hint for an invalid answer, with the question again when both fit
 * one SMS. */
static void
reask(const struct survey *s, struct hctx *ctx, const struct question *q)
{
	int lang = hctx_lang(ctx);
	char min[24], max[24], *hint, *both;
	const char *prompt = ltext_get(&q->prompt, lang);
	const char *vars[] = { "min", min, "max", max, NULL };
	enum stext t = q->type == Q_CHOICE ? S_INVALID_CHOICE
	    : q->type == Q_NUMBER          ? S_INVALID_NUMBER
					   : S_INVALID_YESNO;
	size_t n;

	snprintf(min, sizeof(min), "%ld", q->type == Q_NUMBER ? q->min : 1L);
	snprintf(max, sizeof(max), "%ld",
	    q->type == Q_NUMBER ? q->max : (long)q->nopts);
	hint = handler_expand(&s->t[t], lang, vars);
	n = strlen(hint) + strlen(prompt) + 2;
	if ((both = malloc(n)) == NULL)
		abort();
	snprintf(both, n, "%s %s", hint, prompt);
	hctx_reply(ctx, handler_segments(both) == 1 ? both : hint);
	free(both);
	free(hint);
}

/* Moves to the question after q, or finishes. */
static int
advance(const struct survey *s, struct hctx *ctx, struct sstate *st,
    const char *value)
{
	int next = survey_next(s, st->q, value), rc;

	if (next == SURVEY_END) {
		if ((rc = hctx_survey_finish(ctx, st->response)) < 0)
			return rc;
		hctx_session_end(ctx);
		hctx_reply_template(ctx, &s->t[S_DONE], NULL);
		return HANDLER_OK;
	}
	st->q = next;
	st->tries = 0;
	state_save(s, ctx, st);
	hctx_reply_template(ctx, &s->qs[next].prompt, NULL);
	return HANDLER_OK;
}

static int
answer(const struct survey *s, struct hctx *ctx, struct sstate *st)
{
	const struct question *q = &s->qs[st->q];
	const char *text = hctx_text(ctx);
	char *value = parse_answer(s, ctx, q, text);
	int rc;

	if (value == NULL && q->type != Q_TEXT && hctx_other_keyword(ctx))
		return HANDLER_DECLINED; /* another route's keyword: go there */
	if (st->response == 0 &&
	    (rc = hctx_survey_begin(ctx, s->name, &st->response)) < 0) {
		free(value);
		return rc; /* an invitation, answered */
	}
	if (value == NULL && ++st->tries < s->max_tries) {
		state_save(s, ctx, st);
		reask(s, ctx, q);
		return HANDLER_OK;
	}
	/* an answer, or too many tries: skipped (NULL) */
	rc = hctx_survey_answer(ctx, st->response, q->id, value, text);
	if (rc == 0 && value == NULL && s->give_up_ends) {
		hctx_session_end(ctx);
		hctx_reply_template(ctx, &s->t[S_GAVE_UP], NULL);
	} else if (rc == 0) {
		rc = advance(s, ctx, st, value);
	}
	free(value);
	return rc;
}

static int
start(const struct survey *s, struct hctx *ctx)
{
	struct sstate st = { 0, 0, 0 };
	int done = 0, rc;
	char *opening;

	if (s->repeat_ms >= 0) {
		int64_t since =
		    s->repeat_ms == 0 ? 0 : hctx_now(ctx) - s->repeat_ms;
		rc = hctx_survey_completed(ctx, s->name, hctx_number(ctx),
		    since, &done);
		if (rc < 0)
			return rc;
		if (done > 0) {
			hctx_reply_template(ctx, &s->t[S_ALREADY], NULL);
			hctx_session_end(ctx);
			return HANDLER_OK;
		}
	}
	if ((rc = hctx_survey_begin(ctx, s->name, &st.response)) < 0)
		return rc;
	state_save(s, ctx, &st);
	opening = survey_opening(s, hctx_lang(ctx));
	hctx_reply(ctx, opening);
	free(opening);
	return HANDLER_OK;
}

static int
survey_handle(void *state, struct hctx *ctx)
{
	struct survey *s = state;
	struct sstate st;

	if (hctx_session(ctx) == NULL ||
	    state_load(s, hctx_session(ctx), &st) < 0)
		return start(s, ctx);
	if (hctx_restarted(ctx)) {
		/* SURVEY again: the pending question again, with the whole
		 * expiry to answer it (also when the session had expired) */
		state_save(s, ctx, &st);
		hctx_reply_template(ctx, &s->qs[st.q].prompt, NULL);
		return HANDLER_OK;
	}
	return answer(s, ctx, &st);
}

static int
survey_help(void *state, struct hctx *ctx)
{
	struct survey *s = state;
	struct sstate st;

	if (state_load(s, hctx_session(ctx), &st) < 0)
		return HANDLER_DECLINED;
	{
		const char *vars[] = { "question",
			ltext_get(&s->qs[st.q].prompt, hctx_lang(ctx)), NULL };
		hctx_reply_template(ctx, &s->t[S_HELP], vars);
	}
	return HANDLER_OK;
}

static int
survey_cmd(void *state, struct hctx *ctx, int argc, char **argv)
{
	return survey_command(state, ctx, argc, argv);
}

static int
survey_exports(void *state, struct hexport *ret)
{
	struct survey *s = state;

	ret->dataset = s->name;
	ret->columns = s->ids;
	ret->kinds = s->kinds;
	ret->labels = s->labels;
	ret->ncolumns = s->nqs;
	return HANDLER_OK;
}

/* The opening (intro and first question) must fit one SMS. */
static void
survey_check(void *state, struct hconf *hc)
{
	struct survey *s = state;

	for (int lang = 0; lang < hconf_nlangs(hc); lang++) {
		const char *vars[] = { "question",
			ltext_get(&s->qs[0].prompt, lang), NULL };
		hconf_check_text(hc, "intro", lang,
		    ltext_get(&s->t[S_INTRO], lang), vars);
	}
}

const struct handler survey_handler = {
	.name = "survey",
	.abi = HANDLER_ABI,
	.keys = survey_keys,
	.configure = survey_configure,
	.free_state = survey_free,
	.handle = survey_handle,
	.help = survey_help,
	.check = survey_check,
	.command = survey_cmd,
	.exports = survey_exports,
};
