/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-inbound: every provider type's webhook and delivery-report parser,
 * and its reading of the provider's answer to a send.  The first byte
 * picks the provider and the content type; the rest is the body (and, for
 * Kannel, the query string too).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "provider_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf_text[] =
    "gateway = { database = \"/tmp/unused.db\"; country_code = \"254\"; };\n"
    "providers = (\n"
    " { name = \"generic\"; type = \"generic\"; base_url = \"http://x\"; },\n"
    " { name = \"at\"; type = \"africastalking\"; username = \"u\"; api_key = \"k\"; },\n"
    " { name = \"tw\"; type = \"twilio\"; account_sid = \"AC0123456789abcdef0123456789abcdef\";"
    "   auth_token = \"t\"; validate = false; },\n"
    " { name = \"kannel\"; type = \"kannel\"; username = \"u\"; password = \"p\";"
    "   sendsms_url = \"http://x/cgi-bin/sendsms\"; },\n"
    " { name = \"vn\"; type = \"vonage\"; api_key = \"k\"; api_secret = \"s\"; }\n"
    ");\n"
    "languages = { en = { help = [\"HELP\"]; stop = [\"STOP\"]; start = [\"START\"];"
    " quit = [\"QUIT\"]; }; };\n"
    "replies = { stop = \"s\"; start = \"s\"; quit = \"q\"; ambiguous = \"a\"; };\n"
    "routes = ( { name = \"help\"; handler = \"help\"; reply = \"h\"; } );\n";

static struct conf *conf;

static const char *
no_header(const struct webreq *r, const char *name)
{
	return NULL;
}

static void
load(void)
{
	char path[64];
	struct conf_errors ce;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/baraza-fuzz-inbound-%d.conf",
	    (int)getpid());
	f = fopen(path, "w");
	fputs(conf_text, f);
	fclose(f);
	conf_errors_init(&ce);
	conf = conf_load(path, NULL, 0, handlers_table, &ce);
	conf_errors_done(&ce);
	unlink(path);
	if (conf == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webreq r = { .method = "POST", .header = no_header };
	const struct provider *p;
	struct inbound in = { 0 };
	struct dlr d = { 0 };
	struct buf err;
	char *body, *uri;

	if (conf == NULL)
		load();
	if (size == 0)
		return 0;
	p = &conf->providers[(data[0] >> 1) % conf->nproviders];
	r.content_type = data[0] & 1 ? "application/json"
				     : "application/x-www-form-urlencoded";
	body = malloc(size);
	memcpy(body, data + 1, size - 1);
	body[size - 1] = '\0';
	r.body = body;
	r.body_len = size - 1;
	uri = xasprintf("/sms/x?%s", body);
	r.uri = uri;
	r.path = "/sms/x";
	buf_init(&err);
	if (p->type->parse_inbound(p->state, &r, &in, &err) == 0) {
		/* what is accepted must satisfy the limits the store relies on
		 */
		if (strlen(in.text) > MSG_TEXT_MAX * (size_t)3 ||
		    strlen(in.from) > MSG_NUMBER_MAX + 1 ||
		    in.concat_total > CONCAT_MAX_PARTS ||
		    in.concat_part > in.concat_total)
			abort();
		/* as the writer stores the number: E.164 grows it to 16 at
		 * most, and never makes it longer otherwise */
		{
			char *n = conf_number(&conf->gw, in.from);
			size_t len = strlen(n);

			if (len > 16 && len > strlen(in.from))
				abort();
			free(n);
		}
	}
	inbound_done(&in);
	buf_reset(&err);
	p->type->parse_dlr(p->state, &r, &d, &err);
	dlr_done(&d);
	if (p->type->parse_poll != NULL) {
		struct inbound *v = NULL;
		size_t n = 0;
		char *cursor = NULL;
		bool more;

		buf_reset(&err);
		if (p->type->parse_poll(p->state, 200, body, size - 1, &v, &n,
			&cursor, &more, &err) == 0) {
			for (size_t i = 0; i < n; i++)
				inbound_done(&v[i]);
			free(v);
			free(cursor);
		}
	}
	if (p->type->classify != NULL) {
		struct send_outcome out = { 0 };

		p->type->classify(p->state, data[0] & 1 ? 200 : 201, body,
		    size - 1, &out);
		/* a long message's part ids: all of them, each one in bounds */
		for (size_t i = 0; i < out.nparts; i++)
			if (out.part_ids == NULL || out.part_ids[i] == NULL ||
			    strlen(out.part_ids[i]) > MSG_ID_MAX)
				abort();
		send_outcome_done(&out);
	}
	buf_free(&err);
	free(uri);
	free(body);
	return 0;
}
