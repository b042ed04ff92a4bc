/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ussd_conf: reads the `ussd` group of the routing file -- screens with
 * numbered options that lead to another screen, a route's handler, a
 * closing text or a language -- and checks what it can: every target
 * exists, every screen fits USSD_SCREEN_MAX characters in every language
 * (it is paged otherwise, with a warning).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "text.h"
#include "ussd.h"

static const char *const ussd_keys[] = { "home", "services", "screens",
	"invalid", "back", "more", "home_label", "pending", "ended", NULL };
static const char *const screen_keys[] = { "id", "title", "options", NULL };
static const char *const option_keys[] = { "label", "screen", "route", "text",
	"lang", "sms_copy", "list", NULL };
static const char *const text_keys[UT_COUNT] = {
	[UT_INVALID] = "invalid",
	[UT_BACK] = "back",
	[UT_MORE] = "more",
	[UT_HOME] = "home_label",
	[UT_PENDING] = "pending",
	[UT_ENDED] = "ended",
};

void
ussd_menu_free(struct ussd_menu *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nscreens; i++) {
		struct ussd_screen *s = &m->screens[i];
		free(s->id);
		ltext_done(&s->title);
		for (size_t j = 0; j < s->nopts; j++) {
			ltext_done(&s->opts[j].label);
			ltext_done(&s->opts[j].text);
		}
		free(s->opts);
	}
	free(m->screens);
	for (size_t i = 0; i < m->nservices; i++)
		free(m->services[i].code);
	free(m->services);
	for (int i = 0; i < UT_COUNT; i++)
		ltext_done(&m->t[i]);
	free(m);
}

static int
find_screen(const struct ussd_menu *m, const char *id)
{
	for (size_t i = 0; i < m->nscreens; i++)
		if (strcmp(m->screens[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Options are read once every screen id is known. */
static void
read_option(struct hconf *hc, struct ussd_menu *m, const config_setting_t *o,
    struct ussd_option *opt)
{
	const char *screen = NULL, *route = NULL, *lang = NULL;
	int given = 0, copy = 0;

	conf_reject_unknown(hc->ce, o, option_keys, NULL);
	hconf_ltext(hc, o, "label", true, &opt->label);
	if (config_setting_lookup_string(o, "screen", &screen)) {
		given++;
		opt->action = UA_SCREEN;
		if ((opt->target = find_screen(m, screen)) < 0)
			conf_error(hc->ce, o, "there is no screen '%s'",
			    screen);
	}
	if (config_setting_lookup_string(o, "route", &route)) {
		given++;
		opt->action = UA_ROUTE;
		if ((opt->target = routing_route(hc->r, route)) < 0)
			conf_error(hc->ce, o, "there is no route '%s'", route);
	}
	if (config_setting_get_member(o, "text") != NULL) {
		given++;
		opt->action = UA_TEXT;
		hconf_ltext(hc, o, "text", true, &opt->text);
	}
	if (config_setting_lookup_string(o, "lang", &lang)) {
		given++;
		opt->action = UA_LANG;
		if ((opt->target = routing_lang(hc->r, lang)) < 0)
			conf_error(hc->ce, o,
			    "'%s' is not a configured language", lang);
	}
	if (given != 1)
		conf_error(hc->ce, o,
		    "an option leads to one of: screen, route, text, lang");
	if (config_setting_lookup_bool(o, "sms_copy", &copy))
		opt->sms_copy = copy != 0;
	if (config_setting_lookup_bool(o, "list", &copy) && copy) {
		opt->list = true;
		if (opt->action != UA_ROUTE || opt->target < 0 ||
		    hc->r->routes[opt->target].handler->item == NULL)
			conf_error(hc->ce, o,
			    "'list' is for a route whose handler has entries to pick (a lookup)");
	}
}

static void
read_screens(struct hconf *hc, struct ussd_menu *m, const config_setting_t *l)
{
	int n = config_setting_length(l);

	m->screens = xcalloc((size_t)n, sizeof(*m->screens));
	for (int i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(l, (unsigned)i);
		const char *id = NULL;

		if (config_setting_type(s) != CONFIG_TYPE_GROUP ||
		    !config_setting_lookup_string(s, "id", &id)) {
			conf_error(hc->ce, s, "a screen needs an 'id'");
			continue;
		}
		if (find_screen(m, id) >= 0)
			conf_error(hc->ce, s, "screen '%s' twice", id);
		m->screens[m->nscreens++].id = xstrdup(id);
	}
	for (int i = 0, k = 0; i < n && (size_t)k < m->nscreens; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(l, (unsigned)i);
		const config_setting_t *ol =
		    config_setting_get_member(s, "options");
		struct ussd_screen *sc;
		int no;

		if (config_setting_type(s) != CONFIG_TYPE_GROUP ||
		    config_setting_get_member(s, "id") == NULL)
			continue;
		sc = &m->screens[k++];
		conf_reject_unknown(hc->ce, s, screen_keys, NULL);
		hconf_ltext(hc, s, "title", true, &sc->title);
		no = ol != NULL ? config_setting_length(ol) : 0;
		if (no < 1 || no > USSD_OPTIONS_MAX) {
			conf_error(hc->ce, ol != NULL ? ol : s,
			    "screen '%s' needs 1 to %d options", sc->id,
			    USSD_OPTIONS_MAX);
			continue;
		}
		sc->opts = xcalloc((size_t)no, sizeof(*sc->opts));
		for (int j = 0; j < no; j++)
			read_option(hc, m,
			    config_setting_get_elem(ol, (unsigned)j),
			    &sc->opts[sc->nopts++]);
	}
}

static void
read_services(struct hconf *hc, struct ussd_menu *m, const config_setting_t *l)
{
	int n = l != NULL ? config_setting_length(l) : 0;

	m->services = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*m->services));
	for (int i = 0; i < n; i++) {
		const config_setting_t *s =
		    config_setting_get_elem(l, (unsigned)i);
		const char *code = NULL, *home = NULL;
		int idx;

		if (!config_setting_lookup_string(s, "code", &code) ||
		    strspn(code, "*#0123456789") != strlen(code) ||
		    !config_setting_lookup_string(s, "home", &home)) {
			conf_error(hc->ce, s,
			    "a service needs a 'code' (*384*1#) and a 'home' screen");
			continue;
		}
		if ((idx = find_screen(m, home)) < 0) {
			conf_error(hc->ce, s, "there is no screen '%s'", home);
			continue;
		}
		m->services[m->nservices].code = xstrdup(code);
		m->services[m->nservices++].home = idx;
	}
}

/* How a screen reads in lang, without paging; for the size check. */
static size_t
screen_chars(const struct ussd_menu *m, const struct ussd_screen *s, int lang)
{
	struct sms_info info;
	struct buf b;

	buf_init(&b);
	buf_puts(&b, ltext_get(&s->title, lang));
	for (size_t i = 0; i < s->nopts; i++)
		buf_printf(&b, "\n%zu %s", i + 1,
		    ltext_get(&s->opts[i].label, lang));
	buf_printf(&b, "\n0 %s", ltext_get(&m->t[UT_BACK], lang));
	sms_measure(b.data, &info);
	buf_free(&b);
	return info.units;
}

void
ussd_conf_parse(struct conf_errors *ce, const config_setting_t *root,
    struct routing *r)
{
	const config_setting_t *g = config_setting_get_member(root, "ussd");
	const config_setting_t *l;
	struct hconf hc = { ce, g, r, NULL };
	struct ussd_menu *m;
	const char *home = NULL;
	int before = ce->errors;

	if (g == NULL)
		return;
	if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
		conf_error(ce, g, "'ussd' must be a group { screens = ...; }");
		return;
	}
	conf_reject_unknown(ce, g, ussd_keys, NULL);
	m = xcalloc(1, sizeof(*m));
	for (int i = 0; i < UT_COUNT; i++)
		hconf_ltext(&hc, g, text_keys[i], true, &m->t[i]);
	l = config_setting_get_member(g, "screens");
	if (l == NULL || config_setting_length(l) == 0) {
		conf_error(ce, g, "'ussd.screens' is required");
		ussd_menu_free(m);
		return;
	}
	read_screens(&hc, m, l);
	read_services(&hc, m, config_setting_get_member(g, "services"));
	if (!config_setting_lookup_string(g, "home", &home) ||
	    (m->home = find_screen(m, home)) < 0)
		conf_error(ce, g, "'ussd.home' must name a screen");
	if (ce->errors > before) {
		ussd_menu_free(m);
		return;
	}
	for (size_t i = 0; i < m->nscreens; i++)
		for (int lang = 0; lang < r->nlangs; lang++)
			if (screen_chars(m, &m->screens[i], lang) >
			    USSD_SCREEN_MAX)
				conf_warn(ce, l,
				    "ussd screen '%s' (%s) is longer than %d characters: it is shown in pages",
				    m->screens[i].id, r->lang_code[lang],
				    USSD_SCREEN_MAX);
	r->ussd = m;
}
