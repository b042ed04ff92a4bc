/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer: the one thread that writes what webhooks bring.  HTTP threads
 * hand it jobs (an inbound message, a delivery report); it commits every
 * job waiting in one transaction (group commit: one fsync for many
 * messages), then reports each job's outcome through its callback, which
 * resumes the suspended HTTP request.  It processes the inbound messages
 * still 'received' -- routing, handler, reply queued and message marked
 * processed -- in the transaction that stores them (oldest first, so those
 * left from before go first), or in a pass of their own between batches,
 * and wakes the sender.
 */
#ifndef BARAZA_WRITER_H
#define BARAZA_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "provider.h"
#include "store.h"

struct daemon;

enum job_kind {
	JOB_INBOUND,
	JOB_DLR,
	JOB_POLL, /* a page of polled messages and the cursor after it */
	JOB_USSD, /* a USSD step: the screen is the reply */
};

struct job {
	enum job_kind kind;
	const struct provider *provider; /* lives as long as the daemon */
	struct inbound in;
	struct dlr dlr;
	struct ussd_req ussd;
	struct inbound *polled; /* JOB_POLL: borrowed */
	size_t npolled;
	const char *cursor; /* JOB_POLL: borrowed, NULL keeps the old one */
	int added;          /* JOB_POLL: messages new to the store */
	bool sync;          /* JOB_INBOUND: process now and return the reply */
	bool answered;      /* sync: processed in the batch's transaction */
	char *reply; /* the reply when sync, the USSD screen (owned; NULL:
			none) */
	int64_t at;
	/* outcome, valid in done() */
	int err;  /* 0, or a negative errno: nothing was stored */
	bool dup; /* inbound seen before (provider, id) */
	enum report_match found; /* what a report matched */
	int64_t id;
	void (*done)(struct job *job, void *arg); /* on the writer thread */
	void *arg;
	struct job *next;
};

struct writer *writer_start(struct daemon *d, char **ret_err);
/* Queues a job; done() is called once it is committed or has failed.
 * Returns -ESHUTDOWN, without calling done(), once intake is closed. */
int writer_submit(struct writer *w, struct job *job);
/* Messages are due (a live source answered): process now. */
void writer_wake(struct writer *w);
/* Refuses new jobs from now on (shutdown); queued ones still complete. */
void writer_close_intake(struct writer *w);
/* Waits until every submitted job's done() has been called. */
void writer_drain(struct writer *w);
/* Processes what is pending, then stops and joins the thread. */
void writer_stop(struct writer *w);

#endif
