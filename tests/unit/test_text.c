/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_text: the SMS text layer against the GSM 03.38 test vectors of
 * ../shared/protocols.md §6.4, look-alike substitution, UTF-8 validation,
 * keyword folding and the Damerau distance.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"
#include "util.h"

static char *
repeat(const char *s, int n)
{
	struct buf b;

	buf_init(&b);
	for (int i = 0; i < n; i++)
		buf_puts(&b, s);
	return buf_steal(&b);
}

static void
measure(const char *s, enum sms_encoding enc, unsigned units, unsigned segs)
{
	struct sms_info info;

	sms_measure(s, &info);
	assert_int_equal(info.encoding, enc);
	assert_int_equal(info.units, units);
	assert_int_equal(info.segments, segs);
}

static void
test_vectors(void **state)
{
	char *s;

	measure("Hello", SMS_GSM7, 5, 1);
	s = repeat("a", 160);
	measure(s, SMS_GSM7, 160, 1);
	free(s);
	s = repeat("a", 161);
	measure(s, SMS_GSM7, 161, 2);
	free(s);
	measure("{}[]~^\\\xe2\x82\xac|", SMS_GSM7, 18, 1);
	s = repeat("\xe2\x82\xac", 80);
	measure(s, SMS_GSM7, 160, 1);
	free(s);
	s = repeat("\xe2\x82\xac", 81);
	measure(s, SMS_GSM7, 162, 2);
	free(s);
	{
		char *a = repeat("a", 152);
		char *t = xasprintf("%s\xe2\x82\xac%s", a, a);
		measure(t, SMS_GSM7, 306, 3); /* naive ceil(306/153) says 2 */
		free(a);
		free(t);
	}
	s = repeat("a", 306);
	measure(s, SMS_GSM7, 306, 2);
	free(s);
	measure("Maji {kibera} \xe2\x82\xac"
		"5",
	    SMS_GSM7, 19, 1);
	measure("\xc3\x87", SMS_GSM7, 1, 1);
	measure("\xc3\xa7", SMS_UCS2, 1, 1);
	measure("`x", SMS_UCS2, 2, 1);
	s = repeat("\xc5\x82", 70);
	measure(s, SMS_UCS2, 70, 1);
	free(s);
	s = repeat("\xc5\x82", 71);
	measure(s, SMS_UCS2, 71, 2);
	free(s);
	measure("Asante \xf0\x9f\x98\x80", SMS_UCS2, 9, 1);
	s = repeat("\xf0\x9f\x98\x80", 35);
	measure(s, SMS_UCS2, 70, 1);
	free(s);
	s = repeat("\xf0\x9f\x98\x80", 36);
	measure(s, SMS_UCS2, 72, 2);
	free(s);
	{
		char *a = repeat("a", 69);
		char *t = xasprintf("%s\xf0\x9f\x98\x80", a);
		measure(t, SMS_UCS2, 71, 2);
		free(a);
		free(t);
	}
	measure("", SMS_GSM7, 0, 1);
}

static void
test_prepare(void **state)
{
	char *s;

	/* a curly apostrophe must not triple the cost of a Swahili reply */
	s = sms_prepare(
	    "Ng\xe2\x80\x99ombe \xe2\x80\x9cmaji\xe2\x80\x9d\xc2\xa0sasa\xe2\x80\xa6");
	assert_string_equal(s, "Ng'ombe \"maji\" sasa...");
	measure(s, SMS_GSM7, 22, 1);
	free(s);
	/* substitution only when it makes the whole text GSM-7 */
	s = sms_prepare("Ng\xe2\x80\x99ombe \xf0\x9f\x98\x80");
	assert_string_equal(s, "Ng\xe2\x80\x99ombe \xf0\x9f\x98\x80");
	free(s);
	s = sms_prepare("caf\xc3\xa1 \xe2\x80\x93 na\xc3\xafve");
	assert_string_equal(s, "cafa - naive");
	free(s);
	s = sms_prepare("plain");
	assert_string_equal(s, "plain");
	free(s);
}

static void
test_force_gsm7(void **state)
{
	static const char *const cases[][2] = {
		{ "plain", "plain" },
		{ "", "" },
		/* look-alikes as sms_prepare() replaces them */
		{ "\xe2\x80\x98Kibera\xe2\x80\x99s\xe2\x80\x99", "'Kibera's'" },
		/* GSM-7's own accents stay */
		{ "caf\xc3\xa9 \xc3\xa0", "caf\xc3\xa9 \xc3\xa0" },
		/* one '?' per run of what GSM-7 lacks, however long */
		{ "a\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		  "b",
		    "a?b" },
		{ "\xe2\x9c\x93 ok \xe2\x9c\x93", "? ok ?" },
		{ "\xd0\x9f\xd1\x80\xd0\xb8", "?" },
		/* a look-alike ends a run */
		{ "\xe2\x9c\x93\xe2\x80\x99\xe2\x9c\x93", "?'?" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *s = sms_force_gsm7(cases[i][0]);
		struct sms_info info;

		assert_string_equal(s, cases[i][1]);
		sms_measure(s, &info);
		assert_int_equal(info.encoding, SMS_GSM7);
		free(s);
	}
}

static void
test_utf8(void **state)
{
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
	assert_false(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xff", 1));
	assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(utf8_valid("\xe2\x82", 2));         /* truncated */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
}

/* A copy cut mid-character (a handler truncating a word to its buffer):
 * decoding stops at the NUL, never reads past it.  The strings are on the
 * heap at their exact size, so ASan sees a read past the end (the fuzzer
 * found one through a survey answer). */
static void
test_utf8_cut(void **state)
{
	char *cut = xstrdup("a\xe3"), *two = xstrdup("\xe3\xa8");
	const char *p = cut;
	char out[16];

	assert_int_equal(utf8_next(&p), 'a');
	assert_int_equal(utf8_next(&p), 0xFFFD);
	assert_ptr_equal(p, cut + 2); /* at the NUL */
	p = two;
	assert_int_equal(utf8_next(&p), 0xFFFD);
	assert_ptr_equal(p, two + 2);
	text_fold(cut, strlen(cut), out, sizeof(out));
	assert_string_equal(out, "a");
	free(cut);
	free(two);
}

static void
test_fold(void **state)
{
	char out[64];

	text_fold("HELP!", 5, out, sizeof(out));
	assert_string_equal(out, "help");
	text_fold("\xc3\x89tat", 5, out, sizeof(out)); /* État */
	assert_string_equal(out, "etat");
	text_fold("Ma-ji.", 6, out, sizeof(out));
	assert_string_equal(out, "maji");
	text_fold("\xc5\x81\xc3\xb3"
		  "d\xc5\xba",
	    7, out, sizeof(out)); /* Łódź */
	assert_string_equal(out, "lodz");
	text_fold("\xc5\x9e\xc5\x9f\xc5\xbe\xc5\xbf", 8, out, sizeof(out));
	assert_string_equal(out, "sszs");
	assert_int_equal(text_fold("?!", 2, out, sizeof(out)), 0);
	/* other scripts keep their letters */
	text_fold("\xd0\x9c\xd0\xb8\xd1\x80", 6, out, sizeof(out));
	assert_string_equal(out, "\xd0\x9c\xd0\xb8\xd1\x80");
}

static void
test_distance(void **state)
{
	assert_int_equal(text_distance("survey", "survey", 1), 0);
	assert_int_equal(text_distance("survey", "suvrey", 1), 1); /* swap */
	assert_int_equal(text_distance("survey", "survy", 1), 1);
	assert_int_equal(text_distance("survey", "surveys", 1), 1);
	assert_int_equal(text_distance("survey", "sorvey", 1), 1);
	assert_int_equal(text_distance("survey", "svrvy", 1), 2); /* capped */
	assert_int_equal(text_distance("a", "abcdef", 1), 2);
}

/* The sorted lookup and the septet tables agree on every BMP code point,
 * and on the test vectors of protocols.md §6. */
static void
test_tables(void **state)
{
	uint8_t sept[2];
	int ones = 0, twos = 0;

	for (uint32_t cp = 0; cp < 0x10000; cp++) {
		int n = gsm7_encode(cp, sept);
		assert_int_equal(gsm7_cost(cp), n);
		ones += n == 1;
		twos += n == 2;
	}
	assert_int_equal(ones, 127); /* 128 minus the escape */
	assert_int_equal(twos, 10);
	assert_int_equal(gsm7_encode('@', sept), 1);
	assert_int_equal(sept[0], 0x00);
	assert_int_equal(gsm7_encode('$', sept), 1);
	assert_int_equal(sept[0], 0x02);
	assert_int_equal(gsm7_encode('_', sept), 1);
	assert_int_equal(sept[0], 0x11);
	assert_int_equal(gsm7_encode(0x20AC, sept), 2); /* euro */
	assert_int_equal(sept[0], 0x1B);
	assert_int_equal(sept[1], 0x65);
	assert_int_equal(gsm7_encode('`', sept), 0);
	assert_int_equal(gsm7_encode(0x1B, sept), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_prepare),
		cmocka_unit_test(test_force_gsm7),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
