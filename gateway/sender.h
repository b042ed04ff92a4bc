/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender: the thread that drains the outbound queue.  For each provider it
 * starts at most `concurrency` sends and at most `rate_per_s` per second,
 * over libcurl's multi interface (never on an HTTP thread) or by handing
 * the message to a provider's own connection (SMPP), classifies each
 * answer, and records the attempt: sent, retried later with exponential
 * backoff and jitter, or failed after retry_max_attempts.  Results are
 * written in one transaction per loop.  A message is sent at least once: a
 * crash between the provider's answer and our commit sends it again.
 */
#ifndef BARAZA_SENDER_H
#define BARAZA_SENDER_H

#include "provider.h"

struct daemon;
struct sender;

struct sender *sender_start(struct daemon *d, char **ret_err);
/* New messages are queued: look now rather than at the next tick. */
void sender_wake(struct sender *s);
/* The outcome of a message handed to a provider with its own connection
 * (provider_type.submit), from that provider's thread; takes out's
 * strings. */
void sender_complete(struct sender *s, const struct provider *p, int64_t id,
    int attempts, enum send_result r, struct send_outcome *out);
/* A delivery receipt from such a provider: recorded after the outcomes
 * reported before it, then committed(cookie, err) is called. */
void sender_receipt(struct sender *s, const struct provider *p, struct dlr *dlr,
    void (*committed)(void *cookie, int err), void *cookie);
/* Lets sends in flight finish (a few seconds at most), then joins. */
void sender_stop(struct sender *s);

/* The delay before attempt n+1 (n >= 1), with jitter from rnd in [0,1). */
int64_t sender_backoff_ms(int base_ms, int cap_ms, int attempts, double rnd);

#endif
