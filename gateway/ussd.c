/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ussd: see ussd.h.  A session is in a menu ("M screen page stack") or in
 * a route's handler ("H route screen option"); the state and the text
 * already answered live in the session's row.  In a menu, inputs are
 * option numbers, 0 (back), 00 (home) and 98 (more); in a handler every
 * input but 00 is the citizen's answer, run through the same pipeline as
 * an SMS (channel "ussd"), and the screen continues while the handler
 * keeps its session.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "router.h"
#include "text.h"
#include "ussd.h"

#define USSD_IDLE_MS    (10 * 60 * 1000)     /* a session row this old: new */
#define USSD_KEEP_MS    (24 * 3600 * 1000LL) /* rows kept this long */
#define USSD_REPLAY_MAX 64 /* inputs replayed when a row is lost */
#define USSD_DEPTH_MAX  8  /* screens "0" can go back through */
#define USSD_MORE       "98"

struct state {
	char kind; /* 'M' menu, 'H' handler */
	int screen;
	int page;
	int stack[USSD_DEPTH_MAX];
	int depth;
	int route;  /* 'H' */
	int option; /* 'H': the option of `screen` that led there */
};

struct step {
	struct store *st;
	const struct routing *r;
	const struct ussd_menu *m;
	const struct conf *c;
	const struct ussd_step *u;
	int64_t now;
	int lang;
	struct state s;
	bool invalid;   /* the last input was not an option */
	bool sms;       /* walked by SMS: a route is left to the pipeline */
	unsigned limit; /* characters of a screen */
	bool ended;     /* END */
	char *screen;   /* set when a handler or a text answered */
};

/* --- state ------------------------------------------------------------- */

static int
home_of(const struct ussd_menu *m, const char *code)
{
	for (size_t i = 0; i < m->nservices; i++)
		if (strcmp(m->services[i].code, code) == 0)
			return m->services[i].home;
	return m->home;
}

static void
state_home(struct step *x)
{
	memset(&x->s, 0, sizeof(x->s));
	x->s.kind = 'M';
	x->s.screen = home_of(x->m, x->u->code);
}

static char *
state_save(const struct state *s)
{
	struct buf b;

	buf_init(&b);
	if (s->kind == 'H' || s->kind == 'L') {
		buf_printf(&b, "%c %d %d %d %d", s->kind, s->route, s->screen,
		    s->option, s->page);
		return buf_steal(&b);
	}
	buf_printf(&b, "M %d %d", s->screen, s->page);
	for (int i = 0; i < s->depth; i++)
		buf_printf(&b, " %d", s->stack[i]);
	return buf_steal(&b);
}

/* Reads a saved state; false when it does not fit the menus (reloaded). */
static bool
state_load(struct step *x, const char *text)
{
	struct state s;
	const char *p = text;
	int n = 0, v;

	memset(&s, 0, sizeof(s));
	if (text == NULL)
		return false;
	if (sscanf(p, "%c %d %d %d %d", &s.kind, &s.route, &s.screen, &s.option,
		&s.page) == 5 &&
	    (s.kind == 'H' || s.kind == 'L')) {
		if (s.route < 0 || (size_t)s.route >= x->r->nroutes ||
		    s.screen < 0 || (size_t)s.screen >= x->m->nscreens ||
		    s.option < 0 ||
		    (size_t)s.option >= x->m->screens[s.screen].nopts ||
		    s.page < 0)
			return false;
		x->s = s;
		return true;
	}
	if (sscanf(p, "M %d %d%n", &s.screen, &s.page, &n) != 2)
		return false;
	s.kind = 'M';
	for (p += n;
	     s.depth < USSD_DEPTH_MAX && sscanf(p, " %d%n", &v, &n) == 1;
	     p += n) {
		if (v < 0 || (size_t)v >= x->m->nscreens)
			return false;
		s.stack[s.depth++] = v;
	}
	if (s.screen < 0 || (size_t)s.screen >= x->m->nscreens || s.page < 0)
		return false;
	x->s = s;
	return true;
}

/* --- screens ----------------------------------------------------------- */

static unsigned
units(const char *s)
{
	struct sms_info info;

	sms_measure(s, &info);
	return info.units;
}

/* The options page p of a screen shows: [*ret_from, *ret_to). */
static void
page_bounds(const struct step *x, const struct ussd_screen *sc, int p,
    size_t *ret_from, size_t *ret_to)
{
	const char *back = ltext_get(&x->m->t[UT_BACK], x->lang);
	const char *more = ltext_get(&x->m->t[UT_MORE], x->lang);
	size_t from = 0, to = 0;

	for (int page = 0; page <= p && from < sc->nopts; page++) {
		struct buf b;
		buf_init(&b);
		buf_puts(&b, ltext_get(&x->m->t[UT_INVALID], x->lang));
		buf_printf(&b, "\n%s\n0 %s\n%s %s",
		    ltext_get(&sc->title, x->lang), back, USSD_MORE, more);
		to = from;
		while (to < sc->nopts) {
			size_t len = b.len;
			buf_printf(&b, "\n%zu %s", to + 1,
			    ltext_get(&sc->opts[to].label, x->lang));
			if (units(b.data) > x->limit && to > from) {
				b.len = len;
				b.data[len] = '\0';
				break;
			}
			to++;
		}
		buf_free(&b);
		if (page < p)
			from = to;
	}
	*ret_from = from;
	*ret_to = to;
}

static char *
render_menu(struct step *x)
{
	const struct ussd_screen *sc = &x->m->screens[x->s.screen];
	size_t from, to;
	struct buf b;

	page_bounds(x, sc, x->s.page, &from, &to);
	if (from >= sc->nopts) { /* paged past the end: the first page */
		x->s.page = 0;
		page_bounds(x, sc, 0, &from, &to);
	}
	buf_init(&b);
	if (!x->sms)
		buf_puts(&b, "CON ");
	if (x->invalid)
		buf_printf(&b, "%s\n",
		    ltext_get(&x->m->t[UT_INVALID], x->lang));
	buf_puts(&b, ltext_get(&sc->title, x->lang));
	for (size_t i = from; i < to; i++)
		buf_printf(&b, "\n%zu %s", i + 1,
		    ltext_get(&sc->opts[i].label, x->lang));
	if (to < sc->nopts)
		buf_printf(&b, "\n%s %s", USSD_MORE,
		    ltext_get(&x->m->t[UT_MORE], x->lang));
	if (x->s.depth > 0)
		buf_printf(&b, "\n0 %s", ltext_get(&x->m->t[UT_BACK], x->lang));
	return buf_steal(&b);
}

/* How many bytes of text fit on a screen: a GSM-7 character costs its
 * septets (an escaped one two), any other one. */
static size_t
screen_fit(const char *text)
{
	const char *p = text, *end = text;
	unsigned n = 0;

	while (*p != '\0') {
		uint32_t cp = utf8_next(&p);
		n += gsm7_cost(cp) > 0 ? (unsigned)gsm7_cost(cp) : 1;
		if (n > USSD_SCREEN_MAX)
			break;
		end = p;
	}
	return (size_t)(end - text);
}

/* A handler's or a text's words as a screen, cut to what a handset
 * shows. */
static char *
as_screen(const char *text, bool end)
{
	return xasprintf("%s%.*s", end ? "END " : "CON ", (int)screen_fit(text),
	    text);
}

/* The answer of this step so far (a later input may replace it). */
static void
set_screen(struct step *x, char *screen)
{
	free(x->screen);
	x->screen = screen;
}

/* --- a handler's step ---------------------------------------------------- */

/* The number's live session is this route's: the handler goes on. */
static int
in_route(struct step *x, int route, bool *ret)
{
	char *name = NULL, *state = NULL;
	int rc =
	    store_session_get(x->st, x->u->number, x->now, &name, &state, NULL);

	*ret = rc == 0 && strcmp(name, x->r->routes[route].name) == 0;
	free(name);
	free(state);
	return rc == -ENOENT ? 0 : rc;
}

/* The last screen of a route also goes by SMS, since USSD screens vanish. */
static int
sms_copy(struct step *x, const char *text, bool anonymous)
{
	const struct provider *p = conf_provider_for(x->c, x->u->number);
	struct outbound_new o = { 0 };
	struct sms_info info;
	char *prepared = sms_prepare(text);
	int64_t id;
	int rc;

	sms_measure(prepared, &info);
	o.provider = p != NULL ? p->name : x->u->provider;
	o.number = x->u->number;
	o.peer = p != NULL ? p->from : NULL;
	o.text = prepared;
	o.status = "queued";
	o.route = x->r->routes[x->s.route].name;
	o.lang = x->r->lang_code[x->lang];
	o.segments = (int)info.segments;
	o.encoding = sms_encoding_name(info.encoding);
	o.at = x->now;
	o.channel = "sms";
	o.anonymous = anonymous;
	rc = store_outbound_add(x->st, &o, &id);
	free(prepared);
	return rc;
}

/* Runs text through the pipeline as the citizen's message on this
 * channel; sets the screen. */
static int
run_handler(struct step *x, const char *text)
{
	struct inbound_new in = { .provider = x->u->provider,
		.number = x->u->number,
		.peer = x->u->code,
		.text = text,
		.at = x->now,
		.channel = "ussd" };
	struct pipeline_opts o = { .reply_provider = x->u->provider,
		.reply_status = "sent",
		.channel = "ussd",
		.conf = x->c,
		.fetch_inline = x->u->fetch_inline };
	const struct ussd_option *opt =
	    &x->m->screens[x->s.screen].opts[x->s.option];
	struct outcome oc = { 0 };
	struct msg m = { 0 };
	int64_t id;
	bool dup, goes_on = false;
	int rc;

	if ((rc = store_inbound_add(x->st, &in, &id, &dup)) < 0 ||
	    (rc = store_message_get(x->st, id, &m)) < 0 ||
	    (rc = pipeline_process(x->st, x->r, &x->c->gw, &m, &o, &oc)) < 0)
		goto out;
	if (strcmp(oc.status, "deferred") == 0) {
		/* a slow live source: its answer comes by SMS */
		x->screen =
		    as_screen(ltext_get(&x->m->t[UT_PENDING], x->lang), true);
		x->ended = true;
		goto out;
	}
	x->lang = oc.lang;
	if ((rc = in_route(x, x->s.route, &goes_on)) < 0)
		goto out;
	x->ended = !goes_on;
	{
		const char *said = oc.reply != NULL && oc.reply[0] != '\0'
		    ? oc.reply
		    : ltext_get(&x->m->t[UT_ENDED], x->lang);
		/* a question goes on: say how to leave it, where it fits */
		char *home = x->ended
		    ? NULL
		    : xasprintf("%s\n00 %s", said,
			  ltext_get(&x->m->t[UT_HOME], x->lang));

		set_screen(x,
		    as_screen(home != NULL && screen_fit(home) == strlen(home)
			    ? home
			    : said,
			x->ended));
		free(home);
	}
	if (x->ended && opt->sms_copy && oc.reply != NULL)
		rc = sms_copy(x, oc.reply, oc.anonymous);
out:
	outcome_done(&oc);
	msg_done(&m);
	return rc;
}

/* --- inputs ------------------------------------------------------------ */

static int
choose(struct step *x, int n)
{
	const struct ussd_screen *sc = &x->m->screens[x->s.screen];
	const struct ussd_option *opt = &sc->opts[n];
	int rc;

	switch (opt->action) {
	case UA_SCREEN:
		if (x->s.depth < USSD_DEPTH_MAX)
			x->s.stack[x->s.depth++] = x->s.screen;
		x->s.screen = opt->target;
		x->s.page = 0;
		return 0;
	case UA_TEXT:
		set_screen(x, as_screen(ltext_get(&opt->text, x->lang), true));
		x->ended = true;
		return 0;
	case UA_LANG: /* then home, in that language */
		x->lang = opt->target;
		state_home(x);
		if (x->sms)
			return 0; /* the pipeline remembers it */
		return store_contact_set_lang(x->st, x->u->number,
		    x->r->lang_code[x->lang], x->now);
	case UA_ROUTE:
		x->s.kind = opt->list && !x->sms ? 'L' : 'H';
		x->s.route = opt->target;
		x->s.option = n;
		x->s.page = 0;
		if (x->s.kind == 'L')
			return 0; /* the list is the next screen */
		if (x->sms)
			return 0; /* the pipeline runs the route */
		/* the route's keyword, as if texted: a survey left half way
		 * goes on at its next question */
		rc = run_handler(x,
		    route_keyword(&x->r->routes[opt->target], x->lang));
		return rc;
	}
	return 0;
}

static int
menu_input(struct step *x, const char *in)
{
	const struct ussd_screen *sc = &x->m->screens[x->s.screen];
	char *end;
	long n;

	x->invalid = false;
	set_screen(x, NULL); /* a menu again: rendered at the end */
	if (strcmp(in, "00") == 0) {
		state_home(x);
		return 0;
	}
	if (strcmp(in, "0") == 0) {
		if (x->s.depth > 0)
			x->s.screen = x->s.stack[--x->s.depth];
		x->s.page = 0;
		return 0;
	}
	if (strcmp(in, USSD_MORE) == 0) {
		size_t from, to;
		page_bounds(x, sc, x->s.page, &from, &to);
		if (to < sc->nopts)
			x->s.page++;
		else
			x->invalid = true;
		return 0;
	}
	n = strtol(in, &end, 10);
	if (in[0] < '1' || in[0] > '9' || *end != '\0' || n < 1 ||
	    (size_t)n > sc->nopts) {
		x->invalid = true;
		return 0;
	}
	return choose(x, (int)n - 1);
}

/* --- a route's entries, as a paged list ---------------------------------- */

static const char *
item(const struct step *x, size_t i)
{
	const struct route *rt = &x->r->routes[x->s.route];

	return rt->handler->item(rt->state, i);
}

/* The entries page p shows: [*ret_from, *ret_to); *ret_more when more. */
static void
list_bounds(const struct step *x, const char *title, int p, size_t *ret_from,
    size_t *ret_to, bool *ret_more)
{
	size_t from = 0, to = 0;

	for (int page = 0; page <= p; page++) {
		struct buf b;
		buf_init(&b);
		buf_printf(&b, "%s\n%s\n0 %s\n%s %s",
		    ltext_get(&x->m->t[UT_INVALID], x->lang), title,
		    ltext_get(&x->m->t[UT_BACK], x->lang), USSD_MORE,
		    ltext_get(&x->m->t[UT_MORE], x->lang));
		for (to = from; item(x, to) != NULL; to++) {
			size_t len = b.len;
			buf_printf(&b, "\n%zu %s", to + 1, item(x, to));
			if (units(b.data) > x->limit && to > from) {
				b.len = len;
				b.data[len] = '\0';
				break;
			}
		}
		buf_free(&b);
		if (page < p)
			from = to;
	}
	*ret_from = from;
	*ret_to = to;
	*ret_more = item(x, to) != NULL;
}

static const char *
list_title(const struct step *x)
{
	return ltext_get(&x->m->screens[x->s.screen].opts[x->s.option].label,
	    x->lang);
}

static char *
render_list(struct step *x)
{
	size_t from, to;
	bool more;
	struct buf b;

	list_bounds(x, list_title(x), x->s.page, &from, &to, &more);
	buf_init(&b);
	buf_puts(&b, "CON ");
	if (x->invalid)
		buf_printf(&b, "%s\n",
		    ltext_get(&x->m->t[UT_INVALID], x->lang));
	buf_puts(&b, list_title(x));
	for (size_t i = from; i < to; i++)
		buf_printf(&b, "\n%zu %s", i + 1, item(x, i));
	if (more)
		buf_printf(&b, "\n%s %s", USSD_MORE,
		    ltext_get(&x->m->t[UT_MORE], x->lang));
	buf_printf(&b, "\n0 %s", ltext_get(&x->m->t[UT_BACK], x->lang));
	return buf_steal(&b);
}

/* In a list: a number picks an entry, a name is typed, 0 back, 98 more. */
static int
list_input(struct step *x, const char *in)
{
	const char *keyword = route_keyword(&x->r->routes[x->s.route], x->lang);
	const char *pick = in;
	char *end, *text;
	long n;
	int rc;

	x->invalid = false;
	set_screen(x, NULL);
	if (strcmp(in, "00") == 0) {
		state_home(x);
		return 0;
	}
	if (strcmp(in, "0") == 0) {
		x->s.kind = 'M';
		x->s.page = 0;
		return 0;
	}
	if (strcmp(in, USSD_MORE) == 0) {
		size_t from, to;
		bool more;
		list_bounds(x, list_title(x), x->s.page, &from, &to, &more);
		if (more)
			x->s.page++;
		else
			x->invalid = true;
		return 0;
	}
	n = strtol(in, &end, 10);
	if (in[0] >= '1' && in[0] <= '9' && *end == '\0' &&
	    (pick = item(x, (size_t)n - 1)) == NULL) {
		x->invalid = true;
		return 0;
	}
	/* the entry, as if texted after the route's keyword */
	text = xasprintf("%s %s", keyword, pick);
	x->s.kind = 'H';
	rc = run_handler(x, text);
	free(text);
	return rc;
}

static int
handler_input(struct step *x, const char *in)
{
	if (strcmp(in, "00") == 0) { /* home; the handler's session stays */
		state_home(x);
		set_screen(x, NULL);
		return 0;
	}
	return run_handler(x, in);
}

/* Feeds new inputs: in a menu split on '*'; in a handler one whole (its
 * text may hold a '*').  replay: a lost row, so stop at a handler. */
static int
feed(struct step *x, const char *inputs, bool replay)
{
	char *copy = xstrdup(inputs), *p = copy;
	int rc = 0, count = 0;

	while (rc == 0 && !x->ended && p != NULL) {
		char *next;
		if (x->s.kind == 'H') {
			if (replay)
				break;
			rc = handler_input(x, p);
			break;
		}
		if (x->s.kind == 'L') {
			if (replay)
				break;
			/* numbers split on '*'; a typed name is whole */
			next = NULL;
			if (strspn(p, "0123456789*") == strlen(p) &&
			    (next = strchr(p, '*')) != NULL)
				*next++ = '\0';
			rc = list_input(x, p);
			p = next;
			continue;
		}
		if ((next = strchr(p, '*')) != NULL)
			*next++ = '\0';
		if (++count > USSD_REPLAY_MAX) {
			state_home(x);
			x->invalid = true;
			break;
		}
		rc = menu_input(x, p);
		p = next;
	}
	free(copy);
	return rc;
}

int
ussd_run(struct store *st, const struct routing *r, const struct conf *c,
    const struct ussd_step *u, char **ret)
{
	struct step x = { .st = st,
		.r = r,
		.m = r->ussd,
		.c = c,
		.u = u,
		.limit = USSD_SCREEN_MAX };
	struct ussd_row row = { 0 };
	struct contact contact = { 0 };
	const char *fresh = NULL;
	bool replay = false;
	int rc;

	if (x.m == NULL)
		return -ENOENT;
	x.now = now_ms();
	if ((rc = store_contact_get(st, u->number, &contact)) < 0)
		return rc;
	x.lang = contact.lang != NULL ? routing_lang(r, contact.lang) : 0;
	if (x.lang < 0)
		x.lang = 0;
	contact_done(&contact);

	rc = store_ussd_get(st, u->provider, u->session, &row);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 &&
	    (strcmp(row.number, u->number) != 0 ||
		row.updated_at < x.now - USSD_IDLE_MS)) {
		ussd_row_done(&row);
		rc = -ENOENT; /* not this citizen's, or gone cold */
	}
	if (rc == 0 && strcmp(row.path, u->text) == 0) {
		*ret = row.screen; /* the same step again */
		row.screen = NULL;
		ussd_row_done(&row);
		return 0;
	}
	if (rc == 0 && state_load(&x, row.state) &&
	    strncmp(u->text, row.path, strlen(row.path)) == 0 &&
	    (row.path[0] == '\0' || u->text[strlen(row.path)] == '*')) {
		fresh = u->text + strlen(row.path) + (row.path[0] != '\0');
	} else {
		/* new, or a path that does not follow: from the top */
		state_home(&x);
		fresh = u->text;
		replay = rc == 0 || u->text[0] != '\0';
		if (rc == -ENOENT &&
		    (rc = store_ussd_prune(st, x.now - USSD_KEEP_MS)) < 0)
			goto out;
	}
	if (fresh[0] != '\0' && (rc = feed(&x, fresh, replay)) < 0)
		goto out;
	if (fresh[0] == '\0' && !replay && x.s.kind == 'H') {
		x.screen = row.screen; /* an empty input: the question again */
		row.screen = NULL;
	}
	if (x.screen == NULL)
		x.screen = x.s.kind == 'L' ? render_list(&x) : render_menu(&x);
	ussd_row_done(&row);
	row.number = xstrdup(u->number);
	row.code = xstrdup(u->code);
	row.path = xstrdup(u->text);
	row.state = state_save(&x.s);
	row.screen = xstrdup(x.screen);
	if ((rc = store_ussd_put(st, u->provider, u->session, &row, x.now)) < 0)
		goto out;
	*ret = x.screen;
	x.screen = NULL;
out:
	free(x.screen);
	ussd_row_done(&row);
	return rc;
}

/* --- the same menus over SMS --------------------------------------------- */

#define SMS_SCREEN_MAX 160 /* one GSM-7 segment */

bool
ussd_sms_input(const char *text)
{
	size_t n = strlen(text);

	return n > 0 && n <= 3 && strspn(text, "0123456789") == n;
}

void
menu_sms_done(struct menu_sms *m)
{
	free(m->text);
	free(m->state);
	memset(m, 0, sizeof(*m));
}

void
ussd_sms_step(const struct routing *r, const char *state, const char *input,
    int lang, struct menu_sms *ret)
{
	struct ussd_step u = { .code = "" };
	struct step x = { .r = r,
		.m = r->ussd,
		.u = &u,
		.lang = lang,
		.sms = true,
		.limit = SMS_SCREEN_MAX };

	memset(ret, 0, sizeof(*ret));
	if (state == NULL || !state_load(&x, state) || x.s.kind == 'H')
		state_home(&x);
	menu_input(&x, input);
	ret->lang = x.lang;
	ret->lang_changed = x.lang != lang;
	if (x.s.kind == 'H') {
		ret->result = MENU_ROUTE;
		ret->route = x.s.route;
	} else if (x.ended) {
		ret->result = MENU_END;
		ret->text = xstrdup(x.screen != NULL ? x.screen + 4 : "");
	} else {
		ret->result = MENU_SCREEN;
		ret->text = render_menu(&x);
		ret->state = state_save(&x.s);
	}
	free(x.screen);
}

char *
ussd_sms_menu_list(const struct routing *r, int lang)
{
	const struct ussd_screen *sc;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	if (r->ussd == NULL)
		return buf_steal(&b);
	sc = &r->ussd->screens[r->ussd->home];
	for (size_t i = 0; i < sc->nopts; i++)
		buf_printf(&b, "%s%zu %s", i > 0 ? ", " : "", i + 1,
		    ltext_get(&sc->opts[i].label, lang));
	return buf_steal(&b);
}
