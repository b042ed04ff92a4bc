/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_sqlite_records: the SQLite side of survey responses, complaints and
 * the database's secrets (store.h, records.h).  Like the rest of the store
 * it never logs and never opens a transaction of its own: callers put these
 * writes in the transaction of the message that caused them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store.h"
#include "store_sqlite.h"
#include "util.h"

enum rec_stmt {
	R_RESP_BEGIN,
	R_RESP_ANSWER,
	R_RESP_TOUCH,
	R_RESP_FINISH,
	R_RESP_COUNT,
	R_RESP_TOTALS,
	R_TALLY,
	R_C_ADD,
	R_C_EVENT,
	R_C_GET,
	R_C_LATEST,
	R_C_LIST,
	R_C_LIST_NUMBER,
	R_C_UPDATE,
	R_C_CITIZEN,
	R_C_EVENTS,
	R_C_WORDS,
	R_SECRET_GET,
	R_SECRET_PUT,
	R_IN_DEFER,
	R_IN_WAKE,
	R_FETCH_GET,
	R_FETCH_REQUEST,
	R_FETCH_PENDING,
	R_FETCH_PUT,
	R_USSD_GET,
	R_USSD_PUT,
	R_USSD_PRUNE,
	R_COUNT
};

_Static_assert(R_COUNT <= STORE_REC_STMTS, "raise STORE_REC_STMTS");

static const char *const rec_sql[R_COUNT] = {
	[R_RESP_BEGIN] =
	    "INSERT INTO survey_responses (survey, number, lang, channel,"
	    " status, started_at, updated_at) VALUES (?1, ?2, ?3, ?4,"
	    " 'partial', ?5, ?5)",
	[R_RESP_ANSWER] =
	    "INSERT INTO survey_answers (response_id, question, value, raw,"
	    " at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (response_id,"
	    " question) DO UPDATE SET value = ?3, raw = ?4, at = ?5",
	[R_RESP_TOUCH] = "UPDATE survey_responses SET updated_at = ?2 WHERE"
			 " id = ?1",
	[R_RESP_FINISH] = "UPDATE survey_responses SET status = 'complete',"
			  " completed_at = ?2, updated_at = ?2 WHERE id = ?1",
	[R_RESP_COUNT] = "SELECT count(*) FROM survey_responses WHERE survey ="
			 " ?1 AND number = ?2 AND completed_at >= ?3",
	[R_RESP_TOTALS] = "SELECT coalesce(sum(status = 'complete'), 0),"
			  " coalesce(sum(status = 'partial'), 0) FROM"
			  " survey_responses WHERE survey = ?1",
	[R_TALLY] = "SELECT a.question, a.value, coalesce(sum(r.status ="
		    " 'complete'), 0), coalesce(sum(r.status = 'partial'), 0)"
		    " FROM survey_answers a JOIN survey_responses r ON r.id ="
		    " a.response_id WHERE r.survey = ?1 AND ((r.status ="
		    " 'complete' AND r.completed_at >= ?2 AND r.completed_at <"
		    " ?3) OR (?4 AND r.status = 'partial')) GROUP BY"
		    " a.question, a.value ORDER BY a.question, a.value",
	[R_C_ADD] = "INSERT INTO complaints (ref, desk, category, number,"
		    " pseudonym, anonymous, lang, channel, description,"
		    " location, status, created_at, updated_at) VALUES (?1,"
		    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
	[R_C_EVENT] = "INSERT INTO complaint_events (ref, at, status, note, by)"
		      " VALUES (?1, ?2, ?3, ?4, ?5)",
	[R_C_GET] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE ref = ?1",
	[R_C_LATEST] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE desk ="
		       " ?1 AND number = ?2 ORDER BY created_at DESC, rowid"
		       " DESC LIMIT 1",
	[R_C_LIST] = "SELECT " COMPLAINT_COLS " FROM complaints WHERE"
		     " (?1 IS NULL OR desk = ?1) AND (?2 IS NULL OR status ="
		     " ?2) AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL"
		     " OR number = ?4) AND created_at >= ?5 AND (?6 = 0 OR"
		     " (closed_at IS NULL AND created_at < ?6)) ORDER BY"
		     " created_at, rowid LIMIT ?7",
	/* one citizen's: their index, not a walk of every complaint since */
	[R_C_LIST_NUMBER] =
	    "SELECT " COMPLAINT_COLS " FROM complaints WHERE number = ?4 AND"
	    " (?1 IS NULL OR desk = ?1) AND (?2 IS NULL OR status = ?2) AND"
	    " (?3 IS NULL OR category = ?3) AND created_at >= ?5 AND (?6 = 0"
	    " OR (closed_at IS NULL AND created_at < ?6)) ORDER BY created_at,"
	    " rowid LIMIT ?7",
	[R_C_UPDATE] =
	    "UPDATE complaints SET status = ?2, note = ?3,"
	    " updated_at = ?4, closed_at = CASE WHEN ?5 THEN ?4 ELSE NULL"
	    " END, number = CASE WHEN ?6 THEN NULL ELSE number END WHERE"
	    " ref = ?1",
	[R_C_CITIZEN] =
	    "UPDATE complaints SET citizen_says = ?2, status = coalesce(?3,"
	    " status), closed_at = CASE WHEN ?3 IS NULL THEN closed_at END,"
	    " note = CASE WHEN ?3 IS NULL THEN note END, updated_at = ?4"
	    " WHERE ref = ?1 RETURNING status",
	[R_C_WORDS] = "INSERT INTO complaint_words (ref, message_id) VALUES"
		      " (?1, ?2)",
	[R_C_EVENTS] = "SELECT at, status, note, by FROM complaint_events WHERE"
		       " ref = ?1 ORDER BY at, rowid",
	[R_SECRET_GET] = "SELECT value FROM secrets WHERE name = ?1",
	[R_SECRET_PUT] = "INSERT INTO secrets (name, value) VALUES (?1, ?2)",
	[R_IN_DEFER] = "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1"
		       " AND direction = 'in' AND status = 'received'",
	[R_IN_WAKE] = "UPDATE messages SET next_attempt_at = NULL WHERE status"
		      " = 'received' AND direction = 'in' AND next_attempt_at >"
		      " ?1",
	[R_FETCH_GET] = "SELECT status, body, deadline, expires_at FROM"
			" fetch_cache WHERE url = ?1",
	[R_FETCH_REQUEST] =
	    "INSERT INTO fetch_cache (url, status, requested_at, deadline,"
	    " cache_ms, expires_at) VALUES (?1, 'pending', ?2, ?3, ?4, ?3)"
	    " ON CONFLICT (url) DO UPDATE SET status = 'pending', body ="
	    " NULL, requested_at = ?2, deadline = ?3, cache_ms = ?4,"
	    " expires_at = ?3 WHERE"
	    " expires_at <= ?2 AND status != 'pending' OR (status ="
	    " 'pending' AND deadline <= ?2)",
	[R_FETCH_PENDING] = "SELECT url, deadline, cache_ms FROM fetch_cache"
			    " WHERE status = 'pending' ORDER BY requested_at"
			    " LIMIT ?1",
	[R_FETCH_PUT] =
	    "INSERT INTO fetch_cache (url, status, body, requested_at,"
	    " deadline, cache_ms, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, 0,"
	    " ?5) ON CONFLICT (url) DO UPDATE SET status = ?2, body = ?3,"
	    " expires_at = ?5",
	[R_USSD_GET] = "SELECT number, code, path, state, screen, updated_at"
		       " FROM ussd_sessions WHERE provider = ?1 AND session ="
		       " ?2",
	[R_USSD_PUT] = "INSERT INTO ussd_sessions (provider, session, number,"
		       " code, path, state, screen, updated_at) VALUES (?1,"
		       " ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (provider,"
		       " session) DO UPDATE SET path = ?5, state = ?6, screen"
		       " = ?7, updated_at = ?8",
	[R_USSD_PRUNE] = "DELETE FROM ussd_sessions WHERE updated_at < ?1",
};

static sqlite3_stmt *
rec(struct store *st, enum rec_stmt id)
{
	sqlite3_stmt *s = st->rec[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, rec_sql[id], -1,
			SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
			return NULL;
		st->rec[id] = s;
	}
	return s;
}

/* --- survey responses -------------------------------------------------- */

int
store_response_begin(struct store *st, const char *survey, const char *number,
    const char *lang, const char *channel, int64_t at, int64_t *ret_id)
{
	sqlite3_stmt *s = rec(st, R_RESP_BEGIN);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, survey);
	sq_bind_text(s, 2, number);
	sq_bind_text(s, 3, lang);
	sq_bind_text(s, 4, channel);
	sqlite3_bind_int64(s, 5, at);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	*ret_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
store_response_answer(struct store *st, int64_t id, const char *question,
    const char *value, const char *raw, int64_t at)
{
	sqlite3_stmt *s = rec(st, R_RESP_ANSWER), *t = rec(st, R_RESP_TOUCH);
	int rc;

	if (s == NULL || t == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sq_bind_text(s, 2, question);
	sq_bind_text(s, 3, value);
	sq_bind_text(s, 4, raw);
	sqlite3_bind_int64(s, 5, at);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	sqlite3_bind_int64(t, 1, id);
	sqlite3_bind_int64(t, 2, at);
	return sq_exec(t);
}

int
store_response_finish(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = rec(st, R_RESP_FINISH);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	return sq_exec(s);
}

int
store_response_count(struct store *st, const char *survey, const char *number,
    int64_t since, int *ret)
{
	sqlite3_stmt *s = rec(st, R_RESP_COUNT);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, survey);
	sq_bind_text(s, 2, number);
	sqlite3_bind_int64(s, 3, since);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

int
store_response_totals(struct store *st, const char *survey,
    int64_t *ret_complete, int64_t *ret_partial)
{
	sqlite3_stmt *s = rec(st, R_RESP_TOTALS);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, survey);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret_complete = sqlite3_column_int64(s, 0);
		*ret_partial = sqlite3_column_int64(s, 1);
	}
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

void
tallies_free(struct tally *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].question);
		free(v[i].value);
	}
	free(v);
}

int
store_survey_tally(struct store *st, const char *survey, int64_t from,
    int64_t to, bool with_partial, struct tally **ret, size_t *ret_n)
{
	sqlite3_stmt *s = rec(st, R_TALLY);
	struct tally *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, survey);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	sqlite3_bind_int(s, 4, with_partial);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].question = sq_col_text(s, 0);
		v[n].value = sq_col_text(s, 1);
		v[n].count = sqlite3_column_int64(s, 2);
		v[n].partial = sqlite3_column_int64(s, 3);
		n++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		tallies_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* --- complaints -------------------------------------------------------- */

void
complaint_done(struct complaint *c)
{
	free(c->desk);
	free(c->category);
	free(c->number);
	free(c->pseudonym);
	free(c->lang);
	free(c->channel);
	free(c->description);
	free(c->location);
	free(c->status);
	free(c->note);
	free(c->citizen_says);
	memset(c, 0, sizeof(*c));
}

void
complaints_free(struct complaint *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		complaint_done(&v[i]);
	free(v);
}

void
complaint_events_free(struct complaint_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].status);
		free(v[i].note);
		free(v[i].by);
	}
	free(v);
}

void
row_to_complaint(sqlite3_stmt *s, struct complaint *c)
{
	const unsigned char *ref = sqlite3_column_text(s, 0);

	memset(c, 0, sizeof(*c));
	strlcpy_(c->ref, ref != NULL ? (const char *)ref : "", sizeof(c->ref));
	c->desk = sq_col_text(s, 1);
	c->category = sq_col_text(s, 2);
	c->number = sq_col_text(s, 3);
	c->pseudonym = sq_col_text(s, 4);
	c->anonymous = sqlite3_column_int(s, 5) != 0;
	c->lang = sq_col_text(s, 6);
	c->channel = sq_col_text(s, 7);
	c->description = sq_col_text(s, 8);
	c->location = sq_col_text(s, 9);
	c->status = sq_col_text(s, 10);
	c->note = sq_col_text(s, 11);
	c->created_at = sqlite3_column_int64(s, 12);
	c->updated_at = sqlite3_column_int64(s, 13);
	c->closed_at = sqlite3_column_int64(s, 14);
	c->citizen_says = sq_col_text(s, 15);
}

static int
complaint_event(struct store *st, const char *ref, int64_t at,
    const char *status, const char *note, const char *by)
{
	sqlite3_stmt *s = rec(st, R_C_EVENT);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	sqlite3_bind_int64(s, 2, at);
	sq_bind_text(s, 3, status);
	sq_bind_text(s, 4, note);
	sq_bind_text(s, 5, by);
	return sq_exec(s);
}

int
store_complaint_add(struct store *st, const struct complaint *c, const char *by)
{
	sqlite3_stmt *s = rec(st, R_C_ADD);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, c->ref);
	sq_bind_text(s, 2, c->desk);
	sq_bind_text(s, 3, c->category);
	sq_bind_text(s, 4, c->number);
	sq_bind_text(s, 5, c->pseudonym);
	sqlite3_bind_int(s, 6, c->anonymous ? 1 : 0);
	sq_bind_text(s, 7, c->lang);
	sq_bind_text(s, 8, c->channel);
	sq_bind_text(s, 9, c->description);
	sq_bind_text(s, 10, c->location);
	sq_bind_text(s, 11, c->status);
	sqlite3_bind_int64(s, 12, c->created_at);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	return complaint_event(st, c->ref, c->created_at, c->status, NULL, by);
}

/* Steps a statement that yields at most one complaint. */
static int
one_complaint(sqlite3_stmt *s, struct complaint *ret)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		row_to_complaint(s, ret);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

int
store_complaint_get(struct store *st, const char *ref, struct complaint *ret)
{
	sqlite3_stmt *s = rec(st, R_C_GET);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	return one_complaint(s, ret);
}

int
store_complaint_latest(struct store *st, const char *desk, const char *number,
    struct complaint *ret)
{
	sqlite3_stmt *s = rec(st, R_C_LATEST);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, desk);
	sq_bind_text(s, 2, number);
	return one_complaint(s, ret);
}

int
store_complaint_list(struct store *st, const struct complaint_filter *f,
    struct complaint **ret, size_t *ret_n)
{
	sqlite3_stmt *s =
	    rec(st, f->number != NULL ? R_C_LIST_NUMBER : R_C_LIST);
	struct complaint *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, f->desk);
	sq_bind_text(s, 2, f->status);
	sq_bind_text(s, 3, f->category);
	sq_bind_text(s, 4, f->number);
	sqlite3_bind_int64(s, 5, f->since);
	sqlite3_bind_int64(s, 6, f->open_before);
	sqlite3_bind_int(s, 7, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		row_to_complaint(s, &v[n++]);
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		complaints_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_complaint_update(struct store *st, const char *ref, const char *status,
    const char *note, const char *by, bool close, bool erase, int64_t at)
{
	sqlite3_stmt *s = rec(st, R_C_UPDATE);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	sq_bind_text(s, 2, status);
	sq_bind_text(s, 3, note);
	sqlite3_bind_int64(s, 4, at);
	sqlite3_bind_int(s, 5, close ? 1 : 0);
	sqlite3_bind_int(s, 6, erase ? 1 : 0);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return -ENOENT;
	return complaint_event(st, ref, at, status, note, by);
}

int
store_complaint_words(struct store *st, const char *ref, int64_t message_id)
{
	sqlite3_stmt *s = rec(st, R_C_WORDS);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	sqlite3_bind_int64(s, 2, message_id);
	return sq_exec(s);
}

int
store_complaint_citizen(struct store *st, const char *ref, const char *says,
    const char *reopen, int64_t at)
{
	sqlite3_stmt *s = rec(st, R_C_CITIZEN);
	char *status;
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	sq_bind_text(s, 2, says);
	sq_bind_text(s, 3, reopen);
	sqlite3_bind_int64(s, 4, at);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sq_done(s);
		return rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
	}
	status = sq_col_text(s, 0); /* as it now is, for its event */
	sq_done(s);
	rc = complaint_event(st, ref, at, status, says, "citizen");
	free(status);
	return rc;
}

int
store_complaint_events(struct store *st, const char *ref,
    struct complaint_event **ret, size_t *ret_n)
{
	sqlite3_stmt *s = rec(st, R_C_EVENTS);
	struct complaint_event *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, ref);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].at = sqlite3_column_int64(s, 0);
		v[n].status = sq_col_text(s, 1);
		v[n].note = sq_col_text(s, 2);
		v[n].by = sq_col_text(s, 3);
		n++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		complaint_events_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* --- secrets ----------------------------------------------------------- */

int
store_secret(struct store *st, const char *name, unsigned char *ret, size_t len)
{
	sqlite3_stmt *s = rec(st, R_SECRET_GET), *p = rec(st, R_SECRET_PUT);
	unsigned char fresh[64];
	int rc;

	if (s == NULL || p == NULL || len > sizeof(fresh))
		return -EIO;
	sq_bind_text(s, 1, name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(s, 0) >= len) {
		memcpy(ret, sqlite3_column_blob(s, 0), len);
		sq_done(s);
		return 0;
	}
	sq_done(s);
	if (rc == SQLITE_ROW)
		return -EIO; /* shorter than asked: not ours */
	if (rc != SQLITE_DONE)
		return sq_err(rc);
	if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
		return -EIO;
	sq_bind_text(p, 1, name);
	sqlite3_bind_blob(p, 2, fresh, sizeof(fresh), SQLITE_STATIC);
	if ((rc = sq_exec(p)) < 0)
		return rc;
	memcpy(ret, fresh, len);
	return 0;
}

/* --- deferred messages and live sources -------------------------------- */

int
store_inbound_defer(struct store *st, int64_t id, int64_t until)
{
	sqlite3_stmt *s = rec(st, R_IN_DEFER);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, until);
	return sq_exec(s);
}

int
store_inbound_wake(struct store *st, int64_t now)
{
	sqlite3_stmt *s = rec(st, R_IN_WAKE);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, now);
	return sq_exec(s);
}

int
store_fetch_get(struct store *st, const char *url, int64_t now,
    enum fetch_state *ret, char **ret_body)
{
	sqlite3_stmt *s = rec(st, R_FETCH_GET);
	const char *status;
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, url);
	*ret = FETCH_NONE;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		status = (const char *)sqlite3_column_text(s, 0);
		if (status != NULL && strcmp(status, "pending") == 0)
			*ret = sqlite3_column_int64(s, 2) > now ? FETCH_PENDING
								: FETCH_LATE;
		else if (sqlite3_column_int64(s, 3) <= now)
			*ret = FETCH_NONE; /* expired */
		else if (status != NULL && strcmp(status, "ok") == 0)
			*ret = FETCH_OK;
		else
			*ret = FETCH_FAILED;
		if (*ret == FETCH_OK)
			*ret_body = sq_col_text(s, 1);
	}
	sq_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(rc);
}

int
store_fetch_request(struct store *st, const char *url, int64_t now,
    int64_t deadline, int64_t cache_ms)
{
	sqlite3_stmt *s = rec(st, R_FETCH_REQUEST);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, url);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int64(s, 3, deadline);
	sqlite3_bind_int64(s, 4, cache_ms);
	return sq_exec(s);
}

void
fetch_reqs_free(struct fetch_req *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].url);
	free(v);
}

int
store_fetch_pending(struct store *st, int limit, struct fetch_req **ret,
    size_t *ret_n)
{
	sqlite3_stmt *s = rec(st, R_FETCH_PENDING);
	struct fetch_req *v = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int(s, 1, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].url = sq_col_text(s, 0);
		v[n].deadline = sqlite3_column_int64(s, 1);
		v[n].cache_ms = sqlite3_column_int64(s, 2);
		n++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		fetch_reqs_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_fetch_put(struct store *st, const char *url, bool ok, const char *body,
    int64_t now, int64_t expires_at)
{
	sqlite3_stmt *s = rec(st, R_FETCH_PUT);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, url);
	sq_bind_text(s, 2, ok ? "ok" : "failed");
	sq_bind_text(s, 3, body);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, expires_at);
	return sq_exec(s);
}

/* --- USSD sessions ----------------------------------------------------- */

int
store_ussd_get(struct store *st, const char *provider, const char *session,
    struct ussd_row *ret)
{
	sqlite3_stmt *s = rec(st, R_USSD_GET);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, session);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ret->number = sq_col_text(s, 0);
		ret->code = sq_col_text(s, 1);
		ret->path = sq_col_text(s, 2);
		ret->state = sq_col_text(s, 3);
		ret->screen = sq_col_text(s, 4);
		ret->updated_at = sqlite3_column_int64(s, 5);
	}
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

int
store_ussd_put(struct store *st, const char *provider, const char *session,
    const struct ussd_row *u, int64_t at)
{
	sqlite3_stmt *s = rec(st, R_USSD_PUT);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, session);
	sq_bind_text(s, 3, u->number);
	sq_bind_text(s, 4, u->code);
	sq_bind_text(s, 5, u->path);
	sq_bind_text(s, 6, u->state);
	sq_bind_text(s, 7, u->screen);
	sqlite3_bind_int64(s, 8, at);
	return sq_exec(s);
}

int
store_ussd_prune(struct store *st, int64_t before)
{
	sqlite3_stmt *s = rec(st, R_USSD_PRUNE);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	return sq_exec(s);
}
