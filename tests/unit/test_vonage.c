/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_vonage: Vonage's webhook signature against vector V1 of
 * ../shared/protocols.md §4 (accepted by @vonage/sms 1.21.0).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provider_vonage.h"

static void
v1(struct form *f)
{
	form_init(f);
	form_add(f, "msisdn", "254711000002");
	form_add(f, "to", "254700000001");
	form_add(f, "messageId", "0A0000000123ABCD1");
	form_add(f, "text", "Hello & welcome=yes");
	form_add(f, "type", "text");
	form_add(f, "keyword", "HELLO");
	form_add(f, "api-key", "abcd1234");
	form_add(f, "message-timestamp", "2020-01-01 12:00:00");
	form_add(f, "timestamp", "1577880000");
	form_add(f, "nonce", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab");
}

static void
test_v1(void **state)
{
	struct form f;
	char *sig;

	v1(&f);
	sig = vonage_signature("signatureSecret123", "md5hash", &f);
	assert_string_equal(sig, "9e4a95daf5407ecfe9066cba3423ed95");
	free(sig);
	sig = vonage_signature("signatureSecret123", "sha256", &f);
	assert_string_equal(sig,
	    "ac95cdc37651c9e6e30c080dfdb730773098dc33d1cece0fd7488ed7f538c010");
	free(sig);
	/* the sig field itself never takes part */
	form_add(&f, "sig", "whatever");
	sig = vonage_signature("signatureSecret123", "md5hash", &f);
	assert_string_equal(sig, "9e4a95daf5407ecfe9066cba3423ed95");
	free(sig);
	form_done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
