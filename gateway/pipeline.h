/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: what happens to one stored inbound message -- the loop guard
 * and flood limit, the citizen's language and opt-out state, sessions,
 * routing, the handler, and the reply.  Every effect is written through the
 * store inside the caller's transaction, so "processed" and "its reply is
 * queued" commit together or not at all.  Used by the daemon and by sim.
 */
#ifndef BARAZA_PIPELINE_H
#define BARAZA_PIPELINE_H

#include <stdio.h>

#include "conf.h"
#include "store.h"

struct outcome {
	char *reply;        /* the reply text, or NULL; owned */
	const char *status; /* "processed", "ignored", or "deferred": it waits
			       for a live source and is still 'received' */
	const char *reason; /* why ignored / notes; static */
	const char *route;  /* borrowed from the routing, or NULL */
	int lang;
	int64_t reply_id; /* the queued reply's id, or 0 */
	int segments;
	const char *encoding;
	bool anonymous; /* hctx_anonymous(): the reply is about an anonymous
			   complaint */
};

struct pipeline_opts {
	const char *reply_provider; /* the provider the reply leaves by */
	const char *reply_status;   /* "queued" (daemon) or "sent" (sim) */
	const char *channel;        /* "sms" or "ussd" */
	const struct conf *conf;    /* picks notifications' provider; NULL: the
				       reply's */
	bool fetch_inline; /* sim: live sources are fetched on the spot */
};

/*
 * Processes m (an inbound row still 'received').  Returns 0, or a negative
 * errno when the store failed (the caller rolls back; nothing happened).
 */
int pipeline_process(struct store *st, const struct routing *r,
    const struct gateway_conf *gw, const struct msg *m,
    const struct pipeline_opts *opts, struct outcome *ret);
void outcome_done(struct outcome *o);

/*
 * `baraza HANDLER ARGS...`: offers the command to each route of that
 * handler type that takes commands, in order, until one does not decline;
 * each try in its own transaction; the handler prints to out.  Returns the
 * handler's result (HANDLER_OK, HANDLER_DECLINED when no route took it, -EINVAL
 * for a usage error it printed) or a store error.
 */
int pipeline_command(struct store *st, const struct routing *r,
    const struct conf *c, FILE *out, const char *handler, int argc,
    char **argv);

/* True for numbers that are really alphanumeric sender ids. */
bool number_is_alphanumeric(const char *number);

#endif
