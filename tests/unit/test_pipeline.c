/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_pipeline: one inbound message through the loop guard, the flood
 * limit, opt-out, languages, sessions and a handler, to its stored reply,
 * with a counting handler that keeps a session.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline.h"

/* --- a handler with a session: COUNT, then any text counts up --------- */

static int
counter_configure(struct hconf *hc, void **ret_state)
{
	*ret_state = NULL;
	return 0;
}

static void
counter_free(void *state)
{
}

static int
counter_handle(void *state, struct hctx *ctx)
{
	const char *s = hctx_session(ctx);
	char buf[64];
	int n = s ? (int)strtol(s, NULL, 10) + 1 : 1;

	if (s != NULL && hctx_other_keyword(ctx))
		return HANDLER_DECLINED;
	if (strcmp(hctx_args(ctx), "fail") == 0)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%d", n);
	hctx_session_set(ctx, buf, 60);
	snprintf(buf, sizeof(buf), "count %d (%s)", n,
	    hctx_lang(ctx) ? "sw" : "en");
	hctx_reply(ctx, buf);
	return HANDLER_OK;
}

static int
counter_help(void *state, struct hctx *ctx)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "counting at %s", hctx_session(ctx));
	hctx_reply(ctx, buf);
	return HANDLER_OK;
}

extern const struct handler help_handler, text_handler;
static const struct handler counter_handler = {
	.name = "counter",
	.abi = HANDLER_ABI,
	.configure = counter_configure,
	.free_state = counter_free,
	.handle = counter_handle,
	.help = counter_help,
};
static const struct handler *const table[] = { &help_handler, &text_handler,
	&counter_handler, NULL };

/* --- fixture ------------------------------------------------------------ */

struct fx {
	struct conf *c;
	struct store *st;
	char path[64];
	int64_t clock;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct conf_errors ce;
	char *err = NULL;

	conf_errors_init(&ce);
	fx->c = conf_load("conf/pipeline.conf", NULL, 0, table, &ce);
	if (fx->c == NULL)
		fprintf(stderr, "%s", ce.text.data);
	conf_errors_done(&ce);
	snprintf(fx->path, sizeof(fx->path), "/tmp/baraza-test-pipe-%d.db",
	    (int)getpid());
	unlink(fx->path);
	if (fx->c == NULL || store_open(fx->path, &fx->st, &err) < 0)
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

/* Sends text from number; returns the reply (static) or "" for none. */
static const char *
say(struct fx *fx, const char *number, const char *text)
{
	static char last[256];
	struct inbound_new in = { .provider = "log",
		.number = number,
		.peer = "22384",
		.text = text,
		.at = (fx->clock += 61000) };
	struct pipeline_opts o = { "log", "queued", "sms", NULL, false };
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
	if (oc.reply != NULL) {
		struct msg r;
		assert_int_equal(store_message_get(fx->st, oc.reply_id, &r), 0);
		assert_string_equal(r.text, oc.reply);
		assert_string_equal(r.status, "queued");
		assert_int_equal(r.segments, 1);
		msg_done(&r);
	}
	outcome_done(&oc);
	msg_done(&m);
	return last;
}

static void
test_help_and_language(void **state)
{
	struct fx *fx = *state;

	assert_string_equal(say(fx, "+254700000001", "hello"),
	    "Send: COUNT, WATER");
	assert_string_equal(say(fx, "+254700000001", "MSAADA"),
	    "Tuma: HESABU, MAJI");
	/* remembered: an unknown word is now answered in Swahili */
	assert_string_equal(say(fx, "+254700000001", "xyz"),
	    "Tuma: HESABU, MAJI");
	assert_string_equal(say(fx, "+254700000001", "water"), "Water \"ok\"");
	assert_string_equal(say(fx, "+254700000001", "zzz"),
	    "Send: COUNT, WATER");
}

static void
test_sessions(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254700000002";

	assert_string_equal(say(fx, n, "count"), "count 1 (en)");
	assert_string_equal(say(fx, n, "anything"), "count 2 (en)");
	assert_string_equal(say(fx, n, "HELP"), "counting at 2");
	assert_string_equal(say(fx, n, "more"), "count 3 (en)");
	/* a typo of another language's keyword, taken as an answer, does
	 * not switch the conversation's language */
	assert_string_equal(say(fx, n, "majisaf"), "count 4 (en)");
	/* another route's keyword leaves the session for that route */
	assert_string_equal(say(fx, n, "maji"), "Maji sawa");
	assert_string_equal(say(fx, n, "again"), "Tuma: HESABU, MAJI");
	assert_string_equal(say(fx, n, "count"), "count 1 (en)");
	assert_string_equal(say(fx, n, "QUIT"), "You left.");
	assert_string_equal(say(fx, n, "again"), "Send: COUNT, WATER");
	/* a failing handler: processed, no reply, nothing half-written */
	assert_string_equal(say(fx, n, "count fail"), "");
}

/* Makes the number's session one that expired ago_ms before now. */
static void
expire_session(struct fx *fx, const char *number, const char *route,
    const char *sstate, int64_t ago_ms)
{
	int64_t now = now_ms();

	assert_int_equal(store_session_put(fx->st, number, route, sstate,
			     now - ago_ms, now - ago_ms - 60000),
	    0);
}

static void
test_late_answers(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254700000004";
	char *route = NULL, *sstate = NULL;

	/* an hour after the session expired, a text with no keyword still
	 * answers it */
	expire_session(fx, n, "count", "1", 3600 * 1000);
	assert_string_equal(say(fx, n, "7"), "count 2 (en)");
	/* so does the route's own keyword again */
	expire_session(fx, n, "count", "2", 3600 * 1000);
	assert_string_equal(say(fx, n, "count"), "count 3 (en)");
	/* another route's keyword ends it for good */
	expire_session(fx, n, "count", "3", 3600 * 1000);
	assert_string_equal(say(fx, n, "water"), "Water \"ok\"");
	assert_int_equal(store_session_get(fx->st, n, 0, &route, &sstate, NULL),
	    -ENOENT);
	assert_string_equal(say(fx, n, "7"), "Send: COUNT, WATER");
	/* and so does a reserved word */
	expire_session(fx, n, "count", "4", 3600 * 1000);
	assert_string_equal(say(fx, n, "HELP"), "Send: COUNT, WATER");
	assert_string_equal(say(fx, n, "7"), "Send: COUNT, WATER");
	/* past late_answer_min (a day, by default) it is over */
	expire_session(fx, n, "count", "5", 24 * 3600 * 1000 + 1000);
	assert_string_equal(say(fx, n, "7"), "Send: COUNT, WATER");
	/* 0 turns late answers off */
	fx->c->gw.late_answer_min = 0;
	expire_session(fx, n, "count", "6", 1000);
	assert_string_equal(say(fx, n, "7"), "Send: COUNT, WATER");
}

static void
test_stop_start(void **state)
{
	struct fx *fx = *state;
	const char *n = "+254700000003";
	struct contact c;

	assert_string_equal(say(fx, n, "count"), "count 1 (en)");
	assert_string_equal(say(fx, n, "STOP"), "Stopped.");
	assert_int_equal(store_contact_get(fx->st, n, &c), 0);
	assert_true(c.opted_out);
	contact_done(&c);
	/* STOP also ended the session */
	assert_string_equal(say(fx, n, "more"), "Send: COUNT, WATER");
	assert_string_equal(say(fx, n, "anza"), "Imeanza.");
	assert_int_equal(store_contact_get(fx->st, n, &c), 0);
	assert_false(c.opted_out);
	contact_done(&c);
}

/* Stores in and runs it through the pipeline; *oc is the caller's. */
static void
process(struct fx *fx, const struct inbound_new *in, struct outcome *oc)
{
	struct pipeline_opts o = { "log", "queued", "sms", NULL, false };
	struct msg m;
	int64_t id;
	bool dup;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_inbound_add(fx->st, in, &id, &dup), 0);
	assert_int_equal(store_message_get(fx->st, id, &m), 0);
	assert_int_equal(pipeline_process(fx->st, fx->c->routing, &fx->c->gw,
			     &m, &o, oc),
	    0);
	assert_int_equal(store_commit(fx->st), 0);
	msg_done(&m);
}

static void
test_loop_guard_and_flood(void **state)
{
	struct fx *fx = *state;
	struct inbound_new in = { .provider = "log",
		.number = "+254700000004",
		.text = "water",
		.at = now_ms() };
	struct outcome oc;
	int replies = 0;

	assert_string_equal(say(fx, "MPESA", "help"), "");
	assert_string_equal(say(fx, "+19990000000", "help"), "");
	/* seven messages within the window: five answered, the rest stored */
	for (int i = 0; i < 7; i++) {
		char text[16];
		snprintf(text, sizeof(text), "water %d", i);
		in.text = text;
		in.at += 100;
		process(fx, &in, &oc);
		replies += oc.reply != NULL;
		if (i >= 5)
			assert_string_equal(oc.reason, "flood limit");
		outcome_done(&oc);
	}
	assert_int_equal(replies, 5);
	/* the same text again within seconds is one message */
	in.number = "+254700000005";
	in.text = "water";
	for (int i = 0; i < 2; i++) {
		in.at += 1000;
		process(fx, &in, &oc);
		if (i == 0)
			assert_non_null(oc.reply);
		else
			assert_string_equal(oc.reason, "repeated text");
		outcome_done(&oc);
	}
	/* ... even with another text between them (a robot alternating
	 * two texts): SPEC §5 counts any same text within the window */
	in.number = "+254700000015";
	for (int i = 0; i < 3; i++) {
		in.text = i == 1 ? "help" : "water";
		in.at += 1000;
		process(fx, &in, &oc);
		if (i < 2)
			assert_non_null(oc.reply);
		else
			assert_string_equal(oc.reason, "repeated text");
		outcome_done(&oc);
	}
}

/* Two identical texts stored before either is processed (a backlog after
 * a restart): the first is answered, the second is the repeat. */
static void
test_backlog_in_order(void **state)
{
	struct fx *fx = *state;
	struct inbound_new in = { .provider = "log",
		.number = "+254700000006",
		.text = "water",
		.at = now_ms() };
	struct pipeline_opts o = { "log", "queued", "sms", NULL, false };
	int64_t ids[2];
	bool dup;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_inbound_add(fx->st, &in, &ids[0], &dup), 0);
	in.at += 1000;
	assert_int_equal(store_inbound_add(fx->st, &in, &ids[1], &dup), 0);
	for (int i = 0; i < 2; i++) {
		struct outcome oc;
		struct msg m;
		assert_int_equal(store_message_get(fx->st, ids[i], &m), 0);
		assert_int_equal(pipeline_process(fx->st, fx->c->routing,
				     &fx->c->gw, &m, &o, &oc),
		    0);
		if (i == 0)
			assert_non_null(oc.reply);
		else
			assert_string_equal(oc.reason, "repeated text");
		outcome_done(&oc);
		msg_done(&m);
	}
	assert_int_equal(store_commit(fx->st), 0);
}

/* Replies to one number range are capped per hour (SMS pumping). */
static void
test_prefix_cap(void **state)
{
	struct fx *fx = *state;
	char n[32];
	int replies = 0;

	fx->c->gw.prefix_cap_per_hour = 3;
	fx->c->gw.prefix_digits = 8;
	for (int i = 0; i < 5; i++) {
		snprintf(n, sizeof(n), "+2547009%04d", i);
		replies += say(fx, n, "water")[0] != '\0';
	}
	assert_int_equal(replies, 3);
	/* another range is not affected */
	assert_string_equal(say(fx, "+255700000001", "water"), "Water \"ok\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_and_language, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_answers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loop_guard_and_flood,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prefix_cap, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
