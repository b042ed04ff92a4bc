/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_router: keyword matching as a citizen types -- case, accents,
 * punctuation, languages, and the guarded typo rule of SPEC §5.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"

static struct conf *c;

static int
setup(void **state)
{
	struct conf_errors ce;

	conf_errors_init(&ce);
	c = conf_load("conf/good.conf", NULL, 0, handlers_table, &ce);
	conf_errors_done(&ce);
	return c == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	conf_free(c);
	return 0;
}

static const char *
route_of(const struct match *m)
{
	return m->kind == MATCH_ROUTE ? c->routing->routes[m->route].name : "-";
}

static void
test_exact(void **state)
{
	struct match m;
	const struct routing *r = c->routing;

	router_match(r, "  Survey please ", &m);
	assert_int_equal(m.kind, MATCH_ROUTE);
	assert_string_equal(route_of(&m), "survey");
	assert_string_equal(m.args, "please ");
	assert_false(m.guessed);
	assert_string_equal(r->lang_code[m.lang], "en");

	router_match(r, "utafiti", &m);
	assert_string_equal(route_of(&m), "survey");
	assert_string_equal(r->lang_code[m.lang], "sw");

	router_match(r, "\xc2\xa1SURVEY!", &m); /* ¡SURVEY! */
	assert_string_equal(route_of(&m), "survey");

	router_match(r, "m\xc3\xa0ji", &m); /* màji */
	assert_string_equal(route_of(&m), "water");

	router_match(r, "tax", &m);
	assert_string_equal(route_of(&m), "tax");
}

/* A keyword written against the next word with punctuation. */
static void
test_joined(void **state)
{
	static const struct {
		const char *text, *route, *args; /* route "-": none */
	} cases[] = {
		{ "Survey:water now", "survey", "water now" },
		{ "maji,,kibera", "water", "kibera" },
		{ "survy-1", "survey",
		    "1" }, /* the typo rule holds for the part */
		/* the whole word first: a keyword that holds punctuation */
		{ "tax.", "tax", "" },
		/* nothing before the punctuation but digits, or no keyword */
		{ "3-4", "-", "3-4" },
		{ "www.survey.org", "-", "www.survey.org" },
		/* an apostrophe belongs to its word */
		{ "maji'kibera", "-", "maji'kibera" },
	};
	const struct routing *r = c->routing;
	struct match m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		router_match(r, cases[i].text, &m);
		assert_string_equal(route_of(&m), cases[i].route);
		assert_string_equal(m.args, cases[i].args);
	}
	router_match(r, "maji,,kibera", &m);
	assert_string_equal(r->lang_code[m.lang], "sw");
	router_match(r, "survy-1", &m);
	assert_true(m.guessed);
	/* reserved words too; punctuation at the end is one word */
	router_match(r, "stop! now", &m);
	assert_int_equal(m.kind, MATCH_RESERVED);
	assert_string_equal(m.args, "now");
	router_match(r, "STOP.", &m);
	assert_int_equal(m.kind, MATCH_RESERVED);
	assert_string_equal(m.args, "");
}

static void
test_reserved(void **state)
{
	struct match m;
	const struct routing *r = c->routing;

	router_match(r, "stop", &m);
	assert_int_equal(m.kind, MATCH_RESERVED);
	assert_int_equal(m.reserved, RESERVED_STOP);
	router_match(r, "Msaada tafadhali", &m);
	assert_int_equal(m.kind, MATCH_RESERVED);
	assert_int_equal(m.reserved, RESERVED_HELP);
	assert_string_equal(r->lang_code[m.lang], "sw");
	/* reserved words are never guessed */
	router_match(r, "stpo", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	router_match(r, "sitisa", &m);
	assert_int_equal(m.kind, MATCH_NONE);
}

static void
test_typos(void **state)
{
	struct match m;
	const struct routing *r = c->routing;
	char *choices;

	router_match(r, "survy", &m); /* deletion */
	assert_string_equal(route_of(&m), "survey");
	assert_true(m.guessed);
	router_match(r, "suvrey", &m); /* transposition */
	assert_string_equal(route_of(&m), "survey");
	router_match(r, "wter", &m); /* 4 letters, keyword of 5 */
	assert_string_equal(route_of(&m), "water");
	/* one edit from both SURVEY and SURGERY: ask */
	router_match(r, "surgey", &m);
	assert_int_equal(m.kind, MATCH_AMBIGUOUS);
	assert_int_equal(m.nchoices, 2);
	choices = router_choices(r, &m, 0);
	assert_string_equal(choices, "SURVEY / SURGERY");
	free(choices);
	/* the first letter must match; short keywords are never guessed */
	router_match(r, "xurvey", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	router_match(r, "tex", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	/* two edits is not a typo */
	router_match(r, "srvy", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	assert_string_equal(m.args, "srvy");
}

static void
test_nothing(void **state)
{
	struct match m;
	const struct routing *r = c->routing;

	router_match(r, "", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	router_match(r, "   ", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	router_match(r, "?!", &m);
	assert_int_equal(m.kind, MATCH_NONE);
	router_match(r, "'; DROP TABLE messages; --", &m);
	assert_int_equal(m.kind, MATCH_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_joined),
		cmocka_unit_test(test_reserved),
		cmocka_unit_test(test_typos),
		cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
