/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint: the complaint desk's configuration and the citizen's side.
 * `COMPLAIN WATER no water since Monday` files at once; anything missing
 * (the category, the description) is asked for step by step, then the
 * location when the desk asks for one, then a confirmation.  Each filed
 * complaint gets a reference (complaint_ref.h) that STATUS answers about --
 * only to the number that filed it.  Officers' side: complaint_desk.c.
 *
 * The guided steps live in the session as "STEP\tCATEGORY\tDESCRIPTION\t
 * LOCATION" (tabs in a citizen's text become spaces).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "complaint.h"
#include "complaint_ref.h"

#define CATEGORIES_MAX  20
#define STATUSES_MAX    12
#define DESCRIPTION_MAX 1000 /* bytes of a description or location kept */
#define ECHO_MAX        12   /* bytes of a mistyped reference repeated */
#define LIST_MAX        480  /* bytes of STATUS's list of open complaints */
#define FIXED_NEXT_MS   1000 /* a second "is it fixed?" waits this long */

static const char *const text_keys[T_COUNT] = {
	[T_CHOOSE] = "choose_category",
	[T_DESCRIBE] = "ask_description",
	[T_LOCATION] = "ask_place",
	[T_CONFIRM] = "confirm",
	[T_FILED] = "filed",
	[T_CANCELLED] = "cancelled",
	[T_INVALID] = "invalid_choice",
	[T_HELP] = "help",
	[T_STATUS] = "status_reply",
	[T_UNKNOWN] = "status_unknown",
	[T_CHECK] = "status_check",
	[T_STATUS_USAGE] = "status_usage",
	[T_UPDATED] = "updated",
	[T_UPDATE_DONE] = "update_done",
	[T_UPDATE_USAGE] = "update_usage",
	[T_UPDATE_UNTOLD] = "update_done_untold",
	[T_STATUS_LIST] = "status_list",
	[T_OFFICER_ALERT] = "officer_alert",
	[T_ASK_FIXED] = "ask_fixed",
	[T_FIXED_YES] = "fixed_yes",
	[T_FIXED_NO] = "fixed_no",
	[T_OFFICER_REOPENED] = "officer_reopened",
	[T_OFFICER_REMINDER] = "officer_reminder",
	[T_ALREADY_FILED] = "already_filed",
	[T_OFFICER_STATUS] = "officer_status",
};

static const char *const complaint_keys[] = { "desk", "action", "categories",
	"statuses", "officers", "ask_location", "expiry_min",
	"escalate_after_days", "yes", "no", "choose_category",
	"ask_description", "ask_place", "confirm", "filed", "cancelled",
	"invalid_choice", "help", "status_reply", "status_unknown",
	"status_check", "status_usage", "updated", "update_done",
	"update_usage", "update_done_untold", "status_list", "officer_alert",
	"reopen_to", "ask_fixed_days", "ask_fixed", "fixed_yes", "fixed_no",
	"officer_reopened", "officer_reminder", "escalate_to", "already_filed",
	"duplicate_hours", "officer_status", "alert_hours", NULL };

/* --- the desk ---------------------------------------------------------- */

const struct category *
desk_category(const struct desk *d, const char *id)
{
	for (size_t i = 0; i < d->ncats; i++)
		if (strcmp(d->cats[i].id, id) == 0)
			return &d->cats[i];
	return NULL;
}

const struct status *
desk_status(const struct desk *d, const char *id)
{
	for (size_t i = 0; i < d->nstats; i++)
		if (strcmp(d->stats[i].id, id) == 0)
			return &d->stats[i];
	return NULL;
}

const char *
desk_category_name(const struct desk *d, const char *id, int lang)
{
	const struct category *cat = desk_category(d, id);

	return cat != NULL ? lwords_first(&cat->names, lang) : id;
}

const char *
desk_status_name(const struct desk *d, const char *id, int lang)
{
	const struct status *st = desk_status(d, id);

	return st != NULL ? ltext_get(&st->name, lang) : id;
}

/* Whether a folded word an officer typed is this id or one of its words. */
static bool
names_it(const char *id, const struct lwords *words, const char *folded)
{
	char *f = handler_fold(id);
	bool same = strcmp(f, folded) == 0 || lwords_has(words, folded);

	free(f);
	return same;
}

const struct category *
desk_category_word(const struct desk *d, const char *word)
{
	char *f = handler_fold(word);
	const struct category *found = NULL;

	for (size_t i = 0; found == NULL && i < d->ncats; i++)
		if (names_it(d->cats[i].id, &d->cats[i].names, f))
			found = &d->cats[i];
	free(f);
	return found;
}

/* Whether a folded word is one typo (Damerau) from one of these words,
 * as the router guesses keywords: words of 5+ letters, the same first
 * letter. */
static bool
one_typo_of(const struct lwords *w, const char *folded)
{
	for (int l = 0; l < LANG_MAX; l++)
		for (char **c = w->folded[l]; c && *c; c++)
			if (strlen(*c) >= 5 && (*c)[0] == folded[0] &&
			    handler_distance(*c, folded, 1) <= 1)
				return true;
	return false;
}

const struct status *
desk_status_word(const struct desk *d, const char *word, bool typos)
{
	char *f = handler_fold(word);
	const struct status *found = NULL, *guess = NULL;
	int guesses = 0;

	for (size_t i = 0; found == NULL && i < d->nstats; i++) {
		if (names_it(d->stats[i].id, &d->stats[i].words, f))
			found = &d->stats[i];
		else if (typos && one_typo_of(&d->stats[i].words, f)) {
			guess = &d->stats[i];
			guesses++;
		}
	}
	free(f);
	return found != NULL ? found : guesses == 1 ? guess : NULL;
}

char *
desk_status_list(const struct desk *d, int lang)
{
	size_t cap = 1, len = 0;
	char *s;

	for (size_t i = 0; i < d->nstats; i++)
		cap += strlen(lwords_first(&d->stats[i].words, lang)) +
		    strlen(d->stats[i].id) + 2;
	if ((s = malloc(cap)) == NULL)
		abort();
	s[0] = '\0';
	for (size_t i = 0; i < d->nstats; i++) {
		const char *w = lwords_first(&d->stats[i].words, lang);
		len += (size_t)snprintf(s + len, cap - len, "%s%s",
		    i > 0 ? ", " : "", w[0] != '\0' ? w : d->stats[i].id);
	}
	return s;
}

static void
numbers_free(char **v)
{
	for (char **o = v; o != NULL && *o != NULL; o++)
		free(*o);
	free(v);
}

static void
desk_free(struct desk *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->ncats; i++) {
		free(d->cats[i].id);
		lwords_done(&d->cats[i].names);
		numbers_free(d->cats[i].officers);
	}
	free(d->cats);
	for (size_t i = 0; i < d->nstats; i++) {
		free(d->stats[i].id);
		ltext_done(&d->stats[i].name);
		ltext_done(&d->stats[i].tell);
		lwords_done(&d->stats[i].words);
	}
	free(d->stats);
	numbers_free(d->officers);
	numbers_free(d->escalate_to);
	lwords_done(&d->yes);
	lwords_done(&d->no);
	for (int i = 0; i < T_COUNT; i++)
		ltext_done(&d->t[i]);
	free(d->name);
	free(d);
}

/* Reads an id; checks it is well formed. */
static char *
read_id(struct hconf *hc, const config_setting_t *g, const char *what)
{
	const char *id = NULL;

	if (config_setting_type(g) != CONFIG_TYPE_GROUP ||
	    !config_setting_lookup_string(g, "id", &id) ||
	    !handler_valid_id(id)) {
		hconf_error(hc, g,
		    "each of '%s' needs an 'id' of lower-case letters, digits, '_' or '-'",
		    what);
		return NULL;
	}
	return strdup(id);
}

/* The numbers in list `key` of group g (the route's officers or
 * escalate_to, a category's officers) into *ret, NULL-terminated; *ret is
 * NULL when g has none and none_null. */
static int
read_officers(struct hconf *hc, const config_setting_t *g, const char *key,
    bool none_null, char ***ret)
{
	const config_setting_t *l = config_setting_get_member(g, key);
	int n = l != NULL ? config_setting_length(l) : 0;

	*ret = NULL;
	if (n == 0 && none_null)
		return 0;
	if ((*ret = calloc((size_t)n + 1, sizeof(char *))) == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(l, i);
		char *e164 = v != NULL ? hconf_number(hc, v) : NULL;

		if (e164 == NULL || e164[0] != '+' || strlen(e164) < 8 ||
		    strspn(e164 + 1, "0123456789") != strlen(e164) - 1) {
			hconf_error(hc, l,
			    "'%s': item %d must be a number in E.164 (+254...)",
			    key, i + 1);
			free(e164);
			return -EINVAL;
		}
		(*ret)[i] = e164;
	}
	return 0;
}

static int
read_categories(struct hconf *hc, struct desk *d)
{
	const config_setting_t *l =
	    config_setting_get_member(hconf_route(hc), "categories");
	int n, err = 0;

	if (l == NULL || config_setting_length(l) == 0 ||
	    config_setting_length(l) > CATEGORIES_MAX) {
		hconf_error(hc, l,
		    "'categories' is required: a list of 1 to %d groups",
		    CATEGORIES_MAX);
		return -EINVAL;
	}
	n = config_setting_length(l);
	d->cats = calloc((size_t)n, sizeof(*d->cats));
	if (d->cats == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const config_setting_t *g =
		    config_setting_get_elem(l, (unsigned)i);
		struct category *c = &d->cats[d->ncats];
		int anon = 0, details;

		if ((c->id = read_id(hc, g, "categories")) == NULL) {
			err = -EINVAL;
			continue;
		}
		d->ncats++;
		if (hconf_words(hc, g, "names", true, &c->names) < 0)
			err = -EINVAL;
		if (config_setting_lookup_bool(g, "anonymous", &anon))
			c->anonymous = anon != 0;
		/* by default not for an anonymous category: an officer's
		 * phone is seen by others, and a whistle-blower's words may
		 * name them */
		c->officer_details = !c->anonymous;
		if (config_setting_lookup_bool(g, "officer_details", &details))
			c->officer_details = details != 0;
		if (read_officers(hc, g, "officers", true, &c->officers) < 0)
			err = -EINVAL;
		for (size_t j = 0; j + 1 < d->ncats; j++)
			if (strcmp(d->cats[j].id, c->id) == 0) {
				hconf_error(hc, g, "category '%s' twice",
				    c->id);
				err = -EINVAL;
			}
	}
	return err;
}

static int
read_statuses(struct hconf *hc, struct desk *d)
{
	const config_setting_t *l =
	    config_setting_get_member(hconf_route(hc), "statuses");
	int n, err = 0;

	if (l == NULL || config_setting_length(l) < 2 ||
	    config_setting_length(l) > STATUSES_MAX) {
		hconf_error(hc, l,
		    "'statuses' is required: a list of 2 to %d groups, the first a new complaint's",
		    STATUSES_MAX);
		return -EINVAL;
	}
	n = config_setting_length(l);
	d->stats = calloc((size_t)n, sizeof(*d->stats));
	if (d->stats == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		const config_setting_t *g =
		    config_setting_get_elem(l, (unsigned)i);
		struct status *s = &d->stats[d->nstats];
		int closes = 0, follow = 0;

		if ((s->id = read_id(hc, g, "statuses")) == NULL) {
			err = -EINVAL;
			continue;
		}
		d->nstats++;
		if (hconf_ltext(hc, g, "name", true, &s->name) < 0 ||
		    hconf_words(hc, g, "words", true, &s->words) < 0)
			err = -EINVAL;
		s->has_tell = hconf_ltext(hc, g, "tell", false, &s->tell) == 0;
		if (config_setting_lookup_bool(g, "closes", &closes))
			s->closes = closes != 0;
		if (config_setting_lookup_bool(g, "follow_up", &follow))
			s->follow_up = follow != 0;
		if (s->follow_up && !s->closes) {
			hconf_error(hc, g,
			    "status '%s': 'follow_up' asks whether a closed complaint is fixed; it needs 'closes = true'",
			    s->id);
			err = -EINVAL;
		}
		for (size_t j = 0; j + 1 < d->nstats; j++)
			if (strcmp(d->stats[j].id, s->id) == 0) {
				hconf_error(hc, g, "status '%s' twice", s->id);
				err = -EINVAL;
			}
	}
	if (err == 0 && d->stats[0].closes) {
		hconf_error(hc, l,
		    "the first status (a new complaint's) cannot close it");
		err = -EINVAL;
	}
	return err;
}

/* Whether the desk's text i must be given. */
static bool
text_required(const struct desk *d, int i)
{
	bool follow_up = false;

	for (size_t k = 0; k < d->nstats; k++)
		follow_up = follow_up || d->stats[k].follow_up;
	switch (i) {
	case T_LOCATION:
		return d->ask_location;
	case T_ASK_FIXED:
	case T_FIXED_YES:
	case T_FIXED_NO:
		return follow_up;
	case T_UPDATE_UNTOLD:
	case T_STATUS_LIST:
	case T_OFFICER_ALERT:
	case T_OFFICER_REOPENED:
	case T_OFFICER_REMINDER:
	case T_ALREADY_FILED:
	case T_OFFICER_STATUS:
		return false;
	default:
		return true;
	}
}

/* 'reopen_to': the status a complaint the citizen says is not fixed goes
 * back to; the first (a new complaint's) when not given. */
static int
read_reopen_to(struct hconf *hc, struct desk *d)
{
	const config_setting_t *route = hconf_route(hc);
	const char *id = NULL;

	if (d->nstats == 0)
		return 0;
	d->reopen_to = &d->stats[0];
	if (!config_setting_lookup_string(route, "reopen_to", &id))
		return 0;
	d->reopen_to = desk_status(d, id);
	if (d->reopen_to == NULL || d->reopen_to->closes) {
		hconf_error(hc, config_setting_get_member(route, "reopen_to"),
		    "'reopen_to' must name a status that does not close");
		return -EINVAL;
	}
	return 0;
}

static int
read_desk(struct hconf *hc, struct desk *d)
{
	const config_setting_t *route = hconf_route(hc);
	const char *name = NULL;
	int err = 0, ask = 0, expiry = 0, days = 0, hours = 0;

	config_setting_lookup_string(route, "name", &name);
	d->name = strdup(name != NULL ? name : "complaint");
	/* each one, so that `baraza check` reports every error at once */
	if (read_categories(hc, d) < 0)
		err = -EINVAL;
	if (read_statuses(hc, d) < 0)
		err = -EINVAL;
	if (read_officers(hc, route, "officers", false, &d->officers) < 0 ||
	    read_officers(hc, route, "escalate_to", true, &d->escalate_to) < 0)
		err = -EINVAL;
	if (config_setting_lookup_bool(route, "ask_location", &ask))
		d->ask_location = ask != 0;
	if (hconf_int(hc, NULL, "expiry_min", 1, 1440, 30, &expiry) < 0 ||
	    hconf_int(hc, NULL, "escalate_after_days", 1, 365, 7,
		&d->escalate_days) < 0 ||
	    hconf_int(hc, NULL, "ask_fixed_days", 1, 30, 2, &days) < 0 ||
	    hconf_int(hc, NULL, "duplicate_hours", 0, 720, 24, &hours) < 0 ||
	    read_reopen_to(hc, d) < 0)
		err = -EINVAL;
	d->expiry_s = expiry * 60;
	d->ask_fixed_s = days * 86400;
	d->alert_from = 0;
	d->alert_to = 24 * 60;
	if (hconf_hours(hc, "alert_hours", &d->alert_from, &d->alert_to) < 0)
		err = -EINVAL;
	d->duplicate_s = hours * 3600;
	if (hconf_words(hc, NULL, "yes", true, &d->yes) < 0 ||
	    hconf_words(hc, NULL, "no", true, &d->no) < 0)
		err = -EINVAL;
	for (int i = 0; i < T_COUNT; i++) {
		const char *key = text_keys[i];
		bool required = text_required(d, i);
		int rc = hconf_ltext(hc, NULL, key, required, &d->t[i]);
		if (rc < 0 && (rc != -ENOENT || required))
			err = -EINVAL;
	}
	return err;
}

static int
complaint_configure(struct hconf *hc, void **ret_state)
{
	const config_setting_t *route = hconf_route(hc);
	struct complaint_route *cr = calloc(1, sizeof(*cr));
	const char *desk = NULL, *action = NULL;

	if (cr == NULL)
		return -ENOMEM;
	config_setting_lookup_string(route, "desk", &desk);
	config_setting_lookup_string(route, "action", &action);
	if (action == NULL || strcmp(action, "file") == 0)
		cr->action = ACT_FILE;
	else if (strcmp(action, "status") == 0)
		cr->action = ACT_STATUS;
	else if (strcmp(action, "update") == 0)
		cr->action = ACT_UPDATE;
	else {
		hconf_error(hc, config_setting_get_member(route, "action"),
		    "'action' must be \"file\", \"status\" or \"update\"");
		free(cr);
		return -EINVAL;
	}
	if (cr->action != ACT_FILE) {
		const struct complaint_route *peer =
		    desk != NULL ? hconf_peer_state(hc, desk) : NULL;
		if (peer == NULL || peer->action != ACT_FILE) {
			hconf_error(hc, route,
			    "a complaint route with action \"%s\" needs 'desk' naming a complaint route above it",
			    action);
			free(cr);
			return -EINVAL;
		}
		cr->desk = peer->desk;
		*ret_state = cr;
		return 0;
	}
	if (desk != NULL) {
		hconf_error(hc, config_setting_get_member(route, "desk"),
		    "'desk' is for \"status\" and \"update\" routes");
		free(cr);
		return -EINVAL;
	}
	if ((cr->desk = calloc(1, sizeof(*cr->desk))) == NULL)
		abort();
	if (read_desk(hc, cr->desk) < 0) {
		desk_free(cr->desk);
		free(cr);
		return -EINVAL;
	}
	*ret_state = cr;
	return 0;
}

static void
complaint_free(void *state)
{
	struct complaint_route *cr = state;

	if (cr == NULL)
		return;
	if (cr->action == ACT_FILE)
		desk_free(cr->desk);
	free(cr);
}

/* --- the citizen's conversation ---------------------------------------- */

enum step {
	STEP_CATEGORY = 'C',
	STEP_DESCRIPTION = 'D',
	STEP_LOCATION = 'L',
	STEP_CONFIRM = 'K'
};

struct draft {
	char step;
	const struct category *cat;
	char *description;
	char *location;
};

static void
draft_done(struct draft *f)
{
	free(f->description);
	free(f->location);
	memset(f, 0, sizeof(*f));
}

/* A citizen's text, bounded, without the tabs that separate fields. */
static char *
clean(const char *s)
{
	char *c = handler_cut(s, DESCRIPTION_MAX);

	for (char *p = c; *p != '\0'; p++)
		if (*p == '\t')
			*p = ' ';
	return c;
}

static void
draft_load(const struct desk *d, const char *state, struct draft *ret)
{
	char *copy = strdup(state), *fields[4] = { 0 }, *p = copy;

	if (copy == NULL)
		abort();
	for (int i = 0; i < 4 && p != NULL; i++) {
		fields[i] = p;
		if ((p = strchr(p, '\t')) != NULL)
			*p++ = '\0';
	}
	memset(ret, 0, sizeof(*ret));
	ret->step = fields[0] != NULL ? fields[0][0] : STEP_CATEGORY;
	if (fields[1] != NULL && fields[1][0] != '\0')
		ret->cat = desk_category(d, fields[1]);
	if (fields[2] != NULL && fields[2][0] != '\0')
		ret->description = strdup(fields[2]);
	if (fields[3] != NULL && fields[3][0] != '\0')
		ret->location = strdup(fields[3]);
	free(copy);
}

static void
draft_save(const struct desk *d, struct hctx *ctx, const struct draft *f)
{
	size_t n = 8 + (f->cat ? strlen(f->cat->id) : 0) +
	    (f->description ? strlen(f->description) : 0) +
	    (f->location ? strlen(f->location) : 0);
	char *s = malloc(n);

	if (s == NULL)
		abort();
	snprintf(s, n, "%c\t%s\t%s\t%s", f->step, f->cat ? f->cat->id : "",
	    f->description ? f->description : "",
	    f->location ? f->location : "");
	hctx_session_set(ctx, s, d->expiry_s);
	free(s);
}

/* "1 WATER, 2 ROADS, 3 HEALTH" in lang. */
static char *
category_list(const struct desk *d, int lang)
{
	size_t cap = 1, len = 0;
	char *s;

	for (size_t i = 0; i < d->ncats; i++)
		cap += strlen(lwords_first(&d->cats[i].names, lang)) + 8;
	if ((s = malloc(cap)) == NULL)
		abort();
	s[0] = '\0';
	for (size_t i = 0; i < d->ncats; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s%zu %s",
		    i > 0 ? ", " : "", i + 1,
		    lwords_first(&d->cats[i].names, lang));
	return s;
}

/* A category by number (written out too), name (any language) or one typo
 * of a long name. */
static const struct category *
match_category(const struct desk *d, const struct hctx *ctx, const char *word)
{
	char *f = handler_fold(word);
	const struct category *found = NULL, *guess = NULL;
	int guesses = 0;
	long n;

	if (hctx_as_number(ctx, word, &n) && n >= 1 && (size_t)n <= d->ncats)
		found = &d->cats[n - 1];
	for (size_t i = 0; found == NULL && i < d->ncats; i++) {
		if (lwords_has(&d->cats[i].names, f))
			found = &d->cats[i];
		else if (one_typo_of(&d->cats[i].names, f)) {
			guess = &d->cats[i];
			guesses++;
		}
	}
	free(f);
	if (found == NULL && guesses == 1)
		found = guess;
	return found;
}

static char *
yes_no_choices(const struct desk *d, int lang)
{
	const char *y = lwords_first(&d->yes, lang);
	const char *n = lwords_first(&d->no, lang);
	size_t cap = strlen(y) + strlen(n) + 16;
	char *s = malloc(cap);

	if (s == NULL)
		abort();
	snprintf(s, cap, "1 %s, 2 %s", y, n);
	return s;
}

/* The text that asks for the draft's current step. */
static char *
step_text(const struct desk *d, const struct draft *f, int lang)
{
	const char *cat =
	    f->cat != NULL ? lwords_first(&f->cat->names, lang) : "";
	char *cats = category_list(d, lang), *t;
	const char *vars[] = { "categories", cats, "category", cat,
		"description", f->description ? f->description : "", NULL };

	switch (f->step) {
	case STEP_CATEGORY:
		t = handler_expand(&d->t[T_CHOOSE], lang, vars);
		break;
	case STEP_DESCRIPTION:
		t = handler_expand(&d->t[T_DESCRIBE], lang, vars);
		break;
	case STEP_LOCATION:
		t = handler_expand(&d->t[T_LOCATION], lang, vars);
		break;
	default:
		t = handler_expand(&d->t[T_CONFIRM], lang, vars);
		break;
	}
	free(cats);
	return t;
}

/* Asks for what the draft lacks next (category, description, location,
 * confirmation). */
static void
ask_next(const struct desk *d, struct hctx *ctx, struct draft *f)
{
	char *t;

	if (f->cat == NULL)
		f->step = STEP_CATEGORY;
	else if (f->description == NULL)
		f->step = STEP_DESCRIPTION;
	else if (d->ask_location && f->location == NULL &&
	    f->step != STEP_LOCATION && f->step != STEP_CONFIRM)
		f->step = STEP_LOCATION;
	else
		f->step = STEP_CONFIRM;
	draft_save(d, ctx, f);
	t = step_text(d, f, hctx_lang(ctx));
	hctx_reply(ctx, t);
	free(t);
	if (f->cat != NULL && f->cat->anonymous)
		hctx_anonymous(ctx);
}

/* Two texts a citizen wrote are the same, whatever their case, spacing
 * and punctuation; a place not given matches any. */
static bool
same_words(const char *a, const char *b, bool absent_matches)
{
	char *fa, *fb;
	bool same;

	if (a == NULL || b == NULL)
		return absent_matches || a == b;
	fa = handler_fold(a);
	fb = handler_fold(b);
	same = strcmp(fa, fb) == 0;
	free(fa);
	free(fb);
	return same;
}

/*
 * A complaint this number filed within duplicate_hours that is still open
 * and says the same (category, description, place): the citizen who sent
 * it again (no reply yet, a late network, a second try) gets its
 * reference rather than a second complaint and a second officer alert.
 * 1 when it answered so, 0 when f is new, or a store error.
 */
static int
already_filed(const struct desk *d, struct hctx *ctx, const struct draft *f)
{
	struct complaint_filter q = { .desk = d->name,
		.category = f->cat->id,
		.number = hctx_number(ctx),
		.since = hctx_now(ctx) - (int64_t)d->duplicate_s * 1000,
		.open_before = hctx_now(ctx) + 1 };
	struct complaint *v = NULL;
	size_t n = 0;
	int rc, found = 0;

	if (d->duplicate_s == 0 || d->t[T_ALREADY_FILED].s[0] == NULL)
		return 0;
	if ((rc = hctx_complaint_list(ctx, &q, &v, &n)) < 0)
		return rc;
	for (size_t i = n; i-- > 0 && !found;) {
		if (!same_words(v[i].description, f->description, false) ||
		    !same_words(v[i].location, f->location, true))
			continue;
		if (v[i].anonymous)
			hctx_anonymous(ctx);
		{
			const char *vars[] = { "ref", v[i].ref, "category",
				lwords_first(&f->cat->names, hctx_lang(ctx)),
				NULL };
			hctx_reply_template(ctx, &d->t[T_ALREADY_FILED], vars);
		}
		hctx_session_end(ctx);
		found = 1;
	}
	complaints_free(v, n);
	return found;
}

static int
file_complaint(const struct desk *d, struct hctx *ctx, const struct draft *f)
{
	struct complaint c;
	int lang = hctx_lang(ctx), rc = -EEXIST;

	if ((rc = already_filed(d, ctx, f)) != 0)
		return rc < 0 ? rc : HANDLER_OK;
	rc = -EEXIST;
	memset(&c, 0, sizeof(c));
	c.desk = d->name;
	c.category = f->cat->id;
	c.number = (char *)hctx_number(ctx);
	c.anonymous = f->cat->anonymous;
	c.lang = (char *)hctx_lang_code(ctx, lang);
	c.channel = (char *)hctx_channel(ctx);
	c.description = f->description;
	c.location = f->location;
	c.status = d->stats[0].id;
	c.created_at = hctx_now(ctx);
	if (c.anonymous &&
	    (c.pseudonym = hctx_pseudonym(ctx, hctx_number(ctx))) == NULL)
		return -EIO;
	if (c.anonymous)
		hctx_anonymous(ctx);
	/* 31^6 references: a collision is rare, five in a row impossible */
	for (int tries = 0; rc == -EEXIST && tries < 5; tries++) {
		unsigned char rnd[REF_RANDOM];
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd) ||
		    ref_make(rnd, sizeof(rnd), c.ref) < 0)
			continue;
		rc = hctx_complaint_add(ctx, &c, NULL);
	}
	if (rc == 0)
		rc = desk_alert(d, ctx, &c, T_OFFICER_ALERT);
	free(c.pseudonym);
	if (rc < 0)
		return rc;
	{
		const char *vars[] = { "ref", c.ref, "category",
			lwords_first(&f->cat->names, lang), NULL };
		hctx_reply_template(ctx, &d->t[T_FILED], vars);
	}
	hctx_session_end(ctx);
	return HANDLER_OK;
}

/* COMPLAIN [CATEGORY] [DESCRIPTION] */
static int
start(const struct desk *d, struct hctx *ctx)
{
	struct draft f = { 0 };
	char word[64];
	const char *rest = hctx_args(ctx);
	int rc = HANDLER_OK;

	handler_word(&rest, word, sizeof(word));
	if (word[0] != '\0')
		f.cat = match_category(d, ctx, word);
	if (f.cat == NULL) { /* WATER,no water */
		const char *after = hctx_args(ctx);

		handler_word_part(&after, word, sizeof(word));
		if (word[0] != '\0' &&
		    (f.cat = match_category(d, ctx, word)) != NULL)
			rest = after;
	}
	if (f.cat != NULL) {
		if (rest[0] != '\0') {
			f.description = clean(rest);
			rc = file_complaint(d, ctx, &f); /* one message */
			draft_done(&f);
			return rc;
		}
	} else if (hctx_args(ctx)[0] != '\0') {
		f.description = clean(hctx_args(ctx));
	}
	ask_next(d, ctx, &f);
	draft_done(&f);
	return rc;
}

static void
invalid(const struct desk *d, struct hctx *ctx, const char *choices)
{
	const char *vars[] = { "choices", choices, NULL };

	hctx_reply_template(ctx, &d->t[T_INVALID], vars);
}

enum answer {
	ANSWER_NEITHER,
	ANSWER_YES,
	ANSWER_NO
};

/* A reply's first word: 1 or a yes word, 2 or a no word, or neither. */
static enum answer
yes_no(const struct desk *d, const char *text)
{
	char word[64], *folded;
	enum answer a = ANSWER_NEITHER;

	handler_word(&text, word, sizeof(word));
	folded = handler_fold(word);
	if (strcmp(folded, "1") == 0 || lwords_has(&d->yes, folded))
		a = ANSWER_YES;
	else if (strcmp(folded, "2") == 0 || lwords_has(&d->no, folded))
		a = ANSWER_NO;
	free(folded);
	return a;
}

/* Neither yes nor no: the two choices again, unless it is another
 * route's keyword. */
static int
not_yes_no(const struct desk *d, struct hctx *ctx)
{
	char *yn;

	if (hctx_other_keyword(ctx))
		return HANDLER_DECLINED;
	yn = yes_no_choices(d, hctx_lang(ctx));
	invalid(d, ctx, yn);
	free(yn);
	return HANDLER_OK;
}

/* A reply within the guided steps. */
static int
next_step(const struct desk *d, struct hctx *ctx, struct draft *f)
{
	const char *text = hctx_args(ctx);
	char word[64];
	int lang = hctx_lang(ctx);

	if (f->cat != NULL && f->cat->anonymous)
		hctx_anonymous(ctx); /* a step of an anonymous complaint */
	switch (f->step) {
	case STEP_CATEGORY:
		handler_word(&text, word, sizeof(word));
		if ((f->cat = match_category(d, ctx, word)) == NULL) {
			char *cats;
			if (hctx_other_keyword(ctx))
				return HANDLER_DECLINED;
			cats = category_list(d, lang);
			invalid(d, ctx, cats);
			free(cats);
			return HANDLER_OK;
		}
		break;
	case STEP_DESCRIPTION:
		f->description = clean(text);
		break;
	case STEP_LOCATION:
		f->location = clean(text);
		f->step = STEP_CONFIRM;
		break;
	default:
		switch (yes_no(d, text)) {
		case ANSWER_YES:
			return file_complaint(d, ctx, f);
		case ANSWER_NO:
			hctx_reply_template(ctx, &d->t[T_CANCELLED], NULL);
			hctx_session_end(ctx);
			return HANDLER_OK;
		default:
			return not_yes_no(d, ctx);
		}
	}
	ask_next(d, ctx, f);
	return HANDLER_OK;
}

static int
file_handle(const struct desk *d, struct hctx *ctx)
{
	struct draft f;
	int rc;

	if (hctx_session(ctx) == NULL || hctx_restarted(ctx))
		return start(d, ctx);
	draft_load(d, hctx_session(ctx), &f);
	rc = next_step(d, ctx, &f);
	draft_done(&f);
	return rc;
}

/* --- STATUS ------------------------------------------------------------ */

static bool
filed_by(struct hctx *ctx, const struct complaint *c, const char *number)
{
	char *p;
	bool same;

	if (c->number != NULL)
		return strcmp(c->number, number) == 0;
	if (c->pseudonym == NULL || (p = hctx_pseudonym(ctx, number)) == NULL)
		return false;
	same = strcmp(p, c->pseudonym) == 0;
	free(p);
	return same;
}

void
desk_filed_day(const struct complaint *c, char out[16])
{
	time_t t = (time_t)(c->created_at / 1000);
	struct tm tm;

	out[0] = '\0';
	if (localtime_r(&t, &tm) != NULL)
		strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Where complaint c stands, as STATUS answers it: to its citizen (the
 * exchange is then anonymous with the complaint), or to an officer. */
static void
status_reply(const struct desk *d, struct hctx *ctx, const struct complaint *c,
    bool citizen)
{
	int lang = hctx_lang(ctx);
	char date[16];

	desk_filed_day(c, date);
	if (c->anonymous && citizen)
		hctx_anonymous(ctx);
	{
		const char *vars[] = { "ref", c->ref, "category",
			desk_category_name(d, c->category, lang), "status",
			desk_status_name(d, c->status, lang), "date", date,
			"note", c->note ? c->note : "", NULL };
		hctx_reply_template(ctx, &d->t[T_STATUS], vars);
	}
}

/* STATUS alone from a number with two or more open complaints, when the
 * desk has status_list: how many ({count}) and their references,
 * categories and statuses ({list}), newest first, as many as one SMS holds (a
 * citizen who filed two rarely kept both references).  Returns 1 when it
 * answered, 0 when STATUS answers about the newest complaint instead, or a
 * store error. */
static int
open_list_reply(const struct desk *d, struct hctx *ctx)
{
	struct complaint_filter f = { .desk = d->name,
		.number = hctx_number(ctx),
		.open_before = hctx_now(ctx) + 1 };
	struct complaint *v = NULL;
	char list[LIST_MAX] = "", count[24];
	size_t n = 0, len = 0;
	int lang = hctx_lang(ctx), rc;
	bool anonymous = false;

	if (d->t[T_STATUS_LIST].s[0] == NULL)
		return 0;
	if ((rc = hctx_complaint_list(ctx, &f, &v, &n)) < 0)
		return rc;
	snprintf(count, sizeof(count), "%zu", n);
	for (size_t i = n; n >= 2 && i-- > 0;) {
		char longer[LIST_MAX], *text;
		const char *vars[] = { "list", longer, "count", count, NULL };
		int k = snprintf(longer, sizeof(longer), "%s%s%s (%s): %s",
		    list, len > 0 ? "; " : "", v[i].ref,
		    desk_category_name(d, v[i].category, lang),
		    desk_status_name(d, v[i].status, lang));
		bool fits;

		if (k < 0 || (size_t)k >= sizeof(longer))
			break;
		text = handler_expand(&d->t[T_STATUS_LIST], lang, vars);
		fits = handler_segments(text) == 1;
		free(text);
		if (!fits && len > 0)
			break; /* the newest ones, in one SMS */
		memcpy(list, longer, (size_t)k + 1);
		len = (size_t)k;
		anonymous = anonymous || v[i].anonymous;
	}
	complaints_free(v, n);
	if (len == 0)
		return 0;
	if (anonymous)
		hctx_anonymous(ctx);
	{
		const char *vars[] = { "list", list, "count", count, NULL };
		hctx_reply_template(ctx, &d->t[T_STATUS_LIST], vars);
	}
	return 1;
}

/* Complaint ref of this desk, when the number asking filed it; -ENOENT
 * otherwise (someone else's complaint reads as an unknown one), with
 * nothing to free. */
static int
own_complaint(const struct desk *d, struct hctx *ctx, const char *ref,
    struct complaint *ret)
{
	int rc = hctx_complaint_get(ctx, ref, ret);

	if (rc < 0)
		return rc;
	if (strcmp(ret->desk, d->name) != 0 ||
	    !filed_by(ctx, ret, hctx_number(ctx))) {
		complaint_done(ret);
		return -ENOENT;
	}
	return 0;
}

int
desk_status_reply(const struct desk *d, struct hctx *ctx, const char *ref)
{
	struct complaint c;
	int rc = hctx_complaint_get(ctx, ref, &c);

	if (rc < 0)
		return rc;
	if (strcmp(c.desk, d->name) != 0)
		rc = -ENOENT;
	else if (d->t[T_OFFICER_STATUS].s[0] != NULL) {
		char *text =
		    desk_officer_text(d, &c, T_OFFICER_STATUS, hctx_lang(ctx));
		hctx_reply(ctx, text);
		hctx_reply_words(ctx, c.ref); /* FORGET erases it too */
		free(text);
	} else
		status_reply(d, ctx, &c, false);
	complaint_done(&c);
	return rc < 0 ? rc : HANDLER_OK;
}

static int
status_handle(const struct desk *d, struct hctx *ctx)
{
	struct complaint c;
	char word[64], ref[REF_LEN + 1];
	int rc;

	{
		const char *a = hctx_args(ctx);
		handler_word(&a, word, sizeof(word));
	}
	if (word[0] == '\0') {
		/* no reference: the number's open complaints, or its newest */
		if ((rc = open_list_reply(d, ctx)) != 0)
			return rc < 0 ? rc : HANDLER_OK;
		rc = hctx_complaint_latest(ctx, d->name, hctx_number(ctx), &c);
		if (rc == -ENOENT) {
			const char *vars[] = { "example", REF_EXAMPLE, NULL };
			hctx_reply_template(ctx, &d->t[T_STATUS_USAGE], vars);
			return HANDLER_OK;
		}
		if (rc < 0)
			return rc;
		status_reply(d, ctx, &c, true);
		complaint_done(&c);
		return HANDLER_OK;
	}
	/* the reference may have been sent with spaces: read the whole */
	rc = ref_parse(hctx_args(ctx), ref);
	if (rc < 0)
		rc = ref_parse(word, ref);
	if (rc < 0) {
		char *echo = hctx_echo(ctx, &d->t[T_CHECK], word, ECHO_MAX);
		const char *vars[] = { "ref", echo, NULL };
		hctx_reply_template(ctx, &d->t[T_CHECK], vars);
		free(echo);
		return HANDLER_OK;
	}
	rc = own_complaint(d, ctx, ref, &c);
	if (rc == -ENOENT && desk_is_officer(d, hctx_number(ctx)) &&
	    (rc = desk_status_reply(d, ctx, ref)) != -ENOENT)
		return rc; /* an officer asks about any complaint of the desk */
	if (rc == -ENOENT) {
		const char *vars[] = { "ref", ref, NULL };
		hctx_reply_template(ctx, &d->t[T_UNKNOWN], vars);
		return HANDLER_OK;
	}
	if (rc < 0)
		return rc;
	status_reply(d, ctx, &c, true);
	complaint_done(&c);
	return HANDLER_OK;
}

/* --- the handler ------------------------------------------------------- */

/* --- "is it fixed?" ---------------------------------------------------- */

/* The complaint a session waiting for "is it fixed?" is about, or NULL. */
static const char *
fixed_ref(struct hctx *ctx)
{
	const char *s = hctx_session(ctx);

	if (s == NULL || strncmp(s, FIXED_STATE, strlen(FIXED_STATE)) != 0)
		return NULL;
	return s + strlen(FIXED_STATE);
}

/*
 * Another complaint of the citizen's that closed while "is it fixed?"
 * waited is asked about now, in the same conversation; its question goes a
 * moment after the answer's reply, so that it arrives after it.
 */
static int
ask_next_fixed(const struct desk *d, struct hctx *ctx,
    const struct complaint *answered, int lang)
{
	char state[sizeof(FIXED_STATE) + COMPLAINT_REF_MAX], *q;
	struct complaint next;
	int rc;

	if ((rc = desk_next_fixed(d, ctx, answered, &next)) < 0)
		return rc == -ENOENT ? 0 : rc;
	snprintf(state, sizeof(state), "%s%s", FIXED_STATE, next.ref);
	hctx_session_set(ctx, state, d->ask_fixed_s);
	q = ask_fixed_text(d, &next, lang);
	rc = hctx_notify(ctx, hctx_number(ctx), lang, q,
	    hctx_now(ctx) + FIXED_NEXT_MS, false);
	free(q);
	complaint_done(&next);
	return rc < 0 ? rc : 0;
}

/*
 * The citizen's answer to "is complaint REF fixed?" (asked by desk_update
 * after a follow_up status): YES is noted; NO is noted and opens the
 * complaint again (reopen_to), and its officers are told.  Anything else
 * asks again, but another keyword is that keyword's.
 */
static int
fixed_answer(const struct desk *d, struct hctx *ctx, const char *ref)
{
	enum answer a = yes_no(d, hctx_args(ctx));
	bool yes = a == ANSWER_YES, no = a == ANSWER_NO, reopen;
	struct complaint c;
	int lang = hctx_lang(ctx), rc;

	if (a == ANSWER_NEITHER)
		return not_yes_no(d, ctx);
	hctx_session_end(ctx);
	if ((rc = hctx_complaint_get(ctx, ref, &c)) < 0)
		return rc == -ENOENT ? HANDLER_DECLINED : rc;
	reopen = no && c.closed_at != 0; /* not reopened by an officer since */
	rc = hctx_complaint_citizen(ctx, ref, yes ? "fixed" : "not_fixed",
	    reopen ? d->reopen_to->id : NULL);
	if (rc == 0 && no)
		rc = desk_alert(d, ctx, &c, T_OFFICER_REOPENED);
	if (rc == 0)
		rc = ask_next_fixed(d, ctx, &c, lang);
	if (rc == 0) {
		const char *vars[] = { "ref", c.ref, "category",
			desk_category_name(d, c.category, lang), "status",
			reopen ? ltext_get(&d->reopen_to->name, lang)
			       : desk_status_name(d, c.status, lang),
			NULL };
		hctx_reply_template(ctx, &d->t[yes ? T_FIXED_YES : T_FIXED_NO],
		    vars);
	}
	complaint_done(&c);
	return rc < 0 ? rc : HANDLER_OK;
}

static int
complaint_handle(void *state, struct hctx *ctx)
{
	struct complaint_route *cr = state;
	const char *ref = fixed_ref(ctx);

	if (ref != NULL && !hctx_restarted(ctx))
		return fixed_answer(cr->desk, ctx, ref);
	switch (cr->action) {
	case ACT_STATUS:
		return status_handle(cr->desk, ctx);
	case ACT_UPDATE:
		return desk_sms_update(cr->desk, ctx);
	default:
		return file_handle(cr->desk, ctx);
	}
}

/* A reference sent alone (the citizen kept the number, not the keyword):
 * answered as STATUS REF when it names a complaint this number filed;
 * anything else is not this route's. */
static int
complaint_unrouted(void *state, struct hctx *ctx)
{
	struct complaint_route *cr = state;
	struct complaint c;
	char ref[REF_LEN + 1];
	int rc;

	if (cr->action != ACT_STATUS || ref_parse(hctx_text(ctx), ref) < 0)
		return HANDLER_DECLINED;
	if ((rc = own_complaint(cr->desk, ctx, ref, &c)) < 0)
		return rc == -ENOENT ? HANDLER_DECLINED : rc;
	status_reply(cr->desk, ctx, &c, true);
	complaint_done(&c);
	return HANDLER_OK;
}

/* HELP in the middle of filing: what to do, and the pending question; while
 * "is it fixed?" waits, that question again. */
static int
complaint_help(void *state, struct hctx *ctx)
{
	struct complaint_route *cr = state;
	struct draft f;
	char *q;

	if (fixed_ref(ctx) != NULL) { /* the question says it all */
		struct complaint c;
		int rc;

		if ((rc = hctx_complaint_get(ctx, fixed_ref(ctx), &c)) < 0)
			return rc == -ENOENT ? HANDLER_DECLINED : rc;
		q = ask_fixed_text(cr->desk, &c, hctx_lang(ctx));
		hctx_reply(ctx, q);
		complaint_done(&c);
		free(q);
		return HANDLER_OK;
	}
	if (cr->action != ACT_FILE || hctx_session(ctx) == NULL)
		return HANDLER_DECLINED;
	draft_load(cr->desk, hctx_session(ctx), &f);
	q = step_text(cr->desk, &f, hctx_lang(ctx));
	{
		const char *vars[] = { "question", q, NULL };
		hctx_reply_template(ctx, &cr->desk->t[T_HELP], vars);
	}
	free(q);
	draft_done(&f);
	return HANDLER_OK;
}

static int
complaint_command(void *state, struct hctx *ctx, int argc, char **argv)
{
	struct complaint_route *cr = state;

	if (cr->action != ACT_FILE)
		return HANDLER_DECLINED;
	return desk_command(cr->desk, ctx, argc, argv);
}

/* The category list and the texts that carry it must fit one SMS. */
static void
complaint_check(void *state, struct hconf *hc)
{
	struct complaint_route *cr = state;

	if (cr->action != ACT_FILE)
		return;
	for (int lang = 0; lang < hconf_nlangs(hc); lang++) {
		char *cats = category_list(cr->desk, lang);
		const char *vars[] = { "categories", cats, "choices", cats,
			NULL };
		hconf_check_text(hc, "choose_category", lang,
		    ltext_get(&cr->desk->t[T_CHOOSE], lang), vars);
		hconf_check_text(hc, "invalid_choice", lang,
		    ltext_get(&cr->desk->t[T_INVALID], lang), vars);
		free(cats);
	}
}

const struct handler complaint_handler = {
	.name = "complaint",
	.abi = HANDLER_ABI,
	.keys = complaint_keys,
	.configure = complaint_configure,
	.free_state = complaint_free,
	.handle = complaint_handle,
	.help = complaint_help,
	.unrouted = complaint_unrouted,
	.check = complaint_check,
	.command = complaint_command,
};
