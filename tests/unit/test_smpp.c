/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_smpp: SMPP PDUs against the vectors of ../shared/protocols.md §5.9
 * (produced by npm smpp 0.5.1), byte for byte both ways; texts cut into
 * parts without splitting a character; deliver_sm texts, concatenation
 * headers and receipts read back; truncated PDUs refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smpp_msg.h"
#include "smpp_pdu.h"

/* Bytes from a hex vector with spaces. */
static size_t
unhex(const char *s, uint8_t *out, size_t size)
{
	size_t n = 0;

	while (*s != '\0' && n < size) {
		unsigned v;

		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
assert_bytes(const struct buf *b, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(b->len, n);
	assert_memory_equal(b->data, want, n);
}

static void
test_session_pdus(void **state)
{
	struct smpp_bind bind = { .cmd = SMPP_BIND_TRANSCEIVER,
		.system_id = "gw",
		.password = "secret",
		.system_type = "",
		.address_range = "" };
	struct buf b;

	buf_init(&b);
	smpp_put_bind(&b, 1, &bind);
	assert_bytes(&b,
	    "00 00 00 1f 00 00 00 09 00 00 00 00 00 00 00 01 67 77 00 73 65 "
	    "63 72 65 74 00 00 34 00 00 00");
	buf_reset(&b);
	smpp_put_header(&b, SMPP_ENQUIRE_LINK, 0, 2);
	assert_bytes(&b, "00 00 00 10 00 00 00 15 00 00 00 00 00 00 00 02");
	buf_reset(&b);
	smpp_put_header(&b, SMPP_ENQUIRE_LINK | SMPP_RESP, 0, 2);
	assert_bytes(&b, "00 00 00 10 80 00 00 15 00 00 00 00 00 00 00 02");
	buf_reset(&b);
	smpp_put_header(&b, SMPP_UNBIND, 0, 9);
	assert_bytes(&b, "00 00 00 10 00 00 00 06 00 00 00 00 00 00 00 09");
	buf_reset(&b);
	smpp_put_header(&b, SMPP_GENERIC_NACK, ESME_RINVCMDID, 10);
	assert_bytes(&b, "00 00 00 10 80 00 00 00 00 00 00 03 00 00 00 0a");
	buf_reset(&b);
	smpp_put_resp_id(&b, SMPP_DELIVER_SM | SMPP_RESP, 0, 8);
	assert_bytes(&b, "00 00 00 11 80 00 00 05 00 00 00 00 00 00 00 08 00");
	buf_free(&b);
}

/* Encodes text as the link does and puts part k into a submit_sm. */
static void
submit_text(struct buf *b, uint32_t seq, const char *text, enum smpp_long mode,
    unsigned ref, size_t k, size_t want_parts)
{
	struct smpp_parts parts;
	struct smpp_submit s = { .src_ton = 5,
		.src = "CityHall",
		.dst_ton = 1,
		.dst_npi = 1,
		.dst = "254711000002",
		.registered_delivery = 1 };

	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, mode, ref,
			     &parts),
	    0);
	assert_int_equal(parts.n, want_parts);
	s.esm_class = parts.v[k].esm_class;
	s.data_coding = parts.v[k].data_coding;
	s.sm = parts.v[k].sm;
	s.sm_len = parts.v[k].len;
	s.payload = parts.v[k].payload;
	s.sar_ref = parts.v[k].sar_ref;
	s.sar_total = parts.v[k].sar_total;
	s.sar_seq = parts.v[k].sar_seq;
	s.ussd_op = -1;
	s.its_session = -1;
	smpp_put_submit(b, seq, &s);
	smpp_parts_free(&parts);
}

static void
test_submit_vectors(void **state)
{
	struct buf b;
	struct smpp_submit s = { .src_ton = 5,
		.src = "CityHall",
		.dst_ton = 1,
		.dst_npi = 1,
		.dst = "254711000002",
		.registered_delivery = 1,
		.sar_ref = -1,
		.ussd_op = -1,
		.its_session = -1 };
	uint8_t sm[32];

	buf_init(&b);
	/* GSM-7 unpacked, with escapes */
	submit_text(&b, 3, "Thanks {ref}", SMPP_LONG_UDH, 0, 0, 1);
	assert_bytes(&b,
	    "00 00 00 43 00 00 00 04 00 00 00 00 00 00 00 03 00 05 00 43 69 "
	    "74 79 48 61 6c 6c 00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 "
	    "00 00 00 00 00 00 01 00 00 00 0e 54 68 61 6e 6b 73 20 1b 28 72 "
	    "65 66 1b 29");
	/* UCS-2 by content, the emoji as a surrogate pair */
	buf_reset(&b);
	submit_text(&b, 4, "Asante \xF0\x9F\x98\x80", SMPP_LONG_UDH, 0, 0, 1);
	assert_bytes(&b,
	    "00 00 00 47 00 00 00 04 00 00 00 00 00 00 00 04 00 05 00 43 69 "
	    "74 79 48 61 6c 6c 00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 "
	    "00 00 00 00 00 00 01 00 08 00 12 00 41 00 73 00 61 00 6e 00 74 "
	    "00 65 00 20 d8 3d de 00");
	/* a UDH part, as vector 5 builds it */
	buf_reset(&b);
	s.esm_class = SMPP_ESM_UDHI;
	s.sm = sm;
	s.sm_len = unhex("05 00 03 2a 02 01 50 61 72 74 20 31", sm, 32);
	smpp_put_submit(&b, 5, &s);
	assert_bytes(&b,
	    "00 00 00 41 00 00 00 04 00 00 00 00 00 00 00 05 00 05 00 43 69 "
	    "74 79 48 61 6c 6c 00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 "
	    "00 40 00 00 00 00 01 00 00 00 0c 05 00 03 2a 02 01 50 61 72 74 "
	    "20 31");
	/* the same part with sar_* TLVs */
	buf_reset(&b);
	s.esm_class = 0;
	s.sm = (const uint8_t *)"Part 1";
	s.sm_len = 6;
	s.sar_ref = 42;
	s.sar_total = 2;
	s.sar_seq = 1;
	smpp_put_submit(&b, 6, &s);
	assert_bytes(&b,
	    "00 00 00 4b 00 00 00 04 00 00 00 00 00 00 00 06 00 05 00 43 69 "
	    "74 79 48 61 6c 6c 00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 "
	    "00 00 00 00 00 00 01 00 00 00 06 50 61 72 74 20 31 02 0c 00 02 "
	    "00 2a 02 0e 00 01 02 02 0f 00 01 01");
	buf_free(&b);

	/* a USSD screen: ussd_service_op then its_session_info */
	buf_init(&b);
	s.sar_ref = -1;
	s.registered_delivery = 0;
	s.ussd_op = 17;
	s.its_session = 0x0701;
	smpp_put_submit(&b, 7, &s);
	assert_true(b.len > 11);
	assert_memory_equal(b.data + b.len - 11,
	    "\x05\x01\x00\x01\x11\x13\x83\x00\x02\x07\x01", 11);
	buf_free(&b);
}

static void
test_decode_vectors(void **state)
{
	uint8_t p[256];
	size_t n;
	struct smpp_pdu pdu;
	struct smpp_text t;
	struct smpp_receipt r;
	const char *why = NULL;

	n = unhex("00 00 00 15 80 00 00 09 00 00 00 00 00 00 00 01 53 4d 53 43 "
		  "00",
	    p, sizeof(p));
	assert_int_equal(smpp_frame_len(p, n), (long)n);
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_int_equal(pdu.cmd, SMPP_BIND_TRANSCEIVER | SMPP_RESP);
	assert_string_equal(pdu.system_id, "SMSC");

	n = unhex("00 00 00 17 80 00 00 04 00 00 00 00 00 00 00 03 61 62 63 31 "
		  "32 33 00",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_int_equal(pdu.seq, 3);
	assert_string_equal(pdu.message_id, "abc123");

	/* a delivery receipt: TLVs and text agree */
	n = unhex("00 00 00 ad 00 00 00 05 00 00 00 00 00 00 00 07 00 01 01 32 "
		  "35 34 37 31 31 30 30 30 30 30 32 00 05 00 43 69 74 79 48 61 "
		  "6c 6c 00 04 00 00 00 00 00 00 00 00 68 69 64 3a 61 62 63 31 "
		  "32 33 20 73 75 62 3a 30 30 31 20 64 6c 76 72 64 3a 30 30 31 "
		  "20 73 75 62 6d 69 74 20 64 61 74 65 3a 32 34 30 35 30 31 31 "
		  "32 30 30 20 64 6f 6e 65 20 64 61 74 65 3a 32 34 30 35 30 31 "
		  "31 32 30 31 20 73 74 61 74 3a 44 45 4c 49 56 52 44 20 65 72 "
		  "72 3a 30 30 30 20 74 65 78 74 3a 54 68 61 6e 6b 73 00 1e 00 "
		  "07 61 62 63 31 32 33 00 04 27 00 01 02",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_true(smpp_is_receipt(&pdu));
	assert_int_equal(smpp_receipt_parse(&pdu, &r), 0);
	assert_string_equal(r.id, "abc123");
	assert_int_equal(r.status, DLR_DELIVERED);
	/* every shorter prefix is refused, never read past */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(smpp_pdu_decode(p, k, &pdu), -EINVAL);

	/* an MO in GSM-7 with escapes and the euro sign */
	n = unhex("00 00 00 45 00 00 00 05 00 00 00 00 00 00 00 08 00 01 01 32 "
		  "35 34 37 31 31 30 30 30 30 30 32 00 00 00 32 32 33 38 34 00 "
		  "00 00 00 00 00 00 00 00 00 13 4d 61 6a 69 20 1b 28 6b 69 62 "
		  "65 72 61 1b 29 20 1b 65 35",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_false(smpp_is_receipt(&pdu));
	assert_string_equal(pdu.src, "254711000002");
	assert_int_equal(pdu.src_ton, 1);
	assert_string_equal(pdu.dst, "22384");
	assert_int_equal(smpp_text_decode(&pdu, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.text,
	    "Maji {kibera} \xE2\x82\xAC"
	    "5");
	assert_int_equal(t.total, 0);
	smpp_text_done(&t);

	/* USSD: service_type and ussd_service_op */
	n = unhex("00 00 00 3e 00 00 00 05 00 00 00 00 00 00 00 0b 55 53 53 44 "
		  "00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 00 00 00 2a 33 "
		  "38 34 2a 37 23 00 00 00 00 00 00 00 00 00 00 01 31 05 01 00 "
		  "01 01",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_string_equal(pdu.service_type, "USSD");
	assert_string_equal(pdu.dst, "*384*7#");
	assert_int_equal(pdu.ussd_op, 1);
	assert_int_equal(pdu.its_session, -1);

	/* its_session_info (0x1383, two octets) read after ussd_service_op */
	n = unhex("00 00 00 44 00 00 00 05 00 00 00 00 00 00 00 0b 55 53 53 44 "
		  "00 01 01 32 35 34 37 31 31 30 30 30 30 30 32 00 00 00 2a 33 "
		  "38 34 2a 37 23 00 00 00 00 00 00 00 00 00 00 01 31 05 01 00 "
		  "01 12 13 83 00 02 07 00",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_int_equal(pdu.ussd_op, 18);
	assert_int_equal(pdu.its_session, 0x0700);

	/* outbind: the SMSC's system_id and the password it carries */
	n = unhex("00 00 00 1a 00 00 00 0b 00 00 00 00 00 00 00 09 53 4d 53 43 "
		  "00 6f 62 70 77 00",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), 0);
	assert_int_equal(pdu.cmd, SMPP_OUTBIND);
	assert_string_equal(pdu.system_id, "SMSC");
	assert_string_equal(pdu.password, "obpw");
	/* a password longer than the field's 9 octets is refused */
	n = unhex("00 00 00 22 00 00 00 0b 00 00 00 00 00 00 00 09 53 4d 53 43 "
		  "00 61 61 61 61 61 61 61 61 61 61 61 61 00",
	    p, sizeof(p));
	assert_int_equal(smpp_pdu_decode(p, n, &pdu), -EINVAL);
}

static void
test_framing(void **state)
{
	uint8_t p[16] = { 0, 0, 0, 15 };

	assert_int_equal(smpp_frame_len(p, 3), 0);
	assert_int_equal(smpp_frame_len(p, 4), -EPROTO); /* below a header */
	p[1] = 0x10;                                     /* 1 MiB */
	assert_int_equal(smpp_frame_len(p, 4), -EPROTO);
}

/* Texts cut between characters only; every part within one SMS. */
static void
test_long_texts(void **state)
{
	struct smpp_parts parts;
	char text[400];

	/* 152 GSM characters then '{' (two septets): the pair moves whole
	 * to the second part */
	memset(text, 'a', 152);
	strcpy(text + 152, "{bc");
	for (size_t i = 155; i < 200; i++)
		text[i] = 'z';
	text[200] = '\0';
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_UDH,
			     7, &parts),
	    0);
	assert_int_equal(parts.n, 2);
	assert_int_equal(parts.v[0].len, 6 + 152);
	assert_int_equal(parts.v[0].esm_class, SMPP_ESM_UDHI);
	assert_memory_equal(parts.v[0].sm, "\x05\x00\x03\x07\x02\x01", 6);
	assert_memory_equal(parts.v[1].sm, "\x05\x00\x03\x07\x02\x02\x1b\x28",
	    8);
	smpp_parts_free(&parts);

	/* exactly 160 septets stay one SMS without a header */
	memset(text, 'a', 160);
	text[160] = '\0';
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_UDH,
			     7, &parts),
	    0);
	assert_int_equal(parts.n, 1);
	assert_int_equal(parts.v[0].len, 160);
	assert_int_equal(parts.v[0].esm_class, 0);
	smpp_parts_free(&parts);

	/* sar_* instead: same cut, TLVs numbered */
	text[160] = 'b';
	text[161] = '\0';
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_SAR,
			     300, &parts),
	    0);
	assert_int_equal(parts.n, 2);
	assert_int_equal(parts.v[0].len, 153);
	assert_int_equal(parts.v[1].sar_seq, 2);
	assert_int_equal(parts.v[1].sar_total, 2);
	assert_int_equal(parts.v[1].sar_ref, 300);
	smpp_parts_free(&parts);

	/* payload: one submit_sm */
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM,
			     SMPP_LONG_PAYLOAD, 1, &parts),
	    0);
	assert_int_equal(parts.n, 1);
	assert_true(parts.v[0].payload);
	assert_int_equal(parts.v[0].len, 161);
	smpp_parts_free(&parts);

	/* UCS-2: 66 units then an emoji (a surrogate pair) does not split */
	text[0] = '\0';
	for (int i = 0; i < 66; i++)
		strcat(text, "\xC5\xA1"); /* š, not GSM-7 */
	strcat(text, "\xF0\x9F\x98\x80xyz");
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_UDH,
			     1, &parts),
	    0);
	assert_int_equal(parts.n, 2);
	assert_int_equal(parts.v[0].data_coding, SMPP_DC_UCS2);
	assert_int_equal(parts.v[0].len, 6 + 132);
	assert_memory_equal(parts.v[1].sm + 6, "\xd8\x3d\xde\x00", 4);
	smpp_parts_free(&parts);

	/* Latin-1 SMSCs get 8-bit text when it fits */
	assert_int_equal(smpp_text_encode("caf\xC3\xA9", SMPP_ALPHA_LATIN1,
			     SMPP_LONG_UDH, 1, &parts),
	    0);
	assert_int_equal(parts.v[0].data_coding, SMPP_DC_DEFAULT);
	assert_memory_equal(parts.v[0].sm, "caf\xe9", 4);
	smpp_parts_free(&parts);
}

static void
test_too_long(void **state)
{
	size_t n = 153 * 255 + 1;
	char *text = malloc(n + 1);
	struct smpp_parts parts;

	memset(text, 'a', n);
	text[n] = '\0';
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_UDH,
			     1, &parts),
	    -E2BIG);
	assert_int_equal(parts.n, 0);
	text[n - 1] = '\0'; /* 255 parts exactly */
	assert_int_equal(smpp_text_encode(text, SMPP_ALPHA_GSM, SMPP_LONG_UDH,
			     1, &parts),
	    0);
	assert_int_equal(parts.n, 255);
	smpp_parts_free(&parts);
	free(text);
}

static void
mo(struct smpp_pdu *p, uint8_t esm, uint8_t dc, const char *sm, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->sar_ref = p->sar_total = p->sar_seq = p->ussd_op = p->message_state =
	    -1;
	p->esm_class = esm;
	p->data_coding = dc;
	p->sm = (const uint8_t *)sm;
	p->sm_len = n;
}

static void
test_inbound_texts(void **state)
{
	struct smpp_pdu p;
	struct smpp_text t;
	const char *why;

	/* a UDH part, 8-bit reference */
	mo(&p, SMPP_ESM_UDHI, 0, "\x05\x00\x03\x2a\x02\x02rest", 10);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.text, "rest");
	assert_int_equal(t.total, 2);
	assert_int_equal(t.part, 2);
	assert_string_equal(t.ref, "u42/2");
	smpp_text_done(&t);
	/* 16-bit reference */
	mo(&p, SMPP_ESM_UDHI, 0,
	    "\x06\x08\x04\x01\x02\x03\x01"
	    "ab",
	    9);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.ref, "u258/3");
	assert_int_equal(t.part, 1);
	smpp_text_done(&t);
	/* sar_* TLVs */
	mo(&p, 0, 0, "ab", 2);
	p.sar_ref = 9;
	p.sar_total = 3;
	p.sar_seq = 3;
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.ref, "s9/3");
	assert_int_equal(t.part, 3);
	smpp_text_done(&t);
	/* UCS-2 */
	mo(&p, 0, SMPP_DC_UCS2, "\x00H\x00i\xd8\x3d\xde\x00", 8);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.text, "Hi\xF0\x9F\x98\x80");
	smpp_text_done(&t);
	/* 8-bit octets under data_coding 0 read as Latin-1 */
	mo(&p, 0, 0, "caf\xe9", 4);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why), 0);
	assert_string_equal(t.text, "caf\xC3\xA9");
	smpp_text_done(&t);

	/* refused: binary, a header longer than the message, a part
	 * number out of range, a lone surrogate */
	mo(&p, 0, 0x04, "\x01\x02", 2);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why),
	    -EINVAL);
	mo(&p, SMPP_ESM_UDHI, 0, "\x09\x00\x03", 3);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why),
	    -EINVAL);
	mo(&p, SMPP_ESM_UDHI, 0, "\x05\x00\x03\x01\x02\x03x", 7);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why),
	    -EINVAL);
	mo(&p, 0, SMPP_DC_UCS2, "\xd8\x3d\x00\x41", 4);
	assert_int_equal(smpp_text_decode(&p, SMPP_ALPHA_GSM, &t, &why),
	    -EINVAL);
}

static void
test_receipts(void **state)
{
	struct smpp_pdu p;
	struct smpp_receipt r;
	const char *fail = "id:7F3A sub:001 dlvrd:000 submit date:2405011200 "
			   "done date:240501120130 stat:UNDELIV err:034 text:x";

	mo(&p, SMPP_ESM_RECEIPT, 0, fail, strlen(fail));
	assert_true(smpp_is_receipt(&p));
	assert_int_equal(smpp_receipt_parse(&p, &r), 0);
	assert_string_equal(r.id, "7F3A");
	assert_int_equal(r.status, DLR_FAILED);
	assert_string_equal(r.reason, "stat:UNDELIV err:034");
	mo(&p, SMPP_ESM_RECEIPT, 0, "id:9 stat:EXPIRED", 17);
	assert_int_equal(smpp_receipt_parse(&p, &r), 0);
	assert_int_equal(r.status, DLR_EXPIRED);
	mo(&p, SMPP_ESM_RECEIPT, 0, "id:9 stat:ENROUTE", 17);
	assert_int_equal(smpp_receipt_parse(&p, &r), 0);
	assert_int_equal(r.status, DLR_SENT);
	/* no id, or no state: nothing to record */
	mo(&p, SMPP_ESM_RECEIPT, 0, "stat:DELIVRD", 12);
	assert_int_equal(smpp_receipt_parse(&p, &r), -EINVAL);
	mo(&p, SMPP_ESM_RECEIPT, 0, "id:5 stat:WHATEVER", 18);
	assert_int_equal(smpp_receipt_parse(&p, &r), -EINVAL);
	/* "sid:" is not "id:" */
	mo(&p, SMPP_ESM_RECEIPT, 0, "sid:1 id:2 stat:DELIVRD", 23);
	assert_int_equal(smpp_receipt_parse(&p, &r), 0);
	assert_string_equal(r.id, "2");
}

/* Ids an SMSC gives in hex in one place and in decimal in the other meet
 * in one form; anything that is not a number in its base stays as it is. */
static void
test_id_normalise(void **state)
{
	char out[66];

	(void)state;
	smpp_id_normalise("1A2b", 16, out, sizeof(out));
	assert_string_equal(out, "6699");
	smpp_id_normalise("006699", 10, out, sizeof(out));
	assert_string_equal(out, "6699");
	smpp_id_normalise("0A", 16, out, sizeof(out));
	assert_string_equal(out, "10");
	smpp_id_normalise("0A", 0, out, sizeof(out)); /* as-is */
	assert_string_equal(out, "0A");
	smpp_id_normalise("m17", 10, out, sizeof(out)); /* not a number */
	assert_string_equal(out, "m17");
	smpp_id_normalise("-5", 10, out, sizeof(out));
	assert_string_equal(out, "-5");
	smpp_id_normalise("", 16, out, sizeof(out));
	assert_string_equal(out, "");
	/* past 64 bits: kept as it is rather than cut */
	smpp_id_normalise("123456789012345678901234567890", 10, out,
	    sizeof(out));
	assert_string_equal(out, "123456789012345678901234567890");
	smpp_id_normalise("ffffffffffffffff", 16, out, sizeof(out));
	assert_string_equal(out, "18446744073709551615");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_pdus),
		cmocka_unit_test(test_submit_vectors),
		cmocka_unit_test(test_decode_vectors),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_long_texts),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_inbound_texts),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_id_normalise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
