/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store: the SQLite store -- migrations, inbound deduplication, the
 * outbound queue's states, delivery reports, operators' retry and cancel,
 * contacts and sessions -- against a real database file.
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
#include <sqlite3.h>

#include "provider.h"
#include "store.h"
#include "util.h"

static char path[64];

static int
setup(void **state)
{
	struct store *st;
	char *err = NULL;

	snprintf(path, sizeof(path), "/tmp/baraza-test-store-%d.db",
	    (int)getpid());
	unlink(path);
	if (store_open(path, &st, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = st;
	return 0;
}

static int
teardown(void **state)
{
	char p[80];

	store_close(*state);
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static void
test_inbound(void **state)
{
	struct store *st = *state;
	struct inbound_new in = { "generic", "abc", "+254700000001", "22384",
		"maji'; DROP TABLE messages;--", 1000, NULL };
	struct queue_depth depth;
	struct msg *v;
	size_t n;
	int64_t id1, id2, id3;
	bool dup;
	int count;

	assert_int_equal(store_inbound_add(st, &in, &id1, &dup), 0);
	assert_false(dup);
	assert_int_equal(store_inbound_add(st, &in, &id2, &dup), 0);
	assert_true(dup);
	assert_int_equal(id1, id2);
	in.provider = "other"; /* same id, other provider: a new message */
	assert_int_equal(store_inbound_add(st, &in, &id3, &dup), 0);
	assert_false(dup);
	in.provider_id = NULL; /* no id: never deduplicated by id */
	assert_int_equal(store_inbound_add(st, &in, &id3, &dup), 0);
	assert_int_equal(store_inbound_add(st, &in, &id3, &dup), 0);
	assert_false(dup);

	assert_int_equal(store_inbound_pending(st, now_ms(), 10, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].text, "maji'; DROP TABLE messages;--");
	assert_string_equal(v[0].status, "received");
	msgs_free(v, n);
	assert_int_equal(store_inbound_finish(st, id1, "processed", NULL,
			     "help", "en"),
	    0);
	assert_int_equal(store_inbound_pending(st, now_ms(), 10, &v, &n), 0);
	assert_int_equal(n, 3);
	msgs_free(v, n);
	/* what /metrics reports: three waiting, the oldest since 1000 */
	assert_int_equal(store_queue_depth(st, &depth), 0);
	assert_int_equal(depth.received, 3);
	assert_int_equal(depth.queued, 0);
	assert_int_equal(depth.oldest_received_at, 1000);
	/* only messages that came before count: a backlog is judged in order */
	assert_int_equal(store_inbound_count_since(st, "+254700000001", 0, id1,
			     100, &count),
	    0);
	assert_int_equal(count, 0);
	assert_int_equal(store_inbound_count_since(st, "+254700000001", 0, id3,
			     100, &count),
	    0);
	assert_int_equal(count, 3);
	/* counted no further than the limit asks */
	assert_int_equal(store_inbound_count_since(st, "+254700000001", 0, id3,
			     2, &count),
	    0);
	assert_int_equal(count, 2);
	assert_int_equal(store_inbound_repeat(st, "+254700000001",
			     "maji'; DROP TABLE messages;--", 0, id1, &dup),
	    0);
	assert_false(dup);
	assert_int_equal(store_inbound_repeat(st, "+254700000001",
			     "maji'; DROP TABLE messages;--", 0, id3, &dup),
	    0);
	assert_true(dup);
}

/* A sender's in-flight set of one message. */
static bool
skip_id(void *arg, int64_t id)
{
	return id == *(const int64_t *)arg;
}

/* A one-segment reply, queued at 5000 for number. */
static struct outbound_new
queued_hello(const char *number)
{
	return (struct outbound_new){ .provider = "generic",
		.number = number,
		.text = "hello",
		.status = "queued",
		.segments = 1,
		.encoding = "gsm7",
		.at = 5000 };
}

/* The reports a pass applied, each of them with this status. */
struct applied {
	const char *status;
	int n;
};

static void
count_applied(void *arg, const char *provider, const char *status)
{
	struct applied *a = arg;

	assert_string_equal(provider, "generic");
	assert_string_equal(status, a->status);
	a->n++;
}

/* A long message sent as parts with an id each: delivered only when every
 * part is, failed by any part's failure (the part named), and a part's
 * report that came before the outcome applied once it is written. */
static void
test_part_reports(void **state)
{
	struct store *st = *state;
	struct outbound_new o = queued_hello("+254700000004");
	char *ids_a[] = { "A-1", "A-2", "A-3" }, *ids_b[] = { "B-1", "B-2" };
	struct send_outcome out_a = { .provider_id = "A-1",
		.part_ids = ids_a,
		.nparts = 3 },
			    out_b = { .provider_id = "B-1",
				    .part_ids = ids_b,
				    .nparts = 2 };
	struct msg m;
	struct msg_event *ev;
	struct msg_part *parts;
	size_t nev, nparts;
	int64_t a, b, c, d;
	enum report_match found;
	bool ready;
	struct applied applied = { "failed", 0 };

	assert_int_equal(store_outbound_add(st, &o, &a), 0);
	assert_int_equal(store_outbound_add(st, &o, &b), 0);
	assert_int_equal(store_outbound_attempt(st, a, "sent", &out_a, 1, 0,
			     5000),
	    0);
	/* the last two parts delivered, by their own ids: not yet */
	for (int i = 2; i >= 1; i--) {
		assert_int_equal(store_outbound_report(st, "generic", 0,
				     ids_a[i], "delivered", NULL, 5100, &found),
		    0);
		assert_int_equal(found, REPORT_HISTORY);
		assert_int_equal(store_message_get(st, a, &m), 0);
		assert_string_equal(m.status, "sent");
		msg_done(&m);
	}
	/* an intermediate report of the first does not settle it either */
	assert_int_equal(store_outbound_report(st, "generic", 0, "A-1", "sent",
			     NULL, 5150, &found),
	    0);
	assert_int_equal(found, REPORT_HISTORY);
	assert_int_equal(store_message_get(st, a, &m), 0);
	assert_string_equal(m.status, "sent");
	msg_done(&m);
	assert_int_equal(store_outbound_report(st, "generic", 0, "A-1",
			     "delivered", NULL, 5200, &found),
	    0);
	assert_int_equal(found, REPORT_MESSAGE);
	assert_int_equal(store_message_get(st, a, &m), 0);
	assert_string_equal(m.status, "delivered");
	msg_done(&m);
	/* what `baraza queue show` prints: the history, the parts */
	assert_int_equal(store_message_history(st, a, &ev, &nev), 0);
	assert_int_equal(nev, 6); /* queued, sent, 3 of 3, 2 of 3, sent, all */
	assert_string_equal(ev[2].status, "delivered");
	assert_string_equal(ev[2].detail, "part 3 of 3");
	assert_string_equal(ev[5].status, "delivered");
	assert_null(ev[5].detail);
	msg_events_free(ev, nev);
	assert_int_equal(store_message_parts(st, a, &parts, &nparts), 0);
	assert_int_equal(nparts, 3);
	for (size_t i = 0; i < nparts; i++) {
		assert_int_equal(parts[i].part, (int)i + 1);
		assert_string_equal(parts[i].provider_id, ids_a[i]);
		assert_string_equal(parts[i].status, "delivered");
	}
	msg_parts_free(parts, nparts);
	/* b: part 2's failure came before the outcome, named by its id */
	assert_int_equal(store_outbound_report(st, "generic", 0, "B-2",
			     "failed", "stat:UNDELIV err:034", 5300, &found),
	    0);
	assert_int_equal(found, REPORT_NONE);
	assert_int_equal(store_outbound_attempt(st, b, "sent", &out_b, 1, 0,
			     5310),
	    0);
	assert_int_equal(store_reports_ready(st, 5000, &ready), 0);
	assert_true(ready);
	assert_int_equal(store_reports_retry(st, 5000, count_applied, &applied),
	    0);
	assert_int_equal(applied.n, 1);
	assert_int_equal(store_message_get(st, b, &m), 0);
	assert_string_equal(m.status, "failed");
	assert_string_equal(m.reason, "part 2 of 2: stat:UNDELIV err:034");
	msg_done(&m);
	/* the other part delivered later: the message stays failed */
	assert_int_equal(store_outbound_report(st, "generic", b, "B-1",
			     "delivered", NULL, 5400, &found),
	    0);
	assert_int_equal(found, REPORT_HISTORY);
	assert_int_equal(store_message_get(st, b, &m), 0);
	assert_string_equal(m.status, "failed");
	msg_done(&m);
	/* a second part failing is history: the first failure's reason stays,
	 * and the message is counted failed once */
	assert_int_equal(store_outbound_report(st, "generic", b, "B-1",
			     "expired", "stat:EXPIRED", 5500, &found),
	    0);
	assert_int_equal(found, REPORT_HISTORY);
	assert_int_equal(store_message_get(st, b, &m), 0);
	assert_string_equal(m.status, "failed");
	assert_string_equal(m.reason, "part 2 of 2: stat:UNDELIV err:034");
	msg_done(&m);

	/* parts reported under the message's own id (Kannel's dlr-url): a
	 * failed part is not undone by a delivered one; a one-segment
	 * message still takes the latest report */
	o.segments = 2;
	assert_int_equal(store_outbound_add(st, &o, &c), 0);
	o.segments = 1;
	assert_int_equal(store_outbound_add(st, &o, &d), 0);
	for (int i = 0; i < 2; i++) {
		int64_t id = i == 0 ? c : d;

		assert_int_equal(store_outbound_attempt(st, id, "sent",
				     &(struct send_outcome){ 0 }, 1, 0, 5600),
		    0);
		assert_int_equal(store_outbound_report(st, "generic", id, NULL,
				     "failed", "2", 5700, &found),
		    0);
		assert_int_equal(store_outbound_report(st, "generic", id, NULL,
				     "delivered", "1", 5800, &found),
		    0);
		assert_int_equal(found,
		    i == 0 ? REPORT_HISTORY : REPORT_MESSAGE);
		assert_int_equal(store_message_get(st, id, &m), 0);
		assert_string_equal(m.status, i == 0 ? "failed" : "delivered");
		msg_done(&m);
	}
}

/* A report by the provider's id that comes before the send's outcome is
 * written waits, and is applied once it is; one for no message of ours is
 * forgotten after its time. */
static void
test_reports_waiting(void **state)
{
	struct store *st = *state;
	struct outbound_new o = queued_hello("+254700000003");
	struct msg m;
	int64_t a;
	enum report_match found;
	bool ready;
	struct applied applied = { "delivered", 0 };
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(store_outbound_add(st, &o, &a), 0);
	/* by our id, for no message: nothing to wait for */
	assert_int_equal(store_outbound_report(st, "generic", a + 100, NULL,
			     "delivered", NULL, 5100, &found),
	    0);
	assert_int_equal(found, REPORT_NONE);
	/* by the provider's id before the outcome: kept, not yet ready */
	assert_int_equal(store_outbound_report(st, "generic", 0, "P-7",
			     "delivered", "ok", 5200, &found),
	    0);
	assert_int_equal(found, REPORT_NONE);
	assert_int_equal(store_outbound_report(st, "generic", 0, "P-none",
			     "delivered", NULL, 5300, &found),
	    0);
	assert_int_equal(store_reports_ready(st, 5000, &ready), 0);
	assert_false(ready);
	assert_int_equal(store_reports_retry(st, 5000, count_applied, &applied),
	    0);
	assert_int_equal(applied.n, 0);
	assert_int_equal(store_message_get(st, a, &m), 0);
	assert_string_equal(m.status, "queued");
	msg_done(&m);
	/* the outcome names P-7: ready, and the pass applies the report */
	assert_int_equal(store_outbound_attempt(st, a, "sent",
			     &(struct send_outcome){ .provider_id = "P-7" }, 1,
			     0, 5400),
	    0);
	assert_int_equal(store_reports_ready(st, 5000, &ready), 0);
	assert_true(ready);
	assert_int_equal(store_reports_retry(st, 5000, count_applied, &applied),
	    0);
	assert_int_equal(applied.n, 1);
	assert_int_equal(store_message_get(st, a, &m), 0);
	assert_string_equal(m.status, "delivered");
	assert_string_equal(m.reason, "ok");
	msg_done(&m);
	/* P-none (another system's message) waits until its time is past */
	assert_int_equal(store_reports_ready(st, 5300, &ready), 0);
	assert_false(ready);
	assert_int_equal(store_reports_ready(st, 5301, &ready), 0);
	assert_true(ready);
	assert_int_equal(store_reports_retry(st, 5301, count_applied, &applied),
	    0);
	assert_int_equal(applied.n, 1);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT count(*) FROM reports_waiting", -1, &q,
			     NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 0);
	sqlite3_reset(q);
	/* a flood of reports for no message: no more than the limit kept */
	assert_int_equal(store_begin(st), 0);
	for (int i = 0; i < REPORTS_WAITING_MAX + 50; i++) {
		char pid[32];

		snprintf(pid, sizeof(pid), "X-%d", i);
		assert_int_equal(store_outbound_report(st, "generic", 0, pid,
				     "failed", NULL, 6000, &found),
		    0);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), REPORTS_WAITING_MAX);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void
test_outbound(void **state)
{
	struct store *st = *state;
	struct outbound_new o = queued_hello("+254700000002"),
			    o2 = queued_hello("+254700000003");
	struct msg *v, m;
	struct msg_event *ev;
	size_t n, nev;
	struct queue_depth depth;
	int64_t a, b, next;
	enum report_match found;
	bool ready;
	int changed;

	assert_int_equal(store_outbound_add(st, &o, &a), 0);
	assert_int_equal(store_outbound_add(st, &o2, &b), 0);
	assert_int_equal(store_outbound_due(st, "generic", 4999, 0, 10, NULL,
			     NULL, &v, &n),
	    0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(store_outbound_due(st, "generic", 5000, 0, 10, NULL,
			     NULL, &v, &n),
	    2);
	assert_int_equal(n, 2);
	msgs_free(v, n);
	/* one taken (in flight): seen, not read */
	assert_int_equal(store_outbound_due(st, "generic", 5000, 0, 10, skip_id,
			     &a, &v, &n),
	    2);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, b);
	msgs_free(v, n);
	/* those queued after an id: the sender's read after the writer's */
	assert_int_equal(store_outbound_queued(st), 2);
	assert_int_equal(store_message_max_id(st, &next), 0);
	assert_int_equal(next, b);
	assert_int_equal(store_outbound_due(st, "generic", 5000, a, 10, NULL,
			     NULL, &v, &n),
	    1);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, b);
	msgs_free(v, n);
	assert_int_equal(store_outbound_due(st, "generic", 5000, b, 10, NULL,
			     NULL, &v, &n),
	    0);
	free(v);
	/* a retry waits until its time */
	assert_int_equal(store_outbound_attempt(st, a, "queued",
			     &(struct send_outcome){ .provider_id = NULL,
				 .reason = "HTTP 503" },
			     1, 9000, 5001),
	    0);
	assert_int_equal(store_outbound_due(st, "generic", 6000, 0, 10, NULL,
			     NULL, &v, &n),
	    1);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, b);
	msgs_free(v, n);
	assert_int_equal(store_outbound_next_due(st, "generic", &next), 0);
	assert_int_equal(next, 5000); /* b is due, a waits until 9000 */
	assert_int_equal(store_outbound_attempt(st, b, "sent",
			     &(struct send_outcome){ .provider_id = "P-1",
				 .reason = NULL },
			     1, 6000, 6000),
	    0);
	assert_int_equal(store_outbound_next_due(st, "generic", &next), 0);
	assert_int_equal(next, 9000);
	assert_int_equal(store_outbound_next_due(st, "nobody", &next), -ENOENT);
	assert_int_equal(store_outbound_report(st, "generic", 0, "P-1",
			     "delivered", NULL, 7000, &found),
	    0);
	assert_int_equal(found, REPORT_MESSAGE);
	assert_int_equal(store_outbound_report(st, "generic", 0, "nope",
			     "delivered", NULL, 7000, &found),
	    0);
	assert_int_equal(found, REPORT_NONE);
	/* reports arrive out of order: a late "sent" does not undo delivery;
	 * it is the message's (written in its history), not one to keep
	 * waiting for a message */
	assert_int_equal(store_outbound_report(st, "generic", 0, "P-1", "sent",
			     NULL, 7500, &found),
	    0);
	assert_int_equal(found, REPORT_HISTORY);
	assert_int_equal(store_reports_ready(st, 0, &ready), 0);
	assert_false(ready);
	assert_int_equal(store_message_get(st, b, &m), 0);
	assert_string_equal(m.status, "delivered");
	assert_string_equal(m.provider_id, "P-1");
	msg_done(&m);
	/* the history lists it as it came, and says it changed nothing */
	assert_int_equal(store_message_history(st, b, &ev, &nev), 0);
	assert_int_equal(nev, 4); /* queued, sent, delivered, late sent */
	assert_string_equal(ev[2].status, "delivered");
	assert_null(ev[2].detail);
	assert_string_equal(ev[3].status, "sent");
	assert_string_equal(ev[3].detail, "status stays delivered");
	msg_events_free(ev, nev);
	/* failed, listed, retried by the operator */
	assert_int_equal(store_outbound_attempt(st, a, "failed",
			     &(struct send_outcome){ .provider_id = NULL,
				 .reason = "HTTP 400" },
			     2, 9000, 9000),
	    0);
	assert_int_equal(store_outbound_list(st, "failed", 10, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].reason, "HTTP 400");
	msgs_free(v, n);
	assert_int_equal(store_outbound_retry(st, a, 10000, &changed), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(store_outbound_retry(st, a, 10000, &changed), 0);
	assert_int_equal(changed, 0); /* no longer failed */
	assert_int_equal(store_queue_depth(st, &depth), 0);
	assert_int_equal(depth.queued, 1);
	assert_int_equal(depth.received, 0);
	assert_int_equal(depth.oldest_received_at, 0); /* none waits */
	assert_int_equal(store_outbound_cancel(st, 0, 11000, &changed), 0);
	assert_int_equal(changed, 1);
	/* a cancelled message is not sent by a late attempt */
	assert_int_equal(store_outbound_attempt(st, a, "sent",
			     &(struct send_outcome){ .provider_id = NULL,
				 .reason = NULL },
			     1, 0, 12000),
	    0);
	assert_int_equal(store_message_get(st, a, &m), 0);
	assert_string_equal(m.status, "cancelled");
	msg_done(&m);
	assert_int_equal(store_message_get(st, 999999, &m), -ENOENT);
}

/* The rows due at `at`, their ids in order. */
static size_t
due_ids(struct store *st, int64_t at, int64_t *ids, size_t max)
{
	struct msg *v;
	size_t n;

	assert_true(store_outbound_due(st, "generic", at, 0, 10, NULL, NULL, &v,
			&n) >= 0);
	assert_true(n <= max);
	for (size_t i = 0; i < n; i++)
		ids[i] = v[i].id;
	msgs_free(v, n);
	return n;
}

static void
test_retry_keeps_order(void **state)
{
	struct store *st = *state;
	struct outbound_new x = queued_hello("+254700000005"),
			    y = queued_hello("+254700000006");
	struct send_outcome busy = { .reason = "HTTP 503" };
	int64_t before, a, b, c, ids[4];

	assert_int_equal(store_outbound_add(st, &x, &before), 0);
	assert_int_equal(store_outbound_add(st, &x, &a), 0);
	assert_int_equal(store_outbound_add(st, &x, &b), 0);
	assert_int_equal(store_outbound_add(st, &y, &c), 0);
	/* a is refused for the moment: b, the next to that number, waits
	 * for a's retry; the one before a and another number's do not */
	assert_int_equal(store_outbound_attempt(st, a, "queued", &busy, 1, 9000,
			     5001),
	    0);
	assert_int_equal(due_ids(st, 6000, ids, 4), 2);
	assert_true(ids[0] == before && ids[1] == c);
	assert_int_equal(due_ids(st, 9000, ids, 4), 4);
	assert_true(ids[2] == a && ids[3] == b);
	/* a later retry moves b again; a failure leaves it due */
	assert_int_equal(store_outbound_attempt(st, a, "queued", &busy, 2,
			     12000, 9000),
	    0);
	assert_int_equal(due_ids(st, 11000, ids, 4), 2);
	assert_int_equal(store_outbound_attempt(st, a, "failed", &busy, 3,
			     12000, 12000),
	    0);
	assert_int_equal(due_ids(st, 12000, ids, 4), 3);
	assert_true(ids[2] == b);
	/* a failed message whose number is gone (a pseudonym) is not sent
	 * again: a provider would get "p-..." for a number */
	{
		struct outbound_new gone = queued_hello("p-23456789ABCD");
		int64_t g;
		int changed;

		assert_int_equal(store_outbound_add(st, &gone, &g), 0);
		assert_int_equal(store_outbound_attempt(st, g, "failed", &busy,
				     1, 12000, 12000),
		    0);
		assert_int_equal(store_outbound_retry(st, g, 13000, &changed),
		    0);
		assert_int_equal(changed, 0);
		assert_int_equal(store_outbound_retry(st, 0, 13000, &changed),
		    0);
		assert_int_equal(changed, 1); /* a, not it */
	}
}

static void
test_contacts_sessions(void **state)
{
	struct store *st = *state;
	struct contact c;
	char *route, *sstate;
	int64_t expires = 0, n = 0;
	bool more = false;

	assert_int_equal(store_contact_get(st, "+1", &c), 0);
	assert_null(c.lang);
	assert_false(c.opted_out);
	assert_int_equal(store_contact_set_lang(st, "+1", "sw", 1), 0);
	assert_int_equal(store_contact_set_optout(st, "+1", true, 2), 0);
	assert_int_equal(store_contact_get(st, "+1", &c), 0);
	assert_string_equal(c.lang, "sw");
	assert_true(c.opted_out);
	contact_done(&c);

	assert_int_equal(store_session_put(st, "+1", "survey", "q2", 5000, 1),
	    0);
	assert_int_equal(store_session_get(st, "+1", 4999, &route, &sstate,
			     &expires),
	    0);
	assert_string_equal(route, "survey");
	assert_string_equal(sstate, "q2");
	assert_int_equal(expires, 5000);
	free(route);
	free(sstate);
	assert_int_equal(store_session_get(st, "+1", 5000, &route, &sstate,
			     NULL),
	    -ENOENT);
	assert_int_equal(store_session_delete(st, "+1"), 0);
	/* the conversations over go, a chunk at a time; a live one stays */
	for (int i = 0; i < 5; i++) {
		char num[16];

		snprintf(num, sizeof(num), "+%d", 10 + i);
		assert_int_equal(store_session_put(st, num, "survey", "q1",
				     1000 * (i + 1), 1),
		    0);
	}
	assert_int_equal(store_session_prune(st, 4500, 3, &n, &more), 0);
	assert_int_equal(n, 3);
	assert_true(more);
	assert_int_equal(store_session_prune(st, 4500, 3, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(store_session_get(st, "+14", 0, &route, &sstate, NULL),
	    0);
	free(route);
	free(sstate);
	assert_int_equal(store_session_get(st, "+13", 0, &route, &sstate, NULL),
	    -ENOENT);
}

static void
test_reopen(void **state)
{
	struct store *st2;
	char *err = NULL;

	/* a second connection (another thread, the CLI) sees one schema */
	assert_int_equal(store_open(path, &st2, &err), 0);
	assert_int_equal(store_ping(st2), 0);
	store_close(st2);
	assert_int_equal(store_open("/dev/null/dir/x.db", &st2, &err), -EIO);
	assert_non_null(strstr(err, "database"));
	free(err);
}

/* A database of an older baraza is migrated on open; a newer one refused. */
/* The index `name` exists and its definition contains `part`. */
static void
index_has(sqlite3 *db, const char *name, const char *part)
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT sql FROM sqlite_master WHERE name = ?1",
			     -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(q, 0), part));
	sqlite3_finalize(q);
}

static void
test_migrations(void **state)
{
	struct store *st = *state, *st2;
	sqlite3 *db;
	sqlite3_stmt *q;
	char *err = NULL;

	store_close(st);
	*state = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
			     "DROP INDEX messages_anonymous;"
			     "ALTER TABLE messages DROP COLUMN anonymous;"
			     "ALTER TABLE messages DROP COLUMN channel;"
			     "ALTER TABLE messages DROP COLUMN cost;"
			     "DROP TABLE inbound_parts;"
			     "DROP TABLE poll_cursors;"
			     "DROP TABLE survey_answers;"
			     "DROP TABLE survey_responses;"
			     "DROP TABLE complaint_words;"
			     "DROP TABLE complaint_events;"
			     "DROP TABLE complaints;"
			     "DROP TABLE secrets;"
			     "DROP TABLE fetch_cache;"
			     "DROP TABLE state;"
			     "DROP TABLE ussd_sessions;"
			     "DROP TABLE reports_waiting;"
			     "DROP TABLE outbound_parts;"
			     "DROP INDEX messages_received;"
			     "DROP INDEX messages_number;"
			     "CREATE INDEX messages_number ON messages"
			     " (number, created_at);"
			     "PRAGMA user_version = 1;",
			     NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_open(path, &st2, &err), 0);
	store_close(st2);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT cost FROM messages LIMIT 1", -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT anonymous FROM messages LIMIT 1", -1, &q,
			     NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT citizen_says FROM complaints LIMIT 1", -1,
			     &q, NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
		"SELECT ref, message_id FROM complaint_words LIMIT 1", -1, &q,
		NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT at FROM reports_waiting LIMIT 1", -1, &q,
			     NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT status FROM outbound_parts LIMIT 1", -1,
			     &q, NULL),
	    SQLITE_OK);
	sqlite3_finalize(q);
	/* a backlog is read from its head, by the index of the waiting */
	index_has(db, "messages_received", "WHERE status = 'received'");
	/* the flood count reads the index alone */
	index_has(db, "messages_number", "(number, direction, created_at)");
	/* the anonymous messages still to settle; closed ones by pseudonym */
	index_has(db, "messages_anonymous", "WHERE anonymous = 1");
	index_has(db, "complaints_pseudonym", "WHERE number IS NULL");
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL,
			     NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st2, &err), -EPROTO);
	assert_non_null(strstr(err, "newer than this baraza"));
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_keeps_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_outbound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_part_reports, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reports_waiting, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contacts_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrations, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
