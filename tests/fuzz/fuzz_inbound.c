/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-inbound: the generic/log providers' webhook and delivery-report
 * parsers; the first byte picks the content type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "provider_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
no_header(const struct webreq *r, const char *name)
{
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct provider_type *g = provider_type_find("generic");
	struct webreq r = { .method = "POST", .header = no_header };
	struct inbound in = { 0 };
	struct dlr d = { 0 };
	struct buf err;
	char *body;

	if (size == 0)
		return 0;
	r.content_type = data[0] & 1 ? "application/json"
				     : "application/x-www-form-urlencoded";
	body = malloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	r.body = body;
	r.body_len = size - 1;
	buf_init(&err);
	if (generic_inbound(&r, &in, &err) == 0) {
		/* what is accepted must satisfy the limits the store relies on
		 */
		if (strlen(in.text) > MSG_TEXT_MAX ||
		    strlen(in.from) > MSG_NUMBER_MAX)
			abort();
	}
	inbound_done(&in);
	{
		struct {
			char *base_url, *token;
		} state = { "http://x", NULL };
		g->parse_dlr(&state, &r, &d, &err);
	}
	dlr_done(&d);
	buf_free(&err);
	free(body);
	return 0;
}
