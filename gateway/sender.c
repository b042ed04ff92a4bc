/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sender: see sender.h.  Messages in flight are remembered in memory only
 * (no 'sending' state on disk): after a crash they are simply still
 * 'queued' and go out again, which is the at-least-once promise.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon.h"
#include "log.h"
#include "sender.h"

#define SENDER_IDLE_MS  1000  /* look for new work at least this often */
#define SENDER_RESP_MAX 65536 /* bytes of a provider's answer kept */
#define SENDER_STOP_MS  5000  /* wait for sends in flight at shutdown */
#define SENDER_BUSY_MS  50    /* wait for another process's write lock */
#define SENDER_IDLE_MAX 64    /* finished easy handles kept for reuse */
#define SENDER_HELD_MAX 1024  /* rows a read reaches past held ones */
#define RECORD_WAIT_MS  5     /* outcomes gather this long to share a commit */
#define RECORD_MAX      256   /* ... or until this many are waiting */
#define RECORD_LOCK_MS  50    /* then wait for the write lock, not before */
/* a receipt waits for a locked database so long, as a webhook does, then
 * is refused */
#define RECEIPT_HOLD_MS 5000

struct result {
	int64_t id;
	uint64_t to; /* its recipient, number_key() */
	int provider;
	int attempts;
	enum send_result res;
	const char *status; /* what record_results() wrote */
	int64_t next;       /* when a retry is due (wall ms) */
	struct send_outcome out;
};

struct transfer {
	int64_t id;
	int provider;
	int attempts;
	CURL *easy;
	struct curl_slist *headers;
	struct sendreq req;
	struct buf resp;
	struct transfer *prev, *next; /* in sender.transfers */
};

/* What a provider's own thread reports, in the order it reports it: an
 * outcome, or a delivery receipt (dlr set), which therefore never
 * overtakes the outcome of its own send. */
struct completion {
	int provider;
	int64_t id;
	int attempts;
	enum send_result res;
	struct send_outcome out;
	struct dlr *dlr;
	enum report_match found; /* what the receipt matched */
	int64_t taken_ms;        /* mono ms the sender took the receipt */
	void (*committed)(void *cookie, int err);
	void *cookie;
	struct completion *next;
};

struct pstate {
	const struct provider *p;
	int inflight;
	int unrecorded; /* sent, outcome not written yet */
	int slots;      /* messages in flight at most */
	int64_t *ids;   /* in flight, `slots` of them, 0 = free */
	uint64_t *tos;  /* each one's recipient, number_key() */
	bool *waited;   /* a message to its recipient was held for it */
	int held;       /* messages the last read held back */
	double tokens;
	int64_t refill_ms;
	bool more;       /* the queue may hold due messages not started */
	bool fresh;      /* messages were queued since the last read */
	int64_t read_at; /* mono ms of the next full read at the latest */
	int64_t seen_to; /* every message due up to this id was read */
};

struct sender {
	struct daemon *d;
	struct store *st;
	CURLM *multi;
	pthread_t thread;
	atomic_bool stop;
	atomic_bool woken; /* messages were queued: read the queue */
	struct pstate *ps;
	size_t nps;
	struct transfer *transfers;  /* in flight */
	CURL *idle[SENDER_IDLE_MAX]; /* reset, ready for the next send */
	int nidle;
	int record_failures;  /* consecutive failed record_results() */
	int64_t record_at;    /* mono ms to record what waits; 0: nothing */
	int64_t record_since; /* mono ms the oldest unwritten one came */
	struct result *results;
	size_t nresults, capresults;
	unsigned rnd;
	pthread_mutex_t completed_lock;
	struct completion *completed, **completed_tail; /* completed_lock */
	struct completion *receipts; /* taken, recorded after the results */
	struct completion **receipts_tail;
};

int64_t
sender_backoff_ms(int base_ms, int cap_ms, int attempts, double rnd)
{
	double d = base_ms;

	for (int i = 1; i < attempts && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	return (int64_t)(d * (0.5 + rnd)); /* jitter: 50%..150% */
}

/* A recipient's key in the slots: two numbers sharing one only wait on
 * each other. */
static uint64_t
number_key(const char *number)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (const unsigned char *c = (const unsigned char *)number; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

/* The recipient of a message in flight (0: not in flight). */
static uint64_t
slot_key(const struct pstate *ps, int64_t id)
{
	for (int i = 0; i < ps->slots; i++)
		if (ps->ids[i] == id)
			return ps->tos[i];
	return 0;
}

static void
add_result(struct sender *s, int64_t id, uint64_t to, int provider,
    int attempts, enum send_result res, struct send_outcome *out)
{
	struct result *r;

	if (s->nresults == s->capresults) {
		s->capresults = s->capresults ? s->capresults * 2 : 64;
		s->results = xrealloc(s->results, s->capresults * sizeof(*r));
	}
	r = &s->results[s->nresults++];
	r->id = id;
	r->to = to;
	r->provider = provider;
	r->attempts = attempts;
	r->res = res;
	r->out = *out; /* takes the strings */
	memset(out, 0, sizeof(*out));
	s->ps[provider].unrecorded++;
}

/* The provider's queue is read again by mono ms at the latest. */
static void
read_by(struct pstate *ps, int64_t at)
{
	if (at < ps->read_at)
		ps->read_at = at;
}

/* Frees the slot of a message that is no longer in flight; a message held
 * back for its recipient can go now, so the queue is read again. */
static void
release_slot(struct pstate *ps, int64_t id)
{
	for (int i = 0; i < ps->slots; i++)
		if (ps->ids[i] == id) {
			ps->ids[i] = 0;
			ps->inflight--;
			if (ps->waited[i])
				ps->more = true;
			ps->waited[i] = false;
			return;
		}
}

/*
 * Whether a message to this recipient is in flight, or failed for the
 * moment and its retry is not written yet; if so the next one to them
 * waits.  Two messages to one number sent side by side reach the provider
 * in either order, and a citizen would read "Is it fixed?" before "Good
 * news: ... resolved".  (Once the retry is written, the store has moved
 * the later ones behind it.)
 */
static bool
recipient_busy(struct sender *s, int pi, const char *number)
{
	struct pstate *ps = &s->ps[pi];
	uint64_t key = number_key(number);

	for (int i = 0; i < ps->slots; i++)
		if (ps->ids[i] != 0 && ps->tos[i] == key) {
			ps->waited[i] = true;
			return true;
		}
	for (size_t i = 0; i < s->nresults; i++) {
		const struct result *r = &s->results[i];

		if (r->provider == pi && r->to == key &&
		    r->res == SEND_TEMPFAIL &&
		    r->attempts < s->d->conf->gw.retry_max_attempts)
			return true;
	}
	return false;
}

static bool
in_flight(const struct pstate *ps, int64_t id)
{
	for (int i = 0; i < ps->slots; i++)
		if (ps->ids[i] == id)
			return true;
	return false;
}

/* Sent, but the outcome is not on disk yet. */
static bool
unrecorded(const struct sender *s, int64_t id)
{
	for (size_t i = 0; i < s->nresults; i++)
		if (s->results[i].id == id)
			return true;
	return false;
}

static void
take_slot(struct pstate *ps, int64_t id, const char *number)
{
	for (int i = 0; i < ps->slots; i++)
		if (ps->ids[i] == 0) {
			ps->ids[i] = id;
			ps->tos[i] = number_key(number);
			ps->inflight++;
			return;
		}
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb;

	if (t->resp.len + n <= SENDER_RESP_MAX)
		buf_append(&t->resp, data, n);
	return n;
}

static void
start_send(struct sender *s, int pi, const struct msg *m)
{
	struct pstate *ps = &s->ps[pi];
	const struct provider *p = ps->p;
	struct outmsg om = {
		.id = m->id,
		.to = m->number,
		.from = p->from != NULL ? p->from : m->peer,
		.text = m->text,
	};
	struct transfer *t;
	struct send_outcome out = { 0 };

	if (p->type->send_direct != NULL) {
		enum send_result r = p->type->send_direct(p->state, &om, &out);
		add_result(s, m->id, number_key(m->number), pi, m->attempts + 1,
		    r, &out);
		return;
	}
	if (p->type->submit != NULL) {
		/* the slot first: the outcome may be reported at once */
		take_slot(ps, m->id, m->number);
		if (p->type->submit(p->state, &om, m->attempts + 1) < 0)
			release_slot(ps, m->id);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->id = m->id;
	t->provider = pi;
	t->attempts = m->attempts + 1;
	buf_init(&t->resp);
	/* a reused handle saves its setup; connections live in the multi */
	t->easy = s->nidle > 0 ? s->idle[--s->nidle] : curl_easy_init();
	if (p->type->prepare_send(p->state, &om, &t->req) < 0 ||
	    t->easy == NULL) {
		if (t->easy != NULL)
			curl_easy_cleanup(t->easy);
		out.reason = xstrdup("cannot build the request");
		add_result(s, m->id, number_key(m->number), pi, t->attempts,
		    SEND_TEMPFAIL, &out);
		sendreq_done(&t->req);
		free(t);
		return;
	}
	for (size_t i = 0; i < t->req.nheaders; i++)
		t->headers = curl_slist_append(t->headers, t->req.headers[i]);
	curl_easy_setopt(t->easy, CURLOPT_URL, t->req.url);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)p->timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)p->timeout_ms);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (t->req.body != NULL)
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->req.body);
	if (t->req.userpwd != NULL)
		curl_easy_setopt(t->easy, CURLOPT_USERPWD, t->req.userpwd);
	take_slot(ps, m->id, m->number);
	t->next = s->transfers;
	if (s->transfers != NULL)
		s->transfers->prev = t;
	s->transfers = t;
	curl_multi_add_handle(s->multi, t->easy);
}

static void
transfer_free(struct sender *s, struct transfer *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		s->transfers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	curl_multi_remove_handle(s->multi, t->easy);
	if (s->nidle < SENDER_IDLE_MAX) {
		curl_easy_reset(t->easy);
		s->idle[s->nidle++] = t->easy;
	} else {
		curl_easy_cleanup(t->easy);
	}
	curl_slist_free_all(t->headers);
	sendreq_done(&t->req);
	buf_free(&t->resp);
	free(t);
}

/* Collects finished transfers; returns how many finished. */
static int
finish_transfers(struct sender *s)
{
	CURLMsg *cm;
	int left, n = 0;

	while ((cm = curl_multi_info_read(s->multi, &left)) != NULL) {
		struct transfer *t;
		const struct provider *p;
		struct send_outcome out = { 0 };
		enum send_result r;
		long status = 0;

		if (cm->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE,
		    (char **)&t);
		p = s->ps[t->provider].p;
		if (cm->data.result != CURLE_OK) {
			r = SEND_TEMPFAIL;
			out.reason =
			    xstrdup(curl_easy_strerror(cm->data.result));
		} else {
			curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE,
			    &status);
			r = p->type->classify(p->state, status,
			    t->resp.data ? t->resp.data : "", t->resp.len,
			    &out);
		}
		add_result(s, t->id, slot_key(&s->ps[t->provider], t->id),
		    t->provider, t->attempts, r, &out);
		release_slot(&s->ps[t->provider], t->id);
		transfer_free(s, t);
		n++;
	}
	return n;
}

static void
push_completion(struct sender *s, struct completion *c)
{
	pthread_mutex_lock(&s->completed_lock);
	*s->completed_tail = c;
	s->completed_tail = &c->next;
	pthread_mutex_unlock(&s->completed_lock);
	curl_multi_wakeup(s->multi); /* a slot, not new messages */
}

void
sender_complete(struct sender *s, const struct provider *p, int64_t id,
    int attempts, enum send_result r, struct send_outcome *out)
{
	struct completion *c = xcalloc(1, sizeof(*c));

	c->provider = (int)(p - s->d->conf->providers);
	c->id = id;
	c->attempts = attempts;
	c->res = r;
	c->out = *out;
	memset(out, 0, sizeof(*out));
	push_completion(s, c);
}

void
sender_receipt(struct sender *s, const struct provider *p, struct dlr *dlr,
    void (*committed)(void *cookie, int err), void *cookie)
{
	struct completion *c = xcalloc(1, sizeof(*c));

	c->provider = (int)(p - s->d->conf->providers);
	c->dlr = xcalloc(1, sizeof(*c->dlr));
	*c->dlr = *dlr;
	memset(dlr, 0, sizeof(*dlr));
	c->committed = committed;
	c->cookie = cookie;
	push_completion(s, c);
}

static void
completion_free(struct completion *c)
{
	send_outcome_done(&c->out);
	if (c->dlr != NULL)
		dlr_done(c->dlr);
	free(c->dlr);
	free(c);
}

/* Collects what providers' own threads reported: outcomes join the
 * results, receipts wait to be recorded after them. */
static int
take_completions(struct sender *s)
{
	struct completion *c, *next;
	int n = 0;

	pthread_mutex_lock(&s->completed_lock);
	c = s->completed;
	s->completed = NULL;
	s->completed_tail = &s->completed;
	pthread_mutex_unlock(&s->completed_lock);
	for (; c != NULL; c = next) {
		next = c->next;
		c->next = NULL;
		if (c->dlr != NULL) {
			c->taken_ms = mono_ms();
			*s->receipts_tail = c;
			s->receipts_tail = &c->next;
			continue;
		}
		add_result(s, c->id, slot_key(&s->ps[c->provider], c->id),
		    c->provider, c->attempts, c->res, &c->out);
		release_slot(&s->ps[c->provider], c->id);
		completion_free(c);
		n++;
	}
	return n;
}

/* Records the receipts taken, in the transaction of the results; tells
 * each provider the outcome once committed (rc) and forgets them. */
static int
record_receipts(struct sender *s, int64_t now)
{
	int rc = 0;

	for (struct completion *c = s->receipts; rc == 0 && c != NULL;
	     c = c->next) {
		const struct provider *p = s->ps[c->provider].p;

		rc = store_outbound_report(s->st, p->name, c->dlr->our_id,
		    c->dlr->provider_id, dlr_status_name(c->dlr->status),
		    c->dlr->reason, now, &c->found);
	}
	return rc;
}

/*
 * Answers the receipts taken once their transaction is over.  When it
 * failed (rc), a receipt younger than RECEIPT_HOLD_MS stays, to be written
 * with the next try: another process holding the write lock for a moment
 * must not cost the SMSC a redelivery, which some make hours later.  The
 * older ones are refused, and the SMSC delivers them again.
 */
static void
receipts_done(struct sender *s, int rc)
{
	struct completion *c, *next, *kept = NULL, **kept_tail = &kept;
	int64_t now = mono_ms();

	for (c = s->receipts; c != NULL; c = next) {
		next = c->next;
		if (rc < 0 && rc != -ESHUTDOWN &&
		    now - c->taken_ms < RECEIPT_HOLD_MS) {
			c->next = NULL;
			*kept_tail = c;
			kept_tail = &c->next;
			continue;
		}
		if (rc == 0 && c->found == REPORT_MESSAGE)
			metrics_out(&s->d->metrics, c->provider,
			    metric_of_report(dlr_status_name(c->dlr->status)));
		c->committed(c->cookie, rc);
		completion_free(c);
	}
	s->receipts = kept;
	s->receipts_tail = kept == NULL ? &s->receipts : kept_tail;
}

/*
 * Writes the attempts' outcomes in one transaction.  When that fails the
 * outcomes stay in memory, their messages are not sent again, and the next
 * loop tries to record them again: a database locked by an operator's shell
 * must not turn into the same SMS sent over and over.  Unless wait_lock,
 * returns 1 at once while the writer holds the write lock: sends in flight
 * are driven meanwhile, not stalled behind its commit.
 */
static int
record_results(struct sender *s, bool wait_lock)
{
	const struct gateway_conf *gw = &s->d->conf->gw;
	int64_t now = now_ms();
	int rc;

	if (s->nresults == 0 && s->receipts == NULL)
		return 0;
	if (wait_lock)
		pthread_mutex_lock(&s->d->write_lock);
	else if (pthread_mutex_trylock(&s->d->write_lock) != 0)
		return 1;
	rc = store_begin(s->st);
	for (size_t i = 0; rc == 0 && i < s->nresults; i++) {
		struct result *r = &s->results[i];
		const char *status = "sent";
		int64_t next = now;

		if (r->res != SEND_OK) {
			if (r->res == SEND_TEMPFAIL &&
			    r->attempts < gw->retry_max_attempts) {
				status = "queued";
				next = now +
				    sender_backoff_ms(gw->retry_base_ms,
					gw->retry_cap_ms, r->attempts,
					(double)rand_r(&s->rnd) /
					    ((double)RAND_MAX + 1));
			} else {
				status = "failed";
			}
		}
		r->status = status;
		r->next = next;
		rc = store_outbound_attempt(s->st, r->id, status, &r->out,
		    r->attempts, next, now);
	}
	if (rc == 0)
		rc = record_receipts(s, now);
	if (rc == 0)
		rc = store_commit(s->st);
	if (rc < 0) {
		receipts_done(s, rc); /* the young ones are kept */
		if (s->record_failures++ == 0)
			log_error(
			    "sender: cannot record %zu results, will retry: %s",
			    s->nresults, store_errmsg(s->st));
		store_rollback(s->st);
		pthread_mutex_unlock(&s->d->write_lock);
		return rc;
	}
	pthread_mutex_unlock(&s->d->write_lock);
	receipts_done(s, 0);
	if (s->record_failures > 0)
		log_info("sender: results recorded after %d failed tries",
		    s->record_failures);
	s->record_failures = 0;
	for (size_t i = 0; i < s->nresults; i++) {
		struct result *r = &s->results[i];

		if (r->res != SEND_OK)
			metrics_send_error(&s->d->metrics, r->provider);
		metrics_out(&s->d->metrics, r->provider,
		    strcmp(r->status, "sent") == 0         ? M_OUT_SENT
			: strcmp(r->status, "queued") == 0 ? M_OUT_RETRY
							   : M_OUT_FAILED);
		if (strcmp(r->status, "failed") == 0)
			log_warn(
			    "sender: message %lld failed after %d attempts: %s",
			    (long long)r->id, r->attempts,
			    r->out.reason ? r->out.reason : "?");
		send_outcome_done(&r->out);
		s->ps[r->provider].unrecorded--;
		if (strcmp(r->status, "queued") == 0) {
			struct pstate *ps = &s->ps[r->provider];

			read_by(ps, mono_ms() + (r->next - now));
			/* some may have waited on it */
			if (ps->held > 0)
				ps->more = true;
		}
	}
	s->nresults = 0;
	s->record_since = 0;
	return 0;
}

/*
 * Whether the outcomes and receipts taken should be written now.  While
 * other sends are in flight they gather for up to RECORD_WAIT_MS, so that
 * a busy sender writes them in one commit rather than one per loop:
 * nothing waits on them (the slots are free already, and a message whose
 * outcome is not written yet is not sent again), and after a crash an
 * unwritten outcome is a message sent again, as promised (at least once).
 * An idle sender writes at once, so a quick delivery report finds the
 * provider's id.  Otherwise shortens *wait to when they are due.
 */
static bool
record_due(struct sender *s, bool stopping, int *wait)
{
	int64_t now = mono_ms();
	bool busy = false;

	if (s->nresults == 0 && s->receipts == NULL) {
		s->record_at = 0;
		s->record_since = 0;
		return false;
	}
	if (s->record_since == 0)
		s->record_since = now;
	if (s->record_at == 0)
		s->record_at = now + RECORD_WAIT_MS;
	for (size_t i = 0; i < s->nps; i++)
		busy = busy || s->ps[i].inflight > 0;
	if (stopping || !busy || now >= s->record_at ||
	    s->nresults >= RECORD_MAX) {
		s->record_at = 0;
		return true;
	}
	if (s->record_at - now < *wait)
		*wait = (int)(s->record_at - now);
	return false;
}

struct taken {
	const struct sender *s;
	const struct pstate *ps;
};

/* In flight, or sent and its outcome not written yet: not read again. */
static bool
is_taken(void *arg, int64_t id)
{
	const struct taken *t = arg;

	return in_flight(t->ps, id) || unrecorded(t->s, id);
}

/*
 * Reads a provider's due messages, those in flight or with their outcome
 * unwritten passed over.  Messages just queued only (fresh, and nothing
 * else pending): the rows after the last id read, a short range at the
 * end of the table.  Otherwise the whole queue in due order.  Returns how
 * many rows it saw, or -errno.
 */
static int
read_queue(struct sender *s, struct pstate *ps, int64_t now, int64_t mono,
    int limit, struct msg **v, size_t *n)
{
	struct taken taken = { s, ps };
	int64_t top;
	int seen, rc;

	if (!ps->more && ps->seen_to > 0 && mono < ps->read_at) {
		seen = store_outbound_due(s->st, ps->p->name, now, ps->seen_to,
		    limit, is_taken, &taken, v, n);
		if (seen > 0 && *n > 0 && (*v)[*n - 1].id > ps->seen_to)
			ps->seen_to = (*v)[*n - 1].id;
		return seen;
	}
	/* ids grow in commit order: every message queued after this one
	 * is after it, and this read sees all those before */
	if ((rc = store_message_max_id(s->st, &top)) < 0)
		return rc;
	seen = store_outbound_due(s->st, ps->p->name, now, 0, limit, is_taken,
	    &taken, v, n);
	if (seen >= 0) {
		ps->seen_to = top;
		ps->read_at = mono + SENDER_IDLE_MS;
	}
	return seen;
}

/*
 * Starts what each provider may start now; returns ms until there is more
 * to do.  A provider's queue is read only when it may hold something new:
 * messages were queued (fresh), the last read left some behind, a retry
 * comes due, or SENDER_IDLE_MS passed (another process, `baraza send`,
 * `baraza queue retry`, may have queued some).  Not on every finished
 * send: under load that was several reads per message, each after the
 * writer's commit had emptied this connection's page cache.
 */
static int
fill(struct sender *s, bool fresh)
{
	int64_t now = now_ms(), mono = mono_ms();
	int wait = SENDER_IDLE_MS;

	for (size_t i = 0; i < s->nps; i++) {
		struct pstate *ps = &s->ps[i];
		const struct provider *p = ps->p;
		int avail = ps->slots - ps->inflight, limit, seen, k, held,
		    started;
		int64_t next;
		struct msg *v = NULL;
		size_t n = 0;

		if (fresh)
			ps->fresh = true; /* kept until a read, tokens or not */
		if (p->rate_per_s > 0) {
			double burst = p->rate_per_s < 1 ? 1 : p->rate_per_s;
			ps->tokens += (double)(mono - ps->refill_ms) *
			    p->rate_per_s / 1000.0;
			if (ps->tokens > burst)
				ps->tokens = burst;
			ps->refill_ms = mono;
			if ((int)ps->tokens < avail)
				avail = (int)ps->tokens;
			if (ps->tokens < 1) {
				int ms = (int)ceil(
				    (1 - ps->tokens) * 1000.0 / p->rate_per_s);
				if (ms < wait)
					wait = ms;
			}
		}
		if (p->type->room != NULL) {
			int room = p->type->room(p->state);
			if (room < avail)
				avail = room; /* 0 until it is connected */
		}
		if (avail <= 0)
			continue;
		if (!ps->fresh && !ps->more && mono < ps->read_at) {
			if (ps->read_at - mono < wait)
				wait = (int)(ps->read_at - mono);
			continue;
		}
		/* the first rows are those in flight or not yet written, and
		 * those held back last time */
		limit = ps->inflight + ps->unrecorded + avail + ps->held;
		if ((seen = read_queue(s, ps, now, mono, limit, &v, &n)) < 0) {
			log_error("sender: cannot read the queue: %s",
			    store_errmsg(s->st));
			ps->more = ps->fresh = false;
			ps->read_at = mono + SENDER_IDLE_MS;
			return SENDER_IDLE_MS;
		}
		ps->fresh = false;
		held = started = 0;
		for (k = 0; k < (int)n && avail > 0; k++) {
			/* read again when that one is answered */
			if (recipient_busy(s, (int)i, v[k].number)) {
				held++;
				continue;
			}
			start_send(s, (int)i, &v[k]);
			started++;
			avail--;
			if (p->rate_per_s > 0)
				ps->tokens -= 1;
		}
		msgs_free(v, n);
		ps->held = held < SENDER_HELD_MAX ? held : SENDER_HELD_MAX;
		/* a full read of which some started, or one not all started:
		 * more may be waiting (a read all held back waits for a
		 * recipient's answer instead, or it would spin) */
		ps->more = (seen == limit && started > 0) || k < (int)n;
		if (ps->more)
			wait = 0;
		else if (store_outbound_next_due(s->st, p->name, &next) == 0 &&
		    next > now)
			read_by(ps,
			    mono + (next - now)); /* a retry comes due */
		if (!ps->more && ps->read_at - mono < wait)
			wait = (int)(ps->read_at - mono);
	}
	return wait;
}

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	int64_t stop_deadline = 0;

	for (;;) {
		int running = 0, wait, finished, rc;
		bool stopping = atomic_load(&s->stop), fresh;

		if (stopping && stop_deadline == 0)
			stop_deadline = mono_ms() + SENDER_STOP_MS;
		fresh = atomic_exchange(&s->woken, false);
		wait = stopping ? 100 : fill(s, fresh);
		curl_multi_perform(s->multi, &running);
		finished = finish_transfers(s) + take_completions(s);
		if (record_due(s, stopping, &wait) &&
		    (rc = record_results(s,
			 stopping || s->nresults >= RECORD_MAX ||
			     mono_ms() - s->record_since >= RECORD_LOCK_MS)) !=
			0) {
			if (rc > 0) { /* the writer is committing: soon */
				s->record_at = mono_ms() + 1;
				wait = wait > 1 ? 1 : wait;
			} else { /* back off: the database is not writable */
				finished = 0;
				wait = SENDER_IDLE_MS;
				s->record_at = mono_ms() + SENDER_IDLE_MS;
			}
		}
		if (stopping && (running == 0 || mono_ms() > stop_deadline))
			break;
		if (finished > 0 && !stopping)
			continue; /* slots opened: fill them now */
		if (wait > 0 && !atomic_load(&s->woken))
			curl_multi_poll(s->multi, NULL, 0, wait, NULL);
	}
	return NULL;
}

struct sender *
sender_start(struct daemon *d, char **ret_err)
{
	struct sender *s = xcalloc(1, sizeof(*s));
	const char **names;
	long conns = 0;
	int n = 0;

	s->d = d;
	s->rnd = (unsigned)now_ms();
	pthread_mutex_init(&s->completed_lock, NULL);
	s->completed_tail = &s->completed;
	s->receipts_tail = &s->receipts;
	if (daemon_store_open(d, &s->st, ret_err) < 0) {
		free(s);
		return NULL;
	}
	/* never sit in SQLite's busy wait while transfers need driving: a
	 * failed write is kept and tried again on the next loop */
	store_set_busy_timeout(s->st, SENDER_BUSY_MS);
	s->multi = curl_multi_init();
	s->nps = d->conf->nproviders;
	s->ps = xcalloc(s->nps, sizeof(*s->ps));
	names = xcalloc(s->nps + 1, sizeof(*names));
	for (size_t i = 0; i < s->nps; i++) {
		s->ps[i].p = &d->conf->providers[i];
		s->ps[i].slots = s->ps[i].p->type->submit != NULL
		    ? provider_hold_max(s->ps[i].p)
		    : s->ps[i].p->concurrency;
		s->ps[i].ids = xcalloc((size_t)s->ps[i].slots, sizeof(int64_t));
		s->ps[i].tos =
		    xcalloc((size_t)s->ps[i].slots, sizeof(uint64_t));
		s->ps[i].waited = xcalloc((size_t)s->ps[i].slots, sizeof(bool));
		s->ps[i].tokens = 1;
		s->ps[i].refill_ms = mono_ms();
		names[i] = s->ps[i].p->name;
		conns += s->ps[i].slots;
	}
	names[s->nps] = NULL;
	/* keep a connection per slot: libcurl's default cache follows the
	 * transfers added at the moment, and closes connections the next
	 * burst opens again */
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, conns);
	if (store_outbound_orphans(s->st, names, now_ms(), &n) == 0 && n > 0)
		log_warn(
		    "sender: %d queued messages name no configured provider; marked failed",
		    n);
	free(names);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		*ret_err = xstrdup("cannot start the sender thread");
		sender_stop(s);
		return NULL;
	}
	thread_name(s->thread, "sender");
	return s;
}

void
sender_wake(struct sender *s)
{
	atomic_store(&s->woken, true);
	curl_multi_wakeup(s->multi);
}

void
sender_stop(struct sender *s)
{
	if (s == NULL)
		return;
	if (s->thread) {
		atomic_store(&s->stop, true);
		curl_multi_wakeup(s->multi);
		pthread_join(s->thread, NULL);
	}
	/* transfers still in flight after the deadline stay queued on disk */
	while (s->transfers != NULL)
		transfer_free(s, s->transfers);
	while (s->nidle > 0)
		curl_easy_cleanup(s->idle[--s->nidle]);
	curl_multi_cleanup(s->multi);
	/* outcomes never recorded: those messages are still queued */
	for (struct completion *c = s->completed, *next; c != NULL; c = next) {
		next = c->next;
		if (c->dlr != NULL)
			c->committed(c->cookie, -ESHUTDOWN);
		completion_free(c);
	}
	receipts_done(s, -ESHUTDOWN);
	pthread_mutex_destroy(&s->completed_lock);
	for (size_t i = 0; i < s->nps; i++) {
		free(s->ps[i].ids);
		free(s->ps[i].tos);
		free(s->ps[i].waited);
	}
	free(s->ps);
	free(s->results);
	store_close(s->st);
	free(s);
}
