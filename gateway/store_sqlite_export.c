/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_sqlite_export: the SQLite side of the daily exports (store.h):
 * rows of a day streamed one at a time, the day's counts, the erasure of
 * old texts, and the daemon's named state.  These run once a day, so their
 * statements are prepared per call rather than kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pseudonym.h"
#include "store.h"
#include "store_sqlite.h"
#include "util.h"

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **ret)
{
	return sqlite3_prepare_v2(st->db, sql, -1, ret, NULL) == SQLITE_OK
	    ? 0
	    : -EIO;
}

/* Steps s to the end, handing each row to row(); finalizes s. */
static int
each_row(sqlite3_stmt *s, int (*row)(sqlite3_stmt *s, void *arg), void *arg)
{
	int rc, stop = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if ((stop = row(s, arg)) != 0)
			break;
	sqlite3_finalize(s);
	if (stop != 0)
		return stop;
	return rc == SQLITE_DONE ? 0 : sq_err(rc);
}

struct msg_cb {
	int (*fn)(const struct msg *m, void *arg);
	void *arg;
};

static int
msg_row(sqlite3_stmt *s, void *arg)
{
	struct msg_cb *cb = arg;
	struct msg m;
	int rc;

	row_to_msg(s, &m);
	rc = cb->fn(&m, cb->arg);
	msg_done(&m);
	return rc;
}

int
store_messages_each(struct store *st, int64_t from, int64_t to,
    int (*fn)(const struct msg *m, void *arg), void *arg)
{
	struct msg_cb cb = { fn, arg };
	sqlite3_stmt *s;

	if (prepare(st,
		"SELECT " MSG_COLS " FROM messages WHERE created_at >= ?1 AND"
		" created_at < ?2 ORDER BY created_at, id",
		&s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	return each_row(s, msg_row, &cb);
}

struct answer_cb {
	int (*fn)(const struct answer_row *a, void *arg);
	void *arg;
};

static int
answer_row(sqlite3_stmt *s, void *arg)
{
	struct answer_cb *cb = arg;
	struct answer_row a = {
		.response = sqlite3_column_int64(s, 0),
		.number = (const char *)sqlite3_column_text(s, 1),
		.lang = (const char *)sqlite3_column_text(s, 2),
		.channel = (const char *)sqlite3_column_text(s, 3),
		.status = (const char *)sqlite3_column_text(s, 4),
		.started_at = sqlite3_column_int64(s, 5),
		.completed_at = sqlite3_column_int64(s, 6),
		.question = (const char *)sqlite3_column_text(s, 7),
		.value = (const char *)sqlite3_column_text(s, 8),
		.raw = (const char *)sqlite3_column_text(s, 9),
	};

	return cb->fn(&a, cb->arg);
}

int
store_answers_each(struct store *st, const char *survey, int64_t from,
    int64_t to, int (*fn)(const struct answer_row *a, void *arg), void *arg)
{
	struct answer_cb cb = { fn, arg };
	sqlite3_stmt *s;

	if (prepare(st,
		"SELECT r.id, r.number, r.lang, r.channel, r.status,"
		" r.started_at, coalesce(r.completed_at, 0), a.question,"
		" a.value, a.raw FROM survey_responses r LEFT JOIN"
		" survey_answers a ON a.response_id = r.id WHERE r.survey = ?1"
		" AND r.started_at >= ?2 AND r.started_at < ?3 ORDER BY"
		" r.started_at, r.id, a.at, a.question",
		&s) < 0)
		return -EIO;
	sq_bind_text(s, 1, survey);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return each_row(s, answer_row, &cb);
}

/* The first column of every row of s, bound and ready (strv_free). */
static int
strings(sqlite3_stmt *s, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = sq_col_text(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		strv_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_survey_names(struct store *st, int64_t from, int64_t to, char ***ret,
    size_t *ret_n)
{
	sqlite3_stmt *s;

	if (prepare(st,
		"SELECT DISTINCT survey FROM survey_responses WHERE"
		" started_at >= ?1 AND started_at < ?2 ORDER BY survey",
		&s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	return strings(s, ret, ret_n);
}

int
store_survey_questions(struct store *st, const char *survey, int64_t from,
    int64_t to, char ***ret, size_t *ret_n)
{
	sqlite3_stmt *s;

	if (prepare(st,
		"SELECT a.question FROM survey_answers a JOIN survey_responses"
		" r ON r.id = a.response_id WHERE r.survey = ?1 AND"
		" r.started_at >= ?2 AND r.started_at < ?3 GROUP BY"
		" a.question ORDER BY min(a.at), a.question",
		&s) < 0)
		return -EIO;
	sq_bind_text(s, 1, survey);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return strings(s, ret, ret_n);
}

struct complaint_cb {
	int (*fn)(const struct complaint *c, void *arg);
	void *arg;
};

static int
complaint_row(sqlite3_stmt *s, void *arg)
{
	struct complaint_cb *cb = arg;
	struct complaint c;
	int rc;

	row_to_complaint(s, &c);
	rc = cb->fn(&c, cb->arg);
	complaint_done(&c);
	return rc;
}

int
store_complaints_each(struct store *st, int64_t from, int64_t to,
    int (*fn)(const struct complaint *c, void *arg), void *arg)
{
	struct complaint_cb cb = { fn, arg };
	sqlite3_stmt *s;

	if (prepare(st,
		"SELECT " COMPLAINT_COLS " FROM complaints WHERE (created_at"
		" >= ?1 AND created_at < ?2) OR ref IN (SELECT ref FROM"
		" complaint_events WHERE at >= ?1 AND at < ?2) ORDER BY"
		" created_at, ref",
		&s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	return each_row(s, complaint_row, &cb);
}

void
group_counts_free(struct group_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			free(v[i].key[k]);
	free(v);
}

static int
groups(struct store *st, const char *sql, int nkeys, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n)
{
	struct group_count *v = NULL;
	sqlite3_stmt *s;
	size_t n = 0;
	int rc;

	if (prepare(st, sql, &s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		for (int k = 0; k < nkeys; k++) {
			v[n].key[k] = sq_col_text(s, k);
			if (v[n].key[k] == NULL)
				v[n].key[k] = xstrdup("");
		}
		v[n].count = sqlite3_column_int64(s, nkeys);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		group_counts_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_message_groups(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n)
{
	return groups(st,
	    "SELECT direction, coalesce(route, ''), provider, status,"
	    " count(*) FROM messages WHERE created_at >= ?1 AND created_at"
	    " < ?2 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
	    4, from, to, ret, ret_n);
}

int
store_complaint_groups(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n)
{
	return groups(st,
	    "SELECT category, status, count(*) FROM complaints WHERE"
	    " created_at >= ?1 AND created_at < ?2 GROUP BY 1, 2 ORDER BY"
	    " 1, 2",
	    2, from, to, ret, ret_n);
}

int
store_complaint_answers(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n)
{
	return groups(st,
	    "SELECT note, count(*) FROM complaint_events WHERE by ="
	    " 'citizen' AND at >= ?1 AND at < ?2 GROUP BY 1 ORDER BY 1",
	    1, from, to, ret, ret_n);
}

/* Where old texts are erased, each table walked in rowid order (the
 * order rows were written in) from a cursor kept in `state`, so that a
 * day's round reads only the rows new to it. */
struct erase_table {
	const char *cursor; /* its name in state */
	/* rowid, time and whether the row still waits (to be sent, processed
	 * or joined) of the rows after ?1, ?2 of them */
	const char *walk;
	const char *erase; /* erases the rows in (?1, ?2] */
};

static const struct erase_table erase_tables[] = {
	{ "retention_messages",
	    "SELECT id, created_at, status IN ('queued', 'received') FROM"
	    " messages WHERE id > ?1 ORDER BY id LIMIT ?2",
	    "UPDATE messages SET text = '' WHERE id > ?1 AND id <= ?2 AND"
	    " text != ''" },
	{ "retention_parts",
	    "SELECT id, created_at, joined_at IS NULL FROM inbound_parts WHERE"
	    " id > ?1 ORDER BY id LIMIT ?2",
	    "UPDATE inbound_parts SET text = '' WHERE id > ?1 AND id <= ?2"
	    " AND text != ''" },
	{ "retention_answers",
	    "SELECT rowid, at, 0 FROM survey_answers WHERE rowid > ?1 ORDER BY"
	    " rowid LIMIT ?2",
	    "UPDATE survey_answers SET raw = NULL WHERE rowid > ?1 AND rowid"
	    " <= ?2 AND raw IS NOT NULL" },
};

/* One table's share of a chunk: the rows after its cursor while they are
 * older than `before` and done with, at most max of them.  The first
 * younger row ends the walk, so a row is never erased early, and so does
 * the first still waiting: a reply queued for days (a paced survey, a
 * provider down) is sent with its text, and the walk goes on once it is
 * sent. */
static int
erase_chunk(struct store *st, const struct erase_table *t, int64_t before,
    int max, int64_t *ret_n, bool *ret_more)
{
	sqlite3_stmt *s;
	char *v = NULL, num[24];
	int64_t from = 0, to;
	int rc, count = 0;

	*ret_n = 0;
	rc = store_state_get(st, t->cursor, &v);
	if (rc == 0)
		from = strtoll(v, NULL, 10);
	free(v);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (prepare(st, t->walk, &s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int(s, 2, max);
	to = from;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    sqlite3_column_int64(s, 1) < before &&
	    sqlite3_column_int(s, 2) == 0) {
		to = sqlite3_column_int64(s, 0);
		count++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_err(rc);
	*ret_more = *ret_more || count == max;
	if (count == 0)
		return 0;
	if (prepare(st, t->erase, &s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, from);
	sqlite3_bind_int64(s, 2, to);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_err(rc);
	*ret_n = sqlite3_changes(st->db);
	snprintf(num, sizeof(num), "%lld", (long long)to);
	return store_state_set(st, t->cursor, num);
}

int
store_erase_texts(struct store *st, int64_t before, int max, int64_t *ret_n,
    bool *ret_more)
{
	int64_t n = 0;

	*ret_n = 0;
	*ret_more = false;
	for (size_t i = 0; i < sizeof(erase_tables) / sizeof(erase_tables[0]);
	     i++) {
		int rc = erase_chunk(st, &erase_tables[i], before, max, &n,
		    ret_more);
		if (rc < 0)
			return rc;
		if (i == 0)
			*ret_n = n;
	}
	return 0;
}

int
store_anonymous_settle(struct store *st, int64_t before, int max,
    int64_t *ret_n, bool *ret_more)
{
	unsigned char key[PSEUDONYM_KEY_LEN];
	char **numbers = NULL;
	size_t n = 0;
	sqlite3_stmt *s;
	int rc;

	*ret_n = 0;
	*ret_more = false;
	if (prepare(st,
		"SELECT DISTINCT number FROM messages WHERE anonymous = 1 AND"
		" number NOT GLOB 'p-*' AND created_at < ?1 AND status NOT IN"
		" ('queued', 'received') AND NOT EXISTS (SELECT 1 FROM"
		" complaints c WHERE c.number = messages.number AND"
		" c.anonymous = 1) LIMIT ?2",
		&s) < 0)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, max);
	if ((rc = strings(s, &numbers, &n)) < 0)
		return rc;
	if (n == 0 ||
	    (rc = store_secret(st, PSEUDONYM_SECRET, key, sizeof(key))) < 0)
		goto out;
	if (prepare(st,
		"UPDATE messages SET number = ?2 WHERE number = ?1 AND"
		" anonymous = 1 AND number NOT GLOB 'p-*' AND created_at < ?3"
		" AND status NOT IN ('queued', 'received')",
		&s) < 0) {
		rc = -EIO;
		goto out;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char p[PSEUDONYM_LEN + 1];
		int step;

		pseudonym_make(key, numbers[i], p);
		sqlite3_reset(s);
		sq_bind_text(s, 1, numbers[i]);
		sq_bind_text(s, 2, p);
		sqlite3_bind_int64(s, 3, before);
		if ((step = sqlite3_step(s)) == SQLITE_DONE)
			*ret_n += sqlite3_changes(st->db);
		else
			rc = sq_err(step);
	}
	sqlite3_finalize(s);
	*ret_more = rc == 0 && (int)n == max;
out:
	strv_free(numbers, n);
	return rc;
}

int
store_state_get(struct store *st, const char *name, char **ret)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "SELECT value FROM state WHERE name = ?1", &s) < 0)
		return -EIO;
	sq_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sq_col_text(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

int
store_state_set(struct store *st, const char *name, const char *value)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st,
		"INSERT INTO state (name, value) VALUES (?1, ?2) ON CONFLICT"
		" (name) DO UPDATE SET value = ?2",
		&s) < 0)
		return -EIO;
	sq_bind_text(s, 1, name);
	sq_bind_text(s, 2, value);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sq_err(rc);
}

/* --- USSD sessions ----------------------------------------------------- */

void
ussd_row_done(struct ussd_row *u)
{
	free(u->number);
	free(u->code);
	free(u->path);
	free(u->state);
	free(u->screen);
	memset(u, 0, sizeof(*u));
}

/* --- the right to be forgotten ------------------------------------------- */

int
store_forget(struct store *st, const char *number, const char *pseudonym,
    int64_t at, int64_t *ret_n)
{
	static const char *const sql[] = {
		"UPDATE messages SET status = 'cancelled', updated_at = ?3"
		" WHERE number = ?1 AND direction = 'out' AND status ="
		" 'queued'",
		/* and those already under the pseudonym (an anonymous
		 * complaint's, store_anonymous_settle) */
		"UPDATE messages SET text = '', number = ?2 WHERE number IN"
		" (?1, ?2)",
		"UPDATE inbound_parts SET text = '', number = ?2 WHERE number ="
		" ?1",
		/* free text goes; a chosen value (not what was typed, or a
		 * number) stays for the counts */
		"UPDATE survey_answers SET raw = NULL, value = CASE WHEN value ="
		" raw AND value GLOB '*[^0-9]*' THEN NULL ELSE value END"
		" WHERE response_id IN (SELECT id FROM survey_responses WHERE"
		" number = ?1)",
		"UPDATE survey_responses SET number = NULL WHERE number = ?1",
		/* the complaints' words that went to officers go with them */
		"UPDATE messages SET text = '' WHERE id IN (SELECT message_id"
		" FROM complaint_words WHERE ref IN (SELECT ref FROM"
		" complaints WHERE number = ?1 UNION SELECT ref FROM"
		" complaints WHERE number IS NULL AND pseudonym = ?2))",
		/* a closed anonymous complaint has only the pseudonym */
		"UPDATE complaints SET pseudonym = coalesce(pseudonym, ?2),"
		" number = NULL, description = '', location = NULL WHERE"
		" number = ?1 OR (number IS NULL AND pseudonym = ?2)",
		"DELETE FROM contacts WHERE number = ?1",
		"DELETE FROM sessions WHERE number = ?1",
		"DELETE FROM ussd_sessions WHERE number = ?1",
	};
	int64_t n = 0;

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *s;
		int rc;
		if (prepare(st, sql[i], &s) < 0)
			return -EIO;
		sq_bind_text(s, 1, number);
		sq_bind_text(s, 2, pseudonym);
		if (sqlite3_bind_parameter_count(s) >= 3)
			sqlite3_bind_int64(s, 3, at);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE)
			return sq_err(rc);
		if (i == 1)
			n = sqlite3_changes(st->db);
	}
	*ret_n = n;
	return 0;
}
