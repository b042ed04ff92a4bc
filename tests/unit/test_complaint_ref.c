/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_complaint_ref: complaint references -- their alphabet, and that
 * the check character catches every single wrong character and every
 * swap of two neighbours, over many random references.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "handlers/complaint_ref.h"

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRTUVWXYZ";

/* A deterministic stream of bytes for ref_make. */
static void
fill(unsigned char *b, size_t n, uint32_t *seed)
{
	for (size_t i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		b[i] = (unsigned char)(*seed >> 16);
	}
}

static void
test_shape(void **state)
{
	unsigned char rnd[REF_RANDOM];
	uint32_t seed = 1;
	char ref[REF_LEN + 1], back[REF_LEN + 1];

	for (int i = 0; i < 1000; i++) {
		fill(rnd, sizeof(rnd), &seed);
		assert_int_equal(ref_make(rnd, sizeof(rnd), ref), 0);
		assert_int_equal(strlen(ref), REF_LEN);
		/* never a 0/O, 1/I or 5/S pair to confuse */
		assert_int_equal(strspn(ref, alphabet), REF_LEN);
		assert_int_equal(ref_parse(ref, back), 0);
		assert_string_equal(ref, back);
	}
	/* too few usable bytes: draw more */
	memset(rnd, 0xff, sizeof(rnd));
	assert_int_equal(ref_make(rnd, sizeof(rnd), ref), -EAGAIN);
}

static void
test_every_single_error_caught(void **state)
{
	unsigned char rnd[REF_RANDOM];
	uint32_t seed = 7;
	char ref[REF_LEN + 1], bad[REF_LEN + 1], out[REF_LEN + 1];
	long tried = 0;

	for (int i = 0; i < 300; i++) {
		fill(rnd, sizeof(rnd), &seed);
		assert_int_equal(ref_make(rnd, sizeof(rnd), ref), 0);
		for (int pos = 0; pos < REF_LEN; pos++)
			for (const char *c = alphabet; *c != '\0'; c++) {
				if (*c == ref[pos])
					continue;
				memcpy(bad, ref, sizeof(bad));
				bad[pos] = *c;
				assert_int_equal(ref_parse(bad, out), -EILSEQ);
				tried++;
			}
	}
	assert_int_equal(tried, 300L * REF_LEN * 30);
}

static void
test_every_swap_caught(void **state)
{
	unsigned char rnd[REF_RANDOM];
	uint32_t seed = 99;
	char ref[REF_LEN + 1], bad[REF_LEN + 1], out[REF_LEN + 1];

	for (int i = 0; i < 3000; i++) {
		fill(rnd, sizeof(rnd), &seed);
		assert_int_equal(ref_make(rnd, sizeof(rnd), ref), 0);
		for (int pos = 0; pos + 1 < REF_LEN; pos++) {
			if (ref[pos] == ref[pos + 1])
				continue;
			memcpy(bad, ref, sizeof(bad));
			bad[pos] = ref[pos + 1];
			bad[pos + 1] = ref[pos];
			assert_int_equal(ref_parse(bad, out), -EILSEQ);
		}
	}
}

static void
test_how_citizens_type_it(void **state)
{
	unsigned char rnd[REF_RANDOM];
	uint32_t seed = 3;
	char ref[REF_LEN + 1], typed[32], out[REF_LEN + 1];

	fill(rnd, sizeof(rnd), &seed);
	assert_int_equal(ref_make(rnd, sizeof(rnd), ref), 0);
	/* lower case, spaces and a dash */
	for (int i = 0; i < REF_LEN; i++)
		typed[i] = (char)(ref[i] >= 'A' ? ref[i] - 'A' + 'a' : ref[i]);
	typed[REF_LEN] = '\0';
	assert_int_equal(ref_parse(typed, out), 0);
	assert_string_equal(out, ref);
	snprintf(typed, sizeof(typed), "%.3s-%.2s %s", ref, ref + 3, ref + 5);
	assert_int_equal(ref_parse(typed, out), 0);
	assert_string_equal(out, ref);
	/* S is read as 5 (there is no S) */
	assert_int_equal(ref_parse("5", out), -EINVAL);
	if (strchr(ref, '5') != NULL) {
		snprintf(typed, sizeof(typed), "%s", ref);
		*strchr(typed, '5') = 'S';
		assert_int_equal(ref_parse(typed, out), 0);
	}
	/* the right shape with a 0 or an O: a typing error, not unknown */
	snprintf(typed, sizeof(typed), "%s", ref);
	typed[2] = 'O';
	assert_int_equal(ref_parse(typed, out), -EILSEQ);
	typed[2] = '1';
	assert_int_equal(ref_parse(typed, out), -EILSEQ);
	/* the example the shipped texts show is a real reference */
	assert_int_equal(ref_parse(REF_EXAMPLE, out), 0);
	/* not a reference at all */
	assert_int_equal(ref_parse("", out), -EINVAL);
	assert_int_equal(ref_parse("KIBERA", out), -EINVAL);
	assert_int_equal(ref_parse("ABCDEFGH", out), -EINVAL);
	assert_int_equal(ref_parse("AB#DEFG", out), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_every_single_error_caught),
		cmocka_unit_test(test_every_swap_caught),
		cmocka_unit_test(test_how_citizens_type_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
