/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_pdu: see smpp_pdu.h.  The decoder reads through a bounded cursor:
 * every read checks what is left, so a short or lying PDU is -EINVAL,
 * never a read past its end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smpp_pdu.h"

struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static uint8_t
get8(struct cursor *c)
{
	if (c->bad || c->p >= c->end) {
		c->bad = true;
		return 0;
	}
	return *c->p++;
}

static uint32_t
get16(struct cursor *c)
{
	uint32_t v = (uint32_t)get8(c) << 8;

	return v | get8(c);
}

static uint32_t
get32(struct cursor *c)
{
	uint32_t v = get16(c) << 16;

	return v | get16(c);
}

/* A C-Octet String of at most size bytes with its NUL. */
static void
get_cstr(struct cursor *c, char *out, size_t size)
{
	size_t i;

	out[0] = '\0';
	if (c->bad)
		return;
	for (i = 0; i < size && c->p + i < c->end; i++)
		if (c->p[i] == '\0')
			break;
	if (i == size || c->p + i >= c->end) {
		c->bad = true;
		return;
	}
	memcpy(out, c->p, i);
	out[i] = '\0';
	c->p += i + 1;
}

static const uint8_t *
get_bytes(struct cursor *c, size_t n)
{
	const uint8_t *p = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return NULL;
	}
	c->p += n;
	return p;
}

long
smpp_frame_len(const uint8_t *p, size_t n)
{
	uint32_t len;

	if (n < 4)
		return 0;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	if (len < SMPP_HEADER_LEN || len > SMPP_PDU_MAX)
		return -EPROTO;
	return (long)len;
}

static void
copy_tlv_str(const uint8_t *v, size_t n, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size && v[i] != '\0'; i++)
		out[i] = (char)v[i];
	out[i] = '\0';
}

static void
get_tlvs(struct cursor *c, struct smpp_pdu *r)
{
	while (!c->bad && c->p < c->end) {
		uint32_t tag = get16(c), len = get16(c);
		const uint8_t *v = get_bytes(c, len);

		if (v == NULL)
			return;
		switch (tag) {
		case 0x0424: /* message_payload */
			r->payload = v;
			r->payload_len = len;
			break;
		case 0x001E: /* receipted_message_id */
			copy_tlv_str(v, len, r->receipted_id,
			    sizeof(r->receipted_id));
			break;
		case 0x0427: /* message_state */
			if (len == 1)
				r->message_state = v[0];
			break;
		case 0x0423: /* network_error_code */
			if (len == 3)
				snprintf(r->network_error,
				    sizeof(r->network_error), "%u:%u", v[0],
				    (unsigned)(v[1] << 8 | v[2]));
			break;
		case 0x020C: /* sar_msg_ref_num */
			if (len == 2)
				r->sar_ref = v[0] << 8 | v[1];
			break;
		case 0x020E: /* sar_total_segments */
			if (len == 1)
				r->sar_total = v[0];
			break;
		case 0x020F: /* sar_segment_seqnum */
			if (len == 1)
				r->sar_seq = v[0];
			break;
		case 0x0501: /* ussd_service_op */
			if (len == 1)
				r->ussd_op = v[0];
			break;
		case 0x1383: /* its_session_info */
			if (len == 2)
				r->its_session = v[0] << 8 | v[1];
			break;
		default: /* unknown tags are skipped */
			break;
		}
	}
}

/* deliver_sm and submit_sm share their layout. */
static void
get_sm(struct cursor *c, struct smpp_pdu *r)
{
	char ignored[18];

	get_cstr(c, r->service_type, sizeof(r->service_type));
	r->src_ton = get8(c);
	r->src_npi = get8(c);
	get_cstr(c, r->src, sizeof(r->src));
	r->dst_ton = get8(c);
	r->dst_npi = get8(c);
	get_cstr(c, r->dst, sizeof(r->dst));
	r->esm_class = get8(c);
	r->protocol_id = get8(c);
	r->priority = get8(c);
	get_cstr(c, ignored, sizeof(ignored)); /* schedule_delivery_time */
	get_cstr(c, ignored, sizeof(ignored)); /* validity_period */
	r->registered_delivery = get8(c);
	get8(c); /* replace_if_present_flag */
	r->data_coding = get8(c);
	get8(c); /* sm_default_msg_id */
	r->sm_len = get8(c);
	r->sm = get_bytes(c, r->sm_len);
	get_tlvs(c, r);
}

static void
get_data_sm(struct cursor *c, struct smpp_pdu *r)
{
	get_cstr(c, r->service_type, sizeof(r->service_type));
	r->src_ton = get8(c);
	r->src_npi = get8(c);
	get_cstr(c, r->src, sizeof(r->src));
	r->dst_ton = get8(c);
	r->dst_npi = get8(c);
	get_cstr(c, r->dst, sizeof(r->dst));
	r->esm_class = get8(c);
	r->registered_delivery = get8(c);
	r->data_coding = get8(c);
	get_tlvs(c, r);
}

int
smpp_pdu_decode(const uint8_t *p, size_t n, struct smpp_pdu *ret)
{
	struct cursor c = { .p = p, .end = p + n };

	memset(ret, 0, sizeof(*ret));
	ret->message_state = ret->sar_ref = ret->sar_total = ret->sar_seq =
	    ret->ussd_op = ret->its_session = -1;
	ret->len = get32(&c);
	ret->cmd = get32(&c);
	ret->status = get32(&c);
	ret->seq = get32(&c);
	if (c.bad || ret->len != n)
		return -EINVAL;
	switch (ret->cmd) {
	case SMPP_BIND_RECEIVER | SMPP_RESP:
	case SMPP_BIND_TRANSMITTER | SMPP_RESP:
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP:
		if (c.p < c.end) /* absent on some failures */
			get_cstr(&c, ret->system_id, sizeof(ret->system_id));
		get_tlvs(&c, ret);
		break;
	case SMPP_SUBMIT_SM | SMPP_RESP:
	case SMPP_DATA_SM | SMPP_RESP:
		if (c.p < c.end)
			get_cstr(&c, ret->message_id, sizeof(ret->message_id));
		get_tlvs(&c, ret);
		break;
	case SMPP_DELIVER_SM:
	case SMPP_SUBMIT_SM:
		get_sm(&c, ret);
		break;
	case SMPP_DATA_SM:
		get_data_sm(&c, ret);
		break;
	case SMPP_ENQUIRE_LINK:
	case SMPP_ENQUIRE_LINK | SMPP_RESP:
	case SMPP_UNBIND:
	case SMPP_UNBIND | SMPP_RESP:
	case SMPP_GENERIC_NACK:
	case SMPP_DELIVER_SM | SMPP_RESP:
	case SMPP_ALERT_NOTIFICATION:
		break; /* bodies the ESME does not need */
	case SMPP_OUTBIND:
		get_cstr(&c, ret->system_id, sizeof(ret->system_id));
		get_cstr(&c, ret->password, sizeof(ret->password));
		break;
	default:
		break; /* unknown: the caller answers generic_nack */
	}
	return c.bad ? -EINVAL : 0;
}

struct name {
	uint32_t code;
	const char *name;
};

static const char *
name_of(const struct name *names, size_t n, uint32_t code)
{
	for (size_t i = 0; i < n; i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

const char *
smpp_cmd_name(uint32_t cmd)
{
	static const struct name names[] = {
		{ SMPP_GENERIC_NACK, "generic_nack" },
		{ SMPP_BIND_RECEIVER, "bind_receiver" },
		{ SMPP_BIND_RECEIVER | SMPP_RESP, "bind_receiver_resp" },
		{ SMPP_BIND_TRANSMITTER, "bind_transmitter" },
		{ SMPP_BIND_TRANSMITTER | SMPP_RESP, "bind_transmitter_resp" },
		{ SMPP_BIND_TRANSCEIVER, "bind_transceiver" },
		{ SMPP_BIND_TRANSCEIVER | SMPP_RESP, "bind_transceiver_resp" },
		{ SMPP_SUBMIT_SM, "submit_sm" },
		{ SMPP_SUBMIT_SM | SMPP_RESP, "submit_sm_resp" },
		{ SMPP_DELIVER_SM, "deliver_sm" },
		{ SMPP_DELIVER_SM | SMPP_RESP, "deliver_sm_resp" },
		{ SMPP_DATA_SM, "data_sm" },
		{ SMPP_DATA_SM | SMPP_RESP, "data_sm_resp" },
		{ SMPP_UNBIND, "unbind" },
		{ SMPP_UNBIND | SMPP_RESP, "unbind_resp" },
		{ SMPP_ENQUIRE_LINK, "enquire_link" },
		{ SMPP_ENQUIRE_LINK | SMPP_RESP, "enquire_link_resp" },
		{ SMPP_OUTBIND, "outbind" },
		{ SMPP_ALERT_NOTIFICATION, "alert_notification" },
	};

	const char *name = name_of(names, ARRAY_LEN(names), cmd);

	return name != NULL ? name : "unknown";
}

const char *
smpp_status_name(uint32_t status, char tmp[12])
{
	static const struct name names[] = {
		{ ESME_ROK, "ESME_ROK" },
		{ ESME_RINVMSGLEN, "ESME_RINVMSGLEN" },
		{ ESME_RINVCMDLEN, "ESME_RINVCMDLEN" },
		{ ESME_RINVCMDID, "ESME_RINVCMDID" },
		{ ESME_RINVBNDSTS, "ESME_RINVBNDSTS" },
		{ ESME_RALYBND, "ESME_RALYBND" },
		{ ESME_RSYSERR, "ESME_RSYSERR" },
		{ 0x0A, "ESME_RINVSRCADR" },
		{ 0x0B, "ESME_RINVDSTADR" },
		{ ESME_RBINDFAIL, "ESME_RBINDFAIL" },
		{ ESME_RINVPASWD, "ESME_RINVPASWD" },
		{ ESME_RINVSYSID, "ESME_RINVSYSID" },
		{ ESME_RMSGQFUL, "ESME_RMSGQFUL" },
		{ 0x45, "ESME_RSUBMITFAIL" },
		{ ESME_RTHROTTLED, "ESME_RTHROTTLED" },
		{ ESME_RX_T_APPN, "ESME_RX_T_APPN" },
		{ ESME_RX_P_APPN, "ESME_RX_P_APPN" },
		{ 0xFF, "ESME_RUNKNOWNERR" },
	};

	const char *name = name_of(names, ARRAY_LEN(names), status);

	if (name != NULL)
		return name;
	snprintf(tmp, 12, "0x%08x", (unsigned)status);
	return tmp;
}

/* --- encoding ------------------------------------------------------- */

static void
put8(struct buf *b, uint32_t v)
{
	buf_putc(b, (char)(v & 0xFF));
}

static void
put16(struct buf *b, uint32_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put32(struct buf *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

/* A C-Octet String cut to max bytes with its NUL. */
static void
put_cstr(struct buf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strnlen(s, max - 1) : 0;

	buf_append(b, s != NULL ? s : "", n);
	put8(b, 0);
}

static size_t
begin(struct buf *b, uint32_t cmd, uint32_t status, uint32_t seq)
{
	size_t at = b->len;

	put32(b, 0); /* command_length, set by end() */
	put32(b, cmd);
	put32(b, status);
	put32(b, seq);
	return at;
}

static void
end(struct buf *b, size_t at)
{
	uint32_t n = (uint32_t)(b->len - at);
	uint8_t *p = (uint8_t *)b->data + at;

	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
}

void
smpp_put_header(struct buf *out, uint32_t cmd, uint32_t status, uint32_t seq)
{
	end(out, begin(out, cmd, status, seq));
}

void
smpp_put_resp_id(struct buf *out, uint32_t cmd, uint32_t status, uint32_t seq)
{
	size_t at = begin(out, cmd, status, seq);

	put8(out, 0);
	end(out, at);
}

void
smpp_put_bind(struct buf *out, uint32_t seq, const struct smpp_bind *b)
{
	size_t at = begin(out, b->cmd, 0, seq);

	put_cstr(out, b->system_id, 16);
	put_cstr(out, b->password, 9);
	put_cstr(out, b->system_type, 13);
	put8(out, 0x34); /* interface_version 3.4 */
	put8(out, b->ton);
	put8(out, b->npi);
	put_cstr(out, b->address_range, 41);
	end(out, at);
}

static void
put_tlv16(struct buf *b, uint32_t tag, uint32_t v)
{
	put16(b, tag);
	put16(b, 2);
	put16(b, v);
}

static void
put_tlv8(struct buf *b, uint32_t tag, uint32_t v)
{
	put16(b, tag);
	put16(b, 1);
	put8(b, v);
}

void
smpp_put_submit(struct buf *out, uint32_t seq, const struct smpp_submit *s)
{
	size_t at = begin(out, SMPP_SUBMIT_SM, 0, seq);
	size_t smn = s->payload ? 0 : s->sm_len;

	if (smn > 254)
		smn = 254; /* callers split; never an invalid sm_length */
	put_cstr(out, s->service_type, 6);
	put8(out, s->src_ton);
	put8(out, s->src_npi);
	put_cstr(out, s->src, 21);
	put8(out, s->dst_ton);
	put8(out, s->dst_npi);
	put_cstr(out, s->dst, 21);
	put8(out, s->esm_class);
	put8(out, 0); /* protocol_id */
	put8(out, 0); /* priority_flag */
	put8(out, 0); /* schedule_delivery_time: now */
	put8(out, 0); /* validity_period: the SMSC's default */
	put8(out, s->registered_delivery);
	put8(out, 0); /* replace_if_present_flag */
	put8(out, s->data_coding);
	put8(out, 0); /* sm_default_msg_id */
	put8(out, (uint32_t)smn);
	buf_append(out, s->sm, smn);
	if (s->sar_ref >= 0) {
		put_tlv16(out, 0x020C, (uint32_t)s->sar_ref);
		put_tlv8(out, 0x020E, (uint32_t)s->sar_total);
		put_tlv8(out, 0x020F, (uint32_t)s->sar_seq);
	}
	if (s->ussd_op >= 0)
		put_tlv8(out, 0x0501, (uint32_t)s->ussd_op);
	if (s->its_session >= 0)
		put_tlv16(out, 0x1383, (uint32_t)s->its_session);
	if (s->payload) {
		size_t n = s->sm_len > 65535 ? 65535 : s->sm_len;

		put16(out, 0x0424);
		put16(out, (uint32_t)n);
		buf_append(out, s->sm, n);
	}
	end(out, at);
}
