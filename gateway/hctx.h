/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hctx: the gateway's side of one handler call (handler.h's struct hctx):
 * what the handler may read, and what it asked for -- a reply, a session
 * change -- until pipeline.c applies it.  Writes to the store go straight
 * into the caller's transaction; the first store failure is kept in
 * store_rc so that the message is retried whole.  Internal to the gateway.
 */
#ifndef BARAZA_HCTX_H
#define BARAZA_HCTX_H

#include "conf.h"
#include "store.h"

enum sess_op {
	SESS_KEEP,
	SESS_SET,
	SESS_END
};

struct hctx {
	const struct routing *r;
	struct store *st;
	const struct conf *conf; /* for notifications' provider; may be NULL */
	const char *notify_provider; /* when conf is NULL */
	int store_rc;                /* the first store failure, or 0 */
	int64_t now;
	FILE *out;
	int route;
	const char *text;
	const char *args;
	const char *number; /* NULL for commands */
	const char *channel;
	int lang;
	bool other_keyword;
	bool restarted;
	char *reply;
	const char *session; /* loaded state when the session is this route's */
	enum sess_op sess_op;
	char *sess_state;
	int sess_ttl;
	bool forgotten; /* FORGET confirmed: keep nothing more */
	bool anonymous; /* hctx_anonymous(): about an anonymous complaint */
	char words_ref[COMPLAINT_REF_MAX]; /* hctx_reply_words(), or "" */
	bool fetch_inline;                 /* sim: fetch on this thread, now */
	char *fetch_url; /* a live source asked for (HANDLER_DEFER) */
	int fetch_timeout_ms;
	int fetch_cache_s;
};

/* Frees what the handler left in ctx (reply, session state). */
void hctx_done(struct hctx *ctx);

#endif
