/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poller: the thread that asks providers with `poll_interval_s` for the
 * inbound messages they keep (Africa's Talking by lastReceivedId, Twilio
 * by listing messages), for deployments whose webhooks cannot reach
 * baraza, or to catch what an outage dropped.  Each page and the cursor
 * after it are committed together by the writer, and messages are
 * deduplicated by the provider's id, so a restart neither misses nor
 * repeats a message.
 */
#ifndef BARAZA_POLLER_H
#define BARAZA_POLLER_H

struct daemon;
struct poller;

/* NULL with *ret_err when it cannot start; a poller with nothing to poll
 * is fine (its thread ends at once). */
struct poller *poller_start(struct daemon *d, char **ret_err);
void poller_stop(struct poller *p);

#endif
