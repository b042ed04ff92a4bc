/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint_desk: the officers' side of a complaint desk.  A status change
 * -- from `baraza complaint update` or from an officer's phone (UPDATE REF
 * RESOLVED pipe fixed) -- is an event with its time and officer, and
 * queues an SMS that tells the citizen in their language (and, after a
 * follow_up status, asks whether it is fixed).  An anonymous
 * complaint shows only its pseudonym here, and loses its number when it
 * closes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "complaint.h"
#include "complaint_ref.h"

#define LIST_TEXT_MAX 40 /* bytes of a description in `complaint list` */
#define BY_MAX        64

char *
ask_fixed_text(const struct desk *d, const struct complaint *c, int lang)
{
	const char *vars[] = { "ref", c->ref, "category",
		desk_category_name(d, c->category, lang), NULL };

	return handler_expand(&d->t[T_ASK_FIXED], lang, vars);
}

int
desk_next_fixed(const struct desk *d, struct hctx *ctx,
    const struct complaint *answered, struct complaint *ret)
{
	struct complaint_filter f = { .desk = d->name,
		.number = hctx_number(ctx) };
	int64_t since = hctx_now(ctx) - (int64_t)d->ask_fixed_s * 1000;
	struct complaint *v;
	size_t n;
	int rc;

	if (answered->closed_at == 0) /* an officer opened it again */
		return -ENOENT;
	if (answered->closed_at > since)
		since = answered->closed_at;
	if ((rc = hctx_complaint_list(ctx, &f, &v, &n)) < 0)
		return rc;
	/* the first closed: asked in the order they closed, each answer
	 * leads to the next closed after it */
	rc = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		const struct status *st = desk_status(d, v[i].status);

		if (st != NULL && st->follow_up && !v[i].anonymous &&
		    v[i].closed_at >= since && v[i].citizen_says == NULL &&
		    strcmp(v[i].ref, answered->ref) != 0 &&
		    (rc == -ENOENT || v[i].closed_at < ret->closed_at)) {
			if (rc == 0)
				complaint_done(ret);
			*ret = v[i];
			memset(&v[i], 0, sizeof(v[i])); /* taken */
			rc = 0;
		}
	}
	complaints_free(v, n);
	return rc;
}

/*
 * After a follow_up status was told: asks the citizen whether it is fixed,
 * and waits for the answer in a session (complaint.c takes it), unless
 * they are in another conversation (a survey, a complaint being filed)
 * that the question would end.  Anonymous complaints are not asked: their
 * number is erased as they close.
 */
static int
ask_fixed(const struct desk *d, struct hctx *ctx, const struct complaint *c,
    int lang)
{
	char state[sizeof(FIXED_STATE) + COMPLAINT_REF_MAX], *text;
	bool stopped, busy;
	int rc, known;

	if ((rc = hctx_contact(ctx, c->number, &known, &stopped, &busy)) < 0)
		return rc;
	if (busy || stopped)
		return 0;
	snprintf(state, sizeof(state), "%s%s", FIXED_STATE, c->ref);
	rc = hctx_session_put_for(ctx, c->number, state,
	    hctx_now(ctx) + (int64_t)d->ask_fixed_s * 1000);
	if (rc < 0)
		return rc;
	text = ask_fixed_text(d, c, lang);
	rc = hctx_notify(ctx, c->number, lang, text, 0, false);
	free(text);
	return rc < 0 ? rc : 0;
}

int
desk_update(const struct desk *d, struct hctx *ctx, const char *ref,
    const struct status *to, const char *note, const char *by, bool *ret_told)
{
	struct complaint c;
	bool erase;
	int rc, lang;

	*ret_told = false;
	if ((rc = hctx_complaint_get(ctx, ref, &c)) < 0)
		return rc;
	if (strcmp(c.desk, d->name) != 0) {
		complaint_done(&c);
		return -ENOENT;
	}
	if (strcmp(c.status, to->id) == 0 &&
	    (note == NULL || (c.note != NULL && strcmp(c.note, note) == 0))) {
		complaint_done(&c); /* nothing new to tell */
		return DESK_UNCHANGED;
	}
	erase = c.anonymous && to->closes;
	rc = hctx_complaint_update(ctx, ref, to->id, note, by, to->closes,
	    erase);
	if (rc == 0 && c.number != NULL) {
		const char *vars[10];
		char *text;

		lang = hctx_lang_of(ctx, c.lang);
		if (lang < 0)
			lang = 0;
		vars[0] = "ref";
		vars[1] = c.ref;
		vars[2] = "category";
		vars[3] = desk_category_name(d, c.category, lang);
		vars[4] = "status";
		vars[5] = ltext_get(&to->name, lang);
		vars[6] = "note";
		vars[7] = note != NULL ? note : "";
		vars[8] = NULL;
		text =
		    handler_expand(to->has_tell ? &to->tell : &d->t[T_UPDATED],
			lang, vars);
		rc = hctx_notify(ctx, c.number, lang, text, 0, c.anonymous);
		*ret_told = rc == 0;
		if (rc > 0)
			rc = 0; /* the citizen sent STOP */
		free(text);
		if (rc == 0 && *ret_told && to->follow_up && !c.anonymous)
			rc = ask_fixed(d, ctx, &c, lang);
	}
	complaint_done(&c);
	return rc;
}

static bool
listed(char *const *numbers, const char *number)
{
	for (char *const *o = numbers; o != NULL && *o != NULL; o++)
		if (strcmp(*o, number) == 0)
			return true;
	return false;
}

bool
desk_is_officer(const struct desk *d, const char *number)
{
	if (number == NULL)
		return false;
	if (listed(d->officers, number) || listed(d->escalate_to, number))
		return true;
	for (size_t i = 0; i < d->ncats; i++)
		if (listed(d->cats[i].officers, number))
			return true;
	return false;
}

int
desk_sms_update(const struct desk *d, struct hctx *ctx)
{
	const char *rest = hctx_args(ctx);
	const struct status *to;
	char word[64], ref[REF_LEN + 1], by[BY_MAX];
	bool told;
	int rc;

	/* from anyone else, UPDATE is just an unknown word */
	if (!desk_is_officer(d, hctx_number(ctx)))
		return HANDLER_DECLINED;
	handler_word(&rest, word, sizeof(word));
	if (word[0] != '\0' && ref_parse(word, ref) < 0) {
		const char *vars[] = { "ref", word, NULL };
		hctx_reply_template(ctx, &d->t[T_CHECK], vars);
		return HANDLER_OK;
	}
	if (word[0] != '\0')
		handler_word(&rest, word, sizeof(word));
	if (word[0] == '\0' || (to = desk_status_word(d, word, true)) == NULL) {
		char *list = desk_status_list(d, hctx_lang(ctx));
		const char *vars[] = { "statuses", list, NULL };
		hctx_reply_template(ctx, &d->t[T_UPDATE_USAGE], vars);
		free(list);
		return HANDLER_OK;
	}
	snprintf(by, sizeof(by), "sms:%s", hctx_number(ctx));
	rc = desk_update(d, ctx, ref, to, rest[0] != '\0' ? rest : NULL, by,
	    &told);
	if (rc == -ENOENT) {
		const char *vars[] = { "ref", ref, NULL };
		hctx_reply_template(ctx, &d->t[T_UNKNOWN], vars);
		return HANDLER_OK;
	}
	if (rc < 0)
		return rc;
	if (rc == DESK_UNCHANGED) /* it says where the complaint stands */
		return desk_status_reply(d, ctx, ref);
	{
		const char *vars[] = { "ref", ref, "status",
			ltext_get(&to->name, hctx_lang(ctx)), NULL };
		/* not "the citizen is told" when they cannot be */
		bool untold = !told && d->t[T_UPDATE_UNTOLD].s[0] != NULL;

		hctx_reply_template(ctx,
		    &d->t[untold ? T_UPDATE_UNTOLD : T_UPDATE_DONE], vars);
	}
	return HANDLER_OK;
}

/* --- `baraza complaint` ------------------------------------------------ */

/* A one-line, bounded view of a citizen's text. */
static void
one_line(const char *s, char *out, size_t size)
{
	size_t n = strlen(s), i;

	if (n >= size) {
		n = size - 4;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++)
		out[i] =
		    s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i];
	out[i] = '\0';
	if (n < strlen(s))
		snprintf(out + i, size - i, "...");
}

static const char *
citizen_of(const struct complaint *c)
{
	if (c->anonymous)
		return c->pseudonym != NULL ? c->pseudonym : "(anonymous)";
	return c->number != NULL ? c->number : "(erased)";
}

/* Finds "--name VALUE" in argv; -EINVAL (printed) for a missing value. */
static int
opt_value(int argc, char **argv, int *i, const char *name, const char **ret)
{
	if (strcmp(argv[*i], name) != 0)
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "baraza complaint: %s needs a value\n", name);
		return -EINVAL;
	}
	*ret = argv[++*i];
	return 1;
}

static int
usage(void)
{
	fprintf(stderr,
	    "baraza complaint: usage: baraza complaint list [--status S] [--category C] [--since YYYY-MM-DD] [--overdue]\n"
	    "                         baraza complaint show REF\n"
	    "                         baraza complaint update REF --status S [--note TEXT] [--by NAME]\n"
	    "                         baraza complaint remind [--dry-run]\n");
	return -EINVAL;
}

/* "baraza complaint CMD: --status: no status 'x' (statuses: a, b)"; the
 * ids, which every command takes. */
static int
no_such(const char *cmd, const char *what, const char *value,
    const struct desk *d)
{
	bool status = strcmp(what, "status") == 0;
	size_t n = status ? d->nstats : d->ncats;

	fprintf(stderr, "baraza complaint %s: --%s: no %s '%s' (%s: ", cmd,
	    what, what, value, status ? "statuses" : "categories");
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : "",
		    status ? d->stats[i].id : d->cats[i].id);
	fprintf(stderr, ")\n");
	return -EINVAL;
}

static int
cmd_list(const struct desk *d, struct hctx *ctx, int argc, char **argv)
{
	struct complaint_filter f = { .desk = d->name };
	const char *since = NULL;
	struct complaint *v = NULL;
	FILE *out = hctx_out(ctx);
	size_t n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = opt_value(argc, argv, &i, "--status", &f.status)) ||
		    (rc = opt_value(argc, argv, &i, "--category",
			 &f.category)) ||
		    (rc = opt_value(argc, argv, &i, "--since", &since))) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (strcmp(argv[i], "--overdue") == 0) {
			f.open_before = hctx_now(ctx) -
			    (int64_t)d->escalate_days * 86400 * 1000;
			continue;
		}
		fprintf(stderr,
		    "baraza complaint list: unknown argument '%s'\n", argv[i]);
		return usage();
	}
	/* as `update` takes them: the id, or a word officers and citizens
	 * use, in any case */
	if (f.status != NULL) {
		const struct status *st = desk_status_word(d, f.status, false);

		if (st == NULL)
			return no_such("list", "status", f.status, d);
		f.status = st->id;
	}
	if (f.category != NULL) {
		const struct category *cat = desk_category_word(d, f.category);

		if (cat == NULL)
			return no_such("list", "category", f.category, d);
		f.category = cat->id;
	}
	if (since != NULL && handler_parse_day(since, &f.since) < 0) {
		fprintf(stderr,
		    "baraza complaint list: --since: '%s' is not a date (YYYY-MM-DD, today or yesterday)\n",
		    since);
		return -EINVAL;
	}
	if ((rc = hctx_complaint_list(ctx, &f, &v, &n)) < 0)
		return rc;
	fprintf(out, "%-8s %-22s %-12s %-11s %-15s %s\n", "REF", "FILED",
	    "STATUS", "CATEGORY", "CITIZEN", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		char when[32], text[LIST_TEXT_MAX + 4];
		handler_local_time(v[i].created_at, when, sizeof(when));
		one_line(v[i].description, text, sizeof(text));
		fprintf(out, "%-8s %-22s %-12s %-11s %-15s %s\n", v[i].ref,
		    when, v[i].status, v[i].category, citizen_of(&v[i]), text);
	}
	fprintf(out, "%zu complaint%s\n", n, n == 1 ? "" : "s");
	complaints_free(v, n);
	return HANDLER_OK;
}

/* A reference as an officer typed it: exact, or read as a citizen's. */
static int
officer_ref(const char *arg, char out[REF_LEN + 1])
{
	if (ref_parse(arg, out) == 0)
		return 0;
	fprintf(stderr,
	    "baraza complaint: '%s' is not a complaint reference (7 characters, e.g. %s)\n",
	    arg, REF_EXAMPLE);
	return -EINVAL;
}

static int
cmd_show(const struct desk *d, struct hctx *ctx, int argc, char **argv)
{
	struct complaint c;
	struct complaint_event *ev = NULL;
	FILE *out = hctx_out(ctx);
	char ref[REF_LEN + 1], when[32];
	size_t n = 0;
	int rc;

	if (argc != 2)
		return usage();
	if (officer_ref(argv[1], ref) < 0)
		return -EINVAL;
	if ((rc = hctx_complaint_get(ctx, ref, &c)) == -ENOENT ||
	    (rc == 0 && strcmp(c.desk, d->name) != 0)) {
		if (rc == 0)
			complaint_done(&c);
		fprintf(stderr, "baraza complaint: no complaint %s\n", ref);
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if ((rc = hctx_complaint_events(ctx, ref, &ev, &n)) < 0) {
		complaint_done(&c);
		return rc;
	}
	handler_local_time(c.created_at, when, sizeof(when));
	fprintf(out, "Reference:   %s\n", c.ref);
	fprintf(out, "Category:    %s%s\n", c.category,
	    c.anonymous ? " (anonymous)" : "");
	fprintf(out, "Status:      %s%s\n", c.status,
	    c.closed_at == 0 &&
		    c.created_at <
			hctx_now(ctx) - (int64_t)d->escalate_days * 86400 * 1000
		? " (overdue)"
		: "");
	fprintf(out, "Citizen:     %s (language %s, by %s)\n", citizen_of(&c),
	    c.lang ? c.lang : "?", c.channel);
	fprintf(out, "Filed:       %s\n", when);
	if (c.location != NULL)
		fprintf(out, "Location:    %s\n", c.location);
	fprintf(out, "Description: %s\n", c.description);
	if (c.note != NULL)
		fprintf(out, "Last note:   %s\n", c.note);
	if (c.citizen_says != NULL)
		fprintf(out, "Fixed?:      %s, says the citizen\n",
		    strcmp(c.citizen_says, "fixed") == 0 ? "yes" : "no");
	fprintf(out, "History:\n");
	for (size_t i = 0; i < n; i++) {
		handler_local_time(ev[i].at, when, sizeof(when));
		if (ev[i].by != NULL && strcmp(ev[i].by, "citizen") == 0)
			fprintf(out, "  %s  %-12s the citizen says it is %s\n",
			    when, ev[i].status,
			    ev[i].note && strcmp(ev[i].note, "fixed") == 0
				? "fixed"
				: "not fixed");
		else
			fprintf(out, "  %s  %-12s %s%s%s%s\n", when,
			    ev[i].status, ev[i].note ? ev[i].note : "",
			    ev[i].by ? "  by " : "", ev[i].by ? ev[i].by : "",
			    ev[i].by == NULL && i == 0 ? "filed by the citizen"
						       : "");
	}
	complaint_events_free(ev, n);
	complaint_done(&c);
	return HANDLER_OK;
}

static int
cmd_update(const struct desk *d, struct hctx *ctx, int argc, char **argv)
{
	const char *status = NULL, *note = NULL, *by = NULL, *refarg = NULL;
	const struct status *to;
	char ref[REF_LEN + 1];
	bool told;
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = opt_value(argc, argv, &i, "--status", &status)) ||
		    (rc = opt_value(argc, argv, &i, "--note", &note)) ||
		    (rc = opt_value(argc, argv, &i, "--by", &by))) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (argv[i][0] == '-' || refarg != NULL) {
			fprintf(stderr,
			    "baraza complaint update: unexpected '%s'\n",
			    argv[i]);
			return usage();
		}
		refarg = argv[i];
	}
	if (refarg == NULL || status == NULL)
		return usage();
	if (officer_ref(refarg, ref) < 0)
		return -EINVAL;
	if ((to = desk_status_word(d, status, false)) == NULL)
		return no_such("update", "status", status, d);
	if (note != NULL && (strlen(note) > 500 || note[0] == '\0')) {
		fprintf(stderr,
		    "baraza complaint update: --note must be 1 to 500 bytes\n");
		return -EINVAL;
	}
	if (by == NULL)
		by = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
	rc = desk_update(d, ctx, ref, to, note, by, &told);
	if (rc == -ENOENT) {
		fprintf(stderr, "baraza complaint: no complaint %s\n", ref);
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	if (rc == DESK_UNCHANGED) {
		fprintf(hctx_out(ctx),
		    "%s is already %s; nothing changed, the citizen is not told again (add --note to tell them more)\n",
		    ref, to->id);
		return HANDLER_OK;
	}
	fprintf(hctx_out(ctx), "%s is now %s; %s\n", ref, to->id,
	    told
		? "an SMS to the citizen is queued"
		: "the citizen is not told (they sent STOP, or the number was erased)");
	return HANDLER_OK;
}

static int
cmd_remind(const struct desk *d, struct hctx *ctx, int argc, char **argv)
{
	bool dry_run = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") != 0) {
			fprintf(stderr,
			    "baraza complaint remind: unknown argument '%s'\n",
			    argv[i]);
			return usage();
		}
		dry_run = true;
	}
	if (d->t[T_OFFICER_REMINDER].s[0] == NULL) {
		fprintf(stderr,
		    "baraza complaint remind: route '%s' has no 'officer_reminder' text\n",
		    d->name);
		return -EINVAL;
	}
	return desk_remind(d, ctx, dry_run);
}

int
desk_command(const struct desk *d, struct hctx *ctx, int argc, char **argv)
{
	if (argc < 1)
		return usage();
	if (strcmp(argv[0], "list") == 0)
		return cmd_list(d, ctx, argc, argv);
	if (strcmp(argv[0], "show") == 0)
		return cmd_show(d, ctx, argc, argv);
	if (strcmp(argv[0], "update") == 0)
		return cmd_update(d, ctx, argc, argv);
	if (strcmp(argv[0], "remind") == 0)
		return cmd_remind(d, ctx, argc, argv);
	fprintf(stderr, "baraza complaint: unknown command '%s'\n", argv[0]);
	return usage();
}
