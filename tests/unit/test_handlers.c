/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_handlers: the survey, complaint and lookup handlers as citizens and
 * officers meet them -- every branch of the conversations, on the shipped
 * conf/routes.conf and conf/data, through the real pipeline and a real
 * SQLite file -- and the diagnostics `baraza check` gives for broken
 * handler settings and data tables.  Runs in tests/unit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "handlers/complaint_ref.h"
#include "pipeline.h"

#define SHIPPED "../../conf/baraza.conf"

struct fx {
	struct conf *c;
	struct store *st;
	char path[64];
	int64_t clock;
	char out[8192]; /* the last command's output, spaces squeezed */
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct conf_override ov[] = { { "gateway.timezone", "UTC" } };
	struct conf_errors ce;
	char *err = NULL;

	conf_errors_init(&ce);
	fx->c = conf_load(SHIPPED, ov, 1, handlers_table, &ce);
	if (fx->c == NULL || ce.warnings > 0)
		fprintf(stderr, "%s", ce.text.data);
	conf_errors_done(&ce);
	if (fx->c == NULL)
		return -1;
	conf_use_timezone(fx->c);
	snprintf(fx->path, sizeof(fx->path), "/tmp/baraza-test-hand-%d.db",
	    (int)getpid());
	unlink(fx->path);
	if (store_open(fx->path, &fx->st, &err) < 0)
		return -1;
	fx->clock = now_ms();
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char p[80];

	store_close(fx->st);
	conf_free(fx->c);
	unlink(fx->path);
	snprintf(p, sizeof(p), "%s-wal", fx->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", fx->path);
	unlink(p);
	free(fx);
	return 0;
}

/* Sends text from number through the pipeline; returns the reply (static,
 * "" for none). */
static const char *
say(struct fx *fx, const char *number, const char *text)
{
	static char last[512];
	struct inbound_new in = { .provider = "log",
		.number = number,
		.peer = "22384",
		.text = text,
		.at = (fx->clock += 61000) };
	struct pipeline_opts o = { "log", "queued", "sms", fx->c, false };
	struct outcome oc;
	struct msg m;
	int64_t id;
	bool dup;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_inbound_add(fx->st, &in, &id, &dup), 0);
	assert_int_equal(store_message_get(fx->st, id, &m), 0);
	assert_int_equal(pipeline_process(fx->st, fx->c->routing, &fx->c->gw,
			     &m, &o, &oc),
	    0);
	assert_int_equal(store_commit(fx->st), 0);
	snprintf(last, sizeof(last), "%s", oc.reply ? oc.reply : "");
	/* every reply of the shipped texts fits one SMS */
	if (oc.reply != NULL && oc.segments != 1)
		fail_msg("reply to '%s' takes %d segments: %s", text,
		    oc.segments, oc.reply);
	outcome_done(&oc);
	msg_done(&m);
	return last;
}

/* Runs `baraza HANDLER ARGS...`; returns its result, output in fx->out. */
static int
run(struct fx *fx, const char *handler, ...)
{
	char *argv[16], *buf = NULL;
	size_t len = 0;
	int argc = 0, rc;
	FILE *out = open_memstream(&buf, &len);
	va_list ap;

	va_start(ap, handler);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	rc = pipeline_command(fx->st, fx->c->routing, fx->c, out, handler, argc,
	    argv);
	fclose(out);
	/* columns are aligned with spaces: compare with single ones */
	len = 0;
	for (const char *p = buf ? buf : "";
	     *p != '\0' && len + 1 < sizeof(fx->out); p++)
		if (!(*p == ' ' && len > 0 && fx->out[len - 1] == ' '))
			fx->out[len++] = *p;
	fx->out[len] = '\0';
	free(buf);
	return rc;
}

static void
contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL) {
		fprintf(stderr, "---\n%s---\n", hay);
		fail_msg("the text above lacks '%s'", needle);
	}
}

/* The newest queued message to number (of route, unless NULL) into *ret
 * (msg_done() it); false when there is none. */
static bool
newest_msg(struct fx *fx, const char *number, const char *route,
    struct msg *ret)
{
	struct msg *v = NULL;
	size_t n = 0;
	bool found = false;

	assert_int_equal(store_outbound_list(fx->st, "queued", 500, &v, &n), 0);
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(v[i].number, number) == 0 &&
		    (route == NULL || strcmp(v[i].route, route) == 0)) {
			*ret = v[i];
			memset(&v[i], 0, sizeof(v[i]));
			found = true;
		}
	msgs_free(v, n);
	return found;
}

/* The newest queued message to number (of route, unless NULL): its text,
 * or "", and its segments. */
static const char *
newest_to(struct fx *fx, const char *number, const char *route,
    int *ret_segments)
{
	static char text[512];
	struct msg m;

	text[0] = '\0';
	*ret_segments = 0;
	if (newest_msg(fx, number, route, &m)) {
		snprintf(text, sizeof(text), "%s", m.text);
		*ret_segments = m.segments;
		msg_done(&m);
	}
	return text;
}

/* The newest queued message of a route to number: its text, or "". */
static const char *
notified(struct fx *fx, const char *number, const char *route)
{
	int segments;

	return newest_to(fx, number, route, &segments);
}

/* Whether a queued message to number contains needle. */
static bool
queued_with(struct fx *fx, const char *number, const char *needle)
{
	struct msg *v = NULL;
	size_t n = 0;
	bool found = false;

	assert_int_equal(store_outbound_list(fx->st, "queued", 500, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		found = found ||
		    (strcmp(v[i].number, number) == 0 &&
			strstr(v[i].text, needle) != NULL);
	msgs_free(v, n);
	return found;
}

/* How many messages to `number` are queued. */
static size_t
queued_to(struct fx *fx, const char *number)
{
	struct msg *v = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(store_outbound_list(fx->st, "queued", 500, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		count += strcmp(v[i].number, number) == 0;
	msgs_free(v, n);
	return count;
}

/* How many of a number's messages (both ways) there are, and how many of
 * them are marked as about an anonymous complaint. */
struct anon_count {
	const char *number;
	int all, anonymous;
};

static int
anon_row(const struct msg *m, void *arg)
{
	struct anon_count *a = arg;

	if (strcmp(m->number, a->number) == 0) {
		a->all++;
		a->anonymous += m->anonymous;
	}
	return 0;
}

/* How many messages, both ways and of any status, contain needle. */
struct text_count {
	const char *needle;
	int n;
};

static int
text_row(const struct msg *m, void *arg)
{
	struct text_count *t = arg;

	t->n += m->text != NULL && strstr(m->text, t->needle) != NULL;
	return 0;
}

static int
count_texts(struct fx *fx, const char *needle)
{
	struct text_count t = { needle, 0 };

	assert_int_equal(store_messages_each(fx->st, 0, INT64_MAX, text_row,
			     &t),
	    0);
	return t.n;
}

static struct anon_count
anon_count(struct fx *fx, const char *number)
{
	struct anon_count a = { .number = number };

	assert_int_equal(store_messages_each(fx->st, 0, INT64_MAX, anon_row,
			     &a),
	    0);
	return a;
}

/* The reference in a "your complaint number is XXXXXXX" reply. */
static void
ref_of(const char *reply, char ref[REF_LEN + 1])
{
	char word[32];

	for (const char *p = reply; *p != '\0';) {
		size_t n = strcspn(p, " .,");
		snprintf(word, sizeof(word), "%.*s", (int)(n < 31 ? n : 31), p);
		if (ref_parse(word, ref) == 0 && strlen(word) == REF_LEN)
			return;
		p += n;
		p += strspn(p, " .,");
	}
	fail_msg("no reference in '%s'", reply);
}

/* --- survey ------------------------------------------------------------ */

static void
test_survey_whole(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711100001";

	contains(say(fx, n, "SURVEY"), "1. How often");
	/* a mistyped answer: the hint names the valid replies, and the
	 * question comes again when both fit one SMS */
	contains(say(fx, n, "7"), "number from 1 to 3. 1. How often");
	contains(say(fx, n, "some days"), "2. Last week");
	contains(say(fx, n, "8"), "from 0 to 7");
	contains(say(fx, n, "3"), "3. Do you boil");
	/* HELP reminds the pending question */
	contains(say(fx, n, "HELP"), "or send QUIT to stop. 3. Do you boil");
	contains(say(fx, n, "yes"), "4. What one thing");
	/* free text: everything is the answer, even another keyword */
	contains(say(fx, n, "CLINIC near the market please"), "Thank you");
	/* once per number */
	contains(say(fx, n, "SURVEY"), "already answered");

	assert_int_equal(run(fx, "survey", "results", "water", NULL), 0);
	contains(fx->out, "1 completed response, 0 partial");
	contains(fx->out, "2 some_days 1 100.0%");
	contains(fx->out, "3 1 100.0%");
	contains(fx->out, "yes 1 100.0%");
	contains(fx->out, "1 free-text answer");
}

static void
test_survey_branches_and_swahili(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711100002";

	contains(say(fx, n, "utafiti"), "Utafiti wa maji");
	/* "every day" skips the days question */
	contains(say(fx, n, "1"), "3. Je, unachemsha");
	contains(say(fx, n, "hapana"), "4. Jambo gani");
	contains(say(fx, n, "Mabomba"), "Asante");
	assert_int_equal(run(fx, "survey", "results", "survey", NULL), 0);
	contains(fx->out, "1 daily 1 100.0%");
	contains(fx->out, "no 1 100.0%");
	/* the name in any case, as an operator types it */
	assert_int_equal(run(fx, "survey", "results", "WATER", NULL), 0);
	contains(fx->out, "1 daily 1 100.0%");
}

/* A number written out, in any configured language, answers as its
 * digits would. */
static void
test_number_words(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711100009";

	contains(say(fx, n, "SURVEY"), "1. How often");
	contains(say(fx, n, "Two"), "2. Last week");
	contains(say(fx, n, "nane"), "from 0 to 7"); /* 8: out of range */
	contains(say(fx, n, "tatu"), "3. Do you boil");
	contains(say(fx, n, "yes"), "4. What one thing");
	contains(say(fx, n, "a second tap"), "Thank you");
	assert_int_equal(run(fx, "survey", "results", "water", NULL), 0);
	contains(fx->out, "2 some_days 1 100.0%");
	contains(fx->out, "3 1 100.0%");
	/* a complaint's category by its number */
	contains(say(fx, "+254711100010", "COMPLAIN"), "3 HEALTH");
	contains(say(fx, "+254711100010", "three"), "Describe the HEALTH");
	/* a word that is no number is still no answer */
	contains(say(fx, "+254711100011", "SURVEY"), "1. How often");
	contains(say(fx, "+254711100011", "twoo"), "number from 1 to 3");
}

static void
test_survey_leaving(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711100003";

	contains(say(fx, n, "SURVEY"), "1. How often");
	/* another route's keyword where an option is expected: go there */
	contains(say(fx, n, "CLINIC kibera"), "Kibera Health Centre");
	/* the survey is left: a number is no longer its answer (it walks the
	 * menus: 2 is the complaint) */
	contains(say(fx, n, "2"), "What is the problem about?");
	/* QUIT leaves; the partial response is kept as such */
	contains(say(fx, n, "SURVEY"), "1. How often");
	contains(say(fx, n, "rarely"), "2. Last week");
	contains(say(fx, n, "QUIT"), "You have left");
	/* too many invalid answers: the question is skipped */
	contains(say(fx, n, "SURVEY"), "1. How often");
	contains(say(fx, n, "blue"), "from 1 to 3");
	contains(say(fx, n, "green"), "2. Last week");
	assert_int_equal(run(fx, "survey", "results", "water", NULL), 0);
	contains(fx->out, "0 completed responses, 3 partial");
	/* the partial responses' answers, in their own columns */
	contains(fx->out, "completed partial\n 1 daily 0 0.0% 0 0.0%");
	contains(fx->out, "3 rarely 0 0.0% 1 100.0%");
	contains(fx->out, "(skipped) 0 1");
	/* SURVEY again in the middle repeats the pending question */
	contains(say(fx, n, "SURVEY"), "2. Last week");
}

static void
test_survey_invite(void **state)
{
	struct fx *fx = *state;
	char path[] = "/tmp/baraza-numbers-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	/* one stopped, one done, one busy, one repeated, two new */
	say(fx, "+254711100010", "STOP");
	contains(say(fx, "+254711100011", "SURVEY"), "1. How");
	say(fx, "+254711100011", "1");
	say(fx, "+254711100011", "1");
	contains(say(fx, "+254711100011", "x"), "Thank you");
	contains(say(fx, "+254711100012", "COMPLAIN"), "What is the problem");
	fprintf(f,
	    "number\n+254711100010\n+254711100011\n+254711100012\n"
	    "+254 711 100 013\n+254711100013\n+254711100014\n");
	fclose(f);
	assert_int_equal(run(fx, "survey", "invite", "water", "--numbers", path,
			     NULL),
	    0);
	contains(fx->out, "2 invitations queued");
	contains(fx->out,
	    "skipped: 1 sent STOP, 1 already answered, 1 in another conversation, 1 repeated in the file");
	contains(notified(fx, "+254711100013", "survey"), "Water survey");
	assert_string_equal(notified(fx, "+254711100010", "survey"), "");
	/* the invited number answers the first question straight away */
	contains(say(fx, "+254711100014", "3"), "2. Last week");
	/* a file with a bad number changes nothing */
	f = fopen(path, "w");
	fprintf(f, "+254711100020\n07111\n");
	fclose(f);
	assert_int_equal(run(fx, "survey", "invite", "water", "--numbers", path,
			     NULL),
	    -EINVAL);
	assert_string_equal(notified(fx, "+254711100020", "survey"), "");
	unlink(path);
	assert_int_equal(run(fx, "survey", "results", "nosuch", NULL),
	    HANDLER_DECLINED);
}

/* --- complaints -------------------------------------------------------- */

static void
test_complaint_one_shot_and_status(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200001";
	char ref[REF_LEN + 1], bad[REF_LEN + 1], msg[64];
	struct complaint c;

	ref_of(say(fx, n, "COMPLAIN WATR no water in Kibera since Monday"),
	    ref);
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.category, "water"); /* WATR: one typo */
	assert_string_equal(c.description, "no water in Kibera since Monday");
	assert_string_equal(c.status, "received");
	assert_false(c.anonymous);
	complaint_done(&c);

	snprintf(msg, sizeof(msg), "status %s", ref);
	contains(say(fx, n, msg), "received");
	/* anyone else: as if it did not exist */
	contains(say(fx, "+254711200099", msg), "We have no complaint");
	/* a typing error is caught by the check character */
	memcpy(bad, ref, sizeof(bad));
	bad[5] = ref[6];
	bad[6] = ref[5];
	snprintf(msg, sizeof(msg), "STATUS %s", bad);
	if (ref[5] != ref[6])
		contains(say(fx, n, msg), "is not a complaint number");
	contains(say(fx, n, "STATUS \xe2\x9c\x93\xe2\x9c\x93"),
	    "? is not a complaint number");
	/* no reference: the number's newest complaint */
	contains(say(fx, n, "STATUS"), ref);
	/* the reference alone (no keyword), or quoted, or after a '#': its
	 * status; the reference alone from anyone else is an unknown word */
	contains(say(fx, n, ref), "): received.");
	snprintf(msg, sizeof(msg), "STATUS \xe2\x80\x98%s\xe2\x80\x99", ref);
	contains(say(fx, n, msg), "): received.");
	snprintf(msg, sizeof(msg), "status #%s", ref);
	contains(say(fx, n, msg), "): received.");
	contains(say(fx, "+254711200099", ref), "Send one word");
	contains(say(fx, "+254711200098", "HALI"), "Tuma HALI na nambari");
	/* the keyword and the category written as one word */
	contains(say(fx, "+254711200097",
		     "Complain:water no water at the market"),
	    "Your complaint number is");
	/* ... and the category and the description */
	ref_of(say(fx, "+254711200096", "COMPLAIN ROADS,pothole at the school"),
	    ref);
	assert_int_equal(run(fx, "complaint", "show", ref, NULL), 0);
	contains(fx->out, "roads");
	contains(fx->out, "Description: pothole at the school");
}

static void
test_complaint_status_lists_open_ones(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200010";
	char refs[5][REF_LEN + 1];
	const char *r;

	ref_of(say(fx, n, "COMPLAIN WATER no water at the kiosk"), refs[0]);
	ref_of(say(fx, n, "COMPLAIN ROADS pothole at the stage"), refs[1]);
	ref_of(say(fx, n, "COMPLAIN BRIBE the clerk asked for money"), refs[2]);
	assert_int_equal(run(fx, "complaint", "update", refs[1], "--status",
			     "resolved", NULL),
	    0);
	/* STATUS alone: the open ones, newest first (say() checks that the
	 * reply is one SMS); the resolved one is not among them */
	r = say(fx, n, "STATUS");
	contains(r, "You have 2 open complaints: ");
	contains(r, refs[2]);
	contains(r, refs[0]);
	assert_true(strstr(r, refs[2]) < strstr(r, refs[0]));
	assert_null(strstr(r, refs[1]));
	contains(r, "(BRIBE): received");
	/* one of them is anonymous: so is the exchange */
	assert_int_equal(anon_count(fx, n).anonymous, 4);
	contains(say(fx, n, "HALI"), "Una malalamiko 2 yaliyo wazi: ");
	/* more than one SMS holds: the newest ones */
	ref_of(say(fx, n, "COMPLAIN RUBBISH not collected"), refs[3]);
	ref_of(say(fx, n, "COMPLAIN HEALTH no drugs"), refs[4]);
	r = say(fx, n, "STATUS");
	contains(r, refs[4]);
	contains(r, refs[3]);
	assert_null(strstr(r, refs[0]));
	contains(r, "You have 4 open complaints: "); /* not all of them shown */
	/* one open complaint: STATUS answers about the newest, as before */
	assert_int_equal(run(fx, "complaint", "update", refs[4], "--status",
			     "resolved", NULL),
	    0);
	assert_int_equal(run(fx, "complaint", "update", refs[3], "--status",
			     "resolved", NULL),
	    0);
	assert_int_equal(run(fx, "complaint", "update", refs[2], "--status",
			     "resolved", NULL),
	    0);
	r = say(fx, n, "STATUS");
	contains(r, refs[4]);
	contains(r, "resolved");
}

static void
test_complaint_guided(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200002";
	char ref[REF_LEN + 1];
	struct complaint c;

	contains(say(fx, n, "LALAMIKO"), "Jibu 1 MAJI, 2 BARABARA");
	contains(say(fx, n, "9"), "Tafadhali jibu moja ya haya");
	contains(say(fx, n, "barabara"), "Eleza tatizo la BARABARA");
	contains(say(fx, n, "Shimo kubwa barabarani"), "Ni wapi?");
	contains(say(fx, n, "MSAADA"), "Unatuma lalamiko");
	contains(say(fx, n, "Soko la Kibera"), "Jibu 1 NDIYO");
	contains(say(fx, n, "maybe"), "1 NDIYO, 2 HAPANA");
	ref_of(say(fx, n, "ndiyo"), ref);
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.category, "roads");
	assert_string_equal(c.location, "Soko la Kibera");
	assert_string_equal(c.lang, "sw");
	complaint_done(&c);
	/* description first, category after; then cancelled */
	contains(say(fx, n, "COMPLAIN the market smells of rubbish"),
	    "What is the problem about?");
	contains(say(fx, n, "4"), "Where is it?");
	contains(say(fx, n, "Gikomba"), "Reply 1 YES to send your RUBBISH");
	contains(say(fx, n, "2"), "was not sent");
	contains(say(fx, n, "whatever"), "Send one word");
}

static void
test_complaint_officers(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200003", *sw = "+254711200004";
	char ref[REF_LEN + 1], ref2[REF_LEN + 1], msg[96];
	struct complaint_event *ev;
	struct complaint c;
	size_t nev;

	ref_of(say(fx, n, "COMPLAIN HEALTH no nurse at the clinic"), ref);
	ref_of(say(fx, sw, "LALAMIKO MAJI hakuna maji"), ref2);
	/* the desk, from the command line */
	assert_int_equal(run(fx, "complaint", "list", "--status", "received",
			     NULL),
	    0);
	contains(fx->out, ref);
	contains(fx->out, ref2);
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "in_progress", "--note", "Nurse posted Monday",
			     "--by", "Amina", NULL),
	    0);
	contains(fx->out, "an SMS to the citizen is queued");
	contains(notified(fx, n, "complain"),
	    "is now being worked on. Nurse posted Monday");
	assert_int_equal(run(fx, "complaint", "update", ref2, "--status",
			     "resolved", NULL),
	    0);
	assert_true(queued_with(fx, sw, "Habari njema: lalamiko"));
	/* a field officer by SMS; the same words from a citizen are not */
	snprintf(msg, sizeof(msg), "UPDATE %s FIXED nurse arrived", ref);
	contains(say(fx, "+254700000100", msg), "The citizen is told by SMS");
	assert_true(queued_with(fx, n, "is resolved. nurse arrived"));
	contains(say(fx, n, msg), "Send one word");
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.status, "resolved");
	assert_true(c.closed_at > 0);
	complaint_done(&c);
	assert_int_equal(store_complaint_events(fx->st, ref, &ev, &nev), 0);
	assert_int_equal(nev, 3);
	assert_string_equal(ev[1].by, "Amina");
	assert_string_equal(ev[2].by, "sms:+254700000100");
	complaint_events_free(ev, nev);
	/* the same update again (an officer's SMS sent twice, a command run
	 * twice) changes nothing and tells the citizen nothing twice */
	{
		size_t before = queued_to(fx, n);

		contains(say(fx, "+254700000100", msg),
		    ": resolved. nurse arrived"); /* where it stands */
		assert_int_equal(run(fx, "complaint", "update", ref, "--status",
				     "resolved", NULL),
		    0);
		contains(fx->out, "is already resolved; nothing changed");
		assert_int_equal(queued_to(fx, n), before);
		assert_int_equal(store_complaint_events(fx->st, ref, &ev, &nev),
		    0);
		assert_int_equal(nev, 3);
		complaint_events_free(ev, nev);
	}
	/* UPDATE without a reference or a status: how to write it */
	contains(say(fx, "+254700000100", "UPDATE"),
	    "Send UPDATE, the complaint");
	snprintf(msg, sizeof(msg), "UPDATE %s", ref);
	contains(say(fx, "+254700000100", msg), "Send UPDATE, the complaint");
	assert_int_equal(run(fx, "complaint", "show", ref, NULL), 0);
	contains(fx->out, "Nurse posted Monday by Amina");
	/* list takes a status or a category as officers say them */
	assert_int_equal(run(fx, "complaint", "list", "--status", "resolved",
			     "--category", "afya", NULL),
	    0);
	contains(fx->out, ref);
	assert_null(strstr(fx->out, ref2));
	assert_int_equal(run(fx, "complaint", "list", "--category", "MAJI",
			     NULL),
	    0);
	contains(fx->out, ref2);
	assert_null(strstr(fx->out, ref));
	/* a status changed without a note does not repeat an older one */
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "in_progress", NULL),
	    0);
	snprintf(msg, sizeof(msg), "STATUS %s", ref);
	{
		const char *r = say(fx, n, msg);
		contains(r, "being worked on.");
		assert_null(strstr(r, "nurse arrived"));
	}
	/* one typo in a status word of 5+ letters is read as it is for
	 * citizens' keywords; the command line takes none */
	snprintf(msg, sizeof(msg), "UPDATE %s progres team on site", ref);
	contains(say(fx, "+254700000100", msg), "is now being worked on");
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.status, "in_progress");
	assert_string_equal(c.note, "team on site");
	complaint_done(&c);
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "resolvd", NULL),
	    -EINVAL);
	/* an officer's STATUS answers about any complaint of the desk */
	snprintf(msg, sizeof(msg), "STATUS %s", ref);
	contains(say(fx, "+254700000100", msg), ": being worked on. team");
	/* ... with what it is about, which a reminder's list does not say */
	contains(say(fx, "+254700000100", msg),
	    "): no nurse at the clinic. Now: being worked on. team on site");
	assert_null(strstr(say(fx, n, msg), "Now:")); /* the citizen's own */
	contains(say(fx, "+254700000199", msg), "We have no complaint");
	/* bad commands change nothing */
	assert_int_equal(run(fx, "complaint", "update", ref, "--status", "lost",
			     NULL),
	    -EINVAL);
	assert_int_equal(run(fx, "complaint", "update", "K7P4MX3", "--status",
			     "resolved", NULL),
	    -EINVAL);
	assert_int_equal(run(fx, "complaint", "list", "--since", "last week",
			     NULL),
	    -EINVAL);
	/* days as an operator says them */
	assert_int_equal(run(fx, "complaint", "list", "--since", "yesterday",
			     NULL),
	    0);
	contains(fx->out, ref);
	/* a citizen who sent STOP is not told, and officers are not told
	 * otherwise */
	say(fx, n, "STOP");
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "resolved", NULL),
	    0);
	contains(fx->out, "is now resolved; the citizen is not told");
	snprintf(msg, sizeof(msg), "UPDATE %s RECEIVED", ref);
	contains(say(fx, "+254700000100", msg),
	    "is now received. The citizen cannot be told by SMS.");
}

static void
test_complaint_alerts_officers(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200010",
		   *water[] = { "+254700000100", "+254700000101" },
		   *integrity = "+254700000110";
	char ref[REF_LEN + 1], msg[96], want[160], *big;
	int segs;

	/* the desk's officers hear of a new complaint at once, by SMS, with
	 * what to send to take it */
	ref_of(say(fx, n, "COMPLAIN WATER no water in Kibera since Monday"),
	    ref);
	snprintf(want, sizeof(want),
	    "New WATER complaint %s. Send UPDATE %s PROGRESS to take it. no "
	    "water in Kibera since Monday.",
	    ref, ref);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(newest_to(fx, water[i], NULL, &segs), want);
		assert_int_equal(segs, 1);
	}
	assert_int_equal(queued_to(fx, integrity), 0);
	/* an officer gets it in the language they last used */
	say(fx, water[1], "MSAADA");
	ref_of(say(fx, n, "COMPLAIN ROADS a big hole"), ref);
	snprintf(want, sizeof(want), "Lalamiko jipya la BARABARA %s.", ref);
	contains(newest_to(fx, water[1], NULL, &segs), want);
	contains(newest_to(fx, water[0], NULL, &segs), "New ROADS complaint");
	/* UPDATE, a word of no one language, keeps the officer's Swahili */
	snprintf(msg, sizeof(msg), "UPDATE %s INAENDELEA", ref);
	contains(say(fx, water[1], msg), "sasa inashughulikiwa. Mwananchi");
	/* a long description is cut at a word to keep one SMS; the place
	 * comes first */
	say(fx, n, "COMPLAIN");
	say(fx, n, "1");
	big = calloc(1, 700);
	for (int i = 0; i < 60; i++)
		strcat(big, "waterpipe ");
	say(fx, n, big);
	say(fx, n, "Olympic estate");
	ref_of(say(fx, n, "1"), ref);
	{
		const char *t = newest_to(fx, water[0], NULL, &segs);
		const char *d = strstr(t, "to take it. Olympic estate: ");
		size_t len;

		assert_int_equal(segs, 1);
		assert_non_null(d);
		d += strlen("to take it. Olympic estate: ");
		len = strlen(d) - 3;
		assert_string_equal(d + len, "...");
		/* whole words of the description, and no space before ... */
		if (len < 40 || strncmp(d, big, len) != 0 || big[len] != ' ' ||
		    d[len - 1] == ' ')
			fail_msg("not cut at a word: %s", t);
	}
	free(big);
	/* a category with its own officers: they alone hear of it, and the
	 * alert does not carry the anonymous citizen's number */
	{
		size_t before0 = queued_to(fx, water[0]);

		ref_of(say(fx, n, "COMPLAIN BRIBE asked 500 for a permit"),
		    ref);
		assert_int_equal(queued_to(fx, water[0]), before0);
		contains(newest_to(fx, integrity, NULL, &segs),
		    "New BRIBE complaint");
		assert_null(strstr(newest_to(fx, integrity, NULL, &segs), n));
	}
	/* and, as officers of the desk, may update it by SMS */
	snprintf(msg, sizeof(msg), "UPDATE %s PROGRESS looking into it", ref);
	contains(say(fx, integrity, msg), "The citizen is told by SMS");
	/* an officer who sent STOP is not alerted */
	say(fx, water[0], "STOP");
	{
		size_t before0 = queued_to(fx, water[0]),
		       before1 = queued_to(fx, water[1]);

		say(fx, n, "COMPLAIN HEALTH no nurse");
		assert_int_equal(queued_to(fx, water[0]), before0);
		assert_int_equal(queued_to(fx, water[1]), before1 + 1);
	}
}

/* An anonymous category's complaints reach officers' phones without the
 * citizen's words, unless the category says officer_details = true. */
static void
test_complaint_officer_details(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200060", *integrity = "+254700000110";
	struct conf_override ov[] = {
		{ "routes.[2].categories.[4].officer_details", "true" }
	};
	struct conf_errors ce;
	char ref[REF_LEN + 1], msg[96], want[160];
	int segs;

	ref_of(say(fx, n, "COMPLAIN BRIBE the clerk at Kangemi asked 500"),
	    ref);
	snprintf(want, sizeof(want),
	    "New BRIBE complaint %s. Send UPDATE %s PROGRESS to take it.", ref,
	    ref);
	assert_string_equal(newest_to(fx, integrity, NULL, &segs), want);
	/* nor when the officer asks STATUS */
	snprintf(msg, sizeof(msg), "STATUS %s", ref);
	snprintf(want, sizeof(want), "%s (BRIBE, ", ref);
	contains(say(fx, integrity, msg), want);
	assert_null(strstr(newest_to(fx, integrity, NULL, &segs), "clerk"));
	assert_null(strstr(newest_to(fx, integrity, NULL, &segs), "  "));
	/* a category that wants them */
	conf_free(fx->c);
	conf_errors_init(&ce);
	fx->c = conf_load(SHIPPED, ov, 1, handlers_table, &ce);
	if (fx->c == NULL)
		fail_msg("%s", ce.text.data);
	conf_errors_done(&ce);
	ref_of(say(fx, "+254711200061", "COMPLAIN BRIBE asked 200 at the gate"),
	    ref);
	contains(newest_to(fx, integrity, NULL, &segs),
	    "to take it. asked 200 at the gate.");
	/* the other categories carry them by default */
	ref_of(say(fx, n, "COMPLAIN WATER no water at the kiosk"), ref);
	contains(newest_to(fx, "+254700000100", NULL, &segs),
	    "to take it. no water at the kiosk.");
}

/* Runs one statement on the fixture's database, as another process. */
static void
db_exec(struct fx *fx, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* What the sender does: the number's queued messages are sent. */
static void
mark_sent(struct fx *fx, const char *number)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
	    "UPDATE messages SET status = 'sent' WHERE number = '%s'"
	    " AND status = 'queued'",
	    number);
	db_exec(fx, sql);
}

/* Moves a complaint's filing days into the past. */
static void
age_complaint(struct fx *fx, const char *ref, int days)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
	    "UPDATE complaints SET created_at = created_at - %d * 86400000"
	    " WHERE ref = '%s'",
	    days, ref);
	db_exec(fx, sql);
}

static void
test_complaint_alert_hours(void **state)
{
	struct fx *fx = *state;
	const char *officer = "+254700000100";
	int64_t day = 1796342400000; /* 2026-12-04T00:00Z */
	char ref[REF_LEN + 1];
	struct conf_errors ce;
	struct msg m;
	int64_t now = now_ms(), at;
	time_t secs = (time_t)(now / 1000);
	struct tm tm;
	/* a window that now is outside of, whatever the time of the run */
	bool morning = gmtime_r(&secs, &tm) != NULL && tm.tm_hour < 12;
	struct conf_override ov[] = { { "gateway.timezone", "UTC" },
		{ "routes.[2].alert_hours",
		    morning ? "20:00-21:00" : "01:00-02:00" } };

	/* the local day's hours: now, later today, or tomorrow */
	assert_int_equal(handler_within_hours(day + 600 * 60000, 420, 1200),
	    day + 600 * 60000);
	assert_int_equal(handler_within_hours(day + 300 * 60000, 420, 1200),
	    day + 420 * 60000);
	assert_int_equal(handler_within_hours(day + 1260 * 60000, 420, 1200),
	    day + 86400000 + 420 * 60000);
	/* by default an alert goes at once */
	ref_of(say(fx, "+254711200050", "COMPLAIN WATER no water"), ref);
	assert_true(newest_msg(fx, officer, NULL, &m));
	assert_true(m.next_attempt_at <= now_ms());
	msg_done(&m);
	/* outside alert_hours it waits for them; the citizen's reply does not
	 */
	conf_free(fx->c);
	conf_errors_init(&ce);
	fx->c = conf_load(SHIPPED, ov, 2, handlers_table, &ce);
	if (fx->c == NULL)
		fail_msg("%s", ce.text.data);
	conf_errors_done(&ce);
	contains(say(fx, "+254711200051", "COMPLAIN ROADS a hole"),
	    "Your complaint number is");
	assert_true(newest_msg(fx, officer, NULL, &m));
	at = handler_within_hours(now, morning ? 20 * 60 : 60,
	    morning ? 21 * 60 : 120);
	assert_true(at > now);
	assert_true(m.next_attempt_at >= at && m.next_attempt_at < at + 60000);
	msg_done(&m);
	assert_true(newest_msg(fx, "+254711200051", NULL, &m));
	assert_true(m.next_attempt_at <= now_ms());
	msg_done(&m);
	/* a bad window is a configuration error */
	ov[1].value = "20:00-07:00";
	conf_errors_init(&ce);
	assert_null(conf_load(SHIPPED, ov, 2, handlers_table, &ce));
	contains(ce.text.data,
	    "'alert_hours' must be \"HH:MM-HH:MM\" within one day");
	conf_errors_done(&ce);
}

static void
test_complaint_sent_twice(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200040", *officer = "+254700000100";
	char ref[REF_LEN + 1], ref2[REF_LEN + 1], want[128];
	size_t alerts;

	ref_of(say(fx, n, "COMPLAIN WATER no water at the kiosk"), ref);
	alerts = queued_to(fx, officer);
	/* the same again, written a little differently: its reference, no
	 * second complaint, no second alert */
	snprintf(want, sizeof(want),
	    "You sent this complaint already. Its number is %s.", ref);
	contains(say(fx, n, "complain water: No water at the KIOSK!"), want);
	assert_int_equal(queued_to(fx, officer), alerts);
	/* step by step too */
	say(fx, n, "COMPLAIN");
	say(fx, n, "WATER");
	say(fx, n, "no water at the kiosk");
	say(fx, n, "Kibera");
	contains(say(fx, n, "1"), want);
	assert_int_equal(queued_to(fx, officer), alerts);
	/* something else is a new complaint; so is the same from another
	 * phone, or in another category */
	ref_of(say(fx, n, "COMPLAIN WATER no water at the school"), ref2);
	assert_string_not_equal(ref, ref2);
	ref_of(say(fx, "+254711200041", "COMPLAIN WATER no water at the kiosk"),
	    ref2);
	assert_string_not_equal(ref, ref2);
	ref_of(say(fx, n, "COMPLAIN HEALTH no water at the kiosk"), ref2);
	assert_string_not_equal(ref, ref2);
	/* a day later (duplicate_hours), the same words file a new one */
	age_complaint(fx, ref, 1);
	ref_of(say(fx, n, "COMPLAIN WATER: no water at the kiosk"), ref2);
	assert_string_not_equal(ref, ref2);
	/* and so they do once it is closed */
	assert_int_equal(run(fx, "complaint", "update", ref2, "--status",
			     "rejected", NULL),
	    0);
	ref_of(say(fx, n, "COMPLAIN WATER no water at the kiosk"), ref);
	assert_string_not_equal(ref, ref2);
}

/* The complaint's state as the citizen's answer left it. */
static void
expect_complaint(struct fx *fx, const char *ref, const char *status,
    const char *says, bool closed)
{
	struct complaint c;

	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.status, status);
	if (says == NULL)
		assert_null(c.citizen_says);
	else
		assert_string_equal(c.citizen_says, says);
	assert_int_equal(c.closed_at != 0, closed);
	complaint_done(&c);
}

/* The due time of the queued message to number that contains needle. */
static int64_t
queued_at(struct fx *fx, const char *number, const char *needle)
{
	struct msg *v = NULL;
	size_t n = 0;
	int64_t at = -1;

	assert_int_equal(store_outbound_list(fx->st, "queued", 500, &v, &n), 0);
	for (size_t i = 0; i < n && at < 0; i++)
		if (strcmp(v[i].number, number) == 0 &&
		    strstr(v[i].text, needle) != NULL)
			at = v[i].next_attempt_at;
	msgs_free(v, n);
	if (at < 0)
		fail_msg("nothing queued to %s with '%s'", number, needle);
	return at;
}

/* Two complaints resolved back to back: the second, told while the first
 * question waited, is asked about once the first is answered, and its
 * question comes after that answer's reply. */
static void
test_complaint_fixed_back_to_back(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200030";
	char a[REF_LEN + 1], b[REF_LEN + 1], c[REF_LEN + 1], old[REF_LEN + 1],
	    ask[96];
	size_t before;

	/* one whose question was dropped (another keyword) is not asked
	 * again later */
	ref_of(say(fx, n, "COMPLAIN HEALTH no nurse"), old);
	assert_int_equal(run(fx, "complaint", "update", old, "--status",
			     "resolved", NULL),
	    0);
	contains(say(fx, n, "CLINIC kibera"), "Kibera Health Centre");
	ref_of(say(fx, n, "COMPLAIN WATER no water"), a);
	ref_of(say(fx, n, "COMPLAIN ROADS a big hole"), b);
	ref_of(say(fx, n, "COMPLAIN RUBBISH not collected"), c);
	assert_int_equal(run(fx, "complaint", "update", a, "--status",
			     "resolved", NULL),
	    0);
	before = queued_to(fx, n);
	usleep(5000); /* c closes before b, both after a */
	assert_int_equal(run(fx, "complaint", "update", c, "--status",
			     "resolved", NULL),
	    0);
	usleep(5000);
	assert_int_equal(run(fx, "complaint", "update", b, "--status",
			     "resolved", NULL),
	    0);
	assert_int_equal(queued_to(fx, n), before + 2); /* told, not asked */
	contains(say(fx, n, "1"), "glad it is fixed");
	expect_complaint(fx, a, "resolved", "fixed", true);
	/* then each of the others, in the order they closed */
	snprintf(ask, sizeof(ask),
	    "Is your RUBBISH complaint %s fixed now? Reply 1 YES or 2 NO.", c);
	assert_true(
	    queued_at(fx, n, ask) > queued_at(fx, n, "glad it is fixed"));
	assert_string_equal(say(fx, n, "HELP"), ask);
	contains(say(fx, n, "YES"), "glad it is fixed");
	expect_complaint(fx, c, "resolved", "fixed", true);
	snprintf(ask, sizeof(ask),
	    "Is your ROADS complaint %s fixed now? Reply 1 YES or 2 NO.", b);
	assert_string_equal(say(fx, n, "HELP"), ask);
	contains(say(fx, n, "2"), "is open again");
	expect_complaint(fx, b, "received", "not_fixed", false);
	/* and no more: the dropped one stays unasked */
	before = queued_to(fx, n);
	contains(say(fx, n, "YES"), "Send one word");
	assert_int_equal(queued_to(fx, n), before + 1);
	expect_complaint(fx, old, "resolved", NULL, true);
}

static void
test_complaint_fixed_follow_up(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200020", *sw = "+254711200021",
		   *officer = "+254700000100";
	char ref[REF_LEN + 1], ref2[REF_LEN + 1], msg[96], ask[96];
	struct complaint_event *ev;
	size_t nev;

	/* resolved: the citizen is told, then asked whether it is fixed */
	ref_of(say(fx, n, "COMPLAIN WATER no water since Monday"), ref);
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "resolved", "--note", "Pipe fixed", NULL),
	    0);
	snprintf(ask, sizeof(ask),
	    "Is your WATER complaint %s fixed now? Reply 1 YES or 2 NO.", ref);
	assert_true(queued_with(fx, n, "is resolved. Pipe fixed"));
	assert_true(queued_with(fx, n, ask));
	/* HELP repeats the question; anything else asks for 1 or 2 */
	assert_string_equal(say(fx, n, "HELP"), ask);
	contains(say(fx, n, "maybe"), "Please reply with one of: 1 YES, 2 NO");
	expect_complaint(fx, ref, "resolved", NULL, true);
	/* NO: open again, the officer's old note gone, its officers told */
	contains(say(fx, n, "2"), "is open again and an officer will look");
	expect_complaint(fx, ref, "received", "not_fixed", false);
	snprintf(msg, sizeof(msg),
	    "Not fixed, says the citizen: WATER complaint %s is open again.",
	    ref);
	contains(notified(fx, officer, "complain"), msg);
	contains(notified(fx, officer, "complain"), "no water since Monday");
	assert_int_equal(store_complaint_events(fx->st, ref, &ev, &nev), 0);
	assert_string_equal(ev[nev - 1].by, "citizen");
	assert_string_equal(ev[nev - 1].note, "not_fixed");
	assert_string_equal(ev[nev - 1].status, "received");
	complaint_events_free(ev, nev);
	snprintf(msg, sizeof(msg), "STATUS %s", ref);
	{
		const char *r = say(fx, n, msg);
		contains(r, ": received.");
		assert_null(strstr(r, "Pipe fixed"));
	}
	/* answered once: a later NO is just an unknown word */
	contains(say(fx, n, "NO"), "Send one word");
	/* resolved again, by an officer's SMS: YES is noted, it stays closed */
	snprintf(msg, sizeof(msg), "UPDATE %s DONE new pipe laid", ref);
	contains(say(fx, officer, msg), "The citizen is told by SMS");
	contains(say(fx, n, "yes"), "glad it is fixed");
	expect_complaint(fx, ref, "resolved", "fixed", true);
	/* a keyword while the question waits is that keyword's, and ends it */
	ref_of(say(fx, n, "COMPLAIN ROADS a big hole"), ref2);
	assert_int_equal(run(fx, "complaint", "update", ref2, "--status",
			     "resolved", NULL),
	    0);
	contains(say(fx, n, "CLINIC kibera"), "Kibera Health Centre");
	contains(say(fx, n, "NO"), "Send one word");
	expect_complaint(fx, ref2, "resolved", NULL, true);
	/* in Swahili */
	ref_of(say(fx, sw, "LALAMIKO MAJI hakuna maji"), ref2);
	assert_int_equal(run(fx, "complaint", "update", ref2, "--status",
			     "resolved", NULL),
	    0);
	snprintf(msg, sizeof(msg), "Je, lalamiko lako la MAJI %s", ref2);
	assert_true(queued_with(fx, sw, msg));
	contains(say(fx, sw, "ndiyo"), "Tunafurahi limetatuliwa");
	expect_complaint(fx, ref2, "resolved", "fixed", true);
	/* the day's answers, for the summary: two yes, one no */
	{
		struct group_count *g = NULL;
		size_t ng = 0;

		assert_int_equal(store_complaint_answers(fx->st, 0, INT64_MAX,
				     &g, &ng),
		    0);
		assert_int_equal(ng, 2);
		assert_string_equal(g[0].key[0], "fixed");
		assert_int_equal(g[0].count, 2);
		assert_string_equal(g[1].key[0], "not_fixed");
		assert_int_equal(g[1].count, 1);
		group_counts_free(g, ng);
	}
	/* a status without follow_up asks nothing */
	ref_of(say(fx, n, "COMPLAIN HEALTH no nurse"), ref2);
	{
		size_t before = queued_to(fx, n);

		assert_int_equal(run(fx, "complaint", "update", ref2,
				     "--status", "rejected", NULL),
		    0);
		assert_int_equal(queued_to(fx, n), before + 1);
	}
	/* a citizen in another conversation is told, not asked: the
	 * question would end it */
	ref_of(say(fx, n, "COMPLAIN ROADS another hole"), ref2);
	contains(say(fx, n, "SURVEY"), "1. How often");
	assert_int_equal(run(fx, "complaint", "update", ref2, "--status",
			     "resolved", NULL),
	    0);
	snprintf(ask, sizeof(ask), "Is your ROADS complaint %s fixed", ref2);
	assert_false(queued_with(fx, n, ask));
	contains(say(fx, n, "1"), "3. Do you boil");
}

static void
test_complaint_remind(void **state)
{
	struct fx *fx = *state;
	const char *field[] = { "+254700000100", "+254700000101" },
		   *integrity = "+254700000110", *boss = "+254700000120";
	char water[REF_LEN + 1], bribe[REF_LEN + 1], roads[REF_LEN + 1],
	    fresh[REF_LEN + 1], want[200], msg[64];
	int segs;

	ref_of(say(fx, "+254711200030", "COMPLAIN WATER no water"), water);
	ref_of(say(fx, "+254711200031", "COMPLAIN BRIBE a clerk"), bribe);
	ref_of(say(fx, "+254711200032", "COMPLAIN ROADS a hole"), roads);
	ref_of(say(fx, "+254711200033", "COMPLAIN WATER a leak"), fresh);
	age_complaint(fx, water, 8);
	age_complaint(fx, bribe, 10);
	age_complaint(fx, roads, 9);
	say(fx, field[0], "MSAADA");
	/* a dry run says what it would send, and sends nothing */
	{
		size_t before = queued_to(fx, field[1]);

		assert_int_equal(run(fx, "complaint", "remind", "--dry-run",
				     NULL),
		    0);
		contains(fx->out, "+254700000101: 2 overdue (2 listed)");
		contains(fx->out,
		    "3 complaints open more than 7 days; 4 reminders (dry run: none queued)");
		assert_int_equal(queued_to(fx, field[1]), before);
	}
	/* each officer: their categories' overdue ones, oldest first, in
	 * their language, one SMS; the supervisor: all of them; the fresh
	 * complaint: nobody */
	assert_int_equal(run(fx, "complaint", "remind", NULL), 0);
	snprintf(want, sizeof(want),
	    "Complaints open more than 7 days: 2, oldest first: %s (ROADS), %s "
	    "(WATER). Send UPDATE and the number when you act.",
	    roads, water);
	assert_string_equal(newest_to(fx, field[1], NULL, &segs), want);
	assert_int_equal(segs, 1);
	snprintf(want, sizeof(want),
	    "Malalamiko yaliyo wazi zaidi ya siku 7: 2, ya zamani kwanza: %s "
	    "(BARABARA), %s (MAJI).",
	    roads, water);
	contains(newest_to(fx, field[0], NULL, &segs), want);
	snprintf(want, sizeof(want), "7 days: 1, oldest first: %s (BRIBE).",
	    bribe);
	contains(newest_to(fx, integrity, NULL, &segs), want);
	snprintf(want, sizeof(want),
	    "7 days: 3, oldest first: %s (BRIBE), %s (ROADS), %s (WATER).",
	    bribe, roads, water);
	contains(newest_to(fx, boss, NULL, &segs), want);
	assert_null(strstr(fx->out, fresh));
	/* the supervisor may act by SMS; a closed one is not reminded */
	snprintf(msg, sizeof(msg), "UPDATE %s DONE", roads);
	contains(say(fx, boss, msg), "The citizen is told by SMS");
	assert_int_equal(run(fx, "complaint", "remind", NULL), 0);
	contains(fx->out, "+254700000101: 1 overdue (1 listed)");
	contains(fx->out, "2 complaints open more than 7 days; 4 reminders");
	/* bad arguments */
	assert_int_equal(run(fx, "complaint", "remind", "--now", NULL),
	    -EINVAL);
}

static void
test_complaint_anonymous(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711200005";
	char ref[REF_LEN + 1], other[REF_LEN + 1], msg[64], p[32];
	struct complaint c;
	int64_t changed;
	bool more;
	int open;

	ref_of(say(fx, n, "COMPLAIN BRIBE the clerk asks for money"), ref);
	/* its SMS (the filing, the reply with the reference) are marked, so
	 * that the exports show a pseudonym whatever export.phones says */
	assert_int_equal(anon_count(fx, n).all, 2);
	assert_int_equal(anon_count(fx, n).anonymous, 2);
	assert_int_equal(run(fx, "complaint", "list", "--category",
			     "corruption", NULL),
	    0);
	contains(fx->out, ref);
	contains(fx->out, "p-");
	assert_null(strstr(fx->out, n)); /* the desk never sees the number */
	assert_int_equal(run(fx, "complaint", "update", ref, "--status",
			     "resolved", NULL),
	    0);
	contains(notified(fx, n, "complain"), "is resolved");
	/* closed: the number is gone, the citizen can still ask */
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_null(c.number);
	assert_non_null(c.pseudonym);
	complaint_done(&c);
	snprintf(msg, sizeof(msg), "STATUS %s", ref);
	contains(say(fx, n, msg), "resolved");
	contains(say(fx, "+254711200006", msg), "We have no complaint");
	/* the notification and the STATUS exchange too; not a stranger's */
	assert_int_equal(anon_count(fx, n).all, 5);
	assert_int_equal(anon_count(fx, n).anonymous, 5);
	assert_int_equal(anon_count(fx, "+254711200006").anonymous, 0);
	/* guided: from the message that names the category on */
	say(fx, "+254711200007", "COMPLAIN");
	say(fx, "+254711200007", "BRIBE");
	say(fx, "+254711200007", "the clerk");
	assert_int_equal(anon_count(fx, "+254711200007").all, 6);
	assert_int_equal(anon_count(fx, "+254711200007").anonymous, 4);
	say(fx, "+254711200007", "Kangemi");
	ref_of(say(fx, "+254711200007", "1"), other);
	/* once sent, the closed complaint's messages are put under the
	 * pseudonym; the queued one, the still open complaint's and the
	 * citizen's other messages keep the number */
	say(fx, n, "HELP");
	mark_sent(fx, n);
	mark_sent(fx, "+254711200007");
	open = anon_count(fx, "+254711200007").anonymous;
	assert_true(open > 0);
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	snprintf(p, sizeof(p), "%s", c.pseudonym);
	complaint_done(&c);
	contains(say(fx, n, msg), "resolved"); /* its answer is queued */
	assert_int_equal(store_anonymous_settle(fx->st, fx->clock + 1, 1000,
			     &changed, &more),
	    0);
	assert_int_equal(changed, 6);
	assert_false(more);
	assert_int_equal(anon_count(fx, p).all, 6);
	/* HELP both ways, and the answer to STATUS, still queued */
	assert_int_equal(anon_count(fx, n).all, 3);
	assert_int_equal(anon_count(fx, n).anonymous, 1);
	assert_int_equal(anon_count(fx, "+254711200007").anonymous, open);
	/* the citizen still asks and is answered */
	contains(say(fx, n, msg), "resolved");
	assert_int_equal(count_texts(fx, "the clerk asks for money"), 1);
	/* FORGET reaches what stands under the pseudonym */
	contains(say(fx, n, "FORGET"), "Reply 1 to erase");
	contains(say(fx, n, "1"), "erased");
	assert_int_equal(count_texts(fx, "the clerk asks for money"), 0);
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.description, "");
	complaint_done(&c);
}

/* --- lookup ------------------------------------------------------------ */

static void
test_lookup(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711300001";

	contains(say(fx, n, "CLINIC kibera"), "Kibera Health Centre");
	contains(say(fx, n, "clinic KIBRA"),
	    "Kibera Health Centre"); /* alias */
	contains(say(fx, n, "clinic Kiberra"), "Kibera Health Centre");
	contains(say(fx, n, "CLINIC mukuru kwa reuben"), "Mukuru Clinic");
	contains(say(fx, n, "CLINIC Lang'ata"), "Langata Health");
	contains(say(fx, n, "CLINIC kite"), "Kitengela"); /* prefix */
	contains(say(fx, n, "CLINIC ka"), "We found no clinic for ka");
	contains(say(fx, n, "CLINIC kas"), "Kasarani");
	contains(say(fx, n, "CLINIC kaw"), "Kawangware");
	/* several as close: did you mean */
	contains(say(fx, n, "CLINIC kar"), "Karen");
	/* two letters are too few to guess from */
	contains(say(fx, n, "CLINIC ki"), "We found no clinic");
	contains(say(fx, n, "CLINIC kiserean"), "Kiserian");
	contains(say(fx, n, "CLINIC ngog"), "Ngong");
	contains(say(fx, n, "CLINIC k"),
	    "We found no clinic for k. Send CLINIC");
	/* the keyword alone asks which place; the next message answers */
	contains(say(fx, n, "CLINIC"), "Which area? Send its name");
	contains(say(fx, n, "Kayole"), "Kayole Health Centre");
	contains(say(fx, n, "Kayole"), "Send one word"); /* asked once */
	contains(say(fx, n, "KLINIKI"), "Eneo gani?");
	contains(say(fx, n, "SURVEY"), "Water survey"); /* a keyword leaves */
	contains(say(fx, n, "CLINIC zzzzzz"), "for example CLINIC KIBERA");
	/* a query that names nothing whole: its words, each on its own */
	contains(say(fx, n, "CLINIC near mathare"), "Mathare Clinic");
	contains(say(fx, n, "CLINIC kibera please"), "Kibera Health Centre");
	contains(say(fx, n, "CLINIC mathare/kibera"),
	    "Did you mean 1 MATHARE, 2 KIBERA?");
	contains(say(fx, n, "CLINIC please help"),
	    "We found no clinic for please help.");
	/* an emoji repeated would make the reply UCS-2, two segments (say()
	 * fails on those): each run of what GSM-7 lacks is one '?' */
	contains(say(fx, n, "CLINIC \xf0\x9f\x98\x80\xf0\x9f\x98\x80 town"),
	    "We found no clinic for ? town. Send CLINIC");
	/* Swahili, from the reply_sw column */
	contains(say(fx, n, "KLINIKI embakasi"), "Kituo cha Afya Embakasi");
}

static void
test_lookup_did_you_mean(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711300002";

	/* two names two edits away and none nearer: ask, numbered */
	contains(say(fx, n, "CLINIC kaseran"),
	    "Did you mean 1 KASARANI, 2 KISERIAN? Reply with its number");
	/* the next message is the name */
	contains(say(fx, n, "kiserian"), "Kiserian Dispensary");
	/* or its number */
	say(fx, n, "CLINIC kaseran");
	contains(say(fx, n, " 2."), "Kiserian Dispensary");
	/* asked once: a number now walks the menus (1: the survey) */
	contains(say(fx, n, "1"), "Water survey");
	say(fx, n, "QUIT");
	/* a number the list does not have is a name like any other */
	say(fx, n, "CLINIC kaseran");
	contains(say(fx, n, "3"), "We found no clinic for 3");
	/* one of them clearly nearer: answer it */
	contains(say(fx, n, "CLINIC kasaran"), "Kasarani Maternity");
	contains(say(fx, n, "KLINIKI kaseran"),
	    "Ulimaanisha 1 KASARANI, 2 KISERIAN?");
	contains(say(fx, n, "1"), "Hospitali ya Kujifungua Kasarani");
}

/* --- the USSD menus by SMS --------------------------------------------- */

static void
test_menu_by_sms(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711400001";

	contains(say(fx, n, "MENU"),
	    "Reply with a number: 1 Water survey, 2 Make a complaint");
	/* a number walks the menus, screen by screen */
	contains(say(fx, n, "5"), "More\n1 About Baraza");
	contains(say(fx, n, "9"), "Invalid choice.\nMore");
	contains(say(fx, n, "0"), "Baraza: your county listens\n1 Water");
	/* a route's option: as if its keyword was sent */
	contains(say(fx, n, "2"), "What is the problem about?");
	/* in the route's steps, numbers are answers again */
	contains(say(fx, n, "1"), "Describe the WATER problem");
	/* a bare number without any conversation starts at the home screen */
	contains(say(fx, "+254711400002", " 4 "), "Which area?");
	/* a language, then home in it */
	say(fx, "+254711400003", "5");
	contains(say(fx, "+254711400003", "3"), "Language / Lugha");
	contains(say(fx, "+254711400003", "2"),
	    "Baraza: kaunti yako inasikiliza");
	contains(say(fx, "+254711400003", "zzz"), "Tuma neno moja");
	contains(say(fx, "+254711400003", "zzz"), "For English, send HELP.");
	/* a first message in Swahili that is no keyword: the help in the
	 * default language says how to get it in Swahili */
	contains(say(fx, "+254711400005", "habari yenu"),
	    "Kwa Kiswahili, tuma MSAADA.");
	/* a word leaves the menu */
	say(fx, "+254711400004", "5");
	contains(say(fx, "+254711400004", "ABOUT"), "Baraza lets you");
	contains(say(fx, "+254711400004", "2"), "What is the problem about?");
}

/* --- the right to be forgotten (SPEC §5) ---------------------------------- */

static void
test_forget(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254711500001";
	char ref[REF_LEN + 1];
	struct complaint c;
	struct msg *v;
	size_t nv;
	int done = -1;

	ref_of(say(fx, n, "COMPLAIN WATER no water at the kiosk"), ref);
	/* an officer asks about it: their SMS carry its words too */
	{
		char msg[32];

		snprintf(msg, sizeof(msg), "STATUS %s", ref);
		contains(say(fx, "+254700000101", msg),
		    "no water at the kiosk");
		assert_true(
		    queued_with(fx, "+254700000100", "no water at the kiosk"));
	}
	say(fx, n, "SURVEY");
	say(fx, n, "2");
	say(fx, n, "4");
	say(fx, n, "1");
	contains(say(fx, n, "My name is Amina, call me"), "Thank you");
	/* asked, then not confirmed: nothing is erased */
	contains(say(fx, n, "FORGET"), "Reply 1 to erase");
	contains(say(fx, n, "no"), "Nothing was erased");
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_string_equal(c.number, n);
	complaint_done(&c);
	/* asked and confirmed */
	contains(say(fx, n, "SAHAU"), "Jibu 1 kufuta");
	contains(say(fx, n, "1"), "Imekamilika");
	assert_int_equal(store_complaint_get(fx->st, ref, &c), 0);
	assert_null(c.number);
	assert_string_equal(c.description, "");
	assert_int_equal(strncmp(c.pseudonym, "p-", 2), 0);
	complaint_done(&c);
	/* the answers count, anonymously; the free text is gone */
	assert_int_equal(run(fx, "survey", "results", "water", NULL), 0);
	contains(fx->out, "1 completed response");
	contains(fx->out, "2 some_days 1 100.0%");
	contains(fx->out, "0 free-text answers");
	assert_int_equal(store_response_count(fx->st, "water", n, 0, &done), 0);
	assert_int_equal(done, 0);
	/* no message of the number keeps its text or the number, but the
	 * last reply, which must still reach it */
	assert_int_equal(store_outbound_list(fx->st, "queued", 100, &v, &nv),
	    0);
	for (size_t i = 0; i < nv; i++)
		if (strcmp(v[i].number, n) == 0)
			contains(v[i].text, "Imekamilika");
	msgs_free(v, nv);
	/* nor any SMS that carried the complaint's words to its officers:
	 * the alert, the answer to an officer's STATUS */
	{
		struct anon_count a = anon_count(fx, "+254700000100");

		assert_true(a.all > 0);
		assert_false(
		    queued_with(fx, "+254700000100", "no water at the kiosk"));
		assert_false(
		    queued_with(fx, "+254700000101", "no water at the kiosk"));
		assert_int_equal(count_texts(fx, "no water at the kiosk"), 0);
	}
}

/* --- what `baraza check` says of broken settings ------------------------- */

static void
test_check_diagnostics(void **state)
{
	struct conf_errors ce;
	struct conf *c;
	const char *t;

	conf_errors_init(&ce);
	c = conf_load("conf/handlers-bad.conf", NULL, 0, handlers_table, &ce);
	assert_null(c);
	t = ce.text.data;
	contains(t,
	    "conf/handlers-bad.conf:15: 'next_yes': there is no question 'zzz'");
	contains(t,
	    "conf/handlers-bad.conf:16: 'next': question 'a' comes before");
	contains(t,
	    "conf/handlers-bad.conf:23: question 'c': a choice needs 'options', 2 to 9");
	contains(t, "conf/data/bad-clinics.csv:3: 'Mathare' has no reply");
	contains(t,
	    "conf/data/bad-clinics.csv:4: 'kibra' is already a name of 'Kibera'");
	/* aliases a spreadsheet user separated by ';' or ',' are each a
	 * name, without the spaces around them */
	contains(t,
	    "conf/data/bad-clinics.csv:5: 'Kibra' is already a name of 'Kibera'");
	contains(t, "conf/data/broken.csv:2: a quoted field is never closed");
	contains(t,
	    "conf/handlers-bad.conf:28: a complaint route with action \"status\" needs 'desk'");
	contains(t,
	    "conf/handlers-bad.conf:30: keyword 'POLL' is already used at conf/handlers-bad.conf:10");
	/* a complaint desk: a category's officers, "is it fixed?" */
	contains(t,
	    "conf/handlers-bad.conf:33: 'officers': item 1 must be a number in E.164");
	contains(t,
	    "conf/handlers-bad.conf:34: status 'open': 'follow_up' asks whether a closed complaint is fixed; it needs 'closes = true'");
	contains(t,
	    "conf/handlers-bad.conf:32: 'reopen_to' must name a status that does not close");
	contains(t, "conf/handlers-bad.conf:31: 'ask_fixed' is required");
	conf_errors_done(&ce);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_survey_whole, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_survey_branches_and_swahili, setup, teardown),
		cmocka_unit_test_setup_teardown(test_number_words, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_survey_leaving, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_survey_invite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_complaint_one_shot_and_status, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complaint_status_lists_open_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_guided, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_complaint_officers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_complaint_alerts_officers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_sent_twice,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_officer_details,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_alert_hours,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_complaint_fixed_back_to_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_fixed_follow_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_remind, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_complaint_anonymous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_did_you_mean, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_menu_by_sms, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup, teardown),
		cmocka_unit_test(test_check_diagnostics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
