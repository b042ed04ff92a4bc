/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ussd: menu sessions on a USSD code (docs/ussd.md).  The menus come from
 * conf (`ussd` in routes.conf, ussd_conf.c) and reach any route's handler:
 * a survey's questions, a complaint's steps and a lookup become screens,
 * stored like SMS with the channel "ussd".  Each step is one transaction.
 *
 * The text the provider resends -- every input of the session joined by
 * '*' -- is the source of truth: the session's row keeps the text already
 * answered, so a step sent twice gets the same screen, a restart or a
 * second gateway process on the same database picks up where the last
 * left off, and a row lost makes the menus replay from the path.
 */
#ifndef BARAZA_USSD_H
#define BARAZA_USSD_H

#include <stdbool.h>

#include "conf.h"
#include "store.h"

#define USSD_SCREEN_MAX  182 /* characters a handset shows */
#define USSD_OPTIONS_MAX 30

enum ussd_action {
	UA_SCREEN, /* another screen */
	UA_ROUTE,  /* a route's handler, screen by screen */
	UA_TEXT,   /* a closing text */
	UA_LANG,   /* the citizen's language */
};

struct ussd_option {
	struct ltext label;
	enum ussd_action action;
	int target;        /* screen or route index, or language */
	struct ltext text; /* UA_TEXT */
	bool sms_copy;     /* UA_ROUTE: the last screen also goes by SMS */
	bool list;         /* UA_ROUTE: a paged list of the route's entries */
};

struct ussd_screen {
	char *id;
	struct ltext title;
	struct ussd_option *opts;
	size_t nopts;
};

enum ussd_text {
	UT_INVALID, /* "Invalid choice." */
	UT_BACK,    /* "Back" */
	UT_MORE,    /* "More" */
	UT_HOME,    /* "Home" */
	UT_PENDING, /* the answer will come by SMS (a slow live source) */
	UT_ENDED,   /* a step with nothing to show */
	UT_COUNT
};

struct ussd_service {
	char *code;
	int home;
};

struct ussd_menu {
	struct ussd_screen *screens;
	size_t nscreens;
	struct ussd_service *services;
	size_t nservices;
	int home; /* for codes not listed */
	struct ltext t[UT_COUNT];
};

/* Reads `ussd` from the routing file into r->ussd (left NULL without
 * one); diagnostics to ce.  Needs r's routes. */
void ussd_conf_parse(struct conf_errors *ce, const config_setting_t *root,
    struct routing *r);
void ussd_menu_free(struct ussd_menu *m);

struct ussd_step {
	const char *provider; /* the provider's name (reply and session key) */
	const char *session;
	const char *number;
	const char *code;
	const char *text;
	bool fetch_inline; /* sim: a live source is fetched on the spot */
};

/*
 * One step of a session: returns 0 with the screen in *ret ("CON ..." or
 * "END ...", owned), or a store error (the caller rolls back; the provider
 * gets 503 and retries).  Runs in the caller's transaction.
 */
int ussd_run(struct store *st, const struct routing *r, const struct conf *c,
    const struct ussd_step *u, char **ret);

/* --- the same menus over SMS ---------------------------------------------
 * For citizens who cannot remember keywords: the help reply lists the home
 * screen's options ({menu}), and a reply with a number walks the menus,
 * screen by screen, as SMS replies.  Pure: the pipeline keeps the state
 * (a session of the pseudo-route USSD_SMS_ROUTE) and does what it says.
 */
#define USSD_SMS_ROUTE "~menu" /* never a route's name */

enum menu_result {
	MENU_SCREEN, /* text is the next screen; keep state */
	MENU_END,    /* text is a closing text */
	MENU_ROUTE,  /* go to route, as if its keyword was sent */
};

struct menu_sms {
	enum menu_result result;
	char *text;  /* owned */
	char *state; /* MENU_SCREEN, owned */
	int route;
	int lang; /* the language from now on */
	bool lang_changed;
};

/* True for what a menu takes by SMS: a number, 0, 00 or 98. */
bool ussd_sms_input(const char *text);
/* One numbered reply; state NULL is the home screen (what the help reply
 * listed). */
void ussd_sms_step(const struct routing *r, const char *state,
    const char *input, int lang, struct menu_sms *ret);
void menu_sms_done(struct menu_sms *m);
/* "1 Water survey, 2 Make a complaint, ..." of the home screen, for the
 * help reply's {menu}; "" without menus.  Caller frees. */
char *ussd_sms_menu_list(const struct routing *r, int lang);

#endif
