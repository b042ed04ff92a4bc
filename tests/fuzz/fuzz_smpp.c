/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-smpp: the bytes an SMSC sends, framed and decoded as the link
 * does, each deliver_sm read as a text and as a receipt; and, for inputs
 * that are UTF-8, the text cut into parts.  Invariants: decoded texts
 * are valid UTF-8 within the length limit, every part fits one SMS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smpp_msg.h"
#include "smpp_pdu.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_parts(const char *text)
{
	struct smpp_parts parts;

	for (int mode = SMPP_LONG_UDH; mode <= SMPP_LONG_PAYLOAD; mode++) {
		if (smpp_text_encode(text, SMPP_ALPHA_GSM, (enum smpp_long)mode,
			1, &parts) < 0)
			continue;
		for (size_t i = 0; i < parts.n; i++)
			if (!parts.v[i].payload && parts.v[i].len > 140 + 20)
				abort();
		smpp_parts_free(&parts);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		long len = smpp_frame_len(data + off, size - off);
		struct smpp_pdu pdu;
		struct smpp_text t;
		struct smpp_receipt r;
		const char *why;

		if (len <= 0 || (size_t)len > size - off)
			break;
		if (smpp_pdu_decode(data + off, (size_t)len, &pdu) < 0) {
			off += (size_t)len;
			continue;
		}
		if (pdu.cmd == SMPP_DELIVER_SM) {
			if (smpp_text_decode(&pdu, SMPP_ALPHA_GSM, &t, &why) ==
			    0) {
				if (!utf8_valid(t.text, strlen(t.text)) ||
				    strlen(t.text) > MSG_TEXT_MAX)
					abort();
				smpp_text_done(&t);
			}
			if (smpp_receipt_parse(&pdu, &r) == 0) {
				char id[sizeof(r.id)];

				smpp_id_normalise(r.id, 16, id, sizeof(id));
				smpp_id_normalise(r.id, 10, id, sizeof(id));
			}
		} else if (pdu.cmd == (SMPP_SUBMIT_SM | SMPP_RESP)) {
			char id[sizeof(pdu.message_id)];

			smpp_id_normalise(pdu.message_id, 16, id, sizeof(id));
		}
		off += (size_t)len;
	}
	if (size < 4096) {
		char *s = malloc(size + 1);

		memcpy(s, data, size);
		s[size] = '\0';
		if (utf8_valid(s, size))
			check_parts(s);
		free(s);
	}
	return 0;
}
