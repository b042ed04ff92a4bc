/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetcher: see fetcher.h.  Up to FETCH_MAX requests at once on a libcurl
 * multi handle, oldest first, so that a slow source holds up no other;
 * answers that failed are kept FETCH_FAILED_KEEP_MS at most, so that a
 * source that is down is not asked for every message but is tried again
 * soon.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "fetch.h"
#include "fetcher.h"
#include "log.h"
#include "writer.h"

#define FETCH_MAX            16  /* requests in flight at once */
#define FETCH_MIN_MS         500 /* a late request still gets this long */
#define FETCH_FAILED_KEEP_MS 30000
#define FETCH_TICK_MS        1000 /* requests of other processes too */

/* A request in flight. */
struct transfer {
	CURL *easy; /* NULL: the slot is free */
	struct fetch_req req;
	struct buf body;
};

struct fetcher {
	struct daemon *d;
	struct store *st;
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t lock; /* guards stop and wake */
	bool stop;
	bool wake;
	struct transfer t[FETCH_MAX];
	int running; /* slots in use */
};

/* Stores one answer and makes the waiting messages due. */
static void
record(struct fetcher *f, const struct fetch_req *r, int rc, const char *body)
{
	struct daemon *d = f->d;
	int64_t now = now_ms();
	int64_t keep = r->cache_ms;
	int err;

	if (rc < 0 && keep > FETCH_FAILED_KEEP_MS)
		keep = FETCH_FAILED_KEEP_MS;
	pthread_mutex_lock(&d->write_lock);
	if ((err = store_begin(f->st)) == 0 &&
	    (err = store_fetch_put(f->st, r->url, rc == 0, body, now,
		 now + keep)) == 0 &&
	    (err = store_inbound_wake(f->st, now)) == 0)
		err = store_commit(f->st);
	if (err < 0) {
		log_error("fetcher: cannot store an answer: %s",
		    store_errmsg(f->st));
		store_rollback(f->st);
	}
	pthread_mutex_unlock(&d->write_lock);
	if (d->writer != NULL)
		writer_wake(d->writer);
}

static bool
in_flight(const struct fetcher *f, const char *url)
{
	for (int i = 0; i < FETCH_MAX; i++)
		if (f->t[i].easy != NULL && strcmp(f->t[i].req.url, url) == 0)
			return true;
	return false;
}

/* Starts the oldest pending requests not yet in flight, as slots allow. */
static void
start_pending(struct fetcher *f)
{
	struct fetch_req *v = NULL;
	size_t n = 0;
	int slot = 0;

	if (store_fetch_pending(f->st, FETCH_MAX, &v, &n) < 0) {
		log_error("fetcher: cannot read requests: %s",
		    store_errmsg(f->st));
		return;
	}
	for (size_t i = 0; i < n && f->running < FETCH_MAX; i++) {
		int64_t left = v[i].deadline - now_ms();
		struct transfer *t;

		if (in_flight(f, v[i].url))
			continue;
		while (f->t[slot].easy != NULL)
			slot++;
		t = &f->t[slot];
		t->easy = fetch_new(v[i].url,
		    (int)(left > FETCH_MIN_MS ? left : FETCH_MIN_MS), &t->body);
		if (t->easy == NULL) {
			log_error("fetcher: cannot start a transfer");
			break;
		}
		t->req = v[i];
		v[i].url = NULL; /* the slot owns it now */
		curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
		curl_multi_add_handle(f->multi, t->easy);
		f->running++;
	}
	fetch_reqs_free(v, n);
}

/* Records the transfers that finished; returns how many. */
static int
finish_transfers(struct fetcher *f)
{
	CURLMsg *m;
	int left, done = 0;

	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		struct transfer *t = NULL;
		char *body = NULL, *err = NULL;
		int rc;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
		curl_multi_remove_handle(f->multi, t->easy);
		rc = fetch_result(t->easy, m->data.result, &t->body, &body,
		    &err);
		if (rc < 0)
			log_warn("fetcher: live source failed: %s", err);
		record(f, &t->req, rc, body);
		free(body);
		free(err);
		free(t->req.url);
		memset(t, 0, sizeof(*t));
		f->running--;
		done++;
	}
	return done;
}

static void *
fetcher_main(void *arg)
{
	struct fetcher *f = arg;
	int64_t read_at = 0;

	for (;;) {
		bool stop, wake;
		int still, wait;

		pthread_mutex_lock(&f->lock);
		stop = f->stop;
		wake = f->wake;
		f->wake = false;
		pthread_mutex_unlock(&f->lock);
		if (stop && f->running == 0)
			break;
		if (!stop && (wake || mono_ms() >= read_at) &&
		    f->running < FETCH_MAX) {
			start_pending(f);
			read_at = mono_ms() + FETCH_TICK_MS;
		}
		curl_multi_perform(f->multi, &still);
		if (finish_transfers(f) > 0)
			read_at = 0; /* slots opened: the next may wait */
		/* no read to come while stopping or full: activity wakes */
		wait = stop || f->running >= FETCH_MAX
		    ? FETCH_TICK_MS
		    : (int)(read_at - mono_ms());
		if (wait > 0)
			curl_multi_poll(f->multi, NULL, 0,
			    wait < FETCH_TICK_MS ? wait : FETCH_TICK_MS, NULL);
	}
	return NULL;
}

struct fetcher *
fetcher_start(struct daemon *d, char **ret_err)
{
	struct fetcher *f = xcalloc(1, sizeof(*f));

	f->d = d;
	if (daemon_store_open(d, &f->st, ret_err) < 0) {
		free(f);
		return NULL;
	}
	store_set_busy_timeout(f->st, 50);
	pthread_mutex_init(&f->lock, NULL);
	if ((f->multi = curl_multi_init()) == NULL ||
	    pthread_create(&f->thread, NULL, fetcher_main, f) != 0) {
		*ret_err = xstrdup("cannot start the fetcher thread");
		curl_multi_cleanup(f->multi);
		pthread_mutex_destroy(&f->lock);
		store_close(f->st);
		free(f);
		return NULL;
	}
	thread_name(f->thread, "fetcher");
	return f;
}

void
fetcher_wake(struct fetcher *f)
{
	pthread_mutex_lock(&f->lock);
	f->wake = true;
	pthread_mutex_unlock(&f->lock);
	curl_multi_wakeup(f->multi);
}

void
fetcher_stop(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_mutex_unlock(&f->lock);
	curl_multi_wakeup(f->multi);
	pthread_join(f->thread, NULL);
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->lock);
	curl_multi_cleanup(f->multi);
	store_close(f->st);
	free(f);
}
