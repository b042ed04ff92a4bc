/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_pdu: SMPP 3.4 protocol data units (../shared/protocols.md §5) --
 * framing, decoding the PDUs an SMSC sends an ESME, and encoding the ones
 * an ESME sends.  Pure functions on bytes: no sockets, no logging.  The
 * decoder is the one parser of the SMSC's bytes, and has a fuzz target.
 */
#ifndef BARAZA_SMPP_PDU_H
#define BARAZA_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define SMPP_HEADER_LEN 16
#define SMPP_PDU_MAX    70000 /* a 64 KiB message_payload and the rest */

#define SMPP_RESP 0x80000000u

enum smpp_cmd {
	SMPP_GENERIC_NACK = 0x80000000u,
	SMPP_BIND_RECEIVER = 0x00000001u,
	SMPP_BIND_TRANSMITTER = 0x00000002u,
	SMPP_SUBMIT_SM = 0x00000004u,
	SMPP_DELIVER_SM = 0x00000005u,
	SMPP_UNBIND = 0x00000006u,
	SMPP_BIND_TRANSCEIVER = 0x00000009u,
	SMPP_OUTBIND = 0x0000000Bu,
	SMPP_ENQUIRE_LINK = 0x00000015u,
	SMPP_ALERT_NOTIFICATION = 0x00000102u,
	SMPP_DATA_SM = 0x00000103u,
};

enum smpp_status {
	ESME_ROK = 0x00,
	ESME_RINVMSGLEN = 0x01,
	ESME_RINVCMDLEN = 0x02,
	ESME_RINVCMDID = 0x03,
	ESME_RINVBNDSTS = 0x04,
	ESME_RALYBND = 0x05,
	ESME_RSYSERR = 0x08,
	ESME_RBINDFAIL = 0x0D,
	ESME_RINVPASWD = 0x0E,
	ESME_RINVSYSID = 0x0F,
	ESME_RMSGQFUL = 0x14,
	ESME_RTHROTTLED = 0x58,
	ESME_RX_T_APPN = 0x64,
	ESME_RX_P_APPN = 0x65,
	ESME_RINVOPTPARSTREAM = 0xC0,
};

/* esm_class bits */
#define SMPP_ESM_TYPE_MASK 0x3C
#define SMPP_ESM_RECEIPT   0x04
#define SMPP_ESM_UDHI      0x40

/* data_coding values */
#define SMPP_DC_DEFAULT 0x00
#define SMPP_DC_ASCII   0x01
#define SMPP_DC_LATIN1  0x03
#define SMPP_DC_UCS2    0x08

/*
 * A decoded PDU.  Strings are copied into the arrays (each the field's
 * maximum with its NUL); sm and payload point into the bytes decoded and
 * live as long as they do.  Fields a PDU does not carry stay zero/empty;
 * absent integer TLVs are -1.
 */
struct smpp_pdu {
	uint32_t len, cmd, status, seq;
	char system_id[17];  /* bind_*_resp, outbind */
	char password[10];   /* outbind */
	char message_id[66]; /* submit_sm_resp */
	/* deliver_sm / submit_sm / data_sm */
	char service_type[7];
	uint8_t src_ton, src_npi;
	char src[22];
	uint8_t dst_ton, dst_npi;
	char dst[22];
	uint8_t esm_class, protocol_id, priority, registered_delivery;
	uint8_t data_coding;
	const uint8_t *sm;
	size_t sm_len;
	/* TLVs */
	const uint8_t *payload; /* message_payload, NULL when absent */
	size_t payload_len;
	char receipted_id[66];
	int message_state;
	int sar_ref, sar_total, sar_seq;
	int ussd_op;
	int its_session;        /* its_session_info, -1 when absent */
	char network_error[12]; /* "type:code", "" when absent */
};

/*
 * Framing: given the first n bytes of the stream, the whole PDU's length
 * when at least the header's length field is in (0 when fewer than 4
 * bytes are), or -EPROTO for a length no PDU can have -- after which the
 * stream cannot be resynchronised and the connection must close.
 */
long smpp_frame_len(const uint8_t *p, size_t n);

/*
 * Decodes one whole PDU of n bytes (n == its command_length).  0 with ret
 * filled, also for a command this decoder does not know (the caller
 * answers generic_nack); -EINVAL for a body that does not follow the
 * command's layout (ret->cmd and ret->seq are still set, for the nack).
 */
int smpp_pdu_decode(const uint8_t *p, size_t n, struct smpp_pdu *ret);

/* The name of a command, for logs ("submit_sm_resp"); "unknown" else. */
const char *smpp_cmd_name(uint32_t cmd);
/* The name of a command_status ("ESME_RTHROTTLED"), or "0x%08x". */
const char *smpp_status_name(uint32_t status, char tmp[12]);

struct smpp_bind {
	uint32_t cmd; /* SMPP_BIND_TRANSCEIVER, _TRANSMITTER or _RECEIVER */
	const char *system_id, *password, *system_type, *address_range;
	uint8_t ton, npi;
};

/* What one submit_sm carries; short_message or, with payload, the
 * message_payload TLV. */
struct smpp_submit {
	const char *service_type;
	uint8_t src_ton, src_npi;
	const char *src;
	uint8_t dst_ton, dst_npi;
	const char *dst;
	uint8_t esm_class, registered_delivery, data_coding;
	const uint8_t *sm;
	size_t sm_len;
	bool payload;
	int sar_ref; /* -1: no sar_* TLVs */
	int sar_total, sar_seq;
	int ussd_op;     /* -1: none */
	int its_session; /* its_session_info; -1: none */
};

/* Encoders append one PDU to out. */
void smpp_put_bind(struct buf *out, uint32_t seq, const struct smpp_bind *b);
void smpp_put_submit(struct buf *out, uint32_t seq,
    const struct smpp_submit *s);
/* A header-only PDU: enquire_link, unbind, their responses,
 * generic_nack. */
void smpp_put_header(struct buf *out, uint32_t cmd, uint32_t status,
    uint32_t seq);
/* deliver_sm_resp or data_sm_resp: an empty message_id. */
void smpp_put_resp_id(struct buf *out, uint32_t cmd, uint32_t status,
    uint32_t seq);

#endif
