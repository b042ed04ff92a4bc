/* SPDX-License-Identifier: Apache-2.0 */
/*
 * poller: see poller.h.  One blocking libcurl easy handle on its own
 * thread: polling is a few requests a minute, never on the HTTP threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "daemon.h"
#include "log.h"
#include "poller.h"
#include "writer.h"

#define POLL_MAX_PAGES 20      /* pages in one round, at most */
#define POLL_RESP_MAX  4194304 /* bytes of one answer kept */

struct poller {
	struct daemon *d;
	struct store *st; /* reads cursors */
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	bool job_done;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > POLL_RESP_MAX)
		return 0; /* too large: the transfer fails */
	buf_append(b, data, n);
	return n;
}

static void
job_done(struct job *job, void *arg)
{
	struct poller *p = arg;

	pthread_mutex_lock(&p->lock);
	p->job_done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Fetches one page; 0 with the parsed messages, or a negative errno. */
static int
fetch(struct poller *p, const struct provider *pr, const char *cursor,
    struct inbound **ret, size_t *ret_n, char **ret_cursor, bool *ret_more)
{
	struct sendreq req = { 0 };
	struct curl_slist *headers = NULL;
	struct buf body, err;
	CURL *e = NULL;
	CURLcode cc;
	long status = 0;
	int rc;

	buf_init(&body);
	buf_init(&err);
	if ((rc = pr->type->prepare_poll(pr->state, cursor, &req)) < 0 ||
	    (e = curl_easy_init()) == NULL) {
		rc = rc < 0 ? rc : -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < req.nheaders; i++)
		headers = curl_slist_append(headers, req.headers[i]);
	curl_easy_setopt(e, CURLOPT_URL, req.url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)pr->timeout_ms);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (req.userpwd != NULL)
		curl_easy_setopt(e, CURLOPT_USERPWD, req.userpwd);
	if ((cc = curl_easy_perform(e)) != CURLE_OK) {
		log_warn("poller: %s: %s", pr->name, curl_easy_strerror(cc));
		rc = -EIO;
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	rc = pr->type->parse_poll(pr->state, status, body.data ? body.data : "",
	    body.len, ret, ret_n, ret_cursor, ret_more, &err);
	if (rc < 0)
		log_warn("poller: %s: %s", pr->name,
		    err.data ? err.data : "unreadable answer");
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(e);
	sendreq_done(&req);
	buf_free(&body);
	buf_free(&err);
	return rc;
}

/* One round for one provider: pages until the provider has no more. */
static void
poll_provider(struct poller *p, const struct provider *pr)
{
	char *cursor = NULL;
	int total = 0;

	if (store_cursor_get(p->st, pr->name, &cursor) < 0)
		cursor = NULL;
	for (int page = 0; page < POLL_MAX_PAGES; page++) {
		struct inbound *msgs = NULL;
		size_t n = 0;
		char *next = NULL;
		bool more = false;
		struct job job;

		if (fetch(p, pr, cursor, &msgs, &n, &next, &more) < 0)
			break;
		memset(&job, 0, sizeof(job));
		job.kind = JOB_POLL;
		job.provider = pr;
		job.polled = msgs;
		job.npolled = n;
		/* a cursor that is a page's path is for this round only */
		job.cursor = next != NULL && next[0] != '/' ? next : NULL;
		job.at = now_ms();
		job.done = job_done;
		job.arg = p;
		pthread_mutex_lock(&p->lock);
		p->job_done = false;
		pthread_mutex_unlock(&p->lock);
		if (writer_submit(p->d->writer, &job) == 0) {
			pthread_mutex_lock(&p->lock);
			while (!p->job_done)
				pthread_cond_wait(&p->cond, &p->lock);
			pthread_mutex_unlock(&p->lock);
		} else {
			job.err = -ESHUTDOWN;
		}
		for (size_t i = 0; i < n; i++)
			inbound_done(&msgs[i]);
		free(msgs);
		if (job.err < 0) {
			free(next);
			break;
		}
		total += job.added;
		if (next != NULL) {
			free(cursor);
			cursor = next;
		}
		if (!more)
			break;
	}
	if (total > 0)
		log_info("poller: %s: %d new message(s)", pr->name, total);
	free(cursor);
}

static void *
poller_main(void *arg)
{
	struct poller *p = arg;
	const struct conf *c = p->d->conf;
	int64_t *due = xcalloc(c->nproviders, sizeof(*due));

	for (;;) {
		int64_t now = mono_ms(), next = now + 60000;
		struct timespec ts;

		for (size_t i = 0; i < c->nproviders; i++) {
			const struct provider *pr = &c->providers[i];
			if (pr->poll_interval_s <= 0 || pr->type == NULL)
				continue;
			if (due[i] <= now) {
				poll_provider(p, pr);
				due[i] = mono_ms() +
				    (int64_t)pr->poll_interval_s * 1000;
			}
			if (due[i] < next)
				next = due[i];
		}
		pthread_mutex_lock(&p->lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		{
			int64_t wait = next - mono_ms();
			if (wait < 10)
				wait = 10;
			ts.tv_sec += wait / 1000;
			ts.tv_nsec += (wait % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
		}
		while (!p->stop &&
		    pthread_cond_timedwait(&p->cond, &p->lock, &ts) == 0)
			;
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		pthread_mutex_unlock(&p->lock);
	}
	free(due);
	return NULL;
}

struct poller *
poller_start(struct daemon *d, char **ret_err)
{
	struct poller *p = xcalloc(1, sizeof(*p));
	bool any = false;

	p->d = d;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (size_t i = 0; i < d->conf->nproviders; i++)
		any |= d->conf->providers[i].poll_interval_s > 0;
	if (!any)
		return p;
	if (daemon_store_open(d, &p->st, ret_err) < 0) {
		poller_stop(p);
		return NULL;
	}
	if (pthread_create(&p->thread, NULL, poller_main, p) != 0) {
		*ret_err = xstrdup("cannot start the poller thread");
		poller_stop(p);
		return NULL;
	}
	thread_name(p->thread, "poller");
	p->started = true;
	return p;
}

void
poller_stop(struct poller *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	store_close(p->st);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
