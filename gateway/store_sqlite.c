/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_sqlite: the SQLite implementation of store.h.  WAL journal with
 * synchronous=FULL, so a committed row survives power loss; callers batch
 * rows into one transaction (group commit) to pay one fsync for many.
 * Statements are prepared once per connection, from the table below.
 * Schema changes are migrations keyed by PRAGMA user_version.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "provider.h"
#include "store.h"
#include "store_sqlite.h"
#include "util.h"

static const char *const migrations[] = {
	/* 1: messages with their history, contacts, sessions */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
	"  provider TEXT NOT NULL,"
	"  provider_id TEXT,"
	"  number TEXT NOT NULL,"
	"  peer TEXT,"
	"  text TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  reason TEXT,"
	"  route TEXT,"
	"  lang TEXT,"
	"  segments INTEGER,"
	"  encoding TEXT,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER,"
	"  reply_to INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX messages_in_dedup ON messages (provider, provider_id)"
	"  WHERE direction = 'in' AND provider_id IS NOT NULL;"
	"CREATE INDEX messages_out_pid ON messages (provider, provider_id)"
	"  WHERE direction = 'out' AND provider_id IS NOT NULL;"
	"CREATE INDEX messages_pending ON messages (status, direction, next_attempt_at);"
	"CREATE INDEX messages_number ON messages (number, created_at);"
	"CREATE INDEX messages_created ON messages (created_at);"
	"CREATE TABLE message_events ("
	"  message_id INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX message_events_msg ON message_events (message_id);"
	"CREATE TABLE contacts ("
	"  number TEXT PRIMARY KEY,"
	"  lang TEXT,"
	"  opted_out INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE sessions ("
	"  number TEXT PRIMARY KEY,"
	"  route TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	/* 2: the provider's price of each send */
	"ALTER TABLE messages ADD COLUMN cost TEXT;",
	/* 3: parts of concatenated messages, kept once joined (redeliveries
	 * of a part stay duplicates) */
	"CREATE TABLE inbound_parts ("
	"  id INTEGER PRIMARY KEY,"
	"  provider TEXT NOT NULL,"
	"  provider_id TEXT NOT NULL,"
	"  number TEXT NOT NULL,"
	"  peer TEXT,"
	"  ref TEXT NOT NULL,"
	"  total INTEGER NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  text TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  joined_at INTEGER);"
	"CREATE UNIQUE INDEX inbound_parts_dedup ON inbound_parts (provider,"
	"  provider_id);"
	"CREATE INDEX inbound_parts_open ON inbound_parts (provider, number, ref)"
	"  WHERE joined_at IS NULL;",
	/* 4: where polling a provider got to */
	"CREATE TABLE poll_cursors ("
	"  provider TEXT PRIMARY KEY,"
	"  cursor TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL);",
	/* 5: survey responses, complaints, secrets (store_sqlite_records.c) */
	"CREATE TABLE survey_responses ("
	"  id INTEGER PRIMARY KEY,"
	"  survey TEXT NOT NULL,"
	"  number TEXT,"
	"  lang TEXT,"
	"  channel TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('partial', 'complete')),"
	"  started_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  completed_at INTEGER);"
	"CREATE INDEX survey_responses_number ON survey_responses (survey,"
	"  number, completed_at);"
	"CREATE INDEX survey_responses_updated ON survey_responses (updated_at);"
	"CREATE TABLE survey_answers ("
	"  response_id INTEGER NOT NULL REFERENCES survey_responses (id),"
	"  question TEXT NOT NULL,"
	"  value TEXT,"
	"  raw TEXT,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (response_id, question));"
	"CREATE TABLE complaints ("
	"  ref TEXT PRIMARY KEY,"
	"  desk TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  number TEXT,"
	"  pseudonym TEXT,"
	"  anonymous INTEGER NOT NULL DEFAULT 0,"
	"  lang TEXT,"
	"  channel TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  location TEXT,"
	"  status TEXT NOT NULL,"
	"  note TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  closed_at INTEGER);"
	"CREATE INDEX complaints_number ON complaints (number, created_at);"
	"CREATE INDEX complaints_created ON complaints (created_at);"
	"CREATE INDEX complaints_updated ON complaints (updated_at);"
	"CREATE TABLE complaint_events ("
	"  ref TEXT NOT NULL REFERENCES complaints (ref),"
	"  at INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  note TEXT,"
	"  by TEXT);"
	"CREATE INDEX complaint_events_ref ON complaint_events (ref, at);"
	"CREATE TABLE secrets ("
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL);",
	/* 6: answers of live sources (a lookup's URL), fetched off-thread */
	"CREATE TABLE fetch_cache ("
	"  url TEXT PRIMARY KEY,"
	"  status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'failed')),"
	"  body TEXT,"
	"  requested_at INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL,"
	"  cache_ms INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL);"
	"CREATE INDEX fetch_cache_pending ON fetch_cache (status)"
	"  WHERE status = 'pending';",
	/* 7: small named values the daemon keeps (the last exported day) */
	"CREATE TABLE state ("
	"  name TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE INDEX survey_responses_started ON survey_responses (survey,"
	"  started_at);"
	"CREATE INDEX complaint_events_at ON complaint_events (at);",
	/* 8: USSD sessions; the channel of each message */
	"CREATE TABLE ussd_sessions ("
	"  provider TEXT NOT NULL,"
	"  session TEXT NOT NULL,"
	"  number TEXT NOT NULL,"
	"  code TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  screen TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  PRIMARY KEY (provider, session));"
	"CREATE INDEX ussd_sessions_updated ON ussd_sessions (updated_at);"
	"ALTER TABLE messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';",
	/* 9: a number's messages by direction, so that the flood count and
	 * the pumping cap read the index alone */
	"DROP INDEX messages_number;"
	"CREATE INDEX messages_number ON messages (number, direction,"
	" created_at);",
	/* 10: delivery reports that came before their send's outcome was
	 * written (so the provider's id was not yet known) */
	"CREATE TABLE reports_waiting ("
	"  provider TEXT NOT NULL,"
	"  provider_id TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  reason TEXT,"
	"  at INTEGER NOT NULL);",
	/* 11: the parts of a long outbound message that the provider gave an
	 * id each, so that every part's delivery report counts */
	"CREATE TABLE outbound_parts ("
	"  message_id INTEGER NOT NULL,"
	"  part INTEGER NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  provider_id TEXT NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'sent',"
	"  PRIMARY KEY (message_id, part)) WITHOUT ROWID;"
	"CREATE INDEX outbound_parts_pid ON outbound_parts (provider,"
	" provider_id);",
	/* 12: the inbound messages still to process, in the order they are
	 * processed: a backlog (a burst acknowledged ahead of processing, a
	 * restart after an outage) is read from its head, not sorted whole
	 * on every pass */
	"CREATE INDEX messages_received ON messages (id)"
	" WHERE status = 'received'"
	" AND direction = 'in';",
	/* 13: messages about an anonymous complaint (its filing, the reply
	 * with the reference, notifications, STATUS about it): their number
	 * is shown as a pseudonym wherever it is shown */
	"ALTER TABLE messages ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;",
	/* 14: what the citizen answered when asked whether a closed
	 * complaint was fixed ('fixed', 'not_fixed') */
	"ALTER TABLE complaints ADD COLUMN citizen_says TEXT;",
	/* 15: messages that carry a complaint's words to someone else (an
	 * officer's alert, their STATUS): FORGET erases them with the
	 * complaint's */
	"CREATE TABLE complaint_words ("
	"  ref TEXT NOT NULL,"
	"  message_id INTEGER NOT NULL);"
	"CREATE INDEX complaint_words_ref ON complaint_words (ref);",
	/* 16: the messages of anonymous complaints whose number is still
	 * there (it becomes the pseudonym once none of that citizen's is
	 * open), and the complaints whose number is gone, by pseudonym (a
	 * closed anonymous one, for FORGET) */
	"CREATE INDEX messages_anonymous ON messages (number)"
	" WHERE anonymous = 1 AND number NOT GLOB 'p-*';"
	"CREATE INDEX complaints_pseudonym ON complaints (pseudonym)"
	" WHERE number IS NULL;",
};

enum stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_IN_ADD,
	S_IN_FIND,
	S_IN_PENDING,
	S_IN_FINISH,
	S_MSG_ANONYMOUS,
	S_IN_COUNT,
	S_IN_REPEAT,
	S_OUT_ADD,
	S_OUT_DUE,
	S_OUT_DUE_AFTER,
	S_MAX_ID,
	S_OUT_PREFIX,
	S_OUT_NEXT_DUE,
	S_OUT_ATTEMPT,
	S_OUT_BEHIND,
	S_OUT_REPORT_ID,
	S_OUT_REPORT_PID,
	S_OPART_ADD,
	S_OPART_FIND,
	S_OPART_SET,
	S_OPART_TALLY,
	S_OPART_LIST,
	S_HISTORY,
	S_EVENT,
	S_WAIT_ADD,
	S_WAIT_LIST,
	S_WAIT_DEL,
	S_WAIT_READY,
	S_WAIT_EXPIRE,
	S_COUNTS,
	S_OUT_LIST,
	S_OUT_RETRY_ONE,
	S_OUT_RETRY_ALL,
	S_OUT_CANCEL_ONE,
	S_OUT_CANCEL_ALL,
	S_DEPTH,
	S_DEPTH_OLDEST,
	S_MSG_GET,
	S_CONTACT_GET,
	S_CONTACT_LANG,
	S_CONTACT_OPTOUT,
	S_SESSION_GET,
	S_SESSION_PUT,
	S_SESSION_DEL,
	S_SESSION_PRUNE,
	S_PING,
	S_PART_ADD,
	S_PART_LIST,
	S_PART_MARK,
	S_PART_EXPIRED,
	S_CURSOR_GET,
	S_CURSOR_SET,
	S_COUNT
};

/* The waiting delivery reports among the newest ?2 that now match a
 * message (the waiting that can end are new; the others stay untouched):
 * what a pass applies, and whether one has work. */
#define WAITING_MATCHED                                                   \
	" FROM (SELECT rowid AS r, * FROM reports_waiting ORDER BY rowid" \
	" DESC LIMIT ?2) w WHERE EXISTS (SELECT 1 FROM messages m WHERE"  \
	" m.provider = w.provider AND m.provider_id = w.provider_id AND"  \
	" m.direction = 'out') OR EXISTS (SELECT 1 FROM outbound_parts p" \
	" WHERE p.provider = w.provider AND p.provider_id = w.provider_id)"

/* Reports that leave a message's status as it is, written in its history
 * only: any on a cancelled message; "sent" after a final status; and, for
 * a message of several segments, "delivered" after a failed or expired
 * part -- a provider that reports each part under the message's id
 * (Kannel's dlr-url) may report a delivered part after the one that
 * failed.  (Parts with ids of their own: outbound_parts.)  RETURNING says
 * whether the status is the report's, i.e. was set. */
#define REPORT_KEEPS                                                        \
	"(status = 'cancelled' OR (?3 = 'sent' AND status IN ('delivered'," \
	" 'failed', 'expired')) OR (?3 = 'delivered' AND status IN"         \
	" ('failed', 'expired') AND segments > 1))"
#define REPORT_SET                                                                    \
	"UPDATE messages SET status = CASE WHEN " REPORT_KEEPS " THEN"                \
	" status ELSE ?3 END, reason = CASE WHEN " REPORT_KEEPS " THEN"               \
	" reason ELSE coalesce(?4, reason) END, updated_at = CASE WHEN " REPORT_KEEPS \
	" THEN updated_at ELSE ?5 END WHERE direction = 'out'"                        \
	" AND provider = ?2 AND "

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT one",
	[S_RELEASE] = "RELEASE one",
	[S_ROLLBACK_TO] = "ROLLBACK TO one",
	[S_IN_ADD] = "INSERT OR IGNORE INTO messages (direction, provider,"
		     " provider_id, number, peer, text, status, created_at,"
		     " updated_at, channel) VALUES ('in', ?1, ?2, ?3, ?4, ?5,"
		     " 'received', ?6, ?6, coalesce(?7, 'sms'))",
	[S_IN_FIND] = "SELECT id FROM messages WHERE direction = 'in' AND"
		      " provider = ?1 AND provider_id = ?2",
	[S_IN_PENDING] =
	    "SELECT " MSG_COLS " FROM messages INDEXED BY messages_received"
	    " WHERE status = 'received' AND direction = 'in' AND"
	    " coalesce(next_attempt_at, 0) <= ?2 ORDER BY id LIMIT ?1",
	[S_IN_FINISH] = "UPDATE messages SET status = ?2, reason = ?3, route ="
			" ?4, lang = ?5, updated_at = ?6 WHERE id = ?1",
	[S_MSG_ANONYMOUS] = "UPDATE messages SET anonymous = 1 WHERE id = ?1",
	[S_IN_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM messages WHERE"
		       " number = ?1 AND created_at >= ?2 AND direction ="
		       " 'in' AND id < ?3 LIMIT ?4)",
	[S_IN_REPEAT] = "SELECT 1 FROM messages WHERE number = ?1 AND"
			" created_at >= ?3 AND direction = 'in' AND text = ?2"
			" AND id < ?4 LIMIT 1",
	[S_OUT_ADD] =
	    "INSERT INTO messages (direction, provider, number, peer,"
	    " text, status, route, lang, reply_to, segments, encoding,"
	    " attempts, next_attempt_at, created_at, updated_at, channel,"
	    " anonymous) VALUES ('out', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, 0, max(?11, ?12), ?11, ?11, coalesce(?13, 'sms'), ?14)",
	[S_OUT_PREFIX] =
	    "SELECT count(*) FROM messages WHERE number >= ?1 AND"
	    " number < ?1 || '~' AND created_at >= ?2 AND direction"
	    " = 'out'",
	[S_OUT_DUE] =
	    "SELECT " MSG_COLS " FROM messages WHERE status ="
	    " 'queued' AND direction = 'out' AND next_attempt_at <= ?2"
	    " AND provider = ?1 ORDER BY next_attempt_at, id LIMIT ?3",
	/* the rows after an id: a range of the table, not a walk of the
	 * queue's index over the messages in flight */
	[S_OUT_DUE_AFTER] = "SELECT " MSG_COLS " FROM messages NOT INDEXED"
			    " WHERE id > ?4 AND status = 'queued' AND"
			    " direction = 'out' AND next_attempt_at <= ?2"
			    " AND provider = ?1 ORDER BY id LIMIT ?3",
	[S_MAX_ID] = "SELECT coalesce(max(id), 0) FROM messages",
	[S_OUT_NEXT_DUE] = "SELECT min(next_attempt_at) FROM messages WHERE"
			   " status = 'queued' AND direction = 'out' AND"
			   " provider = ?1",
	[S_OUT_ATTEMPT] =
	    "UPDATE messages SET status = ?2, provider_id ="
	    " coalesce(?3, provider_id), reason = ?4, attempts ="
	    " ?5, next_attempt_at = ?6, updated_at = ?7, cost ="
	    " coalesce(?8, cost) WHERE id = ?1 AND status = 'queued'",
	/* a retry keeps the later messages to its number behind it; by the
	 * number's index, not the queue's, which a full queue makes a walk of
	 * every message queued */
	[S_OUT_BEHIND] =
	    "UPDATE messages INDEXED BY messages_number SET next_attempt_at ="
	    " ?2 WHERE number = (SELECT"
	    " number FROM messages WHERE id = ?1) AND direction = 'out' AND"
	    " provider = (SELECT provider FROM messages WHERE id = ?1) AND"
	    " status = 'queued' AND id > ?1 AND next_attempt_at < ?2",
	[S_OUT_REPORT_ID] =
	    REPORT_SET "id = ?1 RETURNING id, status = ?3, status",
	[S_OUT_REPORT_PID] =
	    REPORT_SET "provider_id = ?1 RETURNING id, status = ?3, status",
	[S_OPART_ADD] = "INSERT OR REPLACE INTO outbound_parts (message_id,"
			" part, provider, provider_id) SELECT id, ?2, provider,"
			" ?3 FROM messages WHERE id = ?1",
	/* the newest, should an SMSC's ids come round again */
	[S_OPART_FIND] = "SELECT message_id, part FROM outbound_parts WHERE"
			 " provider = ?1 AND provider_id = ?2 AND (?3 = 0"
			 " OR message_id = ?3) ORDER BY message_id DESC"
			 " LIMIT 1",
	[S_OPART_SET] = "UPDATE outbound_parts SET status = ?3 WHERE"
			" message_id = ?1 AND part = ?2 AND NOT (?3 ="
			" 'sent' AND status IN ('delivered', 'failed',"
			" 'expired'))",
	/* the parts; those delivered; the others that failed or expired */
	[S_OPART_TALLY] = "SELECT count(*), count(*) FILTER (WHERE status ="
			  " 'delivered'), count(*) FILTER (WHERE status IN"
			  " ('failed', 'expired') AND part <> ?2) FROM"
			  " outbound_parts WHERE message_id = ?1",
	[S_OPART_LIST] = "SELECT part, provider_id, status FROM"
			 " outbound_parts WHERE message_id = ?1 ORDER BY part",
	[S_HISTORY] = "SELECT at, status, detail FROM message_events WHERE"
		      " message_id = ?1 ORDER BY rowid",
	[S_EVENT] =
	    "INSERT INTO message_events (message_id, at, status, detail)"
	    " VALUES (?1, ?2, ?3, ?4)",
	/* at most ?6, by the span of their ids (max and min are cheap;
	 * applied ones leave holes, so this errs on the safe side) */
	[S_WAIT_ADD] = "INSERT INTO reports_waiting (provider, provider_id,"
		       " status, reason, at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE"
		       " coalesce((SELECT max(rowid) FROM reports_waiting) -"
		       " (SELECT min(rowid) FROM reports_waiting), -1) < ?6"
		       " - 1",
	[S_WAIT_LIST] = "SELECT r, provider, provider_id, status, reason,"
			" at" WAITING_MATCHED " ORDER BY r",
	[S_WAIT_DEL] = "DELETE FROM reports_waiting WHERE rowid = ?1",
	[S_WAIT_READY] =
	    "SELECT (SELECT at FROM reports_waiting ORDER BY"
	    " rowid LIMIT 1) < ?1 OR EXISTS (SELECT 1" WAITING_MATCHED ")",
	[S_WAIT_EXPIRE] = "DELETE FROM reports_waiting WHERE rowid IN (SELECT"
			  " rowid FROM reports_waiting ORDER BY rowid LIMIT"
			  " ?2) AND at < ?1",
	/* the ignored ones by reason: their rows only are read, the rest
	 * is counted from the covering index */
	[S_COUNTS] = "SELECT direction, status, NULL, count(*) FROM messages"
		     " WHERE status != 'ignored' GROUP BY 1, 2 UNION ALL SELECT"
		     " direction, status, reason, count(*) FROM messages WHERE"
		     " status = 'ignored' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
	[S_OUT_LIST] = "SELECT " MSG_COLS " FROM messages WHERE direction ="
		       " 'out' AND status = ?1 ORDER BY id DESC LIMIT ?2",
	[S_OUT_RETRY_ONE] = "UPDATE messages SET status = 'queued', attempts ="
			    " 0, next_attempt_at = ?2, reason = NULL,"
			    " updated_at = ?2 WHERE id = ?1 AND direction ="
			    " 'out' AND status = 'failed' AND number NOT"
			    " GLOB 'p-*' RETURNING id",
	[S_OUT_RETRY_ALL] = "UPDATE messages SET status = 'queued', attempts ="
			    " 0, next_attempt_at = ?2, reason = NULL,"
			    " updated_at = ?2 WHERE ?1 = 0 AND direction ="
			    " 'out' AND status = 'failed' AND number NOT"
			    " GLOB 'p-*' RETURNING id",
	[S_OUT_CANCEL_ONE] = "UPDATE messages SET status = 'cancelled',"
			     " updated_at = ?2 WHERE id = ?1 AND direction ="
			     " 'out' AND status = 'queued' RETURNING id",
	[S_OUT_CANCEL_ALL] = "UPDATE messages SET status = 'cancelled',"
			     " updated_at = ?2 WHERE ?1 = 0 AND direction ="
			     " 'out' AND status = 'queued' RETURNING id",
	[S_DEPTH] = "SELECT coalesce(sum(direction = 'in'), 0),"
		    " coalesce(sum(direction = 'out'), 0) FROM messages WHERE"
		    " status IN ('queued', 'received')",
	[S_DEPTH_OLDEST] = "SELECT created_at FROM messages INDEXED BY"
			   " messages_received WHERE status = 'received' AND"
			   " direction = 'in' ORDER BY id LIMIT 1",
	[S_MSG_GET] = "SELECT " MSG_COLS " FROM messages WHERE id = ?1",
	[S_CONTACT_GET] =
	    "SELECT lang, opted_out FROM contacts WHERE number = ?1",
	[S_CONTACT_LANG] = "INSERT INTO contacts (number, lang, updated_at)"
			   " VALUES (?1, ?2, ?3) ON CONFLICT (number) DO UPDATE"
			   " SET lang = ?2, updated_at = ?3",
	[S_CONTACT_OPTOUT] = "INSERT INTO contacts (number, opted_out,"
			     " updated_at) VALUES (?1, ?2, ?3) ON CONFLICT"
			     " (number) DO UPDATE SET opted_out = ?2,"
			     " updated_at = ?3",
	[S_SESSION_GET] = "SELECT route, state, expires_at FROM sessions"
			  " WHERE number = ?1"
			  " AND expires_at > ?2",
	[S_SESSION_PUT] = "INSERT INTO sessions (number, route, state,"
			  " expires_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT (number) DO UPDATE SET route = ?2,"
			  " state = ?3, expires_at = ?4, updated_at = ?5",
	[S_SESSION_DEL] = "DELETE FROM sessions WHERE number = ?1",
	/* live sessions are few (a day's conversations): the walk for
	 * expired ones passes over little else, no index needed */
	[S_SESSION_PRUNE] = "DELETE FROM sessions WHERE rowid IN (SELECT rowid"
			    " FROM sessions WHERE expires_at < ?1 LIMIT ?2)",
	[S_PING] = "SELECT count(*) FROM sqlite_master",
	[S_CURSOR_GET] = "SELECT cursor FROM poll_cursors WHERE provider = ?1",
	[S_CURSOR_SET] =
	    "INSERT INTO poll_cursors (provider, cursor, updated_at)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT (provider) DO UPDATE"
	    " SET cursor = ?2, updated_at = ?3",
	[S_PART_ADD] =
	    "INSERT OR IGNORE INTO inbound_parts (provider, provider_id,"
	    " number, peer, ref, total, part, text, created_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_PART_LIST] =
	    "SELECT part, text, peer, provider_id, created_at, total"
	    " FROM inbound_parts WHERE provider = ?1 AND number = ?2"
	    " AND ref = ?3 AND joined_at IS NULL ORDER BY part, id",
	[S_PART_MARK] =
	    "UPDATE inbound_parts SET joined_at = ?4 WHERE provider"
	    " = ?1 AND number = ?2 AND ref = ?3 AND joined_at IS NULL",
	[S_PART_EXPIRED] =
	    "SELECT provider, number, ref FROM inbound_parts WHERE"
	    " joined_at IS NULL GROUP BY provider, number, ref"
	    " HAVING min(created_at) < ?1 LIMIT ?2",
};

_Static_assert(S_COUNT <= STORE_STMTS, "raise STORE_STMTS");

int
sq_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	default:
		return -EIO;
	}
}

/* Returns the statement reset and with its bindings cleared. */
static sqlite3_stmt *
get(struct store *st, enum stmt id)
{
	sqlite3_stmt *s = st->stmt[id];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->db, sql[id], -1,
			SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
			return NULL;
		st->stmt[id] = s;
	}
	return s;
}

void
sq_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void
sq_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* Runs a statement that returns no rows. */
int
sq_exec(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sq_done(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sq_err(rc);
}

static int
exec_simple(struct store *st, enum stmt id)
{
	sqlite3_stmt *s = get(st, id);

	return s == NULL ? -EIO : sq_exec(s);
}

static int
event(struct store *st, int64_t id, int64_t at, const char *status,
    const char *detail)
{
	sqlite3_stmt *s = get(st, S_EVENT);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	sq_bind_text(s, 3, status);
	sq_bind_text(s, 4, detail);
	return sq_exec(s);
}

static int
migrate(struct store *st, char **ret_err)
{
	sqlite3_stmt *s;
	int version = 0;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK)
		goto fail;
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (version > (int)ARRAY_LEN(migrations)) {
		*ret_err = xasprintf(
		    "database schema version %d is newer than this baraza (%d)",
		    version, (int)ARRAY_LEN(migrations));
		return -EPROTO;
	}
	for (; version < (int)ARRAY_LEN(migrations); version++) {
		char *pragma =
		    xasprintf("PRAGMA user_version = %d", version + 1);
		int rc =
		    sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, migrations[version], NULL,
			    NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, pragma, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
		free(pragma);
		if (rc != SQLITE_OK) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	return 0;
fail:
	*ret_err =
	    xasprintf("schema migration failed: %s", sqlite3_errmsg(st->db));
	return -EIO;
}

/* Creates the directories above path. */
static int
make_parents(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc =
	    slash != NULL && slash != dir ? (*slash = '\0', mkdir_p(dir)) : 0;

	free(dir);
	return rc;
}

/*
 * A savepoint keeps the pages it changes in a statement journal, in
 * memory up to SQLite's 64 KiB and in a temporary file past that -- for
 * the rest of the transaction.  Processing a message (a savepoint each)
 * can pass 64 KiB, and a pass of many messages then wrote every page of
 * every later one to that file.  1 MiB keeps it in memory; it is emptied
 * as each savepoint is released.  Set before SQLite's first use, once per
 * process (later it cannot be, and the default stays).
 */
static void
configure_sqlite(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 1 << 20);
}

int
store_open(const char *path, struct store **ret, char **ret_err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store *st = xcalloc(1, sizeof(*st));
	int rc, err;

	pthread_once(&once, configure_sqlite);

	if (strcmp(path, ":memory:") != 0 && (err = make_parents(path)) < 0) {
		*ret_err = xasprintf(
		    "cannot create the directory of database '%s': %s", path,
		    strerror(-err));
		free(st);
		return -EIO;
	}
	rc = sqlite3_open_v2(path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		*ret_err = xasprintf("cannot open database '%s': %s", path,
		    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		err = -EIO;
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db,
		"PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
		" PRAGMA foreign_keys = ON;",
		NULL, NULL, NULL) != SQLITE_OK) {
		*ret_err = xasprintf("cannot use database '%s': %s", path,
		    sqlite3_errmsg(st->db));
		err = -EIO;
		goto fail;
	}
	if ((err = migrate(st, ret_err)) < 0)
		goto fail;
	*ret = st;
	return 0;
fail:
	store_close(st);
	return err;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (int i = 0; i < STORE_REC_STMTS; i++)
		sqlite3_finalize(st->rec[i]);
	sqlite3_close(st->db);
	free(st);
}

void
store_set_busy_timeout(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms);
}

int
store_set_max_size(struct store *st, int64_t bytes)
{
	sqlite3_stmt *s;
	int64_t page = 4096;
	char *pragma;
	int rc;

	if (bytes <= 0)
		return 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA page_size", -1, &s, NULL) !=
	    SQLITE_OK)
		return -EIO;
	if (sqlite3_step(s) == SQLITE_ROW)
		page = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	pragma = xasprintf("PRAGMA max_page_count = %lld",
	    (long long)(bytes / (page > 0 ? page : 4096)));
	rc = sqlite3_exec(st->db, pragma, NULL, NULL, NULL);
	free(pragma);
	return rc == SQLITE_OK ? 0 : -EIO;
}

const char *
store_errmsg(struct store *st)
{
	return sqlite3_errmsg(st->db);
}

int
store_begin(struct store *st)
{
	return exec_simple(st, S_BEGIN);
}

int
store_commit(struct store *st)
{
	return exec_simple(st, S_COMMIT);
}

void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)exec_simple(st, S_ROLLBACK);
}

int
store_savepoint(struct store *st)
{
	return exec_simple(st, S_SAVEPOINT);
}

int
store_savepoint_release(struct store *st)
{
	return exec_simple(st, S_RELEASE);
}

void
store_savepoint_rollback(struct store *st)
{
	(void)exec_simple(st, S_ROLLBACK_TO);
	(void)exec_simple(st, S_RELEASE);
}

/* --- messages ---------------------------------------------------------- */

char *
sq_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

void
row_to_msg(sqlite3_stmt *s, struct msg *m)
{
	m->id = sqlite3_column_int64(s, 0);
	m->direction = sq_col_text(s, 1);
	m->provider = sq_col_text(s, 2);
	m->provider_id = sq_col_text(s, 3);
	m->number = sq_col_text(s, 4);
	m->peer = sq_col_text(s, 5);
	m->text = sq_col_text(s, 6);
	m->status = sq_col_text(s, 7);
	m->reason = sq_col_text(s, 8);
	m->route = sq_col_text(s, 9);
	m->lang = sq_col_text(s, 10);
	m->segments = sqlite3_column_int(s, 11);
	m->encoding = sq_col_text(s, 12);
	m->attempts = sqlite3_column_int(s, 13);
	m->next_attempt_at = sqlite3_column_int64(s, 14);
	m->created_at = sqlite3_column_int64(s, 15);
	m->updated_at = sqlite3_column_int64(s, 16);
	m->cost = sq_col_text(s, 17);
	m->channel = sq_col_text(s, 18);
	m->anonymous = sqlite3_column_int(s, 19) != 0;
}

void
msg_done(struct msg *m)
{
	free(m->direction);
	free(m->provider);
	free(m->provider_id);
	free(m->number);
	free(m->peer);
	free(m->text);
	free(m->status);
	free(m->reason);
	free(m->route);
	free(m->lang);
	free(m->encoding);
	free(m->cost);
	free(m->channel);
	memset(m, 0, sizeof(*m));
}

void
msgs_free(struct msg *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		msg_done(&v[i]);
	free(v);
}

/* The rows of s as messages (the id first, MSG_COLS), but for those skip
 * passes over, which are not decoded; returns how many rows there were, or
 * -errno. */
static int
fetch_msgs_skip(sqlite3_stmt *s, bool (*skip)(void *arg, int64_t id), void *arg,
    struct msg **ret, size_t *ret_n)
{
	struct msg *v = NULL;
	size_t n = 0, cap = 0;
	int rc, seen = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seen++;
		if (skip != NULL && skip(arg, sqlite3_column_int64(s, 0)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		row_to_msg(s, &v[n++]);
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		msgs_free(v, n);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return seen;
}

/* Every row of s as a message (the id first, MSG_COLS); 0 or -errno. */
static int
fetch_msgs(sqlite3_stmt *s, struct msg **ret, size_t *ret_n)
{
	int rc = fetch_msgs_skip(s, NULL, NULL, ret, ret_n);

	return rc < 0 ? rc : 0;
}

int
store_inbound_add(struct store *st, const struct inbound_new *in,
    int64_t *ret_id, bool *ret_dup)
{
	sqlite3_stmt *s = get(st, S_IN_ADD);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, in->provider);
	sq_bind_text(s, 2, in->provider_id);
	sq_bind_text(s, 3, in->number);
	sq_bind_text(s, 4, in->peer);
	sq_bind_text(s, 5, in->text);
	sqlite3_bind_int64(s, 6, in->at);
	sq_bind_text(s, 7, in->channel);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	if (sqlite3_changes(st->db) == 1) {
		*ret_id = sqlite3_last_insert_rowid(st->db);
		*ret_dup = false;
		return event(st, *ret_id, in->at, "received", NULL);
	}
	/* ignored: the unique (provider, provider_id) index matched */
	if ((s = get(st, S_IN_FIND)) == NULL)
		return -EIO;
	sq_bind_text(s, 1, in->provider);
	sq_bind_text(s, 2, in->provider_id);
	rc = sqlite3_step(s);
	*ret_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sq_done(s);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? -EIO : sq_err(rc);
	*ret_dup = true;
	return 0;
}

int
store_part_add(struct store *st, const struct part_new *p, bool *ret_dup)
{
	sqlite3_stmt *s = get(st, S_PART_ADD);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, p->provider);
	sq_bind_text(s, 2, p->provider_id);
	sq_bind_text(s, 3, p->number);
	sq_bind_text(s, 4, p->peer);
	sq_bind_text(s, 5, p->ref);
	sqlite3_bind_int(s, 6, p->total);
	sqlite3_bind_int(s, 7, p->part);
	sq_bind_text(s, 8, p->text);
	sqlite3_bind_int64(s, 9, p->at);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	*ret_dup = sqlite3_changes(st->db) == 0;
	return 0;
}

void
joined_done(struct joined *j)
{
	free(j->text);
	free(j->peer);
	free(j->provider_id);
	memset(j, 0, sizeof(*j));
}

int
store_parts_join(struct store *st, const char *provider, const char *number,
    const char *ref, bool force, struct joined *ret)
{
	sqlite3_stmt *s = get(st, S_PART_LIST);
	struct joined j = { 0 };
	struct buf text;
	int rc, last = 0;

	if (s == NULL)
		return -EIO;
	buf_init(&text);
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, number);
	sq_bind_text(s, 3, ref);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int part = sqlite3_column_int(s, 0);
		if (part == last)
			continue; /* the same part under two ids: keep one */
		last = part;
		buf_puts(&text, (const char *)sqlite3_column_text(s, 1));
		if (j.parts++ == 0) {
			j.peer = sq_col_text(s, 2);
			j.provider_id = sq_col_text(s, 3);
			j.at = sqlite3_column_int64(s, 4);
		}
		if (sqlite3_column_int(s, 5) > j.total)
			j.total = sqlite3_column_int(s, 5);
	}
	sq_done(s);
	if (rc != SQLITE_DONE || j.parts == 0 ||
	    (!force && j.parts < j.total)) {
		buf_free(&text);
		joined_done(&j);
		return rc != SQLITE_DONE ? sq_err(rc)
		    : j.parts == 0       ? -ENOENT
					 : -EAGAIN;
	}
	if ((s = get(st, S_PART_MARK)) == NULL) {
		buf_free(&text);
		joined_done(&j);
		return -EIO;
	}
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, number);
	sq_bind_text(s, 3, ref);
	sqlite3_bind_int64(s, 4, now_ms());
	if ((rc = sq_exec(s)) < 0) {
		buf_free(&text);
		joined_done(&j);
		return rc;
	}
	j.text = buf_steal(&text);
	*ret = j;
	return 0;
}

void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
store_parts_expired(struct store *st, int64_t before, int limit,
    char ***ret_provider, char ***ret_number, char ***ret_ref, size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_PART_EXPIRED);
	char **p = NULL, **n = NULL, **r = NULL;
	size_t count = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		p = xrealloc(p, (count + 1) * sizeof(*p));
		n = xrealloc(n, (count + 1) * sizeof(*n));
		r = xrealloc(r, (count + 1) * sizeof(*r));
		p[count] = sq_col_text(s, 0);
		n[count] = sq_col_text(s, 1);
		r[count] = sq_col_text(s, 2);
		count++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		strv_free(p, count);
		strv_free(n, count);
		strv_free(r, count);
		return sq_err(rc);
	}
	*ret_provider = p;
	*ret_number = n;
	*ret_ref = r;
	*ret_n = count;
	return 0;
}

int
store_inbound_pending(struct store *st, int64_t now, int limit,
    struct msg **ret, size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_IN_PENDING);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int(s, 1, limit);
	sqlite3_bind_int64(s, 2, now);
	return fetch_msgs(s, ret, ret_n);
}

int
store_inbound_finish(struct store *st, int64_t id, const char *status,
    const char *reason, const char *route, const char *lang)
{
	sqlite3_stmt *s = get(st, S_IN_FINISH);
	int64_t at = now_ms();
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sq_bind_text(s, 2, status);
	sq_bind_text(s, 3, reason);
	sq_bind_text(s, 4, route);
	sq_bind_text(s, 5, lang);
	sqlite3_bind_int64(s, 6, at);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	return event(st, id, at, status, reason);
}

int
store_message_anonymous(struct store *st, int64_t id)
{
	sqlite3_stmt *s = get(st, S_MSG_ANONYMOUS);

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	return sq_exec(s);
}

int
store_inbound_count_since(struct store *st, const char *number, int64_t since,
    int64_t before_id, int cap, int *ret)
{
	sqlite3_stmt *s = get(st, S_IN_COUNT);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int64(s, 3, before_id);
	sqlite3_bind_int(s, 4, cap);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

int
store_inbound_repeat(struct store *st, const char *number, const char *text,
    int64_t since, int64_t before_id, bool *ret)
{
	sqlite3_stmt *s = get(st, S_IN_REPEAT);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sq_bind_text(s, 2, text);
	sqlite3_bind_int64(s, 3, since);
	sqlite3_bind_int64(s, 4, before_id);
	rc = sqlite3_step(s);
	*ret = rc == SQLITE_ROW;
	sq_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(rc);
}

int
store_outbound_add(struct store *st, const struct outbound_new *o,
    int64_t *ret_id)
{
	sqlite3_stmt *s = get(st, S_OUT_ADD);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, o->provider);
	sq_bind_text(s, 2, o->number);
	sq_bind_text(s, 3, o->peer);
	sq_bind_text(s, 4, o->text);
	sq_bind_text(s, 5, o->status);
	sq_bind_text(s, 6, o->route);
	sq_bind_text(s, 7, o->lang);
	if (o->reply_to > 0)
		sqlite3_bind_int64(s, 8, o->reply_to);
	sqlite3_bind_int(s, 9, o->segments);
	sq_bind_text(s, 10, o->encoding);
	sqlite3_bind_int64(s, 11, o->at);
	sqlite3_bind_int64(s, 12, o->not_before);
	sq_bind_text(s, 13, o->channel);
	sqlite3_bind_int(s, 14, o->anonymous ? 1 : 0);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	*ret_id = sqlite3_last_insert_rowid(st->db);
	if (strcmp(o->status, "queued") == 0)
		st->queued++;
	return event(st, *ret_id, o->at, o->status, NULL);
}

int64_t
store_outbound_queued(const struct store *st)
{
	return st->queued;
}

int
store_outbound_count_prefix(struct store *st, const char *prefix, int64_t since,
    int *ret)
{
	sqlite3_stmt *s = get(st, S_OUT_PREFIX);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, prefix);
	sqlite3_bind_int64(s, 2, since);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

int
store_outbound_due(struct store *st, const char *provider, int64_t now,
    int64_t after, int limit, bool (*skip)(void *arg, int64_t id), void *arg,
    struct msg **ret, size_t *ret_n)
{
	sqlite3_stmt *s = get(st, after > 0 ? S_OUT_DUE_AFTER : S_OUT_DUE);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sqlite3_bind_int64(s, 2, now);
	sqlite3_bind_int(s, 3, limit);
	if (after > 0)
		sqlite3_bind_int64(s, 4, after);
	return fetch_msgs_skip(s, skip, arg, ret, ret_n);
}

int
store_message_max_id(struct store *st, int64_t *ret)
{
	sqlite3_stmt *s = get(st, S_MAX_ID);
	int rc;

	*ret = 0;
	if (s == NULL)
		return -EIO;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*ret = sqlite3_column_int64(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

int
store_outbound_next_due(struct store *st, const char *provider, int64_t *ret)
{
	sqlite3_stmt *s = get(st, S_OUT_NEXT_DUE);
	int rc, found = 0;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*ret = sqlite3_column_int64(s, 0);
		found = 1;
	}
	sq_done(s);
	if (rc != SQLITE_ROW)
		return sq_err(rc);
	return found ? 0 : -ENOENT;
}

/* The provider's id of each part of a long message just sent (a resend
 * replaces those of the send before). */
static int
parts_add(struct store *st, int64_t id, const struct send_outcome *out)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < out->nparts; i++) {
		sqlite3_stmt *s = get(st, S_OPART_ADD);

		if (s == NULL)
			return -EIO;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (int64_t)i + 1);
		sq_bind_text(s, 3, out->part_ids[i]);
		rc = sq_exec(s);
	}
	return rc;
}

int
store_outbound_attempt(struct store *st, int64_t id, const char *status,
    const struct send_outcome *out, int attempts, int64_t next, int64_t at)
{
	sqlite3_stmt *s = get(st, S_OUT_ATTEMPT);
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sq_bind_text(s, 2, status);
	sq_bind_text(s, 3, out->provider_id);
	sq_bind_text(s, 4, out->reason);
	sqlite3_bind_int(s, 5, attempts);
	sqlite3_bind_int64(s, 6, next);
	sqlite3_bind_int64(s, 7, at);
	sq_bind_text(s, 8, out->cost);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	if (strcmp(status, "sent") == 0 && out->nparts > 1 &&
	    (rc = parts_add(st, id, out)) < 0)
		return rc;
	if (strcmp(status, "queued") == 0) {
		if ((s = get(st, S_OUT_BEHIND)) == NULL)
			return -EIO;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, next);
		if ((rc = sq_exec(s)) < 0)
			return rc;
	}
	return event(st, id, at,
	    strcmp(status, "queued") == 0 ? "retry" : status, out->reason);
}

/* Applies a delivery report to the message it names, if any, and writes
 * it in the message's history (REPORT_HISTORY when REPORT_KEEPS left the
 * status as it was). */
static int
apply(struct store *st, const char *provider, int64_t our_id,
    const char *provider_id, const char *status, const char *reason, int64_t at,
    enum report_match *ret)
{
	sqlite3_stmt *s =
	    get(st, our_id > 0 ? S_OUT_REPORT_ID : S_OUT_REPORT_PID);
	struct {
		int64_t id;
		char *kept; /* "status stays S[: reason]", or NULL when set */
	} rows[16];
	bool set = false;
	int n = 0, rc = 0;

	*ret = REPORT_NONE;
	if (s == NULL)
		return -EIO;
	if (our_id > 0)
		sqlite3_bind_int64(s, 1, our_id);
	else
		sq_bind_text(s, 1, provider_id);
	sq_bind_text(s, 2, provider);
	sq_bind_text(s, 3, status);
	sq_bind_text(s, 4, reason);
	sqlite3_bind_int64(s, 5, at);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (n < (int)ARRAY_LEN(rows)) {
			bool this_set = sqlite3_column_int(s, 1) != 0;

			rows[n].id = sqlite3_column_int64(s, 0);
			rows[n].kept = this_set
			    ? NULL
			    : xasprintf("status stays %s%s%s",
				  (const char *)sqlite3_column_text(s, 2),
				  reason != NULL ? ": " : "",
				  reason != NULL ? reason : "");
			set |= this_set;
			n++;
		}
	sq_done(s);
	rc = rc == SQLITE_DONE ? 0 : sq_err(rc);
	/* A kept report says so in the history: Kannel, for one, may post
	 * its "sent" after its "delivered", and the history lists reports
	 * as they came. */
	for (int i = 0; i < n; i++) {
		if (rc == 0)
			rc = event(st, rows[i].id, at, status,
			    rows[i].kept != NULL ? rows[i].kept : reason);
		free(rows[i].kept);
	}
	if (rc < 0)
		return rc;
	*ret = set ? REPORT_MESSAGE : n > 0 ? REPORT_HISTORY : REPORT_NONE;
	return 0;
}

/* A report naming one part of a long message (by that part's id): the
 * first part to fail or expire fails the message, the part named in the
 * reason; the message is delivered once every part is.  Other reports of
 * parts are written in the message's history only (REPORT_HISTORY). */
static int
part_report(struct store *st, const char *provider, int64_t our_id,
    const char *provider_id, const char *status, const char *reason, int64_t at,
    enum report_match *ret)
{
	sqlite3_stmt *s = get(st, S_OPART_FIND);
	int64_t id, part, n, delivered, failed;
	enum report_match applied;
	bool settles;
	char *which;
	int rc;

	*ret = REPORT_NONE;
	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, provider_id);
	sqlite3_bind_int64(s, 3, our_id);
	if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
		sq_done(s);
		return rc == SQLITE_DONE ? 0 : sq_err(rc);
	}
	id = sqlite3_column_int64(s, 0);
	part = sqlite3_column_int64(s, 1);
	sq_done(s);
	if ((s = get(st, S_OPART_SET)) == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, part);
	sq_bind_text(s, 3, status);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	if ((s = get(st, S_OPART_TALLY)) == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, part);
	rc = sqlite3_step(s);
	n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	delivered = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
	failed = rc == SQLITE_ROW ? sqlite3_column_int64(s, 2) : 0;
	sq_done(s);
	if (rc != SQLITE_ROW)
		return sq_err(rc);
	*ret = REPORT_HISTORY;
	if (strcmp(status, "delivered") == 0)
		settles = delivered == n;
	else
		settles = strcmp(status, "sent") != 0 && failed == 0;
	which = reason != NULL
	    ? xasprintf("part %lld of %lld: %s", (long long)part, (long long)n,
		  reason)
	    : xasprintf("part %lld of %lld", (long long)part, (long long)n);
	if (!settles)
		rc = event(st, id, at, status, which);
	else if ((rc = apply(st, provider, id, NULL, status,
		      strcmp(status, "delivered") == 0 ? NULL : which, at,
		      &applied)) == 0 &&
	    applied == REPORT_MESSAGE)
		*ret = REPORT_MESSAGE;
	free(which);
	return rc;
}

static int
report(struct store *st, const char *provider, int64_t our_id,
    const char *provider_id, const char *status, const char *reason, int64_t at,
    enum report_match *ret)
{
	int rc = 0;

	*ret = REPORT_NONE;
	if (provider_id != NULL)
		rc = part_report(st, provider, our_id, provider_id, status,
		    reason, at, ret);
	if (rc < 0 || *ret != REPORT_NONE)
		return rc;
	return apply(st, provider, our_id, provider_id, status, reason, at,
	    ret);
}

int
store_outbound_report(struct store *st, const char *provider, int64_t our_id,
    const char *provider_id, const char *status, const char *reason, int64_t at,
    enum report_match *ret)
{
	sqlite3_stmt *s;
	int rc =
	    report(st, provider, our_id, provider_id, status, reason, at, ret);

	if (rc < 0 || *ret != REPORT_NONE || our_id > 0 || provider_id == NULL)
		return rc;
	if ((s = get(st, S_WAIT_ADD)) == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, provider_id);
	sq_bind_text(s, 3, status);
	sq_bind_text(s, 4, reason);
	sqlite3_bind_int64(s, 5, at);
	sqlite3_bind_int(s, 6, REPORTS_WAITING_MAX);
	return sq_exec(s);
}

int
store_reports_ready(struct store *st, int64_t before, bool *ret_ready)
{
	sqlite3_stmt *s = get(st, S_WAIT_READY);
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, REPORTS_RETRY_MAX);
	rc = sqlite3_step(s);
	*ret_ready = rc == SQLITE_ROW && sqlite3_column_int(s, 0) != 0;
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}

struct waiting {
	int64_t rowid, at;
	char *provider, *provider_id, *status, *reason;
};

int
store_reports_retry(struct store *st, int64_t before,
    void (*applied)(void *arg, const char *provider, const char *status),
    void *arg)
{
	sqlite3_stmt *s = get(st, S_WAIT_EXPIRE);
	struct waiting *v = NULL;
	size_t n = 0, i;
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, REPORTS_RETRY_MAX);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	if ((s = get(st, S_WAIT_LIST)) == NULL)
		return -EIO;
	sqlite3_bind_int(s, 2, REPORTS_RETRY_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].rowid = sqlite3_column_int64(s, 0);
		v[n].provider = sq_col_text(s, 1);
		v[n].provider_id = sq_col_text(s, 2);
		v[n].status = sq_col_text(s, 3);
		v[n].reason = sq_col_text(s, 4);
		v[n].at = sqlite3_column_int64(s, 5);
		n++;
	}
	sq_done(s);
	rc = rc == SQLITE_DONE ? 0 : sq_err(rc);
	for (i = 0; rc == 0 && i < n; i++) {
		enum report_match m;

		rc = report(st, v[i].provider, 0, v[i].provider_id, v[i].status,
		    v[i].reason, v[i].at, &m);
		if (rc < 0 || m == REPORT_NONE)
			continue;
		if ((s = get(st, S_WAIT_DEL)) == NULL) {
			rc = -EIO;
			break;
		}
		sqlite3_bind_int64(s, 1, v[i].rowid);
		if ((rc = sq_exec(s)) == 0 && m == REPORT_MESSAGE)
			applied(arg, v[i].provider, v[i].status);
	}
	for (i = 0; i < n; i++) {
		free(v[i].provider);
		free(v[i].provider_id);
		free(v[i].status);
		free(v[i].reason);
	}
	free(v);
	return rc;
}

int
store_outbound_orphans(struct store *st, const char *const *providers,
    int64_t at, int *ret_n)
{
	struct buf q;
	sqlite3_stmt *s;
	int rc, i = 0;

	buf_init(&q);
	buf_puts(&q,
	    "UPDATE messages SET status = 'failed', reason ="
	    " 'provider not configured', updated_at = ?1 WHERE"
	    " direction = 'out' AND status = 'queued' AND provider NOT IN ("
	    "''");
	for (const char *const *p = providers; *p != NULL; p++)
		buf_puts(&q, ", ?");
	buf_puts(&q, ")");
	rc = sqlite3_prepare_v2(st->db, q.data, -1, &s, NULL);
	buf_free(&q);
	if (rc != SQLITE_OK)
		return sq_err(rc);
	sqlite3_bind_int64(s, 1, at);
	for (const char *const *p = providers; *p != NULL; p++)
		sq_bind_text(s, 2 + i++, *p);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return sq_err(rc);
	*ret_n = sqlite3_changes(st->db);
	return 0;
}

int
store_status_counts(struct store *st, struct status_count **ret, size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_COUNTS);
	struct status_count *v = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return -EIO;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		strlcpy_(v[n].direction,
		    (const char *)sqlite3_column_text(s, 0),
		    sizeof(v[n].direction));
		strlcpy_(v[n].status, (const char *)sqlite3_column_text(s, 1),
		    sizeof(v[n].status));
		strlcpy_(v[n].reason,
		    sqlite3_column_type(s, 2) == SQLITE_NULL
			? ""
			: (const char *)sqlite3_column_text(s, 2),
		    sizeof(v[n].reason));
		v[n].count = sqlite3_column_int64(s, 3);
		n++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return sq_err(rc);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int
store_outbound_list(struct store *st, const char *status, int limit,
    struct msg **ret, size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_OUT_LIST);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, status);
	sqlite3_bind_int(s, 2, limit);
	return fetch_msgs(s, ret, ret_n);
}

static int
change_status(struct store *st, enum stmt id_one, enum stmt id_all, int64_t id,
    int64_t at, const char *ev, int *ret_n)
{
	sqlite3_stmt *s = get(st, id > 0 ? id_one : id_all);
	int64_t *ids = NULL;
	int n = 0, rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, at);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ids = xrealloc(ids, (size_t)(n + 1) * sizeof(*ids));
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	sq_done(s);
	for (int i = 0; rc == SQLITE_DONE && i < n; i++)
		if (event(st, ids[i], at, ev, "by operator") < 0)
			rc = SQLITE_ERROR;
	free(ids);
	if (rc != SQLITE_DONE)
		return sq_err(rc);
	*ret_n = n;
	return 0;
}

int
store_outbound_retry(struct store *st, int64_t id, int64_t at, int *ret_n)
{
	return change_status(st, S_OUT_RETRY_ONE, S_OUT_RETRY_ALL, id, at,
	    "queued", ret_n);
}

int
store_outbound_cancel(struct store *st, int64_t id, int64_t at, int *ret_n)
{
	return change_status(st, S_OUT_CANCEL_ONE, S_OUT_CANCEL_ALL, id, at,
	    "cancelled", ret_n);
}

int
store_queue_depth(struct store *st, struct queue_depth *ret)
{
	sqlite3_stmt *s = get(st, S_DEPTH);
	int rc;

	*ret = (struct queue_depth){ 0 };
	if (s == NULL)
		return -EIO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		ret->received = sqlite3_column_int64(s, 0);
		ret->queued = sqlite3_column_int64(s, 1);
	}
	sq_done(s);
	if (rc != SQLITE_ROW)
		return sq_err(rc);
	if ((s = get(st, S_DEPTH_OLDEST)) == NULL)
		return -EIO;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret->oldest_received_at = sqlite3_column_int64(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(rc);
}

int
store_message_get(struct store *st, int64_t id, struct msg *ret)
{
	sqlite3_stmt *s = get(st, S_MSG_GET);
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_msg(s, ret);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

/* Steps s to its end, row() filling one element of `size` bytes per row
 * in a growing array.  On failure what was read is dropped (drop() per
 * element, then the array) and none is returned. */
static int
read_rows(sqlite3_stmt *s, size_t size, void (*row)(sqlite3_stmt *, void *),
    void (*drop)(void *), void **ret, size_t *ret_n)
{
	char *v = NULL;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * size);
		row(s, v + n * size);
		n++;
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < n; i++)
			drop(v + i * size);
		free(v);
		v = NULL;
		n = 0;
	}
	*ret = v;
	*ret_n = n;
	return rc == SQLITE_DONE ? 0 : sq_err(rc);
}

static void
event_row(sqlite3_stmt *s, void *elem)
{
	struct msg_event *e = elem;

	e->at = sqlite3_column_int64(s, 0);
	e->status = sq_col_text(s, 1);
	e->detail = sq_col_text(s, 2);
}

static void
event_drop(void *elem)
{
	struct msg_event *e = elem;

	free(e->status);
	free(e->detail);
}

int
store_message_history(struct store *st, int64_t id, struct msg_event **ret,
    size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_HISTORY);
	void *v;
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = read_rows(s, sizeof(**ret), event_row, event_drop, &v, ret_n);
	*ret = v;
	return rc;
}

void
msg_events_free(struct msg_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		event_drop(&v[i]);
	free(v);
}

static void
part_row(sqlite3_stmt *s, void *elem)
{
	struct msg_part *p = elem;

	p->part = sqlite3_column_int(s, 0);
	p->provider_id = sq_col_text(s, 1);
	p->status = sq_col_text(s, 2);
}

static void
part_drop(void *elem)
{
	struct msg_part *p = elem;

	free(p->provider_id);
	free(p->status);
}

int
store_message_parts(struct store *st, int64_t id, struct msg_part **ret,
    size_t *ret_n)
{
	sqlite3_stmt *s = get(st, S_OPART_LIST);
	void *v;
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, id);
	rc = read_rows(s, sizeof(**ret), part_row, part_drop, &v, ret_n);
	*ret = v;
	return rc;
}

void
msg_parts_free(struct msg_part *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		part_drop(&v[i]);
	free(v);
}

/* --- contacts and sessions --------------------------------------------- */

int
store_contact_get(struct store *st, const char *number, struct contact *ret)
{
	sqlite3_stmt *s = get(st, S_CONTACT_GET);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	rc = sqlite3_step(s);
	ret->lang = NULL;
	ret->opted_out = false;
	if (rc == SQLITE_ROW) {
		ret->lang = sq_col_text(s, 0);
		ret->opted_out = sqlite3_column_int(s, 1) != 0;
	}
	sq_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_err(rc);
}

void
contact_done(struct contact *c)
{
	free(c->lang);
	c->lang = NULL;
}

int
store_contact_set_lang(struct store *st, const char *number, const char *lang,
    int64_t at)
{
	sqlite3_stmt *s = get(st, S_CONTACT_LANG);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sq_bind_text(s, 2, lang);
	sqlite3_bind_int64(s, 3, at);
	return sq_exec(s);
}

int
store_contact_set_optout(struct store *st, const char *number, bool out,
    int64_t at)
{
	sqlite3_stmt *s = get(st, S_CONTACT_OPTOUT);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sqlite3_bind_int(s, 2, out ? 1 : 0);
	sqlite3_bind_int64(s, 3, at);
	return sq_exec(s);
}

int
store_session_get(struct store *st, const char *number, int64_t after,
    char **ret_route, char **ret_state, int64_t *ret_expires_at)
{
	sqlite3_stmt *s = get(st, S_SESSION_GET);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sqlite3_bind_int64(s, 2, after);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret_route = sq_col_text(s, 0);
		*ret_state = sq_col_text(s, 1);
		if (ret_expires_at != NULL)
			*ret_expires_at = sqlite3_column_int64(s, 2);
	}
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

int
store_session_put(struct store *st, const char *number, const char *route,
    const char *state, int64_t expires_at, int64_t at)
{
	sqlite3_stmt *s = get(st, S_SESSION_PUT);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	sq_bind_text(s, 2, route);
	sq_bind_text(s, 3, state);
	sqlite3_bind_int64(s, 4, expires_at);
	sqlite3_bind_int64(s, 5, at);
	return sq_exec(s);
}

int
store_session_delete(struct store *st, const char *number)
{
	sqlite3_stmt *s = get(st, S_SESSION_DEL);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, number);
	return sq_exec(s);
}

int
store_session_prune(struct store *st, int64_t before, int max, int64_t *ret_n,
    bool *ret_more)
{
	sqlite3_stmt *s = get(st, S_SESSION_PRUNE);
	int rc;

	if (s == NULL)
		return -EIO;
	sqlite3_bind_int64(s, 1, before);
	sqlite3_bind_int(s, 2, max);
	if ((rc = sq_exec(s)) < 0)
		return rc;
	*ret_n = sqlite3_changes(st->db);
	*ret_more = *ret_n == max;
	return 0;
}

int
store_cursor_get(struct store *st, const char *provider, char **ret)
{
	sqlite3_stmt *s = get(st, S_CURSOR_GET);
	int rc;

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sq_col_text(s, 0);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : sq_err(rc);
}

int
store_cursor_set(struct store *st, const char *provider, const char *cursor,
    int64_t at)
{
	sqlite3_stmt *s = get(st, S_CURSOR_SET);

	if (s == NULL)
		return -EIO;
	sq_bind_text(s, 1, provider);
	sq_bind_text(s, 2, cursor);
	sqlite3_bind_int64(s, 3, at);
	return sq_exec(s);
}

int
store_ping(struct store *st)
{
	sqlite3_stmt *s = get(st, S_PING);
	int rc;

	if (s == NULL)
		return -EIO;
	rc = sqlite3_step(s);
	sq_done(s);
	return rc == SQLITE_ROW ? 0 : sq_err(rc);
}
