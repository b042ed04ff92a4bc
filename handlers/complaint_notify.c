/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint_notify: what a desk's officers are told by SMS -- a complaint
 * just filed (officer_alert), one a citizen says is not fixed
 * (officer_reopened), one they asked about (officer_status), and, on
 * `baraza complaint remind`, the complaints open past escalate_after_days
 * (officer_reminder).  Each complaint's
 * officers are its category's, else the desk's; escalate_to (supervisors)
 * are reminded of all of them.  Every SMS is one segment, in the language
 * its officer last used; alerts outside alert_hours wait for them.
 */
#include <ctype.h>
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

/* An officer's language (the one they last used, else the default) into
 * *ret_lang; returns 1 when they sent STOP, else 0, or a store error. */
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

/* Two spaces where an empty {details} stood become one. */
static void
squeeze_spaces(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (!(*r == ' ' && r[1] == ' '))
			*w++ = *r;
	*w = '\0';
}

/* {details} is "place: description", ending as a sentence does (a "."
 * added), or cut at a word and marked "..." until the SMS is one segment
 * (no shorter than ALERT_DESC_MIN bytes); empty for a category with
 * officer_details = false. */
char *
desk_officer_text(const struct desk *d, const struct complaint *c,
    enum ctext which, int lang)
{
	const struct ltext *t = &d->t[which];
	const struct category *cat = desk_category(d, c->category);
	bool details_ok = cat == NULL || cat->officer_details;
	char date[16];
	char *place = c->location != NULL && details_ok
	    ? handler_echo(t, lang, c->location, ALERT_PLACE_MAX)
	    : NULL;
	const char *description =
	    c->description != NULL && details_ok ? c->description : "";
	size_t max = ALERT_DESC_MAX;
	char *text = NULL;

	desk_filed_day(c, date);
	for (;;) {
		char *desc = handler_echo(t, lang, description, max);
		char details[ALERT_DESC_MAX + ALERT_PLACE_MAX + 8], *sp;
		const char *vars[] = { "ref", c->ref, "category",
			desk_category_name(d, c->category, lang), "details",
			details, "date", date, "status",
			desk_status_name(d, c->status, lang), "note",
			c->note != NULL ? c->note : "", NULL };
		bool cut = strlen(description) > max;
		size_t len;

		if (cut && (sp = strrchr(desc, ' ')) != NULL &&
		    (size_t)(sp - desc) > max / 2)
			*sp = '\0'; /* at a word */
		len = strlen(desc);
		snprintf(details, sizeof(details), "%s%s%s%s",
		    place != NULL ? place : "", place != NULL ? ": " : "", desc,
		    cut ? "..."
			: len > 0 && !ispunct((unsigned char)desc[len - 1])
			? "."
			: "");
		free(desc);
		free(text);
		text = handler_expand(t, lang, vars);
		if (handler_segments(text) <= 1 || max <= ALERT_DESC_MIN)
			break;
		max = max > ALERT_DESC_MIN + 10 ? max - 10 : ALERT_DESC_MIN;
	}
	free(place);
	if (!details_ok)
		squeeze_spaces(text); /* "{ref}: {details} Now:" */
	return text;
}

int
desk_alert(const struct desk *d, struct hctx *ctx, const struct complaint *c,
    enum ctext which)
{
	int64_t now = hctx_now(ctx),
		at = handler_within_hours(now, d->alert_from, d->alert_to);

	if (d->t[which].s[0] == NULL)
		return 0;
	for (char *const *o = officers_of(d, c); o != NULL && *o != NULL; o++) {
		int lang, rc;
		char *text;

		if ((rc = officer_lang(ctx, *o, &lang)) < 0)
			return rc;
		if (rc > 0)
			continue; /* they sent STOP */
		text = desk_officer_text(d, c, which, lang);
		rc = hctx_notify_words(ctx, c->ref, *o, lang, text,
		    at > now ? at : 0, false);
		free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One officer to remind, and the overdue complaints (indexes) that are
 * theirs. */
struct reminder {
	const char *number;
	size_t *which;
	size_t n;
};

/* Adds complaint i to number's reminder. */
static void
remind_add(struct reminder **v, size_t *n, const char *number, size_t i)
{
	struct reminder *r = NULL;

	for (size_t k = 0; k < *n && r == NULL; k++)
		if (strcmp((*v)[k].number, number) == 0)
			r = &(*v)[k];
	if (r == NULL) {
		if ((*v = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
			abort();
		r = &(*v)[(*n)++];
		memset(r, 0, sizeof(*r));
		r->number = number;
	}
	if (r->n > 0 && r->which[r->n - 1] == i)
		return; /* an officer of the category and a supervisor */
	if ((r->which = realloc(r->which, (r->n + 1) * sizeof(size_t))) == NULL)
		abort();
	r->which[r->n++] = i;
}

/* The reminder's text in lang: as many of its complaints, oldest first,
 * as one SMS holds.  Caller frees; *ret_listed says how many. */
static char *
reminder_text(const struct desk *d, const struct complaint *v,
    const struct reminder *r, int lang, size_t *ret_listed)
{
	const struct ltext *t = &d->t[T_OFFICER_REMINDER];
	char list[REMIND_LIST_MAX] = "", count[24], days[24];
	char *text = NULL;
	size_t len = 0;

	snprintf(count, sizeof(count), "%zu", r->n);
	snprintf(days, sizeof(days), "%d", d->escalate_days);
	*ret_listed = 0;
	for (size_t k = 0; k < r->n; k++) {
		const struct complaint *c = &v[r->which[k]];
		char longer[REMIND_LIST_MAX], *candidate;
		const char *vars[] = { "count", count, "days", days, "list",
			longer, NULL };
		int w = snprintf(longer, sizeof(longer), "%s%s%s (%s)", list,
		    len > 0 ? ", " : "", c->ref,
		    desk_category_name(d, c->category, lang));

		if (w < 0 || (size_t)w >= sizeof(longer))
			break;
		candidate = handler_expand(t, lang, vars);
		if (handler_segments(candidate) > 1 && len > 0) {
			free(candidate);
			break; /* the oldest ones, in one SMS */
		}
		free(text);
		text = candidate;
		memcpy(list, longer, (size_t)w + 1);
		len = (size_t)w;
		(*ret_listed)++;
	}
	return text;
}

int
desk_remind(const struct desk *d, struct hctx *ctx, bool dry_run)
{
	struct complaint_filter f = { .desk = d->name,
		.open_before =
		    hctx_now(ctx) - (int64_t)d->escalate_days * 86400 * 1000 };
	struct complaint *v = NULL;
	struct reminder *r = NULL;
	size_t n = 0, nr = 0, sent = 0;
	FILE *out = hctx_out(ctx);
	int rc;

	if ((rc = hctx_complaint_list(ctx, &f, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		for (char *const *o = officers_of(d, &v[i]);
		     o != NULL && *o != NULL; o++)
			remind_add(&r, &nr, *o, i);
		for (char *const *o = d->escalate_to; o != NULL && *o != NULL;
		     o++)
			remind_add(&r, &nr, *o, i);
	}
	for (size_t k = 0; rc >= 0 && k < nr; k++) {
		size_t listed = 0;
		char *text;
		int lang;

		if ((rc = officer_lang(ctx, r[k].number, &lang)) < 0)
			break;
		if (rc > 0) {
			fprintf(out,
			    "%s: %zu overdue, not reminded (sent STOP)\n",
			    r[k].number, r[k].n);
			rc = 0;
			continue;
		}
		text = reminder_text(d, v, &r[k], lang, &listed);
		if (!dry_run)
			rc =
			    hctx_notify(ctx, r[k].number, lang, text, 0, false);
		if (rc >= 0) {
			fprintf(out, "%s: %zu overdue (%zu listed): %s\n",
			    r[k].number, r[k].n, listed, text);
			sent++;
			rc = 0;
		}
		free(text);
	}
	if (rc >= 0)
		fprintf(out,
		    "%zu complaint%s open more than %d days; %zu %s%s\n", n,
		    n == 1 ? "" : "s", d->escalate_days, sent,
		    sent == 1 ? "reminder" : "reminders",
		    dry_run ? " (dry run: none queued)" : " queued");
	for (size_t k = 0; k < nr; k++)
		free(r[k].which);
	free(r);
	complaints_free(v, n);
	return rc;
}
