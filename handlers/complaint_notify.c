/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint_notify: what a desk's officers are told by SMS -- a complaint
 * just filed (officer_alert), one a citizen says is not fixed
 * (officer_reopened), and, on `baraza complaint remind`, the complaints
 * open past escalate_after_days (officer_reminder).  Each complaint's
 * officers are its category's, else the desk's; escalate_to (supervisors)
 * are reminded of all of them.  Every SMS is one segment, in the language
 * its officer last used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complaint.h"
#include "complaint_ref.h"

/* bytes of a complaint's description and place in an officer's alert, and
 * the shortest the description is cut to */
#define ALERT_DESC_MAX  160
#define ALERT_PLACE_MAX 40
#define ALERT_DESC_MIN  20
#define REMIND_LIST_MAX 480 /* bytes of a reminder's list */

/* The officers told of complaint c's news: its category's, else the
 * desk's. */
static char *const *
officers_of(const struct desk *d, const struct complaint *c)
{
	const struct category *cat = desk_category(d, c->category);

	return cat != NULL && cat->officers != NULL ? cat->officers
						    : d->officers;
}

/* An officer's language (the one they last used, else the default); -1
 * when they sent STOP; or a store error. */
static int
officer_lang(struct hctx *ctx, const char *number, int *ret_lang)
{
	bool stopped, busy;
	int rc;

	if ((rc = hctx_contact(ctx, number, ret_lang, &stopped, &busy)) < 0)
		return rc;
	if (*ret_lang < 0)
		*ret_lang = 0;
	return stopped ? 1 : 0;
}

/* The alert in lang, its description cut at a word (and marked "...")
 * until the SMS is one segment, or to ALERT_DESC_MIN bytes.  Caller
 * frees. */
static char *
alert_text(const struct desk *d, const struct complaint *c,
    const struct ltext *t, int lang)
{
	char *place = c->location != NULL
	    ? handler_echo(t, lang, c->location, ALERT_PLACE_MAX)
	    : NULL;
	const char *description = c->description ? c->description : "";
	size_t max = ALERT_DESC_MAX;
	char *text = NULL;

	for (;;) {
		char *desc = handler_echo(t, lang, description, max);
		char details[ALERT_DESC_MAX + ALERT_PLACE_MAX + 8], *sp;
		const char *vars[] = { "ref", c->ref, "category",
			desk_category_name(d, c->category, lang), "details",
			details, NULL };
		bool cut = strlen(description) > max;

		if (cut && (sp = strrchr(desc, ' ')) != NULL &&
		    (size_t)(sp - desc) > max / 2)
			*sp = '\0'; /* at a word */
		snprintf(details, sizeof(details), "%s%s%s%s",
		    place != NULL ? place : "", place != NULL ? ": " : "", desc,
		    cut ? "..." : "");
		free(desc);
		free(text);
		text = handler_expand(t, lang, vars);
		if (handler_segments(text) <= 1 || max <= ALERT_DESC_MIN)
			break;
		max = max > ALERT_DESC_MIN + 10 ? max - 10 : ALERT_DESC_MIN;
	}
	free(place);
	return text;
}

int
desk_alert(const struct desk *d, struct hctx *ctx, const struct complaint *c,
    enum ctext which)
{
	if (d->t[which].s[0] == NULL)
		return 0;
	for (char *const *o = officers_of(d, c); o != NULL && *o != NULL; o++) {
		int lang, rc;
		char *text;

		if ((rc = officer_lang(ctx, *o, &lang)) < 0)
			return rc;
		if (rc > 0)
			continue; /* they sent STOP */
		text = alert_text(d, c, &d->t[which], lang);
		rc = hctx_notify(ctx, *o, lang, text, 0, false);
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}
