/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_msg: see smpp_msg.h.  A text is first encoded character by
 * character (each character's octets kept together), then cut into parts
 * only between characters, so an escape pair or a surrogate pair never
 * straddles two SMS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smpp_msg.h"
#include "text.h"

/* Octets of one SMS: alone, and with a 6-octet concatenation header. */
#define SMS_OCTETS_GSM   160 /* septets, one per octet unpacked */
#define SMS_OCTETS_GSM_N 153
#define SMS_OCTETS_8     140
#define SMS_OCTETS_8_N   134
#define PAYLOAD_MAX      65535
#define UDH_LEN          6

struct encoded {
	struct buf octets;
	size_t *ends; /* octet offset after each character */
	size_t nchars;
	uint8_t dc;
	size_t single, multi; /* octets per part */
};

static bool
all_below(const char *utf8, uint32_t limit)
{
	const char *p = utf8;

	while (*p != '\0')
		if (utf8_next(&p) >= limit)
			return false;
	return true;
}

static bool
all_gsm(const char *utf8)
{
	const char *p = utf8;

	while (*p != '\0')
		if (gsm7_cost(utf8_next(&p)) == 0)
			return false;
	return true;
}

static void
encode_chars(const char *utf8, enum smpp_alphabet a, struct encoded *e)
{
	size_t cap = strlen(utf8) + 1;
	const char *p = utf8;
	enum {
		GSM,
		EIGHT,
		UCS2
	} how;

	if (a == SMPP_ALPHA_GSM && all_gsm(utf8))
		how = GSM;
	else if (a != SMPP_ALPHA_GSM &&
	    all_below(utf8, a == SMPP_ALPHA_LATIN1 ? 0x100 : 0x80))
		how = EIGHT;
	else
		how = UCS2;
	buf_init(&e->octets);
	e->ends = xcalloc(cap, sizeof(*e->ends));
	e->nchars = 0;
	e->dc = how == UCS2 ? SMPP_DC_UCS2 : SMPP_DC_DEFAULT;
	e->single = how == GSM ? SMS_OCTETS_GSM : SMS_OCTETS_8;
	e->multi = how == GSM ? SMS_OCTETS_GSM_N : SMS_OCTETS_8_N;
	while (*p != '\0') {
		uint32_t cp = utf8_next(&p);
		uint8_t o[4];
		size_t n;

		if (how == GSM) {
			n = (size_t)gsm7_encode(cp, o);
		} else if (how == EIGHT) {
			o[0] = (uint8_t)cp;
			n = 1;
		} else if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000, hi = 0xD800 | (v >> 10),
				 lo = 0xDC00 | (v & 0x3FF);
			o[0] = (uint8_t)(hi >> 8);
			o[1] = (uint8_t)hi;
			o[2] = (uint8_t)(lo >> 8);
			o[3] = (uint8_t)lo;
			n = 4;
		} else {
			o[0] = (uint8_t)(cp >> 8);
			o[1] = (uint8_t)cp;
			n = 2;
		}
		buf_append(&e->octets, o, n);
		e->ends[e->nchars++] = e->octets.len;
	}
}

static void
add_part(struct smpp_parts *r, const uint8_t *p, size_t n, uint8_t dc)
{
	struct smpp_part *part;

	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	part = &r->v[r->n++];
	memset(part, 0, sizeof(*part));
	part->sm = xmalloc(n > 0 ? n : 1);
	if (n > 0)
		memcpy(part->sm, p, n);
	part->len = n;
	part->data_coding = dc;
	part->sar_ref = -1;
}

int
smpp_text_encode(const char *utf8, enum smpp_alphabet a, enum smpp_long mode,
    unsigned ref, struct smpp_parts *ret)
{
	struct encoded e;
	const uint8_t *o;
	size_t start = 0, total;
	int rc = 0;

	memset(ret, 0, sizeof(*ret));
	encode_chars(utf8, a, &e);
	o = (const uint8_t *)(e.octets.data ? e.octets.data : "");
	if (e.octets.len <= e.single) {
		add_part(ret, o, e.octets.len, e.dc);
		goto out;
	}
	if (mode == SMPP_LONG_PAYLOAD) {
		if (e.octets.len > PAYLOAD_MAX) {
			rc = -E2BIG;
			goto out;
		}
		add_part(ret, o, e.octets.len, e.dc);
		ret->v[0].payload = true;
		goto out;
	}
	/* cut between characters, each part at most e.multi octets */
	for (size_t c = 0; c < e.nchars;) {
		size_t end = start;

		while (c < e.nchars && e.ends[c] - start <= e.multi)
			end = e.ends[c++];
		if (end == start) { /* cannot happen: a char is <= 4 */
			rc = -E2BIG;
			goto out;
		}
		if (ret->n == 255) {
			rc = -E2BIG;
			goto out;
		}
		if (mode == SMPP_LONG_UDH) {
			uint8_t tmp[UDH_LEN + SMS_OCTETS_GSM];
			tmp[0] = 5;
			tmp[1] = 0; /* concatenation, 8-bit reference */
			tmp[2] = 3;
			tmp[3] = (uint8_t)ref;
			tmp[4] = 0; /* total, below */
			tmp[5] = (uint8_t)(ret->n + 1);
			memcpy(tmp + UDH_LEN, o + start, end - start);
			add_part(ret, tmp, UDH_LEN + end - start, e.dc);
			ret->v[ret->n - 1].esm_class = SMPP_ESM_UDHI;
		} else {
			add_part(ret, o + start, end - start, e.dc);
			ret->v[ret->n - 1].sar_ref = (int)(ref & 0xFFFF);
			ret->v[ret->n - 1].sar_seq = (int)ret->n;
		}
		start = end;
	}
	total = ret->n;
	for (size_t i = 0; i < total; i++) {
		if (mode == SMPP_LONG_UDH)
			ret->v[i].sm[4] = (uint8_t)total;
		else
			ret->v[i].sar_total = (int)total;
	}
out:
	if (rc < 0)
		smpp_parts_free(ret);
	buf_free(&e.octets);
	free(e.ends);
	return rc;
}

void
smpp_parts_free(struct smpp_parts *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].sm);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* --- receiving ------------------------------------------------------ */

enum alphabet_of {
	DC_GSM,
	DC_LATIN1,
	DC_UCS2,
	DC_BINARY
};

static enum alphabet_of
alphabet_of(uint8_t dc, enum smpp_alphabet a)
{
	if (dc == SMPP_DC_DEFAULT)
		return a == SMPP_ALPHA_GSM ? DC_GSM : DC_LATIN1;
	if (dc == SMPP_DC_ASCII || dc == SMPP_DC_LATIN1)
		return DC_LATIN1;
	if (dc == SMPP_DC_UCS2)
		return DC_UCS2;
	if (dc == 0x02 || dc == 0x04)
		return DC_BINARY;
	if ((dc & 0xF0) == 0xF0) /* message class forms */
		return (dc & 0x04) ? DC_BINARY : DC_GSM;
	if ((dc & 0xC0) == 0x00 && (dc & 0x10)) { /* general data coding */
		if (dc & 0x20)
			return DC_BINARY; /* compressed */
		switch ((dc >> 2) & 3) {
		case 0:
			return DC_GSM;
		case 2:
			return DC_UCS2;
		default:
			return DC_BINARY;
		}
	}
	return DC_LATIN1; /* the rest are 8-bit national sets: best effort */
}

/* Reads a concatenation header's 8- or 16-bit reference element. */
static int
read_udh(const uint8_t *p, size_t n, struct smpp_text *t, size_t *ret_len)
{
	size_t udhl;

	if (n < 1 || (udhl = p[0]) + 1 > n)
		return -EINVAL;
	for (size_t i = 1; i + 1 < 1 + udhl;) {
		uint8_t iei = p[i], iel = p[i + 1];

		if (i + 2 + iel > 1 + udhl)
			return -EINVAL;
		if (iei == 0x00 && iel == 3) {
			snprintf(t->ref, sizeof(t->ref), "u%u/%u", p[i + 2],
			    p[i + 3]);
			t->total = p[i + 3];
			t->part = p[i + 4];
		} else if (iei == 0x08 && iel == 4) {
			snprintf(t->ref, sizeof(t->ref), "u%u/%u",
			    (unsigned)(p[i + 2] << 8 | p[i + 3]), p[i + 4]);
			t->total = p[i + 4];
			t->part = p[i + 5];
		}
		i += 2 + (size_t)iel;
	}
	*ret_len = 1 + udhl;
	return 0;
}

int
smpp_text_decode(const struct smpp_pdu *p, enum smpp_alphabet a,
    struct smpp_text *ret, const char **why)
{
	const uint8_t *o = p->payload != NULL ? p->payload : p->sm;
	size_t n = p->payload != NULL ? p->payload_len : p->sm_len, skip = 0;
	enum alphabet_of how = alphabet_of(p->data_coding, a);
	struct buf b;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if (o == NULL)
		o = (const uint8_t *)"";
	if (p->esm_class & SMPP_ESM_UDHI) {
		if (read_udh(o, n, ret, &skip) < 0) {
			*why = "a broken user data header";
			return -EINVAL;
		}
		o += skip;
		n -= skip;
	} else if (p->sar_ref >= 0 && p->sar_total >= 0 && p->sar_seq >= 0) {
		snprintf(ret->ref, sizeof(ret->ref), "s%d/%d", p->sar_ref,
		    p->sar_total);
		ret->total = p->sar_total;
		ret->part = p->sar_seq;
	}
	if (ret->total == 1) {
		ret->total = 0; /* one part of one: whole */
	} else if (ret->total != 0 &&
	    (ret->total > CONCAT_MAX_PARTS || ret->part < 1 ||
		ret->part > ret->total)) {
		*why = "a concatenation header out of range";
		return -EINVAL;
	}
	if (how == DC_BINARY) {
		*why = "a binary message (not text)";
		return -EINVAL;
	}
	buf_init(&b);
	if (how == DC_UCS2) {
		rc = utf16be_to_utf8(o, n, &b);
	} else {
		rc = how == DC_GSM ? gsm7_to_utf8(o, n, &b) : -EINVAL;
		if (rc < 0) {
			/* Latin-1, or octets above 0x7F where GSM-7 was
			 * meant: the SMSC sent 8-bit text; read it as
			 * Latin-1 rather than lose it */
			buf_reset(&b);
			rc = latin1_to_utf8(o, n, &b);
		}
	}
	if (rc < 0 || b.len > MSG_TEXT_MAX) {
		*why = rc < 0 ? "octets that do not decode in its data_coding"
			      : "a text over the length limit";
		buf_free(&b);
		return -EINVAL;
	}
	ret->text = buf_steal(&b);
	return 0;
}

void
smpp_text_done(struct smpp_text *t)
{
	free(t->text);
	memset(t, 0, sizeof(*t));
}

bool
smpp_is_receipt(const struct smpp_pdu *p)
{
	return (p->esm_class & SMPP_ESM_TYPE_MASK) == SMPP_ESM_RECEIPT ||
	    (p->esm_class & SMPP_ESM_TYPE_MASK) == 0x20;
}

/* The value after "key:" in a receipt's text, up to a space. */
static bool
receipt_field(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key), i = 0;
	const char *p = text;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == ' ') && p[k] == ':')
			break;
		p += k;
	}
	if (p == NULL)
		return false;
	p += k + 1;
	while (p[i] != '\0' && p[i] != ' ' && i + 1 < size) {
		out[i] = p[i];
		i++;
	}
	out[i] = '\0';
	return i > 0;
}

static const struct {
	const char *stat;
	enum dlr_status status;
} receipt_stats[] = {
	{ "DELIVRD", DLR_DELIVERED },
	{ "EXPIRED", DLR_EXPIRED },
	{ "DELETED", DLR_FAILED },
	{ "UNDELIV", DLR_FAILED },
	{ "REJECTD", DLR_FAILED },
	{ "UNKNOWN", DLR_FAILED },
	{ "ACCEPTD", DLR_SENT },
	{ "ENROUTE", DLR_SENT },
	{ "ACKED", DLR_SENT },
	{ "BUFFRED", DLR_SENT },
	{ "BUFFERD", DLR_SENT },
};

int
smpp_receipt_parse(const struct smpp_pdu *p, struct smpp_receipt *ret)
{
	/* message_state TLV: 1 ENROUTE .. 8 REJECTED */
	static const int states[] = { -1, DLR_SENT, DLR_DELIVERED, DLR_EXPIRED,
		DLR_FAILED, DLR_FAILED, DLR_SENT, DLR_FAILED, DLR_FAILED };
	static const char *const state_names[] = { "", "ENROUTE", "DELIVRD",
		"EXPIRED", "DELETED", "UNDELIV", "ACCEPTD", "UNKNOWN",
		"REJECTD" };
	const uint8_t *o = p->payload != NULL ? p->payload : p->sm;
	size_t n = p->payload != NULL ? p->payload_len : p->sm_len;
	char text[256], stat[16] = "", err[12] = "";
	int status = -1;

	memset(ret, 0, sizeof(*ret));
	/* the structural part is ASCII whatever the data_coding says */
	n = o == NULL ? 0 : n < sizeof(text) - 1 ? n : sizeof(text) - 1;
	for (size_t i = 0; i < n; i++)
		text[i] = o[i] >= 0x20 && o[i] < 0x7F ? (char)o[i] : ' ';
	text[n] = '\0';
	if (p->receipted_id[0] != '\0')
		strlcpy_(ret->id, p->receipted_id, sizeof(ret->id));
	else
		receipt_field(text, "id", ret->id, sizeof(ret->id));
	if (p->message_state >= 1 && p->message_state <= 8) {
		status = states[p->message_state];
		strlcpy_(stat, state_names[p->message_state], sizeof(stat));
	}
	if (receipt_field(text, "stat", stat, sizeof(stat)) && status < 0)
		for (size_t i = 0; i < ARRAY_LEN(receipt_stats); i++)
			if (strcmp(receipt_stats[i].stat, stat) == 0)
				status = (int)receipt_stats[i].status;
	if (!receipt_field(text, "err", err, sizeof(err)) &&
	    p->network_error[0] != '\0')
		strlcpy_(err, p->network_error, sizeof(err));
	if (ret->id[0] == '\0' || status < 0)
		return -EINVAL;
	ret->status = (enum dlr_status)status;
	if (ret->status != DLR_DELIVERED && ret->status != DLR_SENT)
		snprintf(ret->reason, sizeof(ret->reason), "stat:%s err:%s",
		    stat, err[0] ? err : "-");
	return 0;
}

void
smpp_id_normalise(const char *id, int base, char *out, size_t outlen)
{
	unsigned long long v;
	char *end;

	if (base != 0 && id[0] != '\0' &&
	    strspn(id, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") ==
		strlen(id)) {
		errno = 0;
		v = strtoull(id, &end, base);
		if (errno == 0 && *end == '\0') {
			snprintf(out, outlen, "%llu", v);
			return;
		}
	}
	snprintf(out, outlen, "%s", id);
}
