/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-handlers: any text a citizen sends, through the pipeline and every
 * shipped handler (survey answers, complaint steps and references, lookup
 * queries), in the sessions earlier inputs left, on an in-memory store.
 * The first byte picks one of four numbers, so conversations interleave.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *conf;
static struct store *st;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const numbers[] = { "+254700000100", "+254711000001",
		"+254711000002", "+254711000003" };
	struct pipeline_opts o = { "log", "queued", "sms", NULL, false };
	struct inbound_new in = { .provider = "log", .peer = "22384" };
	struct outcome oc;
	struct msg m;
	int64_t id;
	bool dup;
	char *s;

	if (conf == NULL) {
		struct conf_override ov[] = { { "gateway.flood_messages",
		    "100000" } };
		struct conf_errors ce;
		char *err = NULL;
		conf_errors_init(&ce);
		conf = conf_load(FUZZ_CONF_DIR "/../../conf/baraza.conf", ov, 1,
		    handlers_table, &ce);
		if (conf == NULL)
			fputs(ce.text.data, stderr);
		conf_errors_done(&ce);
		if (conf == NULL || store_open(":memory:", &st, &err) < 0)
			abort();
	}
	o.conf = conf;
	if (size < 1 || size > 2000)
		return 0;
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (!utf8_valid(s, size - 1) || s[0] == '\0') {
		free(s);
		return 0;
	}
	in.number = numbers[data[0] & 3];
	in.text = s;
	in.at = now_ms();
	if (store_begin(st) < 0 || store_inbound_add(st, &in, &id, &dup) < 0 ||
	    store_message_get(st, id, &m) < 0)
		abort();
	if (pipeline_process(st, conf->routing, &conf->gw, &m, &o, &oc) < 0)
		abort();
	if (store_commit(st) < 0)
		abort();
	outcome_done(&oc);
	msg_done(&m);
	free(s);
	return 0;
}
