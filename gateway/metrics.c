/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics: see metrics.h.  Relaxed atomics: counters need no ordering.
 */
#include <string.h>

#include "metrics.h"
#include "store.h"

static const double lat_bounds_s[METRICS_LATENCY_BUCKETS] = { 0.0001, 0.00025,
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0 };

void
metrics_init(struct metrics *m, const char *const *providers, size_t n)
{
	memset(m, 0, sizeof(*m));
	if (n > METRICS_MAX_PROVIDERS)
		n = METRICS_MAX_PROVIDERS;
	m->nproviders = n;
	for (size_t i = 0; i < n; i++)
		m->provider[i] = providers[i];
}

int
metrics_provider(const struct metrics *m, const char *name)
{
	for (size_t i = 0; i < m->nproviders; i++)
		if (strcmp(m->provider[i], name) == 0)
			return (int)i;
	return -1;
}

#define BUMP(x) atomic_fetch_add_explicit(&(x), 1, memory_order_relaxed)
#define READ(x) \
	((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

void
metrics_in(struct metrics *m, int p, enum metric_in what)
{
	if (p >= 0 && (size_t)p < m->nproviders)
		BUMP(m->in[p][what]);
}

void
metrics_out(struct metrics *m, int p, enum metric_out what)
{
	metrics_out_n(m, p, what, 1);
}

void
metrics_out_n(struct metrics *m, int p, enum metric_out what, unsigned n)
{
	if (p >= 0 && (size_t)p < m->nproviders && n > 0)
		atomic_fetch_add_explicit(&m->out[p][what], n,
		    memory_order_relaxed);
}

enum metric_out
metric_of_report(const char *status)
{
	return strcmp(status, "delivered") == 0 ? M_OUT_DELIVERED_DLR
	    : strcmp(status, "sent") == 0       ? M_OUT_SENT
						: M_OUT_FAILED_DLR;
}

void
metrics_surplus_closed(struct metrics *m)
{
	BUMP(m->surplus_closed);
}

void
metrics_render_connections(const struct metrics *m, long long open,
    long long idle, struct buf *out)
{
	buf_printf(out,
	    "# HELP baraza_http_connections Webhook connections open, and of those idle between requests.\n"
	    "# TYPE baraza_http_connections gauge\n"
	    "baraza_http_connections{state=\"open\"} %lld\n"
	    "baraza_http_connections{state=\"idle\"} %lld\n"
	    "# HELP baraza_http_surplus_closed_total Keep-alive connections closed after their answer as surplus (gateway.max_idle_connections).\n"
	    "# TYPE baraza_http_surplus_closed_total counter\n"
	    "baraza_http_surplus_closed_total %llu\n",
	    open, idle, READ(m->surplus_closed));
}

void
metrics_render_links(const char *const *names, const bool *up, size_t n,
    struct buf *out)
{
	if (n == 0)
		return;
	buf_puts(out,
	    "# HELP baraza_provider_up Whether a provider's own connection (SMPP) is up: 1 bound, 0 not.\n"
	    "# TYPE baraza_provider_up gauge\n");
	for (size_t i = 0; i < n; i++)
		buf_printf(out, "baraza_provider_up{provider=\"%s\"} %d\n",
		    names[i], up[i] ? 1 : 0);
}

void
metrics_send_error(struct metrics *m, int p)
{
	if (p >= 0 && (size_t)p < m->nproviders)
		BUMP(m->send_errors[p]);
}

void
metrics_handled(struct metrics *m, int ignored, int64_t us)
{
	int b = 0;

	if (ignored)
		BUMP(m->ignored);
	else
		BUMP(m->processed);
	while (
	    b < METRICS_LATENCY_BUCKETS && (double)us / 1e6 > lat_bounds_s[b])
		b++;
	BUMP(m->lat_bucket[b]);
	atomic_fetch_add_explicit(&m->lat_sum_us,
	    (uint_fast64_t)(us > 0 ? us : 0), memory_order_relaxed);
	BUMP(m->lat_count);
}

void
metrics_render(const struct metrics *m, const struct queue_depth *q,
    int64_t now, struct buf *out)
{
	static const char *const in_names[M_IN_COUNT] = { "accepted",
		"duplicate", "rejected", "unavailable" };
	static const char *const out_names[M_OUT_COUNT] = { "sent", "retry",
		"failed", "delivered", "failed_dlr" };
	unsigned long long cum = 0;

	buf_puts(out,
	    "# HELP baraza_messages_in_total Inbound webhooks by provider and result.\n"
	    "# TYPE baraza_messages_in_total counter\n");
	for (size_t p = 0; p < m->nproviders; p++)
		for (int i = 0; i < M_IN_COUNT; i++)
			buf_printf(out,
			    "baraza_messages_in_total{provider=\"%s\",result=\"%s\"} %llu\n",
			    m->provider[p], in_names[i], READ(m->in[p][i]));
	buf_puts(out,
	    "# HELP baraza_messages_out_total Outbound messages by provider and status.\n"
	    "# TYPE baraza_messages_out_total counter\n");
	for (size_t p = 0; p < m->nproviders; p++)
		for (int i = 0; i < M_OUT_COUNT; i++)
			buf_printf(out,
			    "baraza_messages_out_total{provider=\"%s\",status=\"%s\"} %llu\n",
			    m->provider[p], out_names[i], READ(m->out[p][i]));
	buf_puts(out,
	    "# HELP baraza_send_errors_total Send attempts that failed, by provider.\n"
	    "# TYPE baraza_send_errors_total counter\n");
	for (size_t p = 0; p < m->nproviders; p++)
		buf_printf(out,
		    "baraza_send_errors_total{provider=\"%s\"} %llu\n",
		    m->provider[p], READ(m->send_errors[p]));
	buf_printf(out,
	    "# HELP baraza_inbound_handled_total Inbound messages routed, by outcome.\n"
	    "# TYPE baraza_inbound_handled_total counter\n"
	    "baraza_inbound_handled_total{outcome=\"processed\"} %llu\n"
	    "baraza_inbound_handled_total{outcome=\"ignored\"} %llu\n",
	    READ(m->processed), READ(m->ignored));
	buf_printf(out,
	    "# HELP baraza_queue_depth Messages waiting, by stage.\n"
	    "# TYPE baraza_queue_depth gauge\n"
	    "baraza_queue_depth{stage=\"inbound\"} %lld\n"
	    "baraza_queue_depth{stage=\"outbound\"} %lld\n",
	    (long long)q->received, (long long)q->queued);
	buf_printf(out,
	    "# HELP baraza_queue_oldest_seconds How long the oldest message waiting has waited, by stage.\n"
	    "# TYPE baraza_queue_oldest_seconds gauge\n"
	    "baraza_queue_oldest_seconds{stage=\"inbound\"} %.3f\n",
	    q->oldest_received_at > 0 && now > q->oldest_received_at
		? (double)(now - q->oldest_received_at) / 1000
		: 0.0);
	buf_puts(out,
	    "# HELP baraza_handler_seconds Time to route and handle one message.\n"
	    "# TYPE baraza_handler_seconds histogram\n");
	for (int b = 0; b < METRICS_LATENCY_BUCKETS; b++) {
		cum += READ(m->lat_bucket[b]);
		buf_printf(out,
		    "baraza_handler_seconds_bucket{le=\"%g\"} %llu\n",
		    lat_bounds_s[b], cum);
	}
	cum += READ(m->lat_bucket[METRICS_LATENCY_BUCKETS]);
	buf_printf(out, "baraza_handler_seconds_bucket{le=\"+Inf\"} %llu\n",
	    cum);
	buf_printf(out, "baraza_handler_seconds_sum %.6f\n",
	    (double)READ(m->lat_sum_us) / 1e6);
	buf_printf(out, "baraza_handler_seconds_count %llu\n",
	    READ(m->lat_count));
}
