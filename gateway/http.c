/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: see http.h.  Each request gets a struct request as its connection
 * state: the body is collected up to gateway.body_max_bytes (past it the
 * rest is read and dropped, and the answer is 413), parsed by the
 * provider, and handed to the writer; MHD_suspend_connection() parks the
 * request and the writer's callback resumes it with the outcome.  Open
 * connections and requests in progress are counted, and each connection
 * knows when its last request ended, so that a client's surplus
 * keep-alive connections are closed after their next answer (see
 * answer()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "http.h"
#include "log.h"
#include "writer.h"

#define HTTP_MAX_QUERY 32

/* A connection whose client left it unused this long before its request
 * is one the client does not need to keep (see answer()). */
#define SURPLUS_IDLE_MS 10

/* What baraza keeps per connection (MHD's socket context). */
struct conn_state {
	int64_t ended_ms; /* when its last request ended (mono_ms); 0: none */
};

enum endpoint {
	EP_UNKNOWN,
	EP_SMS,
	EP_DLR,
	EP_USSD,
	EP_HEALTHZ,
	EP_METRICS,
};

/* Per-address token buckets for webhooks: a fixed table, an address
 * hashed to a slot (a collision shares or resets a bucket, which only
 * ever lets a little more through). */
#define ADDR_SLOTS 4096

struct addr_bucket {
	char addr[INET6_ADDRSTRLEN + 1];
	double tokens;
	int64_t at_ms;
};

struct http {
	struct daemon *d;
	struct MHD_Daemon *mhd;
	pthread_mutex_t addr_lock;
	struct addr_bucket *addrs; /* ADDR_SLOTS, or NULL when off */
	atomic_int conns;          /* open connections */
	atomic_int busy;           /* requests begun and not yet completed */
};

struct request {
	struct http *h;
	struct MHD_Connection *conn;
	enum endpoint ep;
	const struct provider *provider;
	struct buf body;
	bool too_big;
	atomic_bool done; /* the writer has finished the job */
	bool submitted;
	struct job job;
	bool started;      /* the access handler has seen this request */
	bool counted;      /* in h->busy */
	int64_t unused_ms; /* the connection's wait for this request */
	char path[128];    /* the request path, for signatures */
	char uri[1024];    /* path and query as sent, for signatures */
	char addr[INET6_ADDRSTRLEN + 1]; /* the client, numeric */
	struct kv query[HTTP_MAX_QUERY];
	size_t nquery;
	bool query_overflow;
};

static enum MHD_Result
send_response(struct MHD_Connection *conn, unsigned status, const char *type,
    const char *body, bool close)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body),
	    (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
respond(struct MHD_Connection *conn, unsigned status, const char *type,
    const char *body)
{
	return send_response(conn, status, type, body, false);
}

/* A webhook's answer.  It closes its connection when more than
 * max_idle_connections others sit idle and this one had sat unused for
 * SURPLUS_IDLE_MS or more: a client that opened hundreds in a burst
 * (Kannel's smsbox opens one per pending request, up to 512) keeps them
 * all, using each in turn, and polls every one for each request it makes.
 * A client that uses all of its connections, however many, sends on each
 * as soon as it is answered and keeps them. */
static enum MHD_Result
answer(struct request *rq, unsigned status, const char *type, const char *body)
{
	struct http *h = rq->h;
	int idle = atomic_load(&h->conns) - atomic_load(&h->busy);
	bool surplus = idle > h->d->conf->gw.max_idle_connections &&
	    rq->unused_ms >= SURPLUS_IDLE_MS;

	if (surplus)
		metrics_surplus_closed(&h->d->metrics);
	return send_response(rq->conn, status, type, body, surplus);
}

static enum MHD_Result
respond_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	char body[600];

	snprintf(body, sizeof(body), "error: %s\n", msg);
	return respond(conn, status, "text/plain; charset=utf-8", body);
}

static enum endpoint
parse_path(const char *url, const char **ret_name)
{
	static const struct {
		const char *prefix;
		enum endpoint ep;
	} table[] = {
		{ "/sms/", EP_SMS },
		{ "/dlr/", EP_DLR },
		{ "/ussd/", EP_USSD },
	};

	*ret_name = NULL;
	if (strcmp(url, "/healthz") == 0)
		return EP_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return EP_METRICS;
	for (size_t i = 0; i < ARRAY_LEN(table); i++) {
		size_t n = strlen(table[i].prefix);
		if (strncmp(url, table[i].prefix, n) == 0 && url[n] != '\0' &&
		    strchr(url + n, '/') == NULL) {
			*ret_name = url + n;
			return table[i].ep;
		}
	}
	return EP_UNKNOWN;
}

static const char *
header_of(const struct webreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct request *rq = cls;

	if (rq->nquery == HTTP_MAX_QUERY) {
		rq->query_overflow = true;
		return MHD_NO;
	}
	rq->query[rq->nquery].key = key;
	rq->query[rq->nquery].value = value != NULL ? value : "";
	rq->nquery++;
	return MHD_YES;
}

static void
job_done(struct job *job, void *arg)
{
	struct request *rq = arg;

	atomic_store(&rq->done, true);
	MHD_resume_connection(rq->conn);
}

static enum MHD_Result
answer_job(struct request *rq)
{
	struct job *j = &rq->job;

	if (j->err == -ESHUTDOWN)
		return respond_error(rq->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "shutting down; retry later");
	if (j->kind == JOB_USSD && j->err == -ENOENT)
		return respond_error(rq->conn, MHD_HTTP_NOT_FOUND,
		    "no USSD menus are configured ('ussd' in the routes)");
	if (j->err < 0)
		return respond_error(rq->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "the message store is unavailable; retry later");
	if (j->kind == JOB_USSD)
		return answer(rq, MHD_HTTP_OK, "text/plain",
		    j->reply != NULL ? j->reply : "END");
	if (j->kind == JOB_INBOUND && j->reply != NULL &&
	    rq->provider->type->format_reply != NULL) {
		struct buf b;
		const char *type = "text/plain";
		enum MHD_Result r;

		buf_init(&b);
		rq->provider->type->format_reply(rq->provider->state, j->reply,
		    &b, &type);
		r = answer(rq, MHD_HTTP_OK, type, b.data ? b.data : "");
		buf_free(&b);
		return r;
	}
	if (j->kind == JOB_INBOUND && rq->provider->type->ack_body != NULL)
		return answer(rq, MHD_HTTP_OK, rq->provider->type->ack_type,
		    rq->provider->type->ack_body);
	if (j->kind == JOB_DLR && j->found == REPORT_NONE)
		return answer(rq, MHD_HTTP_OK, "text/plain",
		    "OK unknown message\n");
	return answer(rq, MHD_HTTP_OK, "text/plain",
	    j->dup ? "OK duplicate\n" : "OK\n");
}

/* The peer's numeric address, "" when unknown; an IPv4 client on an
 * IPv6 socket is written without its ::ffff: prefix. */
static void
client_addr(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	out[0] = '\0';
	if (ci != NULL && ci->client_addr != NULL)
		(void)getnameinfo(ci->client_addr,
		    ci->client_addr->sa_family == AF_INET6
			? sizeof(struct sockaddr_in6)
			: sizeof(struct sockaddr_in),
		    out, (socklen_t)size, NULL, 0, NI_NUMERICHOST);
	if (strncmp(out, "::ffff:", 7) == 0)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

static enum MHD_Result
start_job(struct request *rq, const char *method)
{
	struct http *h = rq->h;
	struct metrics *mx = &h->d->metrics;
	int pi = metrics_provider(mx, rq->provider->name);
	struct webreq wr = {
		.method = method,
		.content_type = MHD_lookup_connection_value(rq->conn,
		    MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
		.body = rq->body.data ? rq->body.data : "",
		.body_len = rq->body.len,
		.query = rq->query,
		.nquery = rq->nquery,
		.header = header_of,
		.conn = rq->conn,
	};
	struct buf err;
	int rc;

	if (rq->addr[0] != '\0')
		wr.remote_addr = rq->addr;
	wr.path = rq->path;
	wr.uri = rq->uri;
	buf_init(&err);
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND,
	    collect_query, rq);
	wr.nquery = rq->nquery;
	if (rq->query_overflow) {
		metrics_in(mx, pi, M_IN_REJECTED);
		return respond_error(rq->conn, MHD_HTTP_BAD_REQUEST,
		    "too many query arguments");
	}
	rq->job.provider = rq->provider;
	rq->job.at = now_ms();
	if (rq->ep == EP_USSD) {
		rq->job.kind = JOB_USSD;
		rc = rq->provider->type->parse_ussd(rq->provider->state, &wr,
		    &rq->job.ussd, &err);
	} else if (rq->ep == EP_SMS) {
		rq->job.kind = JOB_INBOUND;
		rq->job.sync = rq->provider->type->sync_reply != NULL &&
		    rq->provider->type->sync_reply(rq->provider->state);
		rc = rq->provider->type->parse_inbound(rq->provider->state, &wr,
		    &rq->job.in, &err);
	} else {
		rq->job.kind = JOB_DLR;
		rc = rq->provider->type->parse_dlr(rq->provider->state, &wr,
		    &rq->job.dlr, &err);
	}
	if (rc < 0) {
		enum MHD_Result r = respond_error(rq->conn,
		    rc == WEBHOOK_DENIED       ? MHD_HTTP_FORBIDDEN
			: rc == WEBHOOK_NOAUTH ? MHD_HTTP_UNAUTHORIZED
					       : MHD_HTTP_BAD_REQUEST,
		    err.data ? err.data : "malformed request");
		log_info("http: %s /%s/%s refused: %s", method,
		    rq->ep == EP_SMS       ? "sms"
			: rq->ep == EP_DLR ? "dlr"
					   : "ussd",
		    rq->provider->name, err.data ? err.data : "malformed");
		metrics_in(mx, pi, M_IN_REJECTED);
		buf_free(&err);
		return r;
	}
	buf_free(&err);
	rq->job.done = job_done;
	rq->job.arg = rq;
	rq->submitted = true;
	/* suspend first: the writer may finish before we return */
	MHD_suspend_connection(rq->conn);
	if (writer_submit(h->d->writer, &rq->job) < 0) {
		/* shutting down: answered 503 when resumed */
		rq->job.err = -ESHUTDOWN;
		atomic_store(&rq->done, true);
		MHD_resume_connection(rq->conn);
	}
	return MHD_YES;
}

/* The providers with a connection of their own (SMPP) and whether each
 * is up; returns how many (at most max). */
static size_t
links(const struct daemon *d, const char **names, bool *up, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->conf->nproviders && n < max; i++) {
		const struct provider *p = &d->conf->providers[i];

		if (p->type->connected == NULL)
			continue;
		names[n] = p->name;
		up[n++] = p->type->connected(p->state);
	}
	return n;
}

static enum MHD_Result
serve_healthz(struct request *rq)
{
	struct daemon *d = rq->h->d;
	struct queue_depth q;
	const char *names[METRICS_MAX_PROVIDERS];
	bool up[METRICS_MAX_PROVIDERS];
	size_t n = links(d, names, up, METRICS_MAX_PROVIDERS);
	struct buf body;
	enum MHD_Result r;
	int rc;

	pthread_mutex_lock(&d->read_lock);
	rc = store_queue_depth(d->read_store, &q);
	pthread_mutex_unlock(&d->read_lock);
	if (rc < 0)
		return respond(rq->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "application/json",
		    "{\"status\":\"unhealthy\",\"database\":\"error\"}\n");
	buf_init(&body);
	buf_printf(&body,
	    "{\"status\":\"ok\",\"database\":\"ok\",\"queue\":{\"inbound\":%lld,\"outbound\":%lld}",
	    (long long)q.received, (long long)q.queued);
	for (size_t i = 0; i < n; i++) /* names: [a-z0-9_-], no escaping */
		buf_printf(&body, "%s\"%s\":\"%s\"",
		    i == 0 ? ",\"links\":{" : ",", names[i],
		    up[i] ? "up" : "down");
	buf_puts(&body, n > 0 ? "}}\n" : "}\n");
	r = respond(rq->conn, MHD_HTTP_OK, "application/json", body.data);
	buf_free(&body);
	return r;
}

/* /metrics: with gateway.metrics_token, for whoever has it; without, for
 * loopback clients only. */
static bool
metrics_allowed(struct request *rq)
{
	const char *token = rq->h->d->conf->gw.metrics_token;
	const char *auth;

	if (token != NULL) {
		auth = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_AUTHORIZATION);
		return auth != NULL && strncmp(auth, "Bearer ", 7) == 0 &&
		    strlen(auth + 7) == strlen(token) &&
		    CRYPTO_memcmp(auth + 7, token, strlen(token)) == 0;
	}
	return host_is_loopback(rq->addr);
}

static enum MHD_Result
serve_metrics(struct request *rq)
{
	struct daemon *d = rq->h->d;
	int open = atomic_load(&rq->h->conns);
	struct queue_depth q;
	struct buf b;
	enum MHD_Result r;

	if (!metrics_allowed(rq))
		return respond_error(rq->conn, MHD_HTTP_FORBIDDEN,
		    "metrics are for loopback clients or gateway.metrics_token holders");
	pthread_mutex_lock(&d->read_lock);
	if (store_queue_depth(d->read_store, &q) < 0)
		q = (struct queue_depth){ .received = -1, .queued = -1 };
	pthread_mutex_unlock(&d->read_lock);
	buf_init(&b);
	metrics_render(&d->metrics, &q, now_ms(), &b);
	metrics_render_connections(&d->metrics, open,
	    open - atomic_load(&rq->h->busy), &b);
	{
		const char *names[METRICS_MAX_PROVIDERS];
		bool up[METRICS_MAX_PROVIDERS];

		metrics_render_links(names, up,
		    links(d, names, up, METRICS_MAX_PROVIDERS), &b);
	}
	r = respond(rq->conn, MHD_HTTP_OK, "text/plain; version=0.0.4", b.data);
	buf_free(&b);
	return r;
}

/* Takes a token from the address's bucket (burst: two seconds' worth). */
static bool
addr_allowed(struct http *h, const char *addr)
{
	double rate = h->d->conf->gw.addr_rate_per_s, burst = 2 * rate;
	struct addr_bucket *b;
	unsigned long hash = 5381;
	int64_t now = mono_ms();
	bool ok;

	if (h->addrs == NULL)
		return true;
	for (const char *c = addr; *c != '\0'; c++)
		hash = hash * 33 + (unsigned char)*c;
	pthread_mutex_lock(&h->addr_lock);
	b = &h->addrs[hash % ADDR_SLOTS];
	if (strcmp(b->addr, addr) != 0) {
		strlcpy_(b->addr, addr, sizeof(b->addr));
		b->tokens = burst;
		b->at_ms = now;
	}
	b->tokens += (double)(now - b->at_ms) * rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->at_ms = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&h->addr_lock);
	return ok;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct request *rq = *con_cls;
	const char *name, *len;

	if (rq == NULL) { /* no URI callback ran: cannot happen, but be safe */
		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body);
		*con_cls = rq;
	}
	if (!rq->started) {
		rq->started = true;
		rq->h = h;
		rq->conn = conn;
		rq->ep = parse_path(url, &name);
		client_addr(conn, rq->addr, sizeof(rq->addr));
		strlcpy_(rq->path, url, sizeof(rq->path));
		if (name != NULL)
			rq->provider = conf_provider(h->d->conf, name);
		*con_cls = rq;
		if (rq->ep != EP_UNKNOWN && rq->ep != EP_HEALTHZ &&
		    rq->ep != EP_METRICS && !addr_allowed(h, rq->addr)) {
			struct MHD_Response *r = MHD_create_response_from_buffer(
			    strlen(
				"error: too many requests from this address\n"),
			    (void *)"error: too many requests from this address\n",
			    MHD_RESPMEM_PERSISTENT);
			enum MHD_Result ret;

			rq->too_big = true; /* read and drop any body */
			MHD_add_response_header(r, "Retry-After", "1");
			ret = MHD_queue_response(conn,
			    MHD_HTTP_TOO_MANY_REQUESTS, r);
			MHD_destroy_response(r);
			return ret;
		}
		/* refuse a declared oversized body before reading any of it */
		len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (len != NULL &&
		    strtoull(len, NULL, 10) >
			(unsigned long long)h->d->conf->gw.body_max) {
			rq->too_big = true;
			return respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
			    "body larger than gateway.body_max_bytes");
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!rq->too_big &&
		    rq->body.len + *upload_size >
			(size_t)h->d->conf->gw.body_max) {
			rq->too_big = true;
			buf_free(&rq->body);
		}
		if (!rq->too_big)
			buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->submitted)
		return atomic_load(&rq->done) ? answer_job(rq) : MHD_YES;

	switch (rq->ep) {
	case EP_HEALTHZ:
		return serve_healthz(rq);
	case EP_METRICS:
		return serve_metrics(rq);
	case EP_UNKNOWN:
		return respond_error(conn, MHD_HTTP_NOT_FOUND,
		    "no such endpoint");
	default:
		break;
	}
	if (rq->provider == NULL)
		return respond_error(conn, MHD_HTTP_NOT_FOUND,
		    "unknown provider");
	if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0)
		return respond_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "use POST");
	if (rq->too_big) {
		metrics_in(&h->d->metrics,
		    metrics_provider(&h->d->metrics, rq->provider->name),
		    M_IN_REJECTED);
		return respond_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "body larger than gateway.body_max_bytes");
	}
	if ((rq->ep == EP_SMS && rq->provider->type->parse_inbound == NULL) ||
	    (rq->ep == EP_DLR && rq->provider->type->parse_dlr == NULL) ||
	    (rq->ep == EP_USSD && rq->provider->type->parse_ussd == NULL))
		return respond_error(conn, MHD_HTTP_NOT_FOUND,
		    "this provider does not take that callback");
	return start_job(rq, method);
}

/* Runs first for every request: keeps the URI exactly as sent (signed
 * webhooks sign it) and makes the request's state. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http *h = cls;
	struct request *rq = xcalloc(1, sizeof(*rq));
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct conn_state *cs = ci != NULL ? ci->socket_context : NULL;

	atomic_fetch_add(&h->busy, 1);
	rq->counted = true;
	if (cs != NULL && cs->ended_ms != 0)
		rq->unused_ms = mono_ms() - cs->ended_ms;
	buf_init(&rq->body);
	strlcpy_(rq->uri, uri != NULL ? uri : "", sizeof(rq->uri));
	return rq;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct request *rq = *con_cls;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_state *cs = ci != NULL ? ci->socket_context : NULL;

	if (cs != NULL)
		cs->ended_ms = mono_ms();
	if (rq == NULL)
		return;
	if (rq->counted)
		atomic_fetch_sub(&h->busy, 1);
	inbound_done(&rq->job.in);
	dlr_done(&rq->job.dlr);
	ussd_req_done(&rq->job.ussd);
	free(rq->job.reply);
	buf_free(&rq->body);
	free(rq);
	*con_cls = NULL;
}

/* Counts open connections and gives each its struct conn_state. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = xcalloc(1, sizeof(struct conn_state));
		atomic_fetch_add(&h->conns, 1);
	} else {
		free(*socket_context);
		*socket_context = NULL;
		atomic_fetch_sub(&h->conns, 1);
	}
}

struct http *
http_start(struct daemon *d, char **ret_err)
{
	struct http *h = xcalloc(1, sizeof(*h));
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct addrinfo *ai = NULL;
	char port[16];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
	int rc;

	h->d = d;
	pthread_mutex_init(&h->addr_lock, NULL);
	if (d->conf->gw.addr_rate_per_s > 0)
		h->addrs = xcalloc(ADDR_SLOTS, sizeof(*h->addrs));
	snprintf(port, sizeof(port), "%d", d->conf->gw.listen_port);
	rc = getaddrinfo(d->conf->gw.listen_host, port, &hints, &ai);
	if (rc != 0) {
		*ret_err =
		    xasprintf("listen address '%s' cannot be resolved: %s",
			d->conf->gw.listen_host, gai_strerror(rc));
		pthread_mutex_destroy(&h->addr_lock);
		free(h->addrs);
		free(h);
		return NULL;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, (uint16_t)d->conf->gw.listen_port,
	    NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)d->conf->gw.http_threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)d->conf->gw.max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)d->conf->gw.max_connections_per_addr,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)d->conf->gw.client_timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, h, MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
	freeaddrinfo(ai);
	if (h->mhd == NULL) {
		*ret_err = xasprintf(
		    "cannot listen on %s:%d (port taken or address not local?)",
		    d->conf->gw.listen_host, d->conf->gw.listen_port);
		pthread_mutex_destroy(&h->addr_lock);
		free(h->addrs);
		free(h);
		return NULL;
	}
	return h;
}

void
http_quiesce(struct http *h)
{
	if (h != NULL && h->mhd != NULL) {
		MHD_socket s = MHD_quiesce_daemon(h->mhd);
		if (s != MHD_INVALID_SOCKET)
			close(s);
	}
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->mhd);
	pthread_mutex_destroy(&h->addr_lock);
	free(h->addrs);
	free(h);
}
