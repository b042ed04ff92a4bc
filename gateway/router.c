/* SPDX-License-Identifier: Apache-2.0 */
/*
 * router: keyword matching; see router.h.  The keyword table is small (tens
 * of words), so a linear scan is both simplest and fast enough.
 */
#include <string.h>

#include "router.h"
#include "text.h"

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

int
router_lookup(const struct routing *r, const char *folded)
{
	for (size_t i = 0; i < r->nkeywords; i++)
		if (strcmp(r->keywords[i].folded, folded) == 0)
			return (int)i;
	return -1;
}

/* What one word means: a reserved word, a route's keyword (exactly or by
 * one guarded typo), several keywords, or nothing (ret->kind MATCH_NONE,
 * ret->args untouched). */
static void
match_word(const struct routing *r, const char *word, size_t wlen,
    struct match *ret)
{
	char folded[64];
	size_t flen = text_fold(word, wlen, folded, sizeof(folded));
	int k;

	if (flen == 0 || flen >= sizeof(folded) - 1)
		return;
	if ((k = router_lookup(r, folded)) >= 0) {
		const struct keyword *kw = &r->keywords[k];
		ret->lang = kw->lang;
		if (kw->route < 0) {
			ret->kind = MATCH_RESERVED;
			ret->reserved = kw->reserved;
		} else {
			ret->kind = MATCH_ROUTE;
			ret->route = kw->route;
		}
		return;
	}
	if (flen + 1 < ROUTER_MIN_GUESS_LEN)
		return;
	for (size_t i = 0; i < r->nkeywords; i++) {
		const struct keyword *kw = &r->keywords[i];
		bool seen = false;

		if (kw->route < 0 ||
		    strlen(kw->folded) < ROUTER_MIN_GUESS_LEN ||
		    kw->folded[0] != folded[0] ||
		    text_distance(folded, kw->folded, 1) > 1)
			continue;
		for (int c = 0; c < ret->nchoices; c++)
			seen |= ret->choices[c] == kw->route;
		if (seen)
			continue;
		if (ret->nchoices < ROUTER_MAX_CHOICES)
			ret->choices[ret->nchoices++] = kw->route;
		if (ret->nchoices == 1)
			ret->lang = kw->lang;
	}
	if (ret->nchoices == 1) {
		ret->kind = MATCH_ROUTE;
		ret->route = ret->choices[0];
		ret->guessed = true;
		ret->nchoices = 0;
	} else if (ret->nchoices > 1) {
		ret->kind = MATCH_AMBIGUOUS;
		ret->lang = -1;
	}
}

void
router_match(const struct routing *r, const char *text, struct match *ret)
{
	const char *p = text, *word;
	size_t wlen, cut, next;

	memset(ret, 0, sizeof(*ret));
	ret->kind = MATCH_NONE;
	ret->lang = -1;
	while (is_space((unsigned char)*p))
		p++;
	word = p;
	while (*p != '\0' && !is_space((unsigned char)*p))
		p++;
	wlen = (size_t)(p - word);
	while (is_space((unsigned char)*p))
		p++;
	ret->args = p;
	match_word(r, word, wlen, ret);
	if (ret->kind != MATCH_NONE)
		return;
	/* no keyword: perhaps one joined to the next word by punctuation */
	if ((cut = text_word_cut(word, wlen, &next)) < wlen) {
		match_word(r, word, cut, ret);
		if (ret->kind != MATCH_NONE) {
			ret->args = next < wlen ? word + next : p;
			return;
		}
	}
	ret->args = word;
}

int
routing_route(const struct routing *r, const char *name)
{
	for (size_t i = 0; i < r->nroutes; i++)
		if (strcmp(r->routes[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
route_keyword(const struct route *rt, int lang)
{
	if (lang >= 0 && lang < LANG_MAX && rt->keywords[lang] != NULL &&
	    rt->keywords[lang][0] != NULL)
		return rt->keywords[lang][0];
	for (int l = 0; l < LANG_MAX; l++)
		if (rt->keywords[l] != NULL && rt->keywords[l][0] != NULL)
			return rt->keywords[l][0];
	return "";
}

char *
router_choices(const struct routing *r, const struct match *m, int lang)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < m->nchoices; i++) {
		if (i > 0)
			buf_puts(&b, i == m->nchoices - 1 ? " / " : ", ");
		buf_puts(&b, route_keyword(&r->routes[m->choices[i]], lang));
	}
	return buf_steal(&b);
}

char *
routing_keyword_list(const struct routing *r, int lang)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < r->nroutes; i++) {
		const struct route *rt = &r->routes[i];
		const char *kw = route_keyword(rt, lang);

		if (!rt->listed || (int)i == r->default_route || *kw == '\0')
			continue;
		if (b.len > 0)
			buf_puts(&b, ", ");
		buf_puts(&b, kw);
	}
	return buf_steal(&b);
}
