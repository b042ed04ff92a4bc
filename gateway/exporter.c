/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exporter: see exporter.h.  The last day exported is kept in the store
 * (state "export_last_day"), so a restart neither repeats nor skips days.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "export.h"
#include "exporter.h"
#include "log.h"

#define LAST_DAY       "export_last_day"
#define ERASE_CHUNK    1000 /* rows of each table erased per transaction */
#define ERASE_PAUSE_MS 5    /* between them: webhooks and sends go first */

struct exporter {
	struct daemon *d;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

/* Waits ms unless the exporter is stopping; true when it is. */
static bool
pause_or_stop(struct exporter *e, int64_t ms)
{
	int64_t until = now_ms() + ms;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000),
		.tv_nsec = (long)(until % 1000) * 1000000 };
	bool stop;

	pthread_mutex_lock(&e->lock);
	if (ms > 0 && !e->stop)
		pthread_cond_timedwait(&e->cond, &e->lock, &ts);
	stop = e->stop;
	pthread_mutex_unlock(&e->lock);
	return stop;
}

/* Today's export.time, local, in ms. */
static int64_t
due_today(const struct daemon *d, int64_t now)
{
	time_t s = (time_t)(now / 1000);
	struct tm tm;
	int hh = 1, mm = 0;

	sscanf(d->conf->export.time, "%d:%d", &hh, &mm);
	localtime_r(&s, &tm);
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void
export_one(struct exporter *e, const char *day)
{
	struct daemon *d = e->d;
	struct routing *r = daemon_routing_acquire(d);
	char *path = NULL, *err = NULL;
	int rc;

	rc = export_day(e->st, d->conf, r, d->conf->export.dir, day, &path,
	    &err);
	daemon_routing_release(d, r);
	if (rc < 0) {
		log_error("exporter: %s not exported: %s", day, err);
	} else {
		log_info("exporter: %s exported to %s", day, path);
		pthread_mutex_lock(&d->write_lock);
		if (store_state_set(e->st, LAST_DAY, day) < 0)
			log_error("exporter: cannot record the day: %s",
			    store_errmsg(e->st));
		pthread_mutex_unlock(&d->write_lock);
	}
	free(path);
	free(err);
}

/* A clean-up of rows older than a time, one chunk of at most max rows
 * per call (store_erase_texts, store_session_prune). */
typedef int chunk_fn(struct store *st, int64_t before, int max, int64_t *ret_n,
    bool *ret_more);

/* Runs a clean-up a chunk per transaction, with the write lock let go
 * between chunks: the first round after retention is switched on may
 * erase millions, and webhooks must not wait for that (they wait at most
 * for one chunk).  Returns the rows it reported; what (for the log) says
 * what failed. */
static int64_t
in_chunks(struct exporter *e, chunk_fn *fn, int64_t before, const char *what)
{
	struct daemon *d = e->d;
	int64_t total = 0, n = 0;
	bool more = true;
	int rc = 0;

	while (rc == 0 && more) {
		pthread_mutex_lock(&d->write_lock);
		rc = store_begin(e->st);
		if (rc == 0)
			rc = fn(e->st, before, ERASE_CHUNK, &n, &more);
		if (rc == 0)
			rc = store_commit(e->st);
		if (rc < 0) {
			log_error("exporter: cannot %s: %s", what,
			    store_errmsg(e->st));
			store_rollback(e->st);
		}
		pthread_mutex_unlock(&d->write_lock);
		if (rc == 0)
			total += n;
		if (more && pause_or_stop(e, ERASE_PAUSE_MS))
			break;
	}
	return total;
}

/* Exports every day after the last one exported up to yesterday, prunes
 * and erases, removes conversations that are over, and puts closed
 * anonymous complaints' messages under their pseudonym. */
static void
round_of(struct exporter *e, int64_t now)
{
	struct daemon *d = e->d;
	char today[EXPORT_DAY_LEN + 1], yesterday[EXPORT_DAY_LEN + 1];
	char day[EXPORT_DAY_LEN + 1], oldest[EXPORT_DAY_LEN + 1];
	char *last = NULL;
	int64_t n64;
	int rc, n;

	export_day_of(now, today);
	export_day_add(today, -1, yesterday);
	export_day_add(today, -EXPORT_CATCH_UP_DAYS, oldest);
	rc = store_state_get(e->st, LAST_DAY, &last);
	if (rc < 0 && rc != -ENOENT) {
		log_error("exporter: cannot read the last day exported: %s",
		    store_errmsg(e->st));
		return;
	}
	if (last == NULL || export_day_add(last, 1, day) < 0)
		snprintf(day, sizeof(day), "%s", yesterday);
	if (strcmp(day, oldest) < 0) {
		log_warn(
		    "exporter: days before %s are not caught up; export them with `baraza export --from %s --to ...`",
		    oldest, day);
		snprintf(day, sizeof(day), "%s", oldest);
	}
	free(last);
	for (; strcmp(day, yesterday) <= 0 && !pause_or_stop(e, 0);
	     export_day_add(day, 1, day))
		export_one(e, day);
	if ((n = export_prune(d->conf->export.dir, today,
		 d->conf->export.keep_days)) > 0)
		log_info("exporter: %d day folder%s older than %d days removed",
		    n, n == 1 ? "" : "s", d->conf->export.keep_days);
	if (d->conf->gw.retention_days > 0 &&
	    (n64 = in_chunks(e, store_erase_texts,
		 now - (int64_t)d->conf->gw.retention_days * 86400 * 1000,
		 "erase old texts")) > 0)
		log_info("exporter: texts of %lld messages older than %d days "
			 "erased",
		    (long long)n64, d->conf->gw.retention_days);
	/* conversations over, late answers included */
	if ((n64 = in_chunks(e, store_session_prune,
		 now - (int64_t)d->conf->gw.late_answer_min * 60 * 1000,
		 "remove ended conversations")) > 0)
		log_info("exporter: %lld ended conversation%s removed",
		    (long long)n64, n64 == 1 ? "" : "s");
	/* after the export, which showed them under the same pseudonym */
	if ((n64 = in_chunks(e, store_anonymous_settle, now,
		 "put closed anonymous complaints' messages under a pseudonym")) >
	    0)
		log_info("exporter: %lld message%s of closed anonymous "
			 "complaints now under a pseudonym",
		    (long long)n64, n64 == 1 ? "" : "s");
}

static void *
exporter_main(void *arg)
{
	struct exporter *e = arg;
	struct daemon *d = e->d;
	int64_t now = now_ms(), next;

	/* on start: catch up if today's round is already past */
	if (now >= due_today(d, now))
		round_of(e, now);
	for (;;) {
		struct timespec ts;

		now = now_ms();
		next = due_today(d, now);
		if (next <= now)
			next = due_today(d, now + 86400 * 1000LL);
		pthread_mutex_lock(&e->lock);
		while (!e->stop && now_ms() < next) {
			int64_t wake = now_ms() + 60 * 1000; /* clock jumps */
			if (wake > next)
				wake = next;
			ts.tv_sec = (time_t)(wake / 1000);
			ts.tv_nsec = (long)(wake % 1000) * 1000000;
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		}
		if (e->stop) {
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
		round_of(e, now_ms());
	}
	return NULL;
}

struct exporter *
exporter_start(struct daemon *d, char **ret_err)
{
	struct exporter *e = xcalloc(1, sizeof(*e));

	e->d = d;
	if (daemon_store_open(d, &e->st, ret_err) < 0) {
		free(e);
		return NULL;
	}
	store_set_busy_timeout(e->st, 2000);
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	if (pthread_create(&e->thread, NULL, exporter_main, e) != 0) {
		*ret_err = xstrdup("cannot start the exporter thread");
		store_close(e->st);
		free(e);
		return NULL;
	}
	thread_name(e->thread, "exporter");
	return e;
}

void
exporter_stop(struct exporter *e)
{
	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	e->stop = true;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	store_close(e->st);
	free(e);
}
