/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon: start-up, the signal loop and shutdown of `baraza run`.
 *
 * Start: load conf, open the database (migrating it), start the writer
 * (which first processes what a previous run left 'received'), the sender
 * (which resumes the queued messages) and the HTTP server.
 * SIGHUP: load the configuration anew; on success swap the routing
 * pointer (in-flight messages finish on the old one, freed by the last
 * release); on failure log every diagnostic and keep serving.
 * SIGTERM/SIGINT: stop accepting, let committed requests get their
 * answers, finish processing and sending in flight, exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "daemon.h"
#include "exporter.h"
#include "fetcher.h"
#include "http.h"
#include "links.h"
#include "log.h"
#include "poller.h"
#include "sender.h"
#include "writer.h"

struct routing *
daemon_routing_acquire(struct daemon *d)
{
	struct routing *r;

	pthread_mutex_lock(&d->routing_lock);
	r = d->routing;
	r->refs++;
	pthread_mutex_unlock(&d->routing_lock);
	return r;
}

void
daemon_routing_release(struct daemon *d, struct routing *r)
{
	bool last;

	pthread_mutex_lock(&d->routing_lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&d->routing_lock);
	if (last)
		routing_free(r);
}

static void
log_diagnostics(const struct conf_errors *ce)
{
	const char *p = ce->text.data;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);
		log_error("conf: %.*s", n, p);
		p = nl ? nl + 1 : NULL;
	}
}

static void
reload(struct daemon *d)
{
	struct conf_errors ce;
	struct conf *c;
	struct routing *old;

	conf_errors_init(&ce);
	c = conf_load(d->conf_path, d->ov, d->nov, d->handlers, &ce);
	if (c == NULL) {
		log_diagnostics(&ce);
		log_error(
		    "reload: %d error(s) in %s; the previous configuration keeps serving",
		    ce.errors, d->conf_path);
		conf_errors_done(&ce);
		return;
	}
	if (ce.warnings > 0)
		log_diagnostics(&ce);
	pthread_mutex_lock(&d->routing_lock);
	old = d->routing;
	d->routing = conf_take_routing(c);
	pthread_mutex_unlock(&d->routing_lock);
	daemon_routing_release(d, old);
	log_info(
	    "reload: routes, replies and handlers reloaded from %s (%zu routes); gateway and provider settings need a restart",
	    d->conf_path, d->routing->nroutes);
	conf_free(c);
	conf_errors_done(&ce);
}

int
daemon_store_open(const struct daemon *d, struct store **ret, char **ret_err)
{
	struct store *st;

	if (store_open(d->conf->gw.database, &st, ret_err) < 0)
		return -EIO;
	if (store_set_max_size(st,
		(int64_t)d->conf->gw.database_max_mb * 1024 * 1024) < 0) {
		*ret_err = xstrdup("cannot cap the database size");
		store_close(st);
		return -EIO;
	}
	*ret = st;
	return 0;
}

static void
stop_all(struct daemon *d)
{
	/* the poller waits on the writer: it stops first */
	poller_stop(d->poller);
	d->poller = NULL;
	exporter_stop(d->exporter);
	d->exporter = NULL;
	if (d->http != NULL)
		http_quiesce(d->http);
	if (d->writer != NULL) {
		/* every request handed over gets its answer before the server
		 * closes its connections; later ones get 503 */
		writer_close_intake(d->writer);
		writer_drain(d->writer);
	}
	http_stop(d->http);
	d->http = NULL;
	/* after the drain: no link waits on a commit; before the sender,
	 * which their outcomes go to */
	links_stop(d);
	/* they wake each other: both threads end before either is freed */
	fetcher_stop(d->fetcher);
	writer_stop(d->writer);
	d->writer = NULL;
	fetcher_free(d->fetcher);
	d->fetcher = NULL;
	sender_stop(d->sender);
	d->sender = NULL;
}

int
daemon_run(const char *conf_path, const struct conf_override *ov, size_t nov,
    const struct handler *const *handlers)
{
	struct daemon d;
	struct conf_errors ce;
	const char *names[METRICS_MAX_PROVIDERS];
	char *err = NULL;
	sigset_t set;
	int sig, code = 0;

	memset(&d, 0, sizeof(d));
	d.conf_path = conf_path;
	d.ov = ov;
	d.nov = nov;
	d.handlers = handlers;
	conf_errors_init(&ce);
	d.conf = conf_load(conf_path, ov, nov, handlers, &ce);
	if (d.conf == NULL) {
		fputs(ce.text.data ? ce.text.data : "", stderr);
		conf_errors_done(&ce);
		return 1;
	}
	if (ce.warnings > 0)
		log_diagnostics(&ce);
	conf_errors_done(&ce);
	conf_use_timezone(d.conf);
	d.routing = conf_take_routing(d.conf);
	pthread_mutex_init(&d.routing_lock, NULL);
	pthread_mutex_init(&d.read_lock, NULL);
	pthread_mutex_init(&d.write_lock, NULL);
	for (size_t i = 0; i < d.conf->nproviders && i < METRICS_MAX_PROVIDERS;
	     i++)
		names[i] = d.conf->providers[i].name;
	metrics_init(&d.metrics, names, d.conf->nproviders);

	/* every thread inherits this mask; only the main thread takes signals
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	if (daemon_store_open(&d, &d.read_store, &err) < 0 ||
	    (d.writer = writer_start(&d, &err)) == NULL ||
	    (d.sender = sender_start(&d, &err)) == NULL ||
	    (d.fetcher = fetcher_start(&d, &err)) == NULL ||
	    (d.exporter = exporter_start(&d, &err)) == NULL ||
	    (d.poller = poller_start(&d, &err)) == NULL ||
	    links_start(&d, &err) < 0 ||
	    (d.http = http_start(&d, &err)) == NULL) {
		log_error("run: %s", err ? err : "cannot start");
		free(err);
		code = 2;
		goto out;
	}
	log_info(
	    "run: listening on %s:%d, database %s, %zu providers, %zu routes",
	    d.conf->gw.listen_host, d.conf->gw.listen_port, d.conf->gw.database,
	    d.conf->nproviders, d.routing->nroutes);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(&d);
			continue;
		}
		log_info("run: %s received, stopping",
		    sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
out:
	stop_all(&d);
	store_close(d.read_store);
	routing_free(d.routing);
	conf_free(d.conf);
	curl_global_cleanup();
	pthread_mutex_destroy(&d.routing_lock);
	pthread_mutex_destroy(&d.read_lock);
	pthread_mutex_destroy(&d.write_lock);
	if (code == 0)
		log_info("run: stopped");
	return code;
}
