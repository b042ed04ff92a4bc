/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_sqlite: what the files of the SQLite store share -- the connection
 * with its prepared statements, and small statement helpers.  Internal to
 * store_sqlite*.c; everything else goes through store.h.
 */
#ifndef BARAZA_STORE_SQLITE_H
#define BARAZA_STORE_SQLITE_H

#include <sqlite3.h>

#define STORE_STMTS     64 /* store_sqlite.c's statements */
#define STORE_REC_STMTS 32 /* store_sqlite_records.c's */

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[STORE_STMTS];
	sqlite3_stmt *rec[STORE_REC_STMTS];
	int64_t queued; /* outbound messages queued on this connection */
};

/* An SQLite result code as a negative errno (0 for OK/ROW/DONE). */
int sq_err(int rc);
/* Resets a statement and clears its bindings. */
void sq_done(sqlite3_stmt *s);
/* Binds a string (SQLITE_STATIC: it must outlive the step), NULL as NULL. */
void sq_bind_text(sqlite3_stmt *s, int i, const char *v);
/* Steps a statement that returns no rows we need, then resets it. */
int sq_exec(sqlite3_stmt *s);
/* A copy of a text column, or NULL. */
char *sq_col_text(sqlite3_stmt *s, int i);
/* Row readers shared by the files of the store. */
struct msg;
struct complaint;
void row_to_msg(sqlite3_stmt *s, struct msg *m);
void row_to_complaint(sqlite3_stmt *s, struct complaint *c);
#define COMPLAINT_COLS                                                      \
	"ref, desk, category, number, pseudonym, anonymous, lang, channel," \
	" description, location, status, note, created_at, updated_at,"     \
	" coalesce(closed_at, 0), citizen_says"
#define MSG_COLS                                                               \
	"id, direction, provider, provider_id, number, peer, text, status,"    \
	" reason, route, lang, segments, encoding, attempts, next_attempt_at," \
	" created_at, updated_at, cost, channel, anonymous"

#endif
