/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_export: the daily export files as an operator's spreadsheet reads
 * them -- day boundaries in the configured zone, ISO 8601 offsets, RFC 4180
 * quoting of commas, quotes, newlines, Swahili and emoji, formulas
 * neutralised, phone numbers per export.phones, the same bytes when a day
 * is exported again, nothing half-written left behind.  Runs in tests/unit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "csv.h"
#include "export.h"

#define SHIPPED "../../conf/baraza.conf"

struct fx {
	struct conf *c;
	struct store *st;
	char db[64];
	char dir[64];
};

static struct conf *
load(const char *phones)
{
	struct conf_override ov[] = { { "gateway.timezone", "Africa/Nairobi" },
		{ "export.phones", phones } };
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load(SHIPPED, ov, 2, handlers_table, &ce);
	if (c == NULL)
		fprintf(stderr, "%s", ce.text.data);
	conf_errors_done(&ce);
	return c;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char *err = NULL;

	if ((fx->c = load("full")) == NULL)
		return -1;
	conf_use_timezone(fx->c); /* UTC+3, no daylight saving */
	snprintf(fx->db, sizeof(fx->db), "/tmp/baraza-test-exp-%d.db",
	    (int)getpid());
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/baraza-test-exp-%d",
	    (int)getpid());
	unlink(fx->db);
	if (store_open(fx->db, &fx->st, &err) < 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[512];

	store_close(fx->st);
	conf_free(fx->c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s %s-wal %s-shm", fx->dir,
	    fx->db, fx->db, fx->db);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* 2026-11-26 in Nairobi is [2026-11-25T21:00Z, 2026-11-26T21:00Z). */
#define DAY_FROM 1795640400000LL
#define DAY_TO   1795726800000LL

static int64_t
inbound(struct fx *fx, const char *number, const char *text, int64_t at)
{
	struct inbound_new in = { .provider = "generic",
		.number = number,
		.peer = "22384",
		.text = text,
		.at = at };
	int64_t id;
	bool dup;

	assert_int_equal(store_inbound_add(fx->st, &in, &id, &dup), 0);
	assert_int_equal(store_inbound_finish(fx->st, id, "processed", NULL,
			     "complain", "sw"),
	    0);
	return id;
}

static char *
slurp(const char *dir, const char *day, const char *name, size_t *ret_len)
{
	char path[256];
	FILE *f;
	char *data = malloc(1 << 20);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, day, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	n = fread(data, 1, (1 << 20) - 1, f);
	fclose(f);
	data[n] = '\0';
	if (ret_len != NULL)
		*ret_len = n;
	return data;
}

/* The records of a CSV text (after its BOM), as our reader reads them. */
static size_t
records(const char *data, struct csv_record *out, size_t max)
{
	struct csv_reader r;
	const char *err = NULL;
	size_t n = 0;

	csv_reader_init(&r, data, strlen(data));
	while (n < max && csv_next(&r, &out[n], &err) == 1)
		n++;
	return n;
}

static void
export_ok(struct fx *fx, const char *day)
{
	char *path = NULL, *err = NULL;

	if (export_day(fx->st, fx->c, fx->c->routing, fx->dir, day, &path,
		&err) < 0)
		fail_msg("export failed: %s", err);
	free(path);
}

static void
test_days_and_cells(void **state)
{
	struct fx *fx = *state;
	struct csv_record rec[8];
	char *data;
	size_t n;

	/* just before, at the start of, at the end of, and after the day */
	inbound(fx, "+254700000001", "before", DAY_FROM - 1);
	inbound(fx, "+254700000002", "Maji, \"safi\"\nleo 💧 ñ", DAY_FROM);
	inbound(fx, "+254700000003", "=HYPERLINK(\"http://evil\",\"x\")",
	    DAY_TO - 1);
	inbound(fx, "+254700000004", "after", DAY_TO);
	export_ok(fx, "2026-11-26");

	data = slurp(fx->dir, "2026-11-26", "messages.csv", &n);
	assert_memory_equal(data,
	    "\xEF\xBB\xBF"
	    "id,time,",
	    11);                                          /* BOM */
	assert_non_null(strstr(data, "status_time\r\n")); /* CRLF */
	n = records(data, rec, 8);
	assert_int_equal(n, 3); /* header and the two of the day */
	assert_string_equal(rec[1].field[1], "2026-11-26T00:00:00+03:00");
	assert_string_equal(rec[1].field[3], "sms"); /* the channel */
	assert_string_equal(rec[1].field[5], "'+254700000002");
	assert_string_equal(rec[1].field[8], "Maji, \"safi\"\nleo 💧 ñ");
	assert_string_equal(rec[2].field[1], "2026-11-26T23:59:59+03:00");
	/* a formula is text */
	assert_string_equal(rec[2].field[8],
	    "'=HYPERLINK(\"http://evil\",\"x\")");
	for (size_t i = 0; i < n; i++)
		csv_record_done(&rec[i]);
	free(data);
}

static void
test_same_bytes_and_no_leftovers(void **state)
{
	struct fx *fx = *state;
	const char *files[] = { "messages.csv", "complaints.csv",
		"survey-water.csv", "summary.html" };
	char *first[4];
	size_t len[4], len2;
	int64_t rid;
	char path[128];
	struct stat sb;

	inbound(fx, "+254700000005", "hello", DAY_FROM + 5000);
	assert_int_equal(store_response_begin(fx->st, "water", "+254700000005",
			     "en", "sms", DAY_FROM + 6000, &rid),
	    0);
	assert_int_equal(store_response_answer(fx->st, rid, "supply", "daily",
			     "1", DAY_FROM + 7000),
	    0);
	assert_int_equal(store_response_answer(fx->st, rid, "comment",
			     "-1 or =1, \"pipes\"", "-1 or =1, \"pipes\"",
			     DAY_FROM + 8000),
	    0);
	assert_int_equal(store_response_finish(fx->st, rid, DAY_FROM + 9000),
	    0);
	export_ok(fx, "2026-11-26");
	for (int i = 0; i < 4; i++)
		first[i] = slurp(fx->dir, "2026-11-26", files[i], &len[i]);
	export_ok(fx, "2026-11-26");
	for (int i = 0; i < 4; i++) {
		char *again = slurp(fx->dir, "2026-11-26", files[i], &len2);
		assert_int_equal(len[i], len2);
		assert_memory_equal(first[i], again, len2);
		free(again);
	}
	/* one column per question, in the survey's order */
	assert_non_null(strstr(first[2],
	    "response,started,completed,status,number,language,channel,supply,days_without,boil,comment\r\n"));
	assert_non_null(strstr(first[2],
	    ",complete,'+254700000005,en,sms,daily,,,\"'-1 or =1, \"\"pipes\"\"\"\r\n"));
	/* the summary: no script, nothing fetched */
	assert_null(strstr(first[3], "<script"));
	assert_null(strstr(first[3], "src="));
	assert_non_null(strstr(first[3], "<svg"));
	for (int i = 0; i < 4; i++)
		free(first[i]);
	/* no temporary file is left */
	snprintf(path, sizeof(path), "%s/2026-11-26/.messages.csv.tmp",
	    fx->dir);
	assert_int_equal(stat(path, &sb), -1);
}

static void
test_summary_providers(void **state)
{
	struct fx *fx = *state;
	struct inbound_new in = { .provider = "sim",
		.number = "+254700000007",
		.text = "hello",
		.at = DAY_FROM + 3000 };
	int64_t id;
	bool dup;
	char *html;

	inbound(fx, "+254700000006", "x", DAY_FROM + 1000);
	inbound(fx, "+254700000006", "y", DAY_FROM + 2000);
	/* `baraza sim` on this database, or a provider since removed */
	assert_int_equal(store_inbound_add(fx->st, &in, &id, &dup), 0);
	export_ok(fx, "2026-11-26");
	html = slurp(fx->dir, "2026-11-26", "summary.html", NULL);
	assert_non_null(strstr(html, "<b>3</b>received"));
	/* the table adds up to the day: configured providers first, then
	 * the others its messages name */
	assert_non_null(strstr(html, "<tr><td>generic</td><td>2</td>"));
	assert_non_null(strstr(html, "<tr><td>sim</td><td>1</td>"));
	assert_true(
	    strstr(html, "<td>generic</td>") < strstr(html, "<td>sim</td>"));
	free(html);
}

static void
test_phones(void **state)
{
	struct fx *fx = *state;
	struct csv_record rec[4];
	char *data;
	size_t n;

	inbound(fx, "+254700000006", "x", DAY_FROM + 1000);
	conf_free(fx->c);
	fx->c = load("masked");
	export_ok(fx, "2026-11-26");
	data = slurp(fx->dir, "2026-11-26", "messages.csv", NULL);
	n = records(data, rec, 4);
	assert_int_equal(n, 2);
	assert_string_equal(rec[1].field[5], "'+2547****0006");
	csv_record_done(&rec[0]);
	csv_record_done(&rec[1]);
	free(data);

	/* full, but a message about an anonymous complaint: a pseudonym */
	assert_int_equal(store_message_anonymous(fx->st,
			     inbound(fx, "+254700000007", "BRIBE",
				 DAY_FROM + 2000)),
	    0);
	conf_free(fx->c);
	fx->c = load("full");
	export_ok(fx, "2026-11-26");
	data = slurp(fx->dir, "2026-11-26", "messages.csv", NULL);
	n = records(data, rec, 4);
	assert_int_equal(n, 3);
	assert_string_equal(rec[1].field[5], "'+254700000006");
	assert_int_equal(strncmp(rec[2].field[5], "p-", 2), 0);
	assert_null(strstr(data, "0007"));
	for (size_t i = 0; i < n; i++)
		csv_record_done(&rec[i]);
	/* its number put under the pseudonym (no anonymous complaint of it
	 * open): the day exports the same again */
	{
		int64_t changed;
		bool more;
		char *again;

		assert_int_equal(store_anonymous_settle(fx->st, INT64_MAX, 10,
				     &changed, &more),
		    0);
		assert_int_equal(changed, 1);
		export_ok(fx, "2026-11-26");
		again = slurp(fx->dir, "2026-11-26", "messages.csv", NULL);
		assert_string_equal(again, data);
		free(again);
	}
	free(data);

	conf_free(fx->c);
	fx->c = load("pseudonym");
	export_ok(fx, "2026-11-26");
	data = slurp(fx->dir, "2026-11-26", "messages.csv", NULL);
	n = records(data, rec, 4);
	assert_int_equal(strncmp(rec[1].field[5], "p-", 2), 0);
	assert_int_equal(strlen(rec[1].field[5]), 14);
	assert_null(strstr(data, "0006"));
	{
		/* the same pseudonym on another day */
		char *keep = strdup(rec[1].field[5]), *other;
		inbound(fx, "+254700000006", "y", DAY_TO + 1000);
		export_ok(fx, "2026-11-27");
		other = slurp(fx->dir, "2026-11-27", "messages.csv", NULL);
		assert_non_null(strstr(other, keep));
		free(other);
		free(keep);
	}
	for (size_t i = 0; i < n; i++)
		csv_record_done(&rec[i]);
	free(data);
}

static void
test_bad_day_and_folder(void **state)
{
	struct fx *fx = *state;
	char *path = NULL, *err = NULL;

	assert_int_equal(export_day(fx->st, fx->c, fx->c->routing, fx->dir,
			     "2026-02-30", &path, &err),
	    -EINVAL);
	free(err);
	err = NULL;
	assert_true(export_day(fx->st, fx->c, fx->c->routing, "/proc/baraza-no",
			"2026-11-26", &path, &err) < 0);
	assert_non_null(strstr(err, "cannot create"));
	free(err);
}

static void
test_days(void **state)
{
	char day[EXPORT_DAY_LEN + 1];
	int64_t a, b;

	assert_int_equal(export_day_bounds("2026-11-26", &a, &b), 0);
	assert_int_equal(a, DAY_FROM);
	assert_int_equal(b, DAY_TO);
	assert_int_equal(export_day_add("2026-12-31", 1, day), 0);
	assert_string_equal(day, "2027-01-01");
	assert_int_equal(export_day_add("2026-03-01", -1, day), 0);
	assert_string_equal(day, "2026-02-28");
	export_day_of(DAY_TO - 1, day);
	assert_string_equal(day, "2026-11-26");
	export_day_of(DAY_TO, day);
	assert_string_equal(day, "2026-11-27");
	assert_int_equal(export_day_bounds("26-11-2026", &a, &b), -EINVAL);
	assert_int_equal(export_day_bounds("2026-11-26x", &a, &b), -EINVAL);
}

static void
test_prune(void **state)
{
	struct fx *fx = *state;
	char path[128];
	struct stat sb;

	mkdir(fx->dir, 0750);
	snprintf(path, sizeof(path), "%s/2026-01-01", fx->dir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/2026-01-01/messages.csv", fx->dir);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/2026-11-20", fx->dir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/notes", fx->dir);
	mkdir(path, 0750);
	assert_int_equal(export_prune(fx->dir, "2026-11-27", 30), 1);
	snprintf(path, sizeof(path), "%s/2026-01-01", fx->dir);
	assert_int_equal(stat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/2026-11-20", fx->dir);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/notes", fx->dir);
	assert_int_equal(stat(path, &sb), 0);
}

static int64_t
count_of(struct fx *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t n = -1;

	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

static void
erase_chunk(struct fx *fx, int64_t before, int max, int64_t *n, bool *more)
{
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(store_erase_texts(fx->st, before, max, n, more), 0);
	assert_int_equal(store_commit(fx->st), 0);
}

/* Retention erases old texts a chunk at a time, each chunk going on from
 * where the last stopped; a younger row ends the walk, so nothing is ever
 * erased early (a row written late with an old time waits for the rows
 * before it), and so does a reply still queued (it is sent with its text;
 * the walk goes on once it is sent); rows and counts stay. */
static void
test_erase_old_texts(void **state)
{
	struct fx *fx = *state;
	struct part_new part = { .provider = "generic",
		.provider_id = "p1",
		.number = "+254700000009",
		.peer = "22384",
		.ref = "r1",
		.total = 2,
		.part = 1,
		.text = "first half",
		.at = DAY_FROM };
	struct outbound_new out = { .provider = "generic",
		.number = "+254700000004",
		.text = "still queued",
		.status = "queued",
		.segments = 1,
		.encoding = "gsm7" };
	int64_t n, out_id;
	bool more, dup;
	sqlite3 *db;
	char text[16], sql[160];

	for (int i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "old %d", i);
		inbound(fx, "+254700000001", text, DAY_FROM + i * 1000);
	}
	out.at = DAY_FROM + 5500;
	assert_int_equal(store_outbound_add(fx->st, &out, &out_id), 0);
	inbound(fx, "+254700000002", "young", DAY_TO + 1000);
	inbound(fx, "+254700000003", "late, old", DAY_FROM + 9000);
	assert_int_equal(store_part_add(fx->st, &part, &dup), 0);
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
		"INSERT INTO survey_responses (id, survey, number,"
		" channel, status, started_at, updated_at) VALUES"
		" (1, 'water', '+254700000001', 'sms', 'partial',"
		" 1795640400000, 1795640400000);"
		"INSERT INTO survey_answers (response_id, question,"
		" value, raw, at) VALUES (1, 'supply', 'daily',"
		" 'every day', 1795640401000), (1, 'comment',"
		" 'fix it', 'fix it', 1795726801000);",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);

	erase_chunk(fx, DAY_TO, 2, &n, &more);
	assert_int_equal(n, 2);
	assert_true(more);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM messages WHERE text = ''"),
	    2);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM messages WHERE text = 'old"
			     " 2'"),
	    1);
	erase_chunk(fx, DAY_TO, 2, &n, &more);
	assert_int_equal(n, 2);
	assert_true(more);
	erase_chunk(fx, DAY_TO, 2, &n, &more);
	assert_int_equal(n, 1); /* "old 4"; the queued reply ends the walk */
	assert_false(more);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM messages WHERE text IN"
			     " ('still queued', 'young', 'late, old')"),
	    3);
	/* a part not joined yet keeps its text too */
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM inbound_parts WHERE text ="
			     " ''"),
	    0);
	/* sent, joined: the next round takes them; "young" ends the walk */
	snprintf(sql, sizeof(sql),
	    "UPDATE messages SET status = 'sent' WHERE id = %lld;"
	    "UPDATE inbound_parts SET joined_at = created_at;",
	    (long long)out_id);
	assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	erase_chunk(fx, DAY_TO, 2, &n, &more);
	assert_int_equal(n, 1);
	assert_false(more);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM messages WHERE text IN"
			     " ('young', 'late, old')"),
	    2);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM inbound_parts WHERE text ="
			     " ''"),
	    1);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM survey_answers WHERE raw IS"
			     " NULL AND value = 'daily'"),
	    1);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM survey_answers WHERE raw ="
			     " 'fix it'"),
	    1);
	/* nothing new: the walk starts at "young" and stops there at once */
	erase_chunk(fx, DAY_TO, 2, &n, &more);
	assert_int_equal(n, 0);
	assert_false(more);
	/* a day on, both go */
	erase_chunk(fx, DAY_TO + 86400000, 1000, &n, &more);
	assert_int_equal(n, 2);
	assert_false(more);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM messages WHERE text != ''"),
	    0);
	assert_int_equal(count_of(fx, "SELECT count(*) FROM messages"), 8);
	assert_int_equal(count_of(fx,
			     "SELECT count(*) FROM survey_answers WHERE raw IS"
			     " NULL"),
	    2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_days_and_cells, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_same_bytes_and_no_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phones, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary_providers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_day_and_folder, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_old_texts, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
