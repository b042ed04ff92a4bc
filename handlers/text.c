/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text: answers every message on its route with one fixed text from conf,
 * in the citizen's language.
 */
#include <errno.h>
#include <stdlib.h>

#include "handler.h"

struct text {
	struct ltext reply;
};

static const char *const text_keys[] = { "reply", NULL };

static int
text_configure(struct hconf *hc, void **ret_state)
{
	struct text *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	if (hconf_ltext(hc, NULL, "reply", true, &t->reply) < 0) {
		free(t);
		return -EINVAL;
	}
	*ret_state = t;
	return 0;
}

static void
text_free(void *state)
{
	struct text *t = state;

	if (t == NULL)
		return;
	ltext_done(&t->reply);
	free(t);
}

static int
text_handle(void *state, struct hctx *ctx)
{
	struct text *t = state;

	hctx_reply_template(ctx, &t->reply, NULL);
	return HANDLER_OK;
}

const struct handler text_handler = {
	.name = "text",
	.abi = HANDLER_ABI,
	.keys = text_keys,
	.configure = text_configure,
	.free_state = text_free,
	.handle = text_handle,
};
