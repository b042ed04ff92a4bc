/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-ussd: any path a handset or a provider may send, through the USSD
 * engine and the shipped menus and handlers, on an in-memory store.  The
 * first byte picks one of four sessions (so paths follow one another, or
 * do not); every answer must be a screen a handset can show.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "text.h"
#include "ussd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *conf;
static struct store *st;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sessions[] = { "a", "b", "c", "d" };
	struct ussd_step u = { .provider = "log",
		.number = "+254711000009",
		.code = "*384*1#" };
	struct sms_info info;
	char *text, *screen = NULL;

	if (conf == NULL) {
		struct conf_errors ce;
		char *err = NULL;
		conf_errors_init(&ce);
		conf = conf_load(FUZZ_CONF_DIR "/../../conf/baraza.conf", NULL,
		    0, handlers_table, &ce);
		conf_errors_done(&ce);
		if (conf == NULL || store_open(":memory:", &st, &err) < 0)
			abort();
	}
	if (size < 1 || size > USSD_TEXT_MAX)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (!utf8_valid(text, size - 1) || strpbrk(text, "\r\n") != NULL) {
		free(text); /* what the provider parser refuses */
		return 0;
	}
	u.session = sessions[data[0] & 3];
	u.text = text;
	if (store_begin(st) < 0 ||
	    ussd_run(st, conf->routing, conf, &u, &screen) < 0 ||
	    store_commit(st) < 0)
		abort();
	if (strncmp(screen, "CON ", 4) != 0 && strncmp(screen, "END ", 4) != 0)
		abort();
	sms_measure(screen + 4, &info);
	if (info.units > USSD_SCREEN_MAX)
		abort();
	free(screen);
	free(text);
	return 0;
}
