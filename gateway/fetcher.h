/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetcher: the thread that answers live sources.  A handler that needs a
 * URL (hctx_fetch) leaves a pending request in the store and its message
 * waits; this thread GETs each pending URL (fetch.c), stores the answer
 * for its cache lifetime, and makes the waiting messages due again, so the
 * writer handles them with the answer at hand.  Never blocks the HTTP or
 * writer threads; a source slower than its timeout is answered from the
 * handler's fallback.
 */
#ifndef BARAZA_FETCHER_H
#define BARAZA_FETCHER_H

struct daemon;
struct fetcher;

struct fetcher *fetcher_start(struct daemon *d, char **ret_err);
/* Requests are pending: look now rather than at the next tick. */
void fetcher_wake(struct fetcher *f);
/* Lets a fetch in flight finish (within its timeout), then joins; the
 * writer may still call fetcher_wake() until fetcher_free(). */
void fetcher_stop(struct fetcher *f);
void fetcher_free(struct fetcher *f);

#endif
