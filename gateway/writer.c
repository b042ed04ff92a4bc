/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer: see writer.h.  A failed commit fails every job of its batch
 * (the HTTP side answers 503 and the provider retries); nothing is
 * acknowledged that is not on disk.  A message whose processing hits a
 * store error stays 'received' and is tried again on the next pass, also
 * after a restart.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "fetcher.h"
#include "log.h"
#include "pipeline.h"
#include "sender.h"
#include "ussd.h"
#include "writer.h"

#define WRITER_BATCH_MAX  512  /* jobs in one transaction */
#define PROCESS_BATCH_MAX 256  /* messages processed in one transaction */
#define POISON_STRIKES    3    /* failed passes before a message is set aside */
#define GATHER_US         2000 /* a small batch waits this long at most ... */
#define GATHER_MIN        16   /* ... for this many jobs, */
#define GATHER_EXPECT     4    /* when this many are expected meanwhile */
#define REPORT_WAIT_MS    120000 /* a report for no message is kept so long */

struct writer {
	struct daemon *d;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail;
	int nqueued;     /* jobs from head to tail */
	int64_t last_us; /* mono us of the last writer_submit() */
	int64_t gap_us;  /* the gaps between submissions, averaged */
	bool gathering;  /* gather() waits: wake it only for a full batch */
	bool stop;
	bool closed;       /* intake closed: writer_submit() refuses */
	bool more;         /* the last processing pass was full: go on */
	bool yielded;      /* processing left messages to the intake's pauses */
	int64_t retry_at;  /* mono ms: processing failed, wait until then */
	long outstanding;  /* jobs submitted and not yet done */
	int64_t poison_id; /* the message that failed last, and how often */
	int poison_strikes;
	pthread_cond_t drained;
	int64_t queued; /* store_outbound_queued() the sender was told of */
};

/* Joins the parts of (provider, number, ref) into one inbound message when
 * they are all in, or as they are when force is set. */
static int
join_parts(struct store *st, const char *provider, const char *number,
    const char *ref, bool force)
{
	struct joined j;
	int64_t id;
	bool dup;
	int rc = store_parts_join(st, provider, number, ref, force, &j);

	if (rc == -EAGAIN || rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	{
		struct inbound_new in = {
			.provider = provider,
			.provider_id = j.provider_id,
			.number = number,
			.peer = j.peer,
			.text = j.text,
			.at = j.at,
		};
		rc = store_inbound_add(st, &in, &id, &dup);
	}
	joined_done(&j);
	return rc;
}

static int
add_inbound(struct writer *w, struct job *j)
{
	char synth[64], *number = conf_number(&w->d->conf->gw, j->in.from);
	int rc;

	if (j->in.concat_total > 1) {
		struct part_new p = {
			.provider = j->provider->name,
			.provider_id = j->in.id,
			.number = number,
			.peer = j->in.to,
			.ref = j->in.concat_ref,
			.total = j->in.concat_total,
			.part = j->in.concat_part,
			.text = j->in.text,
			.at = j->at,
		};
		if (p.provider_id == NULL) {
			snprintf(synth, sizeof(synth), "%.20s/%d/%lld", p.ref,
			    p.part, (long long)p.at);
			p.provider_id = synth;
		}
		if ((rc = store_part_add(w->st, &p, &j->dup)) == 0 && !j->dup)
			rc = join_parts(w->st, p.provider, p.number, p.ref,
			    false);
	} else {
		struct inbound_new in = {
			.provider = j->provider->name,
			.provider_id = j->in.id,
			.number = number,
			.peer = j->in.to,
			.text = j->in.text,
			.at = j->at,
		};
		rc = store_inbound_add(w->st, &in, &j->id, &j->dup);
	}
	free(number);
	return rc;
}

/* A polled page: every message (deduplicated by its provider id, so a
 * page seen twice adds nothing) and the cursor, in one transaction. */
static int
add_polled(struct writer *w, struct job *j)
{
	struct job one;
	int rc = 0;

	j->added = 0;
	for (size_t i = 0; rc == 0 && i < j->npolled; i++) {
		memset(&one, 0, sizeof(one));
		one.kind = JOB_INBOUND;
		one.provider = j->provider;
		one.in = j->polled[i];
		one.at = j->at;
		rc = add_inbound(w, &one);
		j->added += rc == 0 && !one.dup;
	}
	if (rc == 0 && j->cursor != NULL)
		rc = store_cursor_set(w->st, j->provider->name, j->cursor,
		    j->at);
	return rc;
}

/* Routes, as they are, the parts whose missing siblings are overdue;
 * returns how many messages were routed. */
static size_t
join_overdue_parts(struct writer *w)
{
	int64_t before =
	    now_ms() - (int64_t)w->d->conf->gw.concat_timeout_s * 1000;
	char **prov = NULL, **num = NULL, **ref = NULL;
	size_t n = 0, routed = 0;
	int rc;

	pthread_mutex_lock(&w->d->write_lock);
	if (store_parts_expired(w->st, before, 100, &prov, &num, &ref, &n) <
		0 ||
	    n == 0 || store_begin(w->st) < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = join_parts(w->st, prov[i], num[i], ref[i], true);
	if (rc == 0)
		rc = store_commit(w->st);
	if (rc < 0) {
		log_error("writer: cannot route overdue message parts: %s",
		    store_errmsg(w->st));
		store_rollback(w->st);
	} else {
		log_info(
		    "writer: %zu message(s) routed with parts missing after %d s",
		    n, w->d->conf->gw.concat_timeout_s);
		routed = n;
	}
out:
	pthread_mutex_unlock(&w->d->write_lock);
	strv_free(prov, n);
	strv_free(num, n);
	strv_free(ref, n);
	return routed;
}

/* The reports applied by a retry_reports() pass, counted once it is
 * committed. */
struct applied {
	struct metrics *mx;
	unsigned n[METRICS_MAX_PROVIDERS][M_OUT_COUNT];
};

static void
report_applied(void *arg, const char *provider, const char *status)
{
	struct applied *a = arg;
	int p = metrics_provider(a->mx, provider);

	if (p >= 0)
		a->n[p][metric_of_report(status)]++;
}

/* Delivery reports kept because they came before their send's outcome was
 * written: applied once it is, forgotten after REPORT_WAIT_MS.  The check
 * reads without the write lock, so kept reports for messages that are not
 * ours (an account shared with other systems) cost no writer time. */
static void
retry_reports(struct writer *w)
{
	struct applied a = { .mx = &w->d->metrics };
	int64_t before = now_ms() - REPORT_WAIT_MS;
	bool ready = false;
	int rc;

	if (store_reports_ready(w->st, before, &ready) < 0 || !ready)
		return;
	pthread_mutex_lock(&w->d->write_lock);
	if ((rc = store_begin(w->st)) == 0)
		rc = store_reports_retry(w->st, before, report_applied, &a);
	if (rc == 0)
		rc = store_commit(w->st);
	if (rc < 0) {
		log_error("writer: cannot apply waiting delivery reports: %s",
		    store_errmsg(w->st));
		store_rollback(w->st);
	}
	pthread_mutex_unlock(&w->d->write_lock);
	for (int p = 0; rc == 0 && p < METRICS_MAX_PROVIDERS; p++)
		for (int k = 0; k < M_OUT_COUNT; k++)
			metrics_out_n(a.mx, p, k, a.n[p][k]);
}

/* After a commit: messages were queued (replies, notifications, a USSD
 * step's SMS), so the sender reads its queue. */
static void
queued_done(struct writer *w)
{
	int64_t n = store_outbound_queued(w->st);

	if (n != w->queued && w->d->sender != NULL)
		sender_wake(w->d->sender);
	w->queued = n;
}

/* A reply that leaves in the job's HTTP answer: the job takes it. */
static void
answered(struct daemon *d, struct job *j, struct outcome *oc)
{
	j->answered = true;
	j->reply = oc->reply;
	oc->reply = NULL;
	if (j->reply != NULL)
		metrics_out(&d->metrics,
		    metrics_provider(&d->metrics, j->provider->name),
		    M_OUT_SENT);
}

/*
 * A provider that carries the reply in its webhook answer: the message is
 * processed at once and its reply recorded as sent (it leaves in the
 * answer).  If that fails, the message stays 'received' and is processed
 * like any other, its reply sent through the provider's API.
 */
static void
process_sync(struct writer *w, struct job *j)
{
	struct daemon *d = w->d;
	struct pipeline_opts o = {
		.reply_provider = j->provider->name,
		.reply_status = "sent",
		.channel = "sms",
		.conf = d->conf,
	};
	struct routing *r = daemon_routing_acquire(d);
	struct outcome oc = { 0 };
	struct msg m = { 0 };
	int rc;

	pthread_mutex_lock(&d->write_lock);
	if ((rc = store_begin(w->st)) == 0 &&
	    (rc = store_message_get(w->st, j->id, &m)) == 0 &&
	    strcmp(m.status, "received") == 0 &&
	    (rc = pipeline_process(w->st, r, &d->conf->gw, &m, &o, &oc)) == 0 &&
	    (rc = store_commit(w->st)) == 0) {
		queued_done(w);
		metrics_handled(&d->metrics, strcmp(oc.status, "ignored") == 0,
		    0);
		answered(d, j, &oc);
	} else {
		store_rollback(w->st);
	}
	pthread_mutex_unlock(&d->write_lock);
	outcome_done(&oc);
	msg_done(&m);
	daemon_routing_release(d, r);
}

/* A USSD step, in a savepoint of the batch's transaction: a step that
 * fails leaves the others. */
static int
ussd_job(struct writer *w, struct job *j)
{
	struct daemon *d = w->d;
	struct routing *r = daemon_routing_acquire(d);
	char *number = conf_number(&d->conf->gw, j->ussd.number);
	struct ussd_step u = { .provider = j->provider->name,
		.session = j->ussd.session,
		.number = number,
		.code = j->ussd.code,
		.text = j->ussd.text };
	int rc;

	if (r->ussd == NULL) { /* the HTTP side answers 404 */
		daemon_routing_release(d, r);
		free(number);
		return -ENOENT;
	}
	if ((rc = store_savepoint(w->st)) == 0) {
		rc = ussd_run(w->st, r, d->conf, &u, &j->reply);
		if (rc == 0)
			rc = store_savepoint_release(w->st);
		else
			store_savepoint_rollback(w->st);
	}
	daemon_routing_release(d, r);
	free(number);
	if (rc < 0)
		log_error("writer: ussd step not answered: %s",
		    store_errmsg(w->st));
	return rc;
}

static const char *
reply_provider(const struct daemon *d, const char *name)
{
	const struct provider *p = conf_provider(d->conf, name);

	if (p == NULL && d->conf->default_provider >= 0)
		p = &d->conf->providers[d->conf->default_provider];
	return p != NULL ? p->name : name;
}

/*
 * A message that fails the same way pass after pass would hold every
 * message behind it.  After POISON_STRIKES failures that are not the
 * database being busy or full, it is set aside: marked ignored with the
 * reason "processing failed" (kept, never deleted), and the queue moves on.
 */
static bool
set_aside(struct writer *w, const struct msg *m, int err)
{
	if (err == -EBUSY || err == -ENOSPC || err == -ENOMEM)
		return false;
	if (w->poison_id != m->id) {
		w->poison_id = m->id;
		w->poison_strikes = 0;
	}
	if (++w->poison_strikes < POISON_STRIKES)
		return false;
	if (store_inbound_finish(w->st, m->id, "ignored", "processing failed",
		NULL, NULL) < 0)
		return false;
	log_error(
	    "writer: message %lld set aside after %d failed tries; it is kept as 'ignored' (processing failed)",
	    (long long)m->id, POISON_STRIKES);
	w->poison_id = 0;
	return true;
}

/* What a processing pass leaves to do once it is committed. */
struct pass {
	int deferred;     /* waiting on a live source: wake the fetcher */
	struct job *sync; /* the batch, when some want their reply in the
			     HTTP answer; NULL otherwise */
};

/* The job of the batch whose message is id, when it wants its reply in the
 * HTTP answer. */
static struct job *
sync_job(const struct pass *pass, int64_t id)
{
	for (struct job *j = pass->sync; j != NULL; j = j->next)
		if (j->kind == JOB_INBOUND && j->sync && !j->dup && j->id == id)
			return j;
	return NULL;
}

/*
 * Processes messages v[0..n) (still 'received', oldest first) in the open
 * transaction, each in a savepoint of its own; returns how many (those set
 * aside included), or -errno when the store failed before the first.
 */
static int
process_in(struct writer *w, const struct msg *v, size_t n, struct pass *pass)
{
	struct daemon *d = w->d;
	struct routing *r;
	size_t i;
	int rc = 0;

	r = daemon_routing_acquire(d);
	for (i = 0; i < n; i++) {
		struct job *sj = sync_job(pass, v[i].id);
		struct pipeline_opts o = {
			.reply_provider = sj != NULL
			    ? sj->provider->name
			    : reply_provider(d, v[i].provider),
			.reply_status = sj != NULL ? "sent" : "queued",
			.channel = "sms",
			.conf = d->conf,
		};
		struct outcome oc;
		int64_t t0 = mono_us();

		if ((rc = store_savepoint(w->st)) < 0)
			break;
		rc = pipeline_process(w->st, r, &d->conf->gw, &v[i], &o, &oc);
		if (rc < 0) {
			store_savepoint_rollback(w->st);
			log_error("writer: message %lld not processed: %s",
			    (long long)v[i].id, store_errmsg(w->st));
			if (set_aside(w, &v[i], rc))
				continue;
			break;
		}
		if ((rc = store_savepoint_release(w->st)) < 0) {
			outcome_done(&oc);
			break;
		}
		metrics_handled(&d->metrics, strcmp(oc.status, "ignored") == 0,
		    mono_us() - t0);
		pass->deferred += strcmp(oc.status, "deferred") == 0;
		if (sj != NULL)
			answered(d, sj, &oc);
		outcome_done(&oc);
	}
	daemon_routing_release(d, r);
	return i == 0 && rc < 0 ? rc : (int)i;
}

/* Processes up to PROCESS_BATCH_MAX pending messages in the open
 * transaction -- for a burst's batch (yield), none while the oldest has
 * waited less than burst_backlog_ms; returns how many, or -errno. */
static int
process_pending_in(struct writer *w, struct pass *pass, bool yield)
{
	struct msg *v = NULL;
	size_t n = 0;
	int64_t now = now_ms();
	int rc;

	w->yielded = false;
	if (yield) {
		if ((rc = store_inbound_pending(w->st, now, 1, &v, &n)) < 0 ||
		    n == 0)
			return rc;
		w->yielded =
		    v[0].created_at > now - w->d->conf->gw.burst_backlog_ms;
		msgs_free(v, n);
		if (w->yielded)
			return 0;
	}
	if ((rc = store_inbound_pending(w->st, now, PROCESS_BATCH_MAX, &v,
		 &n)) < 0 ||
	    n == 0)
		return rc;
	rc = process_in(w, v, n, pass);
	msgs_free(v, n);
	return rc;
}

/* After a processing pass is committed. */
static void
pass_done(struct writer *w, const struct pass *pass)
{
	queued_done(w);
	if (pass->deferred > 0 && w->d->fetcher != NULL)
		fetcher_wake(w->d->fetcher);
}

/* A pass of its own over pending inbound messages; returns how many, or
 * -errno.  The queue is read first, outside the write lock: with nothing
 * to do, nothing waits on a database another process holds. */
static int
process_pending(struct writer *w)
{
	struct pass pass = { 0 };
	struct msg *v = NULL;
	size_t nv = 0;
	int n, rc;

	w->yielded = false;
	if ((rc = store_inbound_pending(w->st, now_ms(), PROCESS_BATCH_MAX, &v,
		 &nv)) < 0 ||
	    nv == 0)
		return rc;
	pthread_mutex_lock(&w->d->write_lock);
	if ((rc = store_begin(w->st)) < 0)
		goto out;
	if ((n = process_in(w, v, nv, &pass)) <= 0) {
		store_rollback(w->st);
		rc = n;
		goto out;
	}
	if ((rc = store_commit(w->st)) < 0) {
		log_error("writer: cannot commit processed messages: %s",
		    store_errmsg(w->st));
		store_rollback(w->st);
		goto out;
	}
	pass_done(w, &pass);
	rc = n;
out:
	pthread_mutex_unlock(&w->d->write_lock);
	msgs_free(v, nv);
	return rc;
}

/*
 * Commits a batch of jobs of one kind.  New messages are processed in the
 * same transaction -- those waiting before them first -- so a message, its
 * reply and their index entries cost one commit, not two; a message that
 * fails to process leaves the batch as it is (it stays 'received').  A job
 * that wants its reply in the HTTP answer gets it from that pass; when
 * the pass did not reach it, process_sync() follows the commit.
 *
 * Intake first: a burst's batch of webhooks (GATHER_MIN or more, none
 * waiting for its reply in the answer) is committed without processing,
 * so that a burst is acknowledged at the rate the disk takes it; its
 * messages wait for a pause in the intake (w->yielded), or until the
 * oldest has waited burst_backlog_ms -- then every batch processes a full
 * pass again, and a flood that outlasts that slows the webhooks' answers
 * instead.
 * Returns how many messages were processed, or -1 when none was tried.
 */
static int
commit_jobs(struct writer *w, struct job *jobs)
{
	struct metrics *mx = &w->d->metrics;
	struct pass pass = { 0 };
	struct job *j, *next;
	int rc, processed = -1, count = 0;
	long ndone = 0;
	bool inline_ok =
	    (jobs->kind == JOB_INBOUND || jobs->kind == JOB_POLL) &&
	    mono_ms() >= w->retry_at;

	for (j = jobs; j != NULL; j = j->next) {
		if (j->kind == JOB_INBOUND && j->sync)
			pass.sync = jobs;
		count++;
	}
	pthread_mutex_lock(&w->d->write_lock);
	rc = store_begin(w->st);
	for (j = jobs; rc == 0 && j != NULL; j = j->next) {
		if (j->kind == JOB_INBOUND) {
			rc = add_inbound(w, j);
		} else if (j->kind == JOB_POLL) {
			rc = add_polled(w, j);
		} else if (j->kind == JOB_USSD) {
			j->err = ussd_job(w, j);
		} else {
			rc = store_outbound_report(w->st, j->provider->name,
			    j->dlr.our_id, j->dlr.provider_id,
			    dlr_status_name(j->dlr.status), j->dlr.reason,
			    j->at, &j->found);
		}
	}
	if (rc == 0 && inline_ok) {
		processed = process_pending_in(w, &pass,
		    jobs->kind == JOB_INBOUND && pass.sync == NULL &&
			count >= GATHER_MIN &&
			w->d->conf->gw.burst_backlog_ms > 0);
		if (processed < 0)
			w->retry_at = mono_ms() + 1000;
	}
	if (rc == 0)
		rc = store_commit(w->st);
	if (rc < 0) {
		processed = -1;
		for (j = jobs; j != NULL; j = j->next) {
			free(j->reply); /* rolled back with the rest */
			j->reply = NULL;
			j->answered = false;
		}
		log_error("writer: cannot commit %s: %s",
		    jobs->kind == JOB_INBOUND    ? "inbound messages"
			: jobs->kind == JOB_USSD ? "ussd steps"
						 : "reports",
		    store_errmsg(w->st));
		store_rollback(w->st);
	} else {
		pass_done(w, &pass);
	}
	pthread_mutex_unlock(&w->d->write_lock);
	for (j = jobs; j != NULL; j = next) {
		int p = metrics_provider(mx, j->provider->name);

		next = j->next;
		if (j->kind != JOB_USSD || rc < 0)
			j->err = rc;
		if (j->kind == JOB_POLL)
			metrics_in(mx, p,
			    rc < 0 ? M_IN_UNAVAILABLE : M_IN_ACCEPTED);
		else if (j->kind == JOB_INBOUND)
			metrics_in(mx, p,
			    rc < 0       ? M_IN_UNAVAILABLE
				: j->dup ? M_IN_DUPLICATE
					 : M_IN_ACCEPTED);
		else if (rc == 0 && j->found == REPORT_MESSAGE)
			metrics_out(mx, p,
			    metric_of_report(dlr_status_name(j->dlr.status)));
		if (rc == 0 && j->kind == JOB_INBOUND && j->sync && !j->dup &&
		    j->id > 0 && !j->answered)
			process_sync(w, j);
		j->done(j, j->arg); /* j may be gone after this */
		ndone++;
	}
	pthread_mutex_lock(&w->lock);
	w->outstanding -= ndone;
	if (w->outstanding == 0)
		pthread_cond_broadcast(&w->drained);
	pthread_mutex_unlock(&w->lock);
	return processed;
}

/* CLOCK_REALTIME us from now, for pthread_cond_timedwait(). */
static struct timespec
deadline(long us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += us / 1000000;
	ts.tv_nsec += us % 1000000 * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/*
 * Group commit with company: while jobs come densely (GATHER_EXPECT or
 * more expected within GATHER_US), a batch smaller than GATHER_MIN waits
 * up to GATHER_US for more, so that one commit -- its fsync, and the
 * pages every batch rewrites (the tails of the tables and indexes) --
 * serves several.  At low rates nothing waits.  Called with w->lock held.
 */
static void
gather(struct writer *w)
{
	struct timespec ts;

	if (w->head == NULL || w->stop || w->nqueued >= GATHER_MIN ||
	    w->gap_us * GATHER_EXPECT >= GATHER_US)
		return;
	ts = deadline(GATHER_US);
	w->gathering = true;
	while (w->nqueued < GATHER_MIN && !w->stop)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) != 0)
			break;
	w->gathering = false;
}

/* Another pass follows at once: set under the lock, so that neither this
 * nor a concurrent writer_wake() is lost. */
static void
go_on(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->more = true;
	pthread_mutex_unlock(&w->lock);
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	int64_t parts_at = 0;

	for (;;) {
		struct job *jobs, *j;
		int count = 0, n;

		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stop && !w->more) {
			/* a second also picks up work of other processes; a
			 * pause of the intake is processing's turn */
			struct timespec ts =
			    deadline(w->yielded ? GATHER_US : 1000000);

			if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) !=
			    0)
				break;
		}
		gather(w);
		jobs = w->head;
		for (j = jobs; j != NULL && count < WRITER_BATCH_MAX - 1;
		     j = j->next)
			count++;
		if (j != NULL) {
			w->head = j->next;
			j->next = NULL;
			count++;
		} else {
			w->head = w->tail = NULL;
		}
		w->nqueued -= count;
		if (w->head == NULL)
			w->tail = NULL;
		if (w->stop && jobs == NULL && !w->more && !w->yielded) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		w->more = false; /* a writer_wake() from now on sets it again */
		pthread_mutex_unlock(&w->lock);

		/* inbound and reports commit separately, each batch in order;
		 * the last inbound batch says whether anything is left */
		n = -1;
		while (jobs != NULL) {
			struct job *first = jobs, *last = jobs;
			int done;

			while (last->next != NULL &&
			    last->next->kind == first->kind)
				last = last->next;
			jobs = last->next;
			last->next = NULL;
			if ((done = commit_jobs(w, first)) >= 0)
				n = done;
		}
		if (mono_ms() < w->retry_at)
			continue;
		if (mono_ms() >= parts_at) {
			if (join_overdue_parts(w) > 0)
				n = -1;
			retry_reports(w);
			parts_at = mono_ms() + 1000;
		}
		if (n < 0 || n == PROCESS_BATCH_MAX)
			n = process_pending(w);
		if (n < 0) /* the store failed: back off */
			w->retry_at = mono_ms() + 1000;
		if (n == PROCESS_BATCH_MAX)
			go_on(w);
	}
	return NULL;
}

struct writer *
writer_start(struct daemon *d, char **ret_err)
{
	struct writer *w = xcalloc(1, sizeof(*w));

	w->d = d;
	if (daemon_store_open(d, &w->st, ret_err) < 0) {
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_cond_init(&w->drained, NULL);
	w->more = true;      /* resume what a previous run left */
	w->gap_us = 1000000; /* sparse until shown otherwise */
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		*ret_err = xstrdup("cannot start the writer thread");
		store_close(w->st);
		free(w);
		return NULL;
	}
	thread_name(w->thread, "writer");
	return w;
}

int
writer_submit(struct writer *w, struct job *job)
{
	int64_t now, gap;

	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->closed) {
		pthread_mutex_unlock(&w->lock);
		return -ESHUTDOWN;
	}
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	w->nqueued++;
	w->outstanding++;
	now = mono_us();
	gap = now - w->last_us;
	w->gap_us += ((gap < 1000000 ? gap : 1000000) - w->gap_us) / 8;
	w->last_us = now;
	if (!w->gathering || w->nqueued >= GATHER_MIN)
		pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void
writer_wake(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->more = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
writer_close_intake(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->closed = true;
	pthread_mutex_unlock(&w->lock);
}

void
writer_drain(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	while (w->outstanding > 0)
		pthread_cond_wait(&w->drained, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	store_close(w->st);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	pthread_cond_destroy(&w->drained);
	free(w);
}
