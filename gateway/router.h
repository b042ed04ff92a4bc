/* SPDX-License-Identifier: Apache-2.0 */
/*
 * router: decides what a message's first word means against a routing
 * table -- a reserved word, a route's keyword (exactly, or by one guarded
 * typo), two keywords at once (ask which), or nothing.  Pure: no store, no
 * logging, no state.
 *
 * Typo rule (SPEC §5): a word within one Damerau edit of exactly one
 * keyword of five or more letters with the same first letter is taken as
 * it; reserved words are never guessed; two such keywords make it a
 * question.
 */
#ifndef BARAZA_ROUTER_H
#define BARAZA_ROUTER_H

#include <stdbool.h>

#include "conf.h"

#define ROUTER_MIN_GUESS_LEN 5
#define ROUTER_MAX_CHOICES   4

enum match_kind {
	MATCH_NONE,
	MATCH_RESERVED,
	MATCH_ROUTE,
	MATCH_AMBIGUOUS,
};

struct match {
	enum match_kind kind;
	int reserved;                    /* enum reserved, for MATCH_RESERVED */
	int route;                       /* for MATCH_ROUTE */
	int lang;                        /* the keyword's language, or -1 */
	bool guessed;                    /* matched through a typo */
	int choices[ROUTER_MAX_CHOICES]; /* routes, for MATCH_AMBIGUOUS */
	int nchoices;
	const char *args; /* the text after the first word, trimmed */
};

void router_match(const struct routing *r, const char *text, struct match *ret);

/* Index of the exact keyword entry for a folded word, or -1. */
int router_lookup(const struct routing *r, const char *folded);

/* "SURVEY or SURVIVE": the choices' first keywords in lang.  Caller frees. */
char *router_choices(const struct routing *r, const struct match *m, int lang);

/* A route's index by its name, or -1. */
int routing_route(const struct routing *r, const char *name);

/* The first keyword of a route in lang (falling back to any), or "". */
const char *route_keyword(const struct route *rt, int lang);

/* "SURVEY, COMPLAIN, STATUS": the first keyword in lang of each listed
 * route but the default one.  Caller frees. */
char *routing_keyword_list(const struct routing *r, int lang);

#endif
