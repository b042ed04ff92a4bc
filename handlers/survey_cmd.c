/* SPDX-License-Identifier: Apache-2.0 */
/*
 * survey_cmd: `baraza survey results NAME` (tallies per question over the
 * completed responses, and apart over the partial ones) and `baraza survey
 * invite NAME --numbers FILE` (the opening pushed to a list of numbers, paced
 * at invite_per_min and held to invite_hours in local time; numbers that sent
 * STOP, that already answered, or that are in another conversation are
 * skipped).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "survey.h"

static int
usage(void)
{
	fprintf(stderr,
	    "baraza survey: usage: baraza survey results NAME\n"
	    "                      baraza survey invite NAME --numbers FILE\n");
	return -EINVAL;
}

/* One answer's counts: in completed responses, and in partial ones. */
struct count {
	int64_t done, part;
};

static struct count
tally_of(const struct tally *v, size_t n, const char *q, const char *value)
{
	struct count c = { 0, 0 };

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].question, q) == 0 &&
		    ((value == NULL && v[i].value == NULL) ||
			(value != NULL && v[i].value != NULL &&
			    strcmp(v[i].value, value) == 0))) {
			c.done = v[i].count;
			c.part = v[i].partial;
		}
	return c;
}

static struct count
answered(const struct tally *v, size_t n, const char *q)
{
	struct count c = { 0, 0 };

	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].question, q) == 0 && v[i].value != NULL) {
			c.done += v[i].count;
			c.part += v[i].partial;
		}
	return c;
}

/* "  2 some_days        3   60.0%         1   50.0%": the share among the
 * completed responses' answers, then, when there are partial responses,
 * among theirs. */
static void
row(FILE *out, const char *label, struct count c, struct count total,
    bool partial)
{
	fprintf(out, "  %-16s %8lld  %5.1f%%", label, (long long)c.done,
	    total.done > 0 ? 100.0 * (double)c.done / (double)total.done : 0.0);
	if (partial)
		fprintf(out, "  %8lld  %5.1f%%", (long long)c.part,
		    total.part > 0 ? 100.0 * (double)c.part / (double)total.part
				   : 0.0);
	fputc('\n', out);
}

static int
results(const struct survey *s, struct hctx *ctx)
{
	struct tally *v = NULL;
	FILE *out = hctx_out(ctx);
	int64_t complete = 0, partial = 0;
	size_t n = 0;
	int rc;

	if ((rc = hctx_survey_tally(ctx, s->name, &v, &n, &complete,
		 &partial)) < 0)
		return rc;
	fprintf(out, "survey %s: %lld completed response%s, %lld partial\n",
	    s->name, (long long)complete, complete == 1 ? "" : "s",
	    (long long)partial);
	for (size_t i = 0; i < s->nqs; i++) {
		const struct question *q = &s->qs[i];
		struct count total = answered(v, n, q->id);
		struct count skipped = tally_of(v, n, q->id, NULL);
		bool any =
		    total.done + total.part + skipped.done + skipped.part > 0;

		fprintf(out, "\n%s: %s\n", q->id, ltext_get(&q->prompt, 0));
		/* a number question lists only the values given */
		if (partial > 0 && q->type != Q_TEXT &&
		    (any || q->type != Q_NUMBER))
			fprintf(out, "  %-16s %16s  %16s\n", "", "completed",
			    "partial");
		switch (q->type) {
		case Q_CHOICE:
			for (size_t j = 0; j < q->nopts; j++) {
				char label[48];
				snprintf(label, sizeof(label), "%zu %s", j + 1,
				    q->opts[j].value);
				row(out, label,
				    tally_of(v, n, q->id, q->opts[j].value),
				    total, partial > 0);
			}
			break;
		case Q_YESNO:
			row(out, "yes", tally_of(v, n, q->id, "yes"), total,
			    partial > 0);
			row(out, "no", tally_of(v, n, q->id, "no"), total,
			    partial > 0);
			break;
		case Q_NUMBER:
			/* values in numeric order, as stored text sorts
			 * them by character */
			for (long x = q->min; x <= q->max && x - q->min < 1000;
			     x++) {
				char val[24];
				struct count c;
				snprintf(val, sizeof(val), "%ld", x);
				c = tally_of(v, n, q->id, val);
				if (c.done > 0 || c.part > 0)
					row(out, val, c, total, partial > 0);
			}
			break;
		case Q_TEXT:
			fprintf(out,
			    "  %lld free-text answer%s (read them in the export)",
			    (long long)total.done, total.done == 1 ? "" : "s");
			if (total.part > 0)
				fprintf(out, ", %lld in partial responses",
				    (long long)total.part);
			fputc('\n', out);
			break;
		}
		if (skipped.done > 0 || skipped.part > 0) {
			fprintf(out, "  %-16s %8lld", "(skipped)",
			    (long long)skipped.done);
			if (partial > 0)
				fprintf(out, "          %8lld",
				    (long long)skipped.part);
			fputc('\n', out);
		}
	}
	tallies_free(v, n);
	return HANDLER_OK;
}

/* The first time at or after t (ms) within the waking hours, local. */
static int64_t
waking(const struct survey *s, int64_t t)
{
	return handler_within_hours(t, s->hours_from, s->hours_to);
}

struct invite_counts {
	size_t invited, stopped, answered, busy, repeated;
};

/* One number: skipped, or its session and its paced message. */
static int
invite_one(const struct survey *s, struct hctx *ctx, char **numbers, size_t i,
    int64_t at, struct invite_counts *c)
{
	bool opted_out, busy;
	int lang, done = 0, rc;
	char *text;

	for (size_t j = 0; j < i; j++)
		if (strcmp(numbers[j], numbers[i]) == 0) {
			c->repeated++;
			return 1;
		}
	if ((rc = hctx_contact(ctx, numbers[i], &lang, &opted_out, &busy)) < 0)
		return rc;
	if (opted_out) {
		c->stopped++;
		return 1;
	}
	if (busy) {
		c->busy++;
		return 1;
	}
	if (s->repeat_ms >= 0) {
		int64_t since =
		    s->repeat_ms == 0 ? 0 : hctx_now(ctx) - s->repeat_ms;
		if ((rc = hctx_survey_completed(ctx, s->name, numbers[i], since,
			 &done)) < 0)
			return rc;
		if (done > 0) {
			c->answered++;
			return 1;
		}
	}
	if (lang < 0)
		lang = 0;
	text = survey_opening(s, lang);
	rc = hctx_session_put_for(ctx, numbers[i], "0 0 0",
	    at + (int64_t)s->invite_expiry_h * 3600 * 1000);
	if (rc == 0)
		rc = hctx_notify(ctx, numbers[i], lang, text, at, false);
	free(text);
	if (rc < 0)
		return rc;
	c->invited++;
	return 0;
}

static int
invite(const struct survey *s, struct hctx *ctx, int argc, char **argv)
{
	struct invite_counts c = { 0 };
	const char *file = NULL;
	char **numbers = NULL, first[40] = "", last[40] = "";
	int64_t at = hctx_now(ctx), step = 60000 / s->invite_per_min;
	size_t n = 0;
	int rc = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--numbers") == 0 && i + 1 < argc) {
			file = argv[++i];
			continue;
		}
		fprintf(stderr, "baraza survey invite: unexpected '%s'\n",
		    argv[i]);
		return usage();
	}
	if (file == NULL)
		return usage();
	if ((rc = hctx_read_numbers(ctx, file, &numbers, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		int64_t when = waking(s, at);
		if ((rc = invite_one(s, ctx, numbers, i, when, &c)) < 0)
			break;
		if (rc == 0) {
			if (c.invited == 1)
				handler_local_time(when, first, sizeof(first));
			handler_local_time(when, last, sizeof(last));
			at = when + (step > 0 ? step : 1);
		}
		rc = 0;
	}
	hctx_numbers_free(numbers);
	if (rc < 0)
		return rc;
	fprintf(hctx_out(ctx), "survey %s: %zu invitation%s queued", s->name,
	    c.invited, c.invited == 1 ? "" : "s");
	if (c.invited > 0)
		fprintf(hctx_out(ctx),
		    ", sent from %s to %s (%d a minute, %02d:%02d-%02d:%02d)",
		    first, last, s->invite_per_min, s->hours_from / 60,
		    s->hours_from % 60, s->hours_to / 60, s->hours_to % 60);
	fprintf(hctx_out(ctx),
	    "\nskipped: %zu sent STOP, %zu already answered, %zu in another conversation, %zu repeated in the file\n",
	    c.stopped, c.answered, c.busy, c.repeated);
	return HANDLER_OK;
}

int
survey_command(const struct survey *s, struct hctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return usage();
	/* the survey's name (as in its export's file name) or its route's,
	 * as an operator types it */
	if (strcasecmp(argv[1], s->name) != 0 &&
	    strcasecmp(argv[1], s->route) != 0)
		return HANDLER_DECLINED; /* another survey's */
	if (strcmp(argv[0], "results") == 0 && argc == 2)
		return results(s, ctx);
	if (strcmp(argv[0], "invite") == 0)
		return invite(s, ctx, argc, argv);
	return usage();
}
