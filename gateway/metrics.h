/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics: counters the daemon's threads bump (atomically) and /metrics
 * renders in the Prometheus text format.  One struct metrics per daemon,
 * owned by daemon.c; providers are counted by their index in the conf.
 */
#ifndef BARAZA_METRICS_H
#define BARAZA_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define METRICS_MAX_PROVIDERS 32

enum metric_in {
	M_IN_ACCEPTED,
	M_IN_DUPLICATE,
	M_IN_REJECTED,    /* 400/403/413 */
	M_IN_UNAVAILABLE, /* 503 */
	M_IN_COUNT,
};

enum metric_out {
	M_OUT_SENT,
	M_OUT_RETRY,
	M_OUT_FAILED,
	M_OUT_DELIVERED_DLR,
	M_OUT_FAILED_DLR,
	M_OUT_COUNT,
};

#define METRICS_LATENCY_BUCKETS 10

struct metrics {
	size_t nproviders;
	const char *provider[METRICS_MAX_PROVIDERS];
	atomic_uint_fast64_t in[METRICS_MAX_PROVIDERS][M_IN_COUNT];
	atomic_uint_fast64_t out[METRICS_MAX_PROVIDERS][M_OUT_COUNT];
	atomic_uint_fast64_t send_errors[METRICS_MAX_PROVIDERS];
	atomic_uint_fast64_t processed;
	atomic_uint_fast64_t ignored;
	atomic_uint_fast64_t surplus_closed; /* keep-alive connections */
	/* handler latency, microseconds */
	atomic_uint_fast64_t lat_bucket[METRICS_LATENCY_BUCKETS + 1];
	atomic_uint_fast64_t lat_sum_us;
	atomic_uint_fast64_t lat_count;
};

void metrics_init(struct metrics *m, const char *const *providers, size_t n);
/* Index of a provider name, or -1. */
int metrics_provider(const struct metrics *m, const char *name);
void metrics_in(struct metrics *m, int provider, enum metric_in what);
void metrics_out(struct metrics *m, int provider, enum metric_out what);
void metrics_out_n(struct metrics *m, int provider, enum metric_out what,
    unsigned n);
/* What a delivery report that found its message counts as, by its
 * status's name. */
enum metric_out metric_of_report(const char *status);
void metrics_send_error(struct metrics *m, int provider);
void metrics_handled(struct metrics *m, int ignored, int64_t micros);
/* A keep-alive connection closed as surplus (gateway.max_idle_connections). */
void metrics_surplus_closed(struct metrics *m);
/* Renders the webhook server's open and idle connections (the http module
 * counts them) and how many were closed as surplus. */
void metrics_render_connections(const struct metrics *m, long long open,
    long long idle, struct buf *out);
/* Renders baraza_provider_up for the n providers with a connection of
 * their own (SMPP): names[i] and whether it is up. */
void metrics_render_links(const char *const *names, const bool *up, size_t n,
    struct buf *out);
struct queue_depth; /* store.h */

/* Renders everything plus the given queue depths (-1: unknown) and how
 * long the oldest waiting inbound message has waited at now (wall ms). */
void metrics_render(const struct metrics *m, const struct queue_depth *q,
    int64_t now, struct buf *out);

#endif
