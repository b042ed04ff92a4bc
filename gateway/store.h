/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: every SQL statement of baraza sits behind this interface, so that
 * a PostgreSQL backend can be added without touching the pipeline or the
 * handlers.  One struct store is one connection, used by one thread at a
 * time.  Functions return 0 or a negative errno (-EBUSY: locked past the
 * busy timeout, -EIO: the database failed); they never log.
 *
 * Message statuses (the queue's states, Postfix style):
 *   inbound:  received -> processed | ignored (reason says why)
 *   outbound: queued -> sent -> delivered
 *             queued -> (retry: queued again, attempts+1) -> failed
 *             sent -> failed | expired (delivery report)
 *             queued -> cancelled (by an operator)
 * A message is acknowledged to a provider only once its row is committed.
 */
#ifndef BARAZA_STORE_H
#define BARAZA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"

struct send_outcome; /* provider.h */

struct store;

/* Opens (creating and migrating) the database; ret_err gets a one-line
 * reason on failure, caller frees. */
int store_open(const char *path, struct store **ret, char **ret_err);
void store_close(struct store *st);
/* How long a write waits for another process's lock before -EBUSY
 * (default 5000 ms). */
void store_set_busy_timeout(struct store *st, int ms);
/* Caps the database file (0: no cap); past it writes fail with -ENOSPC, as
 * on a full disk. */
int store_set_max_size(struct store *st, int64_t bytes);
/* The last error's text from the database, for logs; never NULL. */
const char *store_errmsg(struct store *st);

int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
int store_savepoint(struct store *st);
int store_savepoint_release(struct store *st);
void store_savepoint_rollback(struct store *st);

/* --- messages ---------------------------------------------------------- */

struct msg {
	int64_t id;
	char *direction; /* "in" / "out" */
	char *provider;
	char *provider_id;
	char *number; /* the citizen */
	char *peer;   /* our short code or sender id */
	char *text;
	char *status;
	char *reason;
	char *route;
	char *lang;
	int segments;
	char *encoding;
	char *cost;     /* the provider's price, when it says */
	char *channel;  /* "sms" or "ussd" */
	bool anonymous; /* about an anonymous complaint: its number is shown
			   as a pseudonym wherever it is shown */
	int attempts;
	int64_t next_attempt_at;
	int64_t created_at;
	int64_t updated_at;
};

void msg_done(struct msg *m);
void msgs_free(struct msg *v, size_t n);

struct inbound_new {
	const char *provider;
	const char *provider_id; /* NULL: no provider deduplication */
	const char *number;
	const char *peer;
	const char *text;
	int64_t at;
	const char *channel; /* NULL: "sms" */
};

/* Inserts an inbound message; *ret_dup is set when (provider, id) exists,
 * and then *ret_id is the existing row. */
int store_inbound_add(struct store *st, const struct inbound_new *in,
    int64_t *ret_id, bool *ret_dup);
/* One part of a concatenated message (see struct inbound).  *ret_dup
 * when this part (provider, provider_id) was stored before. */
struct part_new {
	const char *provider;
	const char *provider_id;
	const char *number;
	const char *peer;
	const char *ref;
	int total;
	int part;
	const char *text;
	int64_t at;
};

int store_part_add(struct store *st, const struct part_new *p, bool *ret_dup);
/*
 * Joins the open parts of (provider, number, ref) in part order, when all
 * `total` are in or when force is set; marks them joined.  Fills the text
 * (owned), our short code, the first part's provider id and arrival.
 * -EAGAIN while parts are missing (and !force), -ENOENT when none is open.
 */
struct joined {
	char *text;
	char *peer;
	char *provider_id;
	int64_t at;
	int parts;
	int total;
};
int store_parts_join(struct store *st, const char *provider, const char *number,
    const char *ref, bool force, struct joined *ret);
void joined_done(struct joined *j);
/* Open part groups whose first part arrived before a time (at most
 * limit); arrays of strings the caller frees with strv_free. */
int store_parts_expired(struct store *st, int64_t before, int limit,
    char ***ret_provider, char ***ret_number, char ***ret_ref, size_t *ret_n);
void strv_free(char **v, size_t n);

/* Up to limit inbound messages still 'received' and not deferred past
 * now, oldest first. */
int store_inbound_pending(struct store *st, int64_t now, int limit,
    struct msg **ret, size_t *ret_n);
/* A received message waits until a time (its handler waits for a live
 * source); store_inbound_wake() makes every waiting one due again. */
int store_inbound_defer(struct store *st, int64_t id, int64_t until);
int store_inbound_wake(struct store *st, int64_t now);
int store_inbound_finish(struct store *st, int64_t id, const char *status,
    const char *reason, const char *route, const char *lang);
/* Marks a message as about an anonymous complaint (struct msg). */
int store_message_anonymous(struct store *st, int64_t id);
/* Inbound messages from number since a time that arrived before the
 * message before_id (so a backlog is judged as it arrived), counted up to
 * cap at most: a flooding number costs no more to judge than the limit. */
int store_inbound_count_since(struct store *st, const char *number,
    int64_t since, int64_t before_id, int cap, int *ret);
/* True when number sent the same text since a time, before before_id. */
int store_inbound_repeat(struct store *st, const char *number, const char *text,
    int64_t since, int64_t before_id, bool *ret);

struct outbound_new {
	const char *provider;
	const char *number;
	const char *peer; /* sender id or short code, may be NULL */
	const char *text;
	const char *status; /* "queued", or "sent" for sim */
	const char *route;
	const char *lang;
	int64_t reply_to; /* 0 when not a reply */
	int segments;
	const char *encoding;
	int64_t at;
	int64_t not_before;  /* first send attempt; 0: at once */
	const char *channel; /* NULL: "sms" */
	bool anonymous;      /* as struct msg's */
};

int store_outbound_add(struct store *st, const struct outbound_new *out,
    int64_t *ret_id);
/* How many messages were queued through this handle so far (whether or not
 * their transaction was committed): a change says the sender may have work. */
int64_t store_outbound_queued(const struct store *st);
/* Outbound messages since a time to numbers starting with prefix. */
int store_outbound_count_prefix(struct store *st, const char *prefix,
    int64_t since, int *ret);
/* Queued messages of a provider due at now, oldest first: of the first
 * limit, those skip (when not NULL) does not pass over -- those it does are
 * not read.  With after > 0, only those with a greater id, in id order
 * (the messages queued since a read that saw every id up to after).
 * Returns how many it saw (limit when there may be more), or -errno. */
int store_outbound_due(struct store *st, const char *provider, int64_t now,
    int64_t after, int limit, bool (*skip)(void *arg, int64_t id), void *arg,
    struct msg **ret, size_t *ret_n);
/* The highest message id so far (0: none).  Ids grow in commit order. */
int store_message_max_id(struct store *st, int64_t *ret);
/* When the provider's earliest queued message is due; -ENOENT if none. */
int store_outbound_next_due(struct store *st, const char *provider,
    int64_t *ret);
/* Records a send attempt: status "sent", "queued" (retry at next) or
 * "failed".  Only applies while the message is still queued.  A retry
 * moves the messages queued after it to the same number (and provider) to
 * its time at the earliest, so that they still leave after it. */
int store_outbound_attempt(struct store *st, int64_t id, const char *status,
    const struct send_outcome *out, int attempts, int64_t next, int64_t at);
/* What a delivery report matched. */
enum report_match {
	REPORT_NONE,    /* no message of ours (yet) */
	REPORT_MESSAGE, /* a message, whose status it set */
	REPORT_HISTORY, /* a message, in whose history it is written, its
			 * status kept: a part of a long message that has
			 * not settled it, a late "sent", a "delivered"
			 * after a failed part */
};

/* A delivery report, by our id or the provider's id (or a part's id).  A
 * report by the provider's id that matches none is kept (up to
 * REPORTS_WAITING_MAX of them): it may have come before the send's
 * outcome, and so the provider's id, was written. */
int store_outbound_report(struct store *st, const char *provider,
    int64_t our_id, const char *provider_id, const char *status,
    const char *reason, int64_t at, enum report_match *ret);
#define REPORTS_WAITING_MAX 10000
#define REPORTS_RETRY_MAX   500 /* the newest, tried again by a pass */
/* Whether a pass of store_reports_retry() has work: a kept report now
 * matches a message, or one came before `before` (ms). */
int store_reports_ready(struct store *st, int64_t before, bool *ret_ready);
/* Forgets the kept reports that came before `before`, and applies those
 * that now match a message, in the order they came, calling applied() for
 * each that set a message's status.  In the caller's transaction. */
int store_reports_retry(struct store *st, int64_t before,
    void (*applied)(void *arg, const char *provider, const char *status),
    void *arg);
/* Queued messages for providers not in the NULL-terminated list -> failed. */
int store_outbound_orphans(struct store *st, const char *const *providers,
    int64_t at, int *ret_n);

/* --- the operators' queue view ----------------------------------------- */

struct status_count {
	char direction[4];
	char status[16];
	char reason[48]; /* why ignored ("flood limit"); "" otherwise */
	int64_t count;
};

int store_status_counts(struct store *st, struct status_count **ret,
    size_t *ret_n);
/* Outbound messages with a status, newest first. */
int store_outbound_list(struct store *st, const char *status, int limit,
    struct msg **ret, size_t *ret_n);
/* id 0: every failed message.  Back to queued, attempts reset; not one
 * whose number is gone (a pseudonym: FORGET, a closed anonymous
 * complaint's). */
int store_outbound_retry(struct store *st, int64_t id, int64_t at, int *ret_n);
/* id 0: every queued message. */
int store_outbound_cancel(struct store *st, int64_t id, int64_t at, int *ret_n);
/* Inbound messages waiting to be processed, outbound waiting to be sent. */
struct queue_depth {
	int64_t received;
	int64_t queued;
	int64_t oldest_received_at; /* wall ms the oldest waiting inbound
				       came; 0 when none waits */
};
int store_queue_depth(struct store *st, struct queue_depth *ret);
int store_message_get(struct store *st, int64_t id, struct msg *ret);

/* A message's history: what happened to it and when (received, queued,
 * sent, each report with its detail), oldest first. */
struct msg_event {
	int64_t at;
	char *status;
	char *detail; /* NULL when none */
};
/* The parts of a long outbound message the provider gave an id each. */
struct msg_part {
	int part; /* 1.. */
	char *provider_id;
	char *status; /* the part's last report */
};

int store_message_history(struct store *st, int64_t id, struct msg_event **ret,
    size_t *ret_n);
void msg_events_free(struct msg_event *v, size_t n);
int store_message_parts(struct store *st, int64_t id, struct msg_part **ret,
    size_t *ret_n);
void msg_parts_free(struct msg_part *v, size_t n);

/* --- contacts and sessions --------------------------------------------- */

struct contact {
	char *lang; /* NULL when unknown */
	bool opted_out;
};

int store_contact_get(struct store *st, const char *number,
    struct contact *ret);
void contact_done(struct contact *c);
int store_contact_set_lang(struct store *st, const char *number,
    const char *lang, int64_t at);
int store_contact_set_optout(struct store *st, const char *number, bool out,
    int64_t at);

/* The number's session if it expires after `after` (the present time for
 * a live one), or -ENOENT; ret_expires_at may be NULL. */
int store_session_get(struct store *st, const char *number, int64_t after,
    char **ret_route, char **ret_state, int64_t *ret_expires_at);
int store_session_put(struct store *st, const char *number, const char *route,
    const char *state, int64_t expires_at, int64_t at);
int store_session_delete(struct store *st, const char *number);
/* Deletes at most max sessions that expired before `before` (over, late
 * answers included: an abandoned complaint's draft goes with them);
 * *ret_n: how many; *ret_more: call again (in another transaction). */
int store_session_prune(struct store *st, int64_t before, int max,
    int64_t *ret_n, bool *ret_more);

/* A provider's polling cursor (owned), or -ENOENT before the first. */
int store_cursor_get(struct store *st, const char *provider, char **ret);
int store_cursor_set(struct store *st, const char *provider, const char *cursor,
    int64_t at);

/* --- survey responses (records.h) ---------------------------------------- */

/* A new response, 'partial' until finished. */
int store_response_begin(struct store *st, const char *survey,
    const char *number, const char *lang, const char *channel, int64_t at,
    int64_t *ret_id);
/* Records (or replaces) the answer to one question; value NULL: skipped. */
int store_response_answer(struct store *st, int64_t id, const char *question,
    const char *value, const char *raw, int64_t at);
int store_response_finish(struct store *st, int64_t id, int64_t at);
/* Completed responses of number to survey since a time. */
int store_response_count(struct store *st, const char *survey,
    const char *number, int64_t since, int *ret);
/* Responses to survey: completed and partial. */
int store_response_totals(struct store *st, const char *survey,
    int64_t *ret_complete, int64_t *ret_partial);
/* Answers of responses completed in [from, to), per question and value;
 * with_partial also those of responses left part way (whenever). */
int store_survey_tally(struct store *st, const char *survey, int64_t from,
    int64_t to, bool with_partial, struct tally **ret, size_t *ret_n);

/* --- complaints (records.h) ---------------------------------------------- */

/* Inserts c with its first event; -EEXIST when the reference is taken. */
int store_complaint_add(struct store *st, const struct complaint *c,
    const char *by);
/* -ENOENT when there is no such reference. */
int store_complaint_get(struct store *st, const char *ref,
    struct complaint *ret);
/* The number's newest complaint on a desk, or -ENOENT. */
int store_complaint_latest(struct store *st, const char *desk,
    const char *number, struct complaint *ret);
int store_complaint_list(struct store *st, const struct complaint_filter *f,
    struct complaint **ret, size_t *ret_n);
/* A status change with its event; close sets closed_at, erase forgets the
 * number (anonymous complaints once closed). */
int store_complaint_update(struct store *st, const char *ref,
    const char *status, const char *note, const char *by, bool close,
    bool erase, int64_t at);
int store_complaint_events(struct store *st, const char *ref,
    struct complaint_event **ret, size_t *ret_n);
/* Notes that message_id carries words of complaint ref (its description
 * or place) to another number, an officer: FORGET from the complaint's
 * citizen erases its text too. */
int store_complaint_words(struct store *st, const char *ref,
    int64_t message_id);
/* The citizen's answer to "is it fixed?" ("fixed", "not_fixed"), with an
 * event by "citizen" whose note is the answer; reopen, when not NULL, is
 * the status it goes back to (open again, the officer's last note
 * cleared).  -ENOENT when there is no such reference. */
int store_complaint_citizen(struct store *st, const char *ref, const char *says,
    const char *reopen, int64_t at);

/* --- live sources' answers (a lookup's URL) --------------------------------
 */

enum fetch_state {
	FETCH_NONE,    /* never asked, or the answer expired */
	FETCH_PENDING, /* asked; no answer before the deadline yet */
	FETCH_LATE,    /* asked, and the deadline passed without an answer */
	FETCH_OK,
	FETCH_FAILED,
};

/* What is known of url at now; *ret_body (owned) for FETCH_OK. */
int store_fetch_get(struct store *st, const char *url, int64_t now,
    enum fetch_state *ret, char **ret_body);
/* Asks for url (a pending row, answered by the deadline and then kept
 * cache_ms) unless an answer is fresh or a request pending. */
int store_fetch_request(struct store *st, const char *url, int64_t now,
    int64_t deadline, int64_t cache_ms);
struct fetch_req {
	char *url;
	int64_t deadline;
	int64_t cache_ms;
};
/* Up to limit pending requests, oldest first. */
int store_fetch_pending(struct store *st, int limit, struct fetch_req **ret,
    size_t *ret_n);
void fetch_reqs_free(struct fetch_req *v, size_t n);
/* The answer (body NULL when failed), kept until expires_at. */
int store_fetch_put(struct store *st, const char *url, bool ok,
    const char *body, int64_t now, int64_t expires_at);

/* --- exports: rows of a time range, streamed ------------------------------
 * Each *_each() calls fn for every row in order, with pointers valid for
 * the call only; a nonzero return from fn stops it and is returned.
 * Memory does not grow with the number of rows.
 */

/* Messages created in [from, to), by time then id. */
int store_messages_each(struct store *st, int64_t from, int64_t to,
    int (*fn)(const struct msg *m, void *arg), void *arg);

struct answer_row {
	int64_t response;
	const char *number; /* NULL once erased */
	const char *lang;
	const char *channel;
	const char *status; /* "complete" or "partial" */
	int64_t started_at;
	int64_t completed_at; /* 0 while partial */
	const char *question; /* NULL for a response without answers */
	const char *value;
	const char *raw;
};

/* The answers of responses to survey started in [from, to), by response
 * then time of answer. */
int store_answers_each(struct store *st, const char *survey, int64_t from,
    int64_t to, int (*fn)(const struct answer_row *a, void *arg), void *arg);
/* The questions answered in responses to survey started in [from, to),
 * in the order first answered (strv_free): the columns of a survey that
 * is no longer configured. */
int store_survey_questions(struct store *st, const char *survey, int64_t from,
    int64_t to, char ***ret, size_t *ret_n);
/* Surveys with responses started in [from, to), by name (strv_free). */
int store_survey_names(struct store *st, int64_t from, int64_t to, char ***ret,
    size_t *ret_n);

/* Complaints filed or changed in [from, to), by reference. */
int store_complaints_each(struct store *st, int64_t from, int64_t to,
    int (*fn)(const struct complaint *c, void *arg), void *arg);

/* Counts of a range, grouped: messages by direction, route, provider and
 * status ("route" "" when none); complaints filed by category and their
 * status now. */
struct group_count {
	char *key[4];
	int64_t count;
};
int store_message_groups(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n);
int store_complaint_groups(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n);
/* Citizens' answers to "is it fixed?" given in [from, to), by answer. */
int store_complaint_answers(struct store *st, int64_t from, int64_t to,
    struct group_count **ret, size_t *ret_n);
void group_counts_free(struct group_count *v, size_t n);

/* Erases the texts citizens wrote before a time -- messages, parts of
 * long messages, survey answers' raw text -- keeping every row and count:
 * at most max rows of each table per call, from where the last call
 * stopped (kept in the database).  *ret_n: the messages whose text went;
 * *ret_more: call again (in another transaction) for the rest. */
int store_erase_texts(struct store *st, int64_t before, int max, int64_t *ret_n,
    bool *ret_more);

/* --- USSD sessions ----------------------------------------------------------
 */

struct ussd_row {
	char *number;
	char *code;
	char *path;   /* the text already answered */
	char *state;  /* the engine's (ussd.c) */
	char *screen; /* the last answer, for a step sent twice */
	int64_t updated_at;
};

void ussd_row_done(struct ussd_row *u);
/* The session's row, or -ENOENT. */
int store_ussd_get(struct store *st, const char *provider, const char *session,
    struct ussd_row *ret);
int store_ussd_put(struct store *st, const char *provider, const char *session,
    const struct ussd_row *u, int64_t at);
/* Forgets sessions untouched since a time. */
int store_ussd_prune(struct store *st, int64_t before);

/*
 * The right to be forgotten: every text number sent or got is erased and
 * the number replaced by pseudonym wherever it stands (messages, parts,
 * survey responses, complaints); free-text answers go, chosen ones stay
 * (anonymous counts); its contact, sessions and USSD sessions are deleted
 * and messages still queued to it cancelled.  What already stands under
 * the pseudonym (a closed anonymous complaint and its messages) loses its
 * texts too.  *ret_n: messages touched.
 */
int store_forget(struct store *st, const char *number, const char *pseudonym,
    int64_t at, int64_t *ret_n);

/*
 * The messages of anonymous complaints (marked, store_message_anonymous)
 * of citizens who have none open any more: their number becomes its
 * pseudonym, so that the database no longer ties the citizen to the
 * complaint once it closed (the complaint's own number went on closing).
 * Messages still queued, or received and not yet processed, keep it until
 * a later call.  At most max numbers per call, created before `before`;
 * *ret_n: messages changed; *ret_more: call again.
 */
int store_anonymous_settle(struct store *st, int64_t before, int max,
    int64_t *ret_n, bool *ret_more);

/* A named value the daemon keeps; -ENOENT when never set. */
int store_state_get(struct store *st, const char *name, char **ret);
int store_state_set(struct store *st, const char *name, const char *value);

/* A random secret kept in the database (made on first use), e.g. the key
 * of pseudonyms.  Fills exactly len bytes. */
int store_secret(struct store *st, const char *name, unsigned char *ret,
    size_t len);

/* A trivial query: 0 when the database answers. */
int store_ping(struct store *st);

#endif
