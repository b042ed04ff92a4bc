/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_form: webhook field decoding -- urlencoded and JSON -- including
 * the malformed inputs a provider or an attacker may send.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "form.h"
#include "provider_util.h"

static void
test_urlencoded(void **state)
{
	struct form f;
	struct buf err;

	buf_init(&err);
	form_init(&f);
	assert_int_equal(
	    form_parse_urlencoded(&f,
		"from=%2B254700000001&text=hello+world%21&empty=&flag", 52,
		&err),
	    0);
	assert_string_equal(form_get(&f, "from"), "+254700000001");
	assert_string_equal(form_get(&f, "text"), "hello world!");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_null(form_get(&f, "missing"));
	form_done(&f);

	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, "a=%zz", 5, &err), -EINVAL);
	assert_non_null(strstr(err.data, "malformed"));
	assert_int_equal(f.n, 0);
	form_done(&f);
	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, "a=%0", 4, &err), -EINVAL);
	form_done(&f);
	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, "a=x%00y", 7, &err),
	    -EINVAL);
	form_done(&f);
	buf_free(&err);
}

static void
test_too_many(void **state)
{
	struct form f;
	struct buf err, body;

	buf_init(&err);
	buf_init(&body);
	for (int i = 0; i < FORM_MAX_FIELDS + 1; i++)
		buf_printf(&body, "k%d=v&", i);
	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, body.data, body.len, &err),
	    -E2BIG);
	form_done(&f);
	buf_free(&err);
	buf_free(&body);
}

static void
test_json(void **state)
{
	struct form f;
	struct buf err;
	const char *good =
	    "{\"from\":\"+254700000001\",\"text\":\"Maji \\u20ac\","
	    "\"id\":42,\"nested\":{\"x\":1}}";

	buf_init(&err);
	form_init(&f);
	assert_int_equal(form_parse_json(&f, good, strlen(good), &err), 0);
	assert_string_equal(form_get(&f, "text"), "Maji \xe2\x82\xac");
	assert_string_equal(form_get(&f, "id"), "42");
	assert_null(form_get(&f, "nested"));
	form_done(&f);

	form_init(&f);
	assert_int_equal(form_parse_json(&f, "{\"a\":", 5, &err), -EINVAL);
	assert_non_null(strstr(err.data, "malformed JSON"));
	form_done(&f);
	buf_reset(&err);
	form_init(&f);
	assert_int_equal(form_parse_json(&f, "[1,2]", 5, &err), -EINVAL);
	form_done(&f);
	form_init(&f);
	assert_int_equal(form_parse_json(&f, "{\"t\":\"a\\u0000b\"}", 16, &err),
	    -EINVAL);
	form_done(&f);
	form_init(&f);
	assert_int_equal(form_parse_json(&f, "{\"a\":1,\"a\":2}", 13, &err),
	    -EINVAL);
	form_done(&f);
	buf_free(&err);
}

static void
test_numbers(void **state)
{
	struct buf err;
	char *n;

	buf_init(&err);
	n = number_normalize(" 254700000001"); /* form-decoded '+' */
	assert_string_equal(n, "+254700000001");
	free(n);
	n = number_normalize("+254 700-000.001");
	assert_string_equal(n, "+254700000001");
	free(n);
	n = number_normalize("MPESA");
	assert_string_equal(n, "MPESA");
	free(n);
	assert_int_equal(check_number("from", "+254700000001", &err), 0);
	assert_int_equal(check_number("from", "'; DROP TABLE x;--", &err),
	    -EINVAL);
	assert_int_equal(check_number("from", "", &err), -EINVAL);
	assert_int_equal(check_number("from", "+", &err), -EINVAL);
	assert_int_equal(check_number("from",
			     "123456789012345678901234567890123", &err),
	    -EINVAL);
	assert_int_equal(check_text("text", "ok", &err), 0);
	assert_int_equal(check_text("text", "\xc3", &err), -EINVAL);
	assert_int_equal(check_id("id", "abc-123", &err), 0);
	assert_int_equal(check_id("id", "a b", &err), -EINVAL);
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencoded),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
