/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ussd: the USSD engine on a small menu -- paging a long screen with
 * 98, back and home, a closing text, a route's handler, a language, a
 * service code with its own home, a step sent twice, a path that does not
 * follow -- and that no screen is longer than a handset shows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "text.h"
#include "ussd.h"

struct fx {
	struct conf *c;
	struct store *st;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct conf_errors ce;
	char *err = NULL;

	conf_errors_init(&ce);
	fx->c = conf_load("conf/ussd.conf", NULL, 0, handlers_table, &ce);
	/* the long screen is paged, with a warning per language */
	if (fx->c == NULL || ce.warnings != 2)
		fprintf(stderr, "%s", ce.text.data ? ce.text.data : "");
	conf_errors_done(&ce);
	if (fx->c == NULL || store_open(":memory:", &fx->st, &err) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	conf_free(fx->c);
	free(fx);
	return 0;
}

/* One step; returns the screen (static). */
static const char *
step(struct fx *fx, const char *session, const char *code, const char *text)
{
	static char last[512];
	struct ussd_step u = { .provider = "log",
		.session = session,
		.number = "+254700000001",
		.code = code,
		.text = text };
	struct sms_info info;
	char *screen = NULL;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(ussd_run(fx->st, fx->c->routing, fx->c, &u, &screen),
	    0);
	assert_int_equal(store_commit(fx->st), 0);
	sms_measure(screen + 4, &info);
	assert_true(info.units <= USSD_SCREEN_MAX);
	snprintf(last, sizeof(last), "%s", screen);
	free(screen);
	return last;
}

static void
test_paging(void **state)
{
	struct fx *fx = *state;
	const char *s;

	assert_string_equal(step(fx, "a", "*2#", ""),
	    "CON Main\n1 Wards\n2 Hours\n3 Bye\n4 Swahili");
	s = step(fx, "a", "*2#", "1");
	assert_non_null(strstr(s, "\n1 Kibera Olympic"));
	assert_non_null(strstr(s, "\n98 More\n0 Back"));
	assert_null(strstr(s, "Korogocho"));
	s = step(fx, "a", "*2#", "1*98");
	assert_null(strstr(s, "\n1 Kibera"));
	assert_non_null(strstr(s, "\n4 Kawangware"));
	step(fx, "a", "*2#", "1*98*98");
	s = step(fx, "a", "*2#", "1*98*98*98");
	assert_non_null(strstr(s, "\n10 Korogocho Grogan Village C"));
	assert_null(strstr(s, "98 More"));
	/* past the last page: not an option */
	s = step(fx, "a", "*2#", "1*98*98*98*98");
	assert_non_null(strstr(s, "Invalid choice."));
	/* an option of another page is still its number */
	assert_string_equal(step(fx, "a", "*2#", "1*98*98*98*98*2"), "END 2");
}

static void
test_back_home_invalid(void **state)
{
	struct fx *fx = *state;

	step(fx, "b", "*2#", "");
	assert_int_equal(strncmp(step(fx, "b", "*2#", "1"), "CON Pick", 8), 0);
	assert_string_equal(step(fx, "b", "*2#", "1*0"),
	    "CON Main\n1 Wards\n2 Hours\n3 Bye\n4 Swahili");
	assert_string_equal(step(fx, "b", "*2#", "1*0*7"),
	    "CON Invalid choice.\nMain\n1 Wards\n2 Hours\n3 Bye\n4 Swahili");
	assert_int_equal(strncmp(step(fx, "b", "*2#", "1*0*7*1*00"), "CON Main",
			     8),
	    0);
	/* a step sent twice: the same screen */
	assert_int_equal(strncmp(step(fx, "b", "*2#", "1*0*7*1*00"), "CON Main",
			     8),
	    0);
}

static void
test_ends_route_language_code(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(step(fx, "c", "*2#", "3"), "END Goodbye.");
	assert_string_equal(step(fx, "d", "*2#", "2"), "END Open 8 to 5.");
	assert_string_equal(step(fx, "e", "*2#", "4"),
	    "CON Main\n1 Wards\n2 Hours\n3 Bye\n4 Swahili");
	assert_string_equal(step(fx, "f", "*2#", "3"), "END Kwaheri.");
	/* a service code with its own home screen */
	assert_int_equal(strncmp(step(fx, "g", "*1#", ""), "CON Pick", 8), 0);
}

static void
test_paths_that_do_not_follow(void **state)
{
	struct fx *fx = *state;

	step(fx, "h", "*2#", "");
	step(fx, "h", "*2#", "1");
	/* not an extension of the last path: replayed from the top */
	assert_string_equal(step(fx, "h", "*2#", "3"), "END Goodbye.");
	/* a first request with a path (a dial that pre-fills input) */
	assert_string_equal(step(fx, "i", "*2#", "1*98*10"), "END 10");
	assert_int_equal(strncmp(step(fx, "i2", "*2#", "2*5"), "END Open", 8),
	    0);
	/* nonsense */
	assert_int_equal(strncmp(step(fx, "j", "*2#", "x*y*z"),
			     "CON Invalid choice.", 19),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_home_invalid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ends_route_language_code,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths_that_do_not_follow,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
