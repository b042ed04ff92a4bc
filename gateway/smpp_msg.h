/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_msg: what a short message means -- our UTF-8 text to the octets
 * of one or more submit_sm (GSM-7 or UCS-2 by content, long texts by UDH,
 * sar_* TLVs or message_payload), a deliver_sm's octets back to UTF-8 and
 * its concatenation header, and delivery receipts to our statuses
 * (../shared/protocols.md §5.4-5.6).  Pure functions: no I/O.
 */
#ifndef BARAZA_SMPP_MSG_H
#define BARAZA_SMPP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provider.h"
#include "smpp_pdu.h"

/* What the SMSC means by data_coding 0. */
enum smpp_alphabet {
	SMPP_ALPHA_GSM,    /* GSM 03.38, one septet per octet */
	SMPP_ALPHA_LATIN1, /* ISO-8859-1 */
	SMPP_ALPHA_ASCII,
};

/* How a text longer than one SMS leaves. */
enum smpp_long {
	SMPP_LONG_UDH,     /* a concatenation header in each part */
	SMPP_LONG_SAR,     /* sar_* TLVs on each part */
	SMPP_LONG_PAYLOAD, /* one submit_sm, the text in message_payload */
};

struct smpp_part {
	uint8_t *sm; /* owned */
	size_t len;
	uint8_t esm_class, data_coding;
	int sar_ref, sar_total, sar_seq; /* sar_ref -1: none */
	bool payload;
};

struct smpp_parts {
	struct smpp_part *v;
	size_t n;
};

/*
 * Encodes a valid UTF-8 text into the parts to submit; ref numbers the
 * parts of one long message.  -E2BIG for a text past 255 parts (or 64 KiB
 * as a payload).
 */
int smpp_text_encode(const char *utf8, enum smpp_alphabet a,
    enum smpp_long mode, unsigned ref, struct smpp_parts *ret);
void smpp_parts_free(struct smpp_parts *p);

/* A deliver_sm's text; total 0 for a whole message. */
struct smpp_text {
	char *text; /* UTF-8, owned */
	char ref[24];
	int total, part;
};

/* -EINVAL, with why (static text), for a message that is not text
 * (binary data_coding, a broken header, undecodable octets). */
int smpp_text_decode(const struct smpp_pdu *p, enum smpp_alphabet a,
    struct smpp_text *ret, const char **why);
void smpp_text_done(struct smpp_text *t);

/* True when a deliver_sm is a delivery receipt. */
bool smpp_is_receipt(const struct smpp_pdu *p);

struct smpp_receipt {
	char id[66];
	enum dlr_status status;
	char reason[64]; /* "stat:UNDELIV err:001", for failures */
};

/* Reads the receipted id and state, TLVs first, then the receipt text;
 * -EINVAL when there is no id or no state. */
int smpp_receipt_parse(const struct smpp_pdu *p, struct smpp_receipt *ret);

/* A message id as the store keeps it: with base 10 or 16, the number in
 * decimal (so "0A" in a submit_sm_resp and "10" in a receipt meet); with
 * base 0, or an id that is not a number in that base, the id as it is.
 * out holds at least 66 bytes. */
void smpp_id_normalise(const char *id, int base, char *out, size_t outlen);

#endif
