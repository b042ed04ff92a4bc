/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_twilio: X-Twilio-Signature against the vectors of Twilio's own
 * libraries (twilio-python's request validator tests, cross-checked with
 * npm twilio 5.13.1; ../shared/protocols.md §1.2).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provider_twilio.h"

#define URL "https://mycompany.com/myapp.php?foo=1&bar=2"

static void
t1_params(struct form *f, const char *from)
{
	form_init(f);
	form_add(f, "CallSid", "CA1234567890ABCDE");
	form_add(f, "Digits", "1234");
	form_add(f, "From", from);
	form_add(f, "To", "+18005551212");
	form_add(f, "Caller", from);
}

static void
check_sig(const char *url, struct form *f, const char *want)
{
	char *sig = twilio_signature("12345", url, f);

	assert_string_equal(sig, want);
	free(sig);
}

static void
test_t1_and_ports(void **state)
{
	struct form f;

	t1_params(&f, "+14158675309");
	check_sig(URL, &f, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
	check_sig("https://mycompany.com:443/myapp.php?foo=1&bar=2", &f,
	    "kvajT1Ptam85bY51eRf/AJRuM3w=");
	check_sig("http://mycompany.com:80/myapp.php?foo=1&bar=2", &f,
	    "0ZXoZLH/DfblKGATFgpif+LLRf4=");
	check_sig("http://mycompany.com:1234/myapp.php?foo=1&bar=2", &f,
	    "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
	assert_true(twilio_signature_ok("12345", URL, &f,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	/* Twilio signs with or without the port: both validate */
	assert_true(twilio_signature_ok("12345",
	    "https://mycompany.com:1234/myapp.php?foo=1&bar=2", &f,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_true(twilio_signature_ok("12345", URL, &f,
	    "kvajT1Ptam85bY51eRf/AJRuM3w="));
	assert_false(twilio_signature_ok("12345", URL, &f,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B9="));
	assert_false(twilio_signature_ok("54321", URL, &f,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_false(twilio_signature_ok("12345", URL, &f, ""));
	form_done(&f);
}

static void
test_t2_repeated_names(void **state)
{
	struct form f;

	form_init(&f);
	form_add(&f, "Sid", "CA123");
	form_add(&f, "SidAccount", "AC123");
	form_add(&f, "Digits", "5678");
	form_add(&f, "Digits", "1234");
	check_sig(URL, &f, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	form_done(&f);
}

static void
test_t4_docs_example(void **state)
{
	struct form f;

	t1_params(&f, "+12349013030");
	check_sig(URL, &f, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	form_done(&f);
}

static void
test_t5_inbound_sms(void **state)
{
	const char *body =
	    "ToCountry=KE&ToState=&SmsMessageSid=SM0123456789abcdef0123456789abcdef&NumMedia=0&ToCity=&FromZip=&SmsSid=SM0123456789abcdef0123456789abcdef&FromState=&SmsStatus=received&FromCity=&Body=Maji+yamekatika+%E2%80%93+Kibera+%7B1%7D&FromCountry=KE&To=%2B254700000001&MessagingServiceSid=&ToZip=&NumSegments=1&MessageSid=SM0123456789abcdef0123456789abcdef&AccountSid=AC0123456789abcdef0123456789abcdef&From=%2B254711000002&ApiVersion=2010-04-01";
	struct form f;
	struct buf err;
	char *sig;

	buf_init(&err);
	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, body, strlen(body), &err),
	    0);
	sig = twilio_signature("0123456789abcdef0123456789abcdef",
	    "https://gw.example.org/twilio/sms", &f);
	assert_string_equal(sig, "t545p0cKk2Nc4hbsXSPN70750ss=");
	free(sig);
	form_done(&f);
	buf_free(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t1_and_ports),
		cmocka_unit_test(test_t2_repeated_names),
		cmocka_unit_test(test_t4_docs_example),
		cmocka_unit_test(test_t5_inbound_sms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
