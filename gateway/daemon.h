/* SPDX-License-Identifier: Apache-2.0 */
/*
 * daemon: `baraza run`.  Owns the configuration, the routing that SIGHUP
 * swaps, the metrics, and the three parts that run as threads: the HTTP
 * server (http.c), the writer that commits and processes (writer.c) and
 * the sender that drains the outbound queue (sender.c), and the fetcher
 * that answers handlers' live sources (fetcher.c), the exporter that
 * writes the daily files (exporter.c), and a thread per provider that
 * keeps its own connection (SMPP, started by links.c).  The main thread
 * only waits for signals.
 */
#ifndef BARAZA_DAEMON_H
#define BARAZA_DAEMON_H

#include <pthread.h>

#include "conf.h"
#include "metrics.h"
#include "store.h"

struct writer;
struct sender;
struct fetcher;
struct exporter;
struct http;
struct poller;

struct daemon {
	struct conf *conf; /* settings and providers: fixed while running */
	const char *conf_path;
	const struct conf_override *ov;
	size_t nov;
	const struct handler *const *handlers;

	pthread_mutex_t routing_lock;
	struct routing *routing; /* swapped by SIGHUP; refs under the lock */

	/* Held around every write transaction of the daemon's threads: SQLite
	 * has one writer, and its busy handler sleeps, so threads of one
	 * process take turns here instead of colliding in the database. */
	pthread_mutex_t write_lock;

	struct metrics metrics;
	pthread_mutex_t read_lock; /* guards read_store */
	struct store *read_store;  /* /healthz and /metrics */

	struct writer *writer;
	struct sender *sender;
	struct fetcher *fetcher;
	struct exporter *exporter;
	struct http *http;
	struct poller *poller;
};

/* Opens a connection of the daemon's (each thread has its own), with the
 * database's size cap applied. */
int daemon_store_open(const struct daemon *d, struct store **ret,
    char **ret_err);

/* The current routing, held until released; never NULL. */
struct routing *daemon_routing_acquire(struct daemon *d);
void daemon_routing_release(struct daemon *d, struct routing *r);

/* Runs until SIGTERM/SIGINT; returns the process exit code. */
int daemon_run(const char *conf_path, const struct conf_override *ov,
    size_t nov, const struct handler *const *handlers);

#endif
