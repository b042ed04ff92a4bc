/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_queue: `baraza queue [list|show|retry|cancel]`, the operators' view
 * of the outbound queue: counts by status, the failed messages with the
 * provider's reason, one message's history (and its parts' reports), and
 * putting failed ones back or cancelling queued ones (one by id, or all
 * with --all).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "pseudonym.h"

#define QUEUE_LIST_MAX 50

/* A message's number as an operator may see it: the pseudonym when the
 * message is about an anonymous complaint (as in the exports). */
static const char *
shown_number(struct store *st, const struct msg *m, char buf[PSEUDONYM_LEN + 1])
{
	unsigned char key[PSEUDONYM_KEY_LEN];

	if (!m->anonymous)
		return m->number;
	if (store_secret(st, PSEUDONYM_SECRET, key, sizeof(key)) < 0)
		return "(anonymous)";
	pseudonym_make(key, m->number, buf);
	return buf;
}

static void
print_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	/* local, as the complaint desk and the exports show times */
	localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S %z", &tm);
	fputs(s, stdout);
}

static int
queue_list(struct store *st)
{
	struct status_count *counts = NULL;
	struct msg *v = NULL;
	size_t n = 0;

	if (store_status_counts(st, &counts, &n) < 0)
		return EXIT_ENV;
	printf("%-4s %-10s %8s\n", "dir", "status", "count");
	for (size_t i = 0; i < n; i++)
		printf("%-4s %-10s %8lld%s%s%s\n", counts[i].direction,
		    counts[i].status, (long long)counts[i].count,
		    counts[i].reason[0] ? "  (" : "", counts[i].reason,
		    counts[i].reason[0] ? ")" : "");
	free(counts);
	if (store_outbound_list(st, "failed", QUEUE_LIST_MAX, &v, &n) < 0)
		return EXIT_ENV;
	if (n > 0)
		printf("\nfailed (newest first, at most %d):\n",
		    QUEUE_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		char p[PSEUDONYM_LEN + 1];

		printf("%lld  ", (long long)v[i].id);
		print_time(v[i].updated_at);
		printf("  %s  %s  attempts=%d  reason=%s\n", v[i].provider,
		    shown_number(st, &v[i], p), v[i].attempts,
		    v[i].reason ? v[i].reason : "-");
	}
	msgs_free(v, n);
	return EXIT_OK;
}

/* One message: its row, its history, and the parts of a long one. */
static int
queue_show(struct cli *cli, struct store *st)
{
	struct msg m;
	char p[PSEUDONYM_LEN + 1];
	struct msg_event *ev = NULL;
	struct msg_part *parts = NULL;
	size_t nev = 0, nparts = 0;
	int64_t id;
	int rc;

	if (cli->argc != 2 ||
	    parse_int64(cli->argv[1], 1, INT64_MAX, &id) < 0) {
		fprintf(stderr, "baraza queue show: give a message id\n");
		return EXIT_USER;
	}
	if ((rc = store_message_get(st, id, &m)) == -ENOENT) {
		fprintf(stderr, "baraza queue show: no message %lld\n",
		    (long long)id);
		return EXIT_USER;
	}
	if (rc < 0 || store_message_history(st, id, &ev, &nev) < 0 ||
	    store_message_parts(st, id, &parts, &nparts) < 0) {
		fprintf(stderr, "baraza queue: the database failed: %s\n",
		    store_errmsg(st));
		if (rc == 0)
			msg_done(&m);
		msg_events_free(ev, nev);
		return EXIT_ENV;
	}
	printf("message %lld  %s  %s  %s  %s%s%s%s\n", (long long)m.id,
	    m.direction, m.provider, shown_number(st, &m, p), m.status,
	    m.reason ? " (" : "", m.reason ? m.reason : "",
	    m.reason ? ")" : "");
	printf("  provider id %s, %d segment%s %s, attempts %d, created ",
	    m.provider_id ? m.provider_id : "-", m.segments,
	    m.segments == 1 ? "" : "s", m.encoding ? m.encoding : "-",
	    m.attempts);
	print_time(m.created_at);
	printf(", updated ");
	print_time(m.updated_at);
	printf("\nhistory:\n");
	for (size_t i = 0; i < nev; i++) {
		printf("  ");
		print_time(ev[i].at);
		printf("  %s%s%s\n", ev[i].status, ev[i].detail ? "  " : "",
		    ev[i].detail ? ev[i].detail : "");
	}
	if (nparts > 0)
		printf("parts:\n");
	for (size_t i = 0; i < nparts; i++)
		printf("  %d  %s  %s\n", parts[i].part, parts[i].provider_id,
		    parts[i].status);
	msg_done(&m);
	msg_events_free(ev, nev);
	msg_parts_free(parts, nparts);
	return EXIT_OK;
}

static int
queue_change(struct cli *cli, struct store *st, const char *what)
{
	int all = cli_take_flag(cli, "--all"), n = 0, rc;
	int64_t id = 0;

	if (cli_no_unknown_opts(cli, "queue") != 0)
		return EXIT_USER;
	if ((all && cli->argc > 1) || (!all && cli->argc != 2) ||
	    (!all && parse_int64(cli->argv[1], 1, INT64_MAX, &id) < 0)) {
		fprintf(stderr, "baraza queue %s: give a message id or --all\n",
		    what);
		return EXIT_USER;
	}
	if ((rc = store_begin(st)) == 0) {
		rc = strcmp(what, "retry") == 0
		    ? store_outbound_retry(st, id, now_ms(), &n)
		    : store_outbound_cancel(st, id, now_ms(), &n);
		rc = rc == 0 ? store_commit(st) : rc;
	}
	if (rc < 0) {
		store_rollback(st);
		fprintf(stderr, "baraza queue: the database failed: %s\n",
		    store_errmsg(st));
		return EXIT_ENV;
	}
	if (!all && n == 0) {
		fprintf(stderr, "baraza queue %s: message %lld is not %s\n",
		    what, (long long)id,
		    strcmp(what, "retry") == 0 ? "failed" : "queued");
		return EXIT_USER;
	}
	printf("%s: %d message%s\n",
	    strcmp(what, "retry") == 0 ? "requeued" : "cancelled", n,
	    n == 1 ? "" : "s");
	return EXIT_OK;
}

int
cli_queue(struct cli *cli)
{
	const char *sub = cli->argc > 0 ? cli->argv[0] : "list";
	struct conf *c;
	struct store *st;
	int code;

	if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "retry") != 0 && strcmp(sub, "cancel") != 0) {
		fprintf(stderr,
		    "baraza queue: unknown '%s' (list, show, retry or "
		    "cancel)\n",
		    sub);
		return EXIT_USER;
	}
	if ((c = cli_load(cli, &code)) == NULL)
		return code;
	if ((st = cli_open_store(c, &code)) == NULL) {
		conf_free(c);
		return code;
	}
	if (strcmp(sub, "list") == 0)
		code = cli->argc > 1
		    ? (fprintf(stderr, "baraza queue list: no arguments\n"),
			  EXIT_USER)
		    : queue_list(st);
	else if (strcmp(sub, "show") == 0)
		code = queue_show(cli, st);
	else
		code = queue_change(cli, st, sub);
	store_close(st);
	conf_free(c);
	return code;
}
