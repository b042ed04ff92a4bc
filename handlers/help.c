/* SPDX-License-Identifier: Apache-2.0 */
/*
 * help: answers with the route's text in the citizen's language, where
 * {keywords} becomes the list of keywords they can send next and {menu}
 * the numbered options of the menus (a numbered reply walks them).  It is
 * the usual default route, so unknown words get it too.
 */
#include <errno.h>
#include <stdlib.h>

#include "handler.h"

struct help {
	struct ltext reply;
};

static const char *const help_keys[] = { "reply", NULL };

static int
help_configure(struct hconf *hc, void **ret_state)
{
	struct help *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	if (hconf_ltext(hc, NULL, "reply", true, &h->reply) < 0) {
		free(h);
		return -EINVAL;
	}
	*ret_state = h;
	return 0;
}

static void
help_free(void *state)
{
	struct help *h = state;

	if (h == NULL)
		return;
	ltext_done(&h->reply);
	free(h);
}

static int
help_handle(void *state, struct hctx *ctx)
{
	struct help *h = state;
	char *keywords = hctx_keyword_list(ctx), *menu = hctx_menu_list(ctx);
	const char *vars[] = { "keywords", keywords, "menu", menu, NULL };

	hctx_reply_template(ctx, &h->reply, vars);
	free(keywords);
	free(menu);
	return HANDLER_OK;
}

/* The reply as citizens get it, with the keyword list, must fit too. */
static void
help_check(void *state, struct hconf *hc)
{
	struct help *h = state;

	for (int lang = 0; lang < hconf_nlangs(hc); lang++) {
		char *keywords = hconf_keyword_list(hc, lang);
		char *menu = hconf_menu_list(hc, lang);
		const char *vars[] = { "keywords", keywords, "menu", menu,
			NULL };

		hconf_check_text(hc, "reply", lang, ltext_get(&h->reply, lang),
		    vars);
		free(keywords);
		free(menu);
	}
}

const struct handler help_handler = {
	.name = "help",
	.abi = HANDLER_ABI,
	.keys = help_keys,
	.configure = help_configure,
	.free_state = help_free,
	.handle = help_handle,
	.check = help_check,
};
