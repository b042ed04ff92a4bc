/* SPDX-License-Identifier: Apache-2.0 */
/*
 * links: see links.h.  A job here is allocated per inbound message and
 * freed in its done() callback, after the provider has been told the
 * outcome.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "links.h"
#include "sender.h"
#include "writer.h"

struct link_job {
	struct job job;
	void (*committed)(void *cookie, int err);
	void (*answered)(void *cookie, int err, char *screen); /* USSD */
	void *cookie;
};

static void
link_job_done(struct job *j, void *arg)
{
	struct link_job *lj = arg;

	if (lj->answered != NULL) {
		lj->answered(lj->cookie, j->err, j->err == 0 ? j->reply : NULL);
		if (j->err == 0)
			j->reply = NULL; /* answered() owns it */
	} else {
		lj->committed(lj->cookie, j->err);
	}
	ussd_req_done(&j->ussd);
	inbound_done(&j->in);
	dlr_done(&j->dlr);
	free(j->reply);
	free(lj);
}

static void
submit(struct daemon *d, struct link_job *lj)
{
	lj->job.at = now_ms();
	lj->job.done = link_job_done;
	lj->job.arg = lj;
	if (writer_submit(d->writer, &lj->job) < 0) {
		lj->job.err = -ESHUTDOWN;
		link_job_done(&lj->job, lj);
	}
}

static struct link_job *
link_job(enum job_kind kind, const struct provider *p, void *cookie)
{
	struct link_job *lj = xcalloc(1, sizeof(*lj));

	lj->job.kind = kind;
	lj->job.provider = p;
	lj->cookie = cookie;
	return lj;
}

static void
on_inbound(void *arg, const struct provider *p, struct inbound *in,
    void (*committed)(void *cookie, int err), void *cookie)
{
	struct link_job *lj = link_job(JOB_INBOUND, p, cookie);

	lj->job.in = *in; /* taken */
	memset(in, 0, sizeof(*in));
	lj->committed = committed;
	submit(arg, lj);
}

static void
on_ussd(void *arg, const struct provider *p, struct ussd_req *u,
    void (*answered)(void *cookie, int err, char *screen), void *cookie)
{
	struct link_job *lj = link_job(JOB_USSD, p, cookie);

	lj->job.ussd = *u; /* taken */
	memset(u, 0, sizeof(*u));
	lj->answered = answered;
	submit(arg, lj);
}

/* Receipts go through the sender, behind the outcomes reported before
 * them: a receipt that arrives right after its submit_sm_resp finds the
 * message's provider id already stored. */
static void
on_report(void *arg, const struct provider *p, struct dlr *dlr,
    void (*committed)(void *cookie, int err), void *cookie)
{
	struct daemon *d = arg;

	sender_receipt(d->sender, p, dlr, committed, cookie);
}

static void
on_sent(void *arg, const struct provider *p, int64_t id, int attempts,
    enum send_result r, struct send_outcome *out)
{
	struct daemon *d = arg;

	sender_complete(d->sender, p, id, attempts, r, out);
}

static void
on_ready(void *arg, const struct provider *p)
{
	struct daemon *d = arg;

	(void)p;
	sender_wake(d->sender);
}

int
links_start(struct daemon *d, char **ret_err)
{
	static const struct provider_sink sink_fns = {
		.inbound = on_inbound,
		.report = on_report,
		.sent = on_sent,
		.ready = on_ready,
		.ussd = on_ussd,
	};
	struct provider_sink sink = sink_fns;

	sink.arg = d;
	for (size_t i = 0; i < d->conf->nproviders; i++) {
		const struct provider *p = &d->conf->providers[i];

		if (p->type->start == NULL)
			continue;
		if (p->type->start(p->state, p, &sink, ret_err) < 0) {
			while (i-- > 0)
				if (d->conf->providers[i].type->stop != NULL)
					d->conf->providers[i].type->stop(
					    d->conf->providers[i].state);
			return -EIO;
		}
	}
	return 0;
}

void
links_stop(struct daemon *d)
{
	if (d->conf == NULL)
		return;
	for (size_t i = 0; i < d->conf->nproviders; i++) {
		const struct provider *p = &d->conf->providers[i];

		if (p->type != NULL && p->type->stop != NULL)
			p->type->stop(p->state);
	}
}
