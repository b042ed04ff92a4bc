/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetcher: see fetcher.h.  One request at a time, oldest first; answers
 * that failed are kept FETCH_FAILED_KEEP_MS at most, so that a source that
 * is down is not asked for every message but is tried again soon.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "daemon.h"
#include "fetch.h"
#include "fetcher.h"
#include "log.h"
#include "writer.h"

#define FETCH_BATCH          16
#define FETCH_MIN_MS         500 /* a late request still gets this long */
#define FETCH_FAILED_KEEP_MS 30000

struct fetcher {
	struct daemon *d;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool wake;
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

static void
fetch_pending(struct fetcher *f)
{
	struct fetch_req *v = NULL;
	size_t n = 0;

	if (store_fetch_pending(f->st, FETCH_BATCH, &v, &n) < 0) {
		log_error("fetcher: cannot read requests: %s",
		    store_errmsg(f->st));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t left = v[i].deadline - now_ms();
		char *body = NULL, *err = NULL;
		int rc;

		rc = fetch_url(v[i].url,
		    (int)(left > FETCH_MIN_MS ? left : FETCH_MIN_MS), &body,
		    &err);
		if (rc < 0)
			log_warn("fetcher: live source failed: %s", err);
		record(f, &v[i], rc, body);
		free(body);
		free(err);
	}
	fetch_reqs_free(v, n);
}

static void *
fetcher_main(void *arg)
{
	struct fetcher *f = arg;

	for (;;) {
		pthread_mutex_lock(&f->lock);
		while (!f->stop && !f->wake) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1; /* requests of other processes too */
			if (pthread_cond_timedwait(&f->cond, &f->lock, &ts) !=
			    0)
				break;
		}
		f->wake = false;
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			break;
		}
		pthread_mutex_unlock(&f->lock);
		fetch_pending(f);
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
	pthread_cond_init(&f->cond, NULL);
	if (pthread_create(&f->thread, NULL, fetcher_main, f) != 0) {
		*ret_err = xstrdup("cannot start the fetcher thread");
		store_close(f->st);
		free(f);
		return NULL;
	}
	return f;
}

void
fetcher_wake(struct fetcher *f)
{
	pthread_mutex_lock(&f->lock);
	f->wake = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

void
fetcher_stop(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
}

void
fetcher_free(struct fetcher *f)
{
	if (f == NULL)
		return;
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	store_close(f->st);
	free(f);
}
