/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_link: see smpp_link.h.  Everything here runs on the link's thread
 * except smpp_link_submit/room (the sender's thread) and committed() (the
 * writer's thread); those meet the thread through `lock` and a wake-up
 * pipe.  A connection is a struct conn; `gen` numbers its lives, so an
 * answer committed for a deliver_sm of a connection since closed is not
 * sent on its successor (the SMSC redelivers, and the redelivery is
 * caught: see struct recent).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "log.h"
#include "provider_util.h"
#include "smpp_link.h"
#include "smpp_tls.h"

#define LINK_TICK_MS    100
#define LINK_UNBIND_MS  2000 /* wait for unbind_resp at shutdown */
#define DNS_ABANDON_MS  200  /* wait for a lookup in progress at shutdown */
#define RECENT_MAX      512  /* inbound messages remembered for redelivery */
#define RESP_RISK_MS    5000 /* an answer this close to a drop may be lost */
#define READ_CHUNK      16384
#define BACKOFF_BASE_MS 1000
#define USSD_SESSIONS   256    /* USSD dialogues followed at once */
#define USSD_IDLE_MS    180000 /* a dialogue this quiet is over */
#define USSD_SENT_MAX   64     /* USSD screens awaiting submit_sm_resp */

enum conn_state {
	C_DOWN,
	C_CONNECTING,
	C_HANDSHAKE, /* TLS */
	C_OUTBIND,   /* the SMSC connected to us: its outbind awaited */
	C_BINDING,
	C_BOUND,
	C_UNBINDING, /* we sent unbind */
	C_DONE,      /* unbound: close once the output is out */
};

struct conn {
	int fd;
	struct smpp_tls *tls; /* NULL: plain TCP */
	bool tls_want_write;  /* a read waits for the socket to take data */
	enum conn_state state;
	uint32_t bind_cmd;
	bool tx, rx;
	bool outbind; /* never dialled: the SMSC connects and outbinds */
	unsigned gen;
	struct buf in, out;
	size_t out_off;
	int64_t last_rx, bind_sent, enquire_sent;
	uint32_t enquire_seq;
	int64_t retry_at;
	int failures;
	int addr;        /* which of the host's addresses this attempt is to */
	bool more_addrs; /* the host has addresses after that one */
	char addr_text[INET6_ADDRSTRLEN]; /* that address, numeric */
	struct addrinfo *ai;   /* the host's addresses, for this attempt */
	struct resolving *dns; /* the host's name being looked up, or NULL */
};

/* A lookup by getaddrinfo_a(): glibc's own thread writes the answer into
 * cb, reading the name, the service and the hints, all owned here. */
struct resolving {
	struct gaicb cb;
	struct addrinfo hints;
	char *name, *service;
};

/* A message handed over, until its outcome is reported. */
struct omsg {
	int64_t id;
	int attempts;
	char *to, *from;
	struct smpp_parts parts;
	uint8_t *state; /* per part: 0 to send, 1 in the window, 2 answered */
	size_t answered;
	enum send_result res;
	char *provider_id; /* the first part's message_id */
	char **part_ids;   /* a long message: each part's message_id */
	char *reason;
	struct omsg *next;
};

struct pending {
	uint32_t seq;
	struct omsg *m;
	size_t part;
	int64_t at;
	int conn;
};

/* A committed inbound deliver_sm waiting for its deliver_sm_resp. */
struct ack {
	struct smpp_link *l;
	int conn;
	unsigned gen;
	uint32_t seq, cmd;
	int recent; /* slot in l->recent, -1 for receipts */
	int err;
	/* a USSD step: the screen to send back (owned), and where */
	bool ussd;
	char *screen;
	char number[22], code[22], service_type[7];
	uint8_t ton, npi;
	int its_session;
	struct ack *next;
};

/* A USSD dialogue: its inputs so far, joined by '*' as the menus take
 * them (SMPP brings one input per deliver_sm). */
struct ussd_dialogue {
	char number[22], code[22];
	int its;    /* its_session_info's session number, -1 when absent */
	unsigned n; /* numbers the dialogues of this slot: the session id */
	char *path;
	int64_t at;
};

/* An inbound message, remembered to catch the SMSC's redelivery of one
 * whose answer may not have reached it before the connection dropped. */
struct recent {
	uint64_t hash;
	int conn;
	unsigned gen;
	bool answered;
	int64_t answered_at;
	int64_t suspect_until; /* set when its connection drops */
};

struct smpp_link {
	const struct smpp_conf *c;
	const struct provider *p;
	struct provider_sink sink;
	pthread_t thread;
	int wake[2];
	int lfd;                  /* where the SMSC's outbind comes, or -1 */
	struct smpp_tls_ctx *tls; /* NULL: plain TCP */
	atomic_bool stop;
	atomic_int bound_tx; /* a connection that sends is bound */
	atomic_bool up;      /* every connection is bound */

	pthread_mutex_t lock; /* guards inbox, acks, waiting */
	struct omsg *inbox, **inbox_tail;
	struct ack *acks;
	int waiting; /* commits not yet answered */
	int held;    /* messages handed over and not yet reported */

	/* the thread's own */
	struct omsg *queue, **queue_tail;
	struct pending *win;
	size_t nwin;
	struct conn conns[2];
	int nconns;
	uint32_t seq;
	int64_t paused_until;
	unsigned ref;
	struct recent recent[RECENT_MAX];
	size_t nrecent;
	struct ussd_dialogue ussd[USSD_SESSIONS];
	int64_t started; /* ms: makes the dialogues' session ids unique */
	uint32_t ussd_sent[USSD_SENT_MAX]; /* their sequence numbers */
	size_t nussd_sent;
	unsigned rnd;
};

static void
wake(struct smpp_link *l)
{
	char c = 1;
	ssize_t n = write(l->wake[1], &c, 1);

	(void)n; /* a full pipe is already a wake-up */
}

static uint32_t
next_seq(struct smpp_link *l)
{
	l->seq = l->seq >= 0x7FFFFFFF ? 1 : l->seq + 1;
	return l->seq;
}

/* --- the sender's side ---------------------------------------------- */

bool
smpp_link_connected(struct smpp_link *l)
{
	return atomic_load(&l->up);
}

int
smpp_link_room(struct smpp_link *l)
{
	int room;

	if (!atomic_load(&l->bound_tx))
		return 0;
	pthread_mutex_lock(&l->lock);
	room = provider_hold_max(l->p) - l->held;
	pthread_mutex_unlock(&l->lock);
	return room > 0 ? room : 0;
}

static void
omsg_free(struct omsg *m)
{
	free(m->to);
	free(m->from);
	smpp_parts_free(&m->parts);
	free(m->state);
	free(m->provider_id);
	for (size_t k = 0; m->part_ids != NULL && k < m->parts.n; k++)
		free(m->part_ids[k]);
	free(m->part_ids);
	free(m->reason);
	free(m);
}

int
smpp_link_submit(struct smpp_link *l, const struct outmsg *om, int attempts)
{
	struct omsg *m;
	int rc;

	if (!atomic_load(&l->bound_tx))
		return -EAGAIN;
	m = xcalloc(1, sizeof(*m));
	m->id = om->id;
	m->attempts = attempts;
	m->to = xstrdup(om->to);
	m->from = xstrdup(om->from != NULL ? om->from : "");
	pthread_mutex_lock(&l->lock);
	l->ref = (l->ref + 1) & 0xFF;
	rc = smpp_text_encode(om->text, l->c->alphabet, l->c->long_mode, l->ref,
	    &m->parts);
	if (rc == 0) {
		m->state = xcalloc(m->parts.n, 1);
		if (m->parts.n > 1)
			m->part_ids = xcalloc(m->parts.n, sizeof(char *));
		*l->inbox_tail = m;
		l->inbox_tail = &m->next;
		l->held++;
	}
	pthread_mutex_unlock(&l->lock);
	if (rc < 0) {
		struct send_outcome out = { .reason =
						xstrdup("too long for SMPP") };
		l->sink.sent(l->sink.arg, l->p, m->id, attempts, SEND_PERMFAIL,
		    &out);
		omsg_free(m);
		return 0;
	}
	wake(l);
	return 0;
}

/* Whether the SMSC gave every part of a long message an id. */
static bool
all_part_ids(const struct omsg *m)
{
	if (m->part_ids == NULL)
		return false;
	for (size_t k = 0; k < m->parts.n; k++)
		if (m->part_ids[k] == NULL)
			return false;
	return true;
}

/* Reports a message's outcome and forgets it. */
static void
report(struct smpp_link *l, struct omsg *m)
{
	struct send_outcome out = {
		.provider_id = m->res == SEND_OK ? m->provider_id : NULL,
		.reason = m->reason,
	};

	if (m->res == SEND_OK)
		m->provider_id = NULL;
	if (m->res == SEND_OK && all_part_ids(m)) {
		out.part_ids = m->part_ids;
		out.nparts = m->parts.n;
		m->part_ids = NULL;
	}
	m->reason = NULL;
	l->sink.sent(l->sink.arg, l->p, m->id, m->attempts, m->res, &out);
	send_outcome_done(&out);
	pthread_mutex_lock(&l->lock);
	l->held--;
	pthread_mutex_unlock(&l->lock);
	omsg_free(m);
}

static void
unqueue(struct smpp_link *l, struct omsg *m)
{
	struct omsg **pp = &l->queue;

	while (*pp != NULL && *pp != m)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	*pp = m->next;
	if (l->queue_tail == &m->next)
		l->queue_tail = pp;
	m->next = NULL;
}

static bool
in_window(const struct smpp_link *l, const struct omsg *m)
{
	for (size_t i = 0; i < l->nwin; i++)
		if (l->win[i].m == m)
			return true;
	return false;
}

/* Reports a message once every part is answered, or one failed and no
 * part of it is still in the window. */
static void
settle(struct smpp_link *l, struct omsg *m)
{
	if (m->answered < m->parts.n && m->res == SEND_OK)
		return;
	if (in_window(l, m))
		return;
	unqueue(l, m);
	report(l, m);
}

static void
fail_msg(struct omsg *m, enum send_result r, const char *why)
{
	if (m->res == SEND_OK || r == SEND_PERMFAIL)
		m->res = r;
	if (m->reason == NULL)
		m->reason = xstrdup(why);
}

/* --- connections ---------------------------------------------------- */

static void
conn_send(struct conn *cn, const struct buf *pdu)
{
	buf_append(&cn->out, pdu->data, pdu->len);
}

static void
put_header(struct conn *cn, uint32_t cmd, uint32_t status, uint32_t seq)
{
	struct buf b;

	buf_init(&b);
	smpp_put_header(&b, cmd, status, seq);
	conn_send(cn, &b);
	buf_free(&b);
}

static int64_t
backoff(struct smpp_link *l, int failures)
{
	int64_t d = BACKOFF_BASE_MS,
		cap = (int64_t)l->c->reconnect_max_s * 1000;

	for (int i = 1; i < failures && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + (int64_t)(rand_r(&l->rnd) % (unsigned)(d / 2 + 1));
}

/* Closes a connection: what it had in the window goes back to the
 * sender as a temporary failure, inbound answers it owed are risked. */
static void
conn_close(struct smpp_link *l, int ci, const char *why)
{
	struct conn *cn = &l->conns[ci];
	int64_t now = mono_ms();

	smpp_tls_free(cn->tls);
	cn->tls = NULL;
	cn->tls_want_write = false;
	if (cn->fd >= 0) {
		close(cn->fd);
		cn->fd = -1;
	}
	if (cn->state == C_BOUND)
		log_warn("smpp %s: connection closed: %s", l->p->name, why);
	else if (cn->state == C_DONE)
		log_info("smpp %s: unbound", l->p->name);
	cn->state = C_DOWN;
	cn->failures++;
	cn->retry_at = now + backoff(l, cn->failures);
	buf_reset(&cn->in);
	buf_reset(&cn->out);
	cn->out_off = 0;
	cn->enquire_seq = 0;
	if (cn->tx)
		atomic_store(&l->bound_tx, false);
	for (size_t i = 0; i < l->nrecent; i++) {
		struct recent *r = &l->recent[i];

		if (r->conn == ci && r->gen == cn->gen &&
		    (!r->answered || now - r->answered_at < RESP_RISK_MS))
			r->suspect_until =
			    now + (int64_t)l->c->redelivery_s * 1000;
	}
	cn->gen++;
	/* the window's messages: their outcome is unknown, try again */
	for (size_t i = 0; i < l->nwin;) {
		if (l->win[i].conn != ci) {
			i++;
			continue;
		}
		struct omsg *m = l->win[i].m;

		l->win[i] = l->win[--l->nwin];
		fail_msg(m, SEND_TEMPFAIL, "SMPP connection lost");
		settle(l, m);
	}
	/* partly sent messages cannot resume on another connection */
	for (struct omsg *m = l->queue, *next; m != NULL; m = next) {
		bool started = false;

		next = m->next;
		for (size_t k = 0; k < m->parts.n; k++)
			started |= m->state[k] != 0;
		if (started && cn->tx) {
			fail_msg(m, SEND_TEMPFAIL, "SMPP connection lost");
			settle(l, m);
		}
	}
}

static void
log_next_addr(const struct smpp_link *l, const struct conn *cn, int err)
{
	log_info("smpp %s: cannot connect to %s (%s) port %s: %s; trying its "
		 "next address",
	    l->p->name, cn->addr_text, l->c->host, l->c->port, strerror(err));
}

static void
resolving_free(struct resolving *r)
{
	freeaddrinfo(r->cb.ar_result);
	free(r->name);
	free(r->service);
	free(r);
}

/*
 * The host's addresses for this attempt, in cn->ai: a numeric address at
 * once; a name through getaddrinfo_a(), so that a slow resolver holds
 * neither the link's other connection (the acks and enquire_links it
 * owes) nor a shutdown.  -EINPROGRESS while the answer is awaited (the
 * link's tick asks again).
 */
static int
conn_resolve(struct smpp_link *l, struct conn *cn)
{
	struct addrinfo numeric = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST };
	struct resolving *r = cn->dns;
	int rc;

	if (cn->ai != NULL)
		return 0;
	if (r == NULL) {
		if (getaddrinfo(l->c->host, l->c->port, &numeric, &cn->ai) == 0)
			return 0;
		cn->ai = NULL;
		r = xcalloc(1, sizeof(*r));
		r->name = xstrdup(l->c->host);
		r->service = xstrdup(l->c->port);
		r->hints.ai_family = AF_UNSPEC;
		r->hints.ai_socktype = SOCK_STREAM;
		r->cb.ar_name = r->name;
		r->cb.ar_service = r->service;
		r->cb.ar_request = &r->hints;
		if ((rc = getaddrinfo_a(GAI_NOWAIT, &(struct gaicb *){ &r->cb },
			 1, NULL)) != 0) {
			log_error("smpp %s: cannot look up %s: %s", l->p->name,
			    l->c->host, gai_strerror(rc));
			resolving_free(r);
			return -EHOSTUNREACH;
		}
		cn->dns = r;
		return -EINPROGRESS;
	}
	if ((rc = gai_error(&r->cb)) == EAI_INPROGRESS)
		return -EINPROGRESS;
	cn->dns = NULL;
	if (rc != 0) {
		if (cn->failures == 0)
			log_error("smpp %s: cannot resolve %s: %s", l->p->name,
			    l->c->host, gai_strerror(rc));
		resolving_free(r);
		return -EHOSTUNREACH;
	}
	cn->ai = r->cb.ar_result;
	r->cb.ar_result = NULL;
	resolving_free(r);
	return 0;
}

/* At shutdown: a lookup still in progress is cancelled, or waited for a
 * moment; one glibc's thread still holds is left to it. */
static void
conn_forget_addrs(struct smpp_link *l, struct conn *cn)
{
	struct resolving *r = cn->dns;

	freeaddrinfo(cn->ai);
	cn->ai = NULL;
	cn->dns = NULL;
	if (r == NULL)
		return;
	if (gai_cancel(&r->cb) == EAI_NOTCANCELED) {
		struct timespec t = { 0, DNS_ABANDON_MS * 1000000L };

		gai_suspend((const struct gaicb *const[]){ &r->cb }, 1, &t);
		if (gai_error(&r->cb) == EAI_INPROGRESS) {
			log_warn("smpp %s: still looking up %s; left to the "
				 "resolver",
			    l->p->name, l->c->host);
			return;
		}
	}
	resolving_free(r);
}

/* Connects (without waiting) to the host's address number cn->addr, or
 * the first after it that takes a connect() at once; a name may stand
 * for several addresses (IPv6 and IPv4, several SMSC front ends) and
 * not every one may be listening. */
static int
conn_open(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	struct addrinfo *ai;
	int fd = -1, one = 1, rc, i;

	if ((rc = conn_resolve(l, cn)) < 0)
		return rc;
	for (ai = cn->ai, i = 0; ai != NULL && i < cn->addr; ai = ai->ai_next)
		i++;
	if (ai == NULL) {
		ai = cn->ai;
		cn->addr = 0;
	}
	for (rc = -EHOSTUNREACH; ai != NULL; ai = ai->ai_next, cn->addr++) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			rc = -errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, cn->addr_text,
			sizeof(cn->addr_text), NULL, 0, NI_NUMERICHOST) != 0)
			cn->addr_text[0] = '\0';
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		rc = -errno;
		close(fd);
		fd = -1;
		if (ai->ai_next != NULL)
			log_next_addr(l, cn, -rc);
	}
	cn->more_addrs = ai != NULL && ai->ai_next != NULL;
	if (fd < 0) {
		cn->addr = 0;
		return rc;
	}
	cn->fd = fd;
	cn->state = C_CONNECTING;
	cn->bind_sent = mono_ms();
	return 0;
}

static void
send_bind(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	struct smpp_bind b = {
		.cmd = cn->bind_cmd,
		.system_id = l->c->system_id,
		.password = l->c->password,
		.system_type = l->c->system_type,
		.address_range = l->c->address_range,
	};
	struct buf pdu;

	buf_init(&pdu);
	smpp_put_bind(&pdu, next_seq(l), &b);
	conn_send(cn, &pdu);
	buf_free(&pdu);
	cn->state = C_BINDING;
	cn->bind_sent = mono_ms();
}

/* --- submitting ----------------------------------------------------- */

static uint8_t
number_ton(const char *n, int ton_conf, bool source)
{
	bool digits = n[0] != '\0';

	if (ton_conf >= 0)
		return (uint8_t)ton_conf;
	if (n[0] == '+')
		return 1;
	for (const char *p = n; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (!digits)
		return source ? 5 : 0;           /* alphanumeric sender id */
	return source && strlen(n) <= 8 ? 3 : 0; /* short code */
}

static uint8_t
number_npi(const char *n, uint8_t ton, int npi_conf)
{
	if (npi_conf >= 0)
		return (uint8_t)npi_conf;
	return ton == 5 || (ton == 3 && n[0] != '+') ? 0 : 1;
}

static void
submit_part(struct smpp_link *l, int ci, struct omsg *m, size_t k)
{
	const struct smpp_part *pt = &m->parts.v[k];
	const char *to = m->to[0] == '+' ? m->to + 1 : m->to;
	const char *from = m->from[0] == '+' ? m->from + 1 : m->from;
	uint8_t dton = number_ton(m->to, l->c->dst_ton, false);
	uint8_t ston = number_ton(m->from, l->c->src_ton, true);
	struct smpp_submit s = {
		.service_type = l->c->service_type,
		.src_ton = ston,
		.src_npi = number_npi(m->from, ston, l->c->src_npi),
		.src = from,
		.dst_ton = dton,
		.dst_npi = number_npi(m->to, dton, l->c->dst_npi),
		.dst = to,
		.esm_class = pt->esm_class,
		/* every part is asked for a receipt: the message is
		 * delivered once each part is (store: outbound_parts) */
		.registered_delivery = l->c->receipts ? 1 : 0,
		.data_coding = pt->data_coding,
		.sm = pt->sm,
		.sm_len = pt->len,
		.payload = pt->payload,
		.sar_ref = pt->sar_ref,
		.sar_total = pt->sar_total,
		.sar_seq = pt->sar_seq,
		.ussd_op = -1,
		.its_session = -1,
	};
	struct pending *w = &l->win[l->nwin++];
	struct buf pdu;

	w->seq = next_seq(l);
	w->m = m;
	w->part = k;
	w->at = mono_ms();
	w->conn = ci;
	m->state[k] = 1;
	buf_init(&pdu);
	smpp_put_submit(&pdu, w->seq, &s);
	conn_send(&l->conns[ci], &pdu);
	buf_free(&pdu);
}

/* Fills the window from the queue, oldest message first. */
static void
fill_window(struct smpp_link *l)
{
	int ci = 0; /* conns[0] sends, alone or as the transmitter */
	size_t window = (size_t)l->p->concurrency;

	pthread_mutex_lock(&l->lock);
	if (l->inbox != NULL) {
		*l->queue_tail = l->inbox;
		l->queue_tail = l->inbox_tail;
		l->inbox = NULL;
		l->inbox_tail = &l->inbox;
	}
	pthread_mutex_unlock(&l->lock);
	if (l->conns[ci].state != C_BOUND || mono_ms() < l->paused_until)
		return;
	for (struct omsg *m = l->queue; m != NULL && l->nwin < window;
	     m = m->next) {
		if (m->res != SEND_OK)
			continue; /* failed; waits for its parts in flight */
		for (size_t k = 0; k < m->parts.n && l->nwin < window; k++)
			if (m->state[k] == 0)
				submit_part(l, ci, m, k);
	}
}

static bool
status_temporary(uint32_t st)
{
	return st == ESME_RSYSERR || st == ESME_RX_T_APPN;
}

/* A submit_sm_resp to a USSD screen: true when seq was one. */
static bool
ussd_sent(struct smpp_link *l, const struct smpp_pdu *pdu)
{
	char tmp[12];

	for (size_t i = 0; i < l->nussd_sent; i++) {
		if (l->ussd_sent[i] != pdu->seq)
			continue;
		l->ussd_sent[i] = l->ussd_sent[--l->nussd_sent];
		if (pdu->status != ESME_ROK)
			log_warn("smpp %s: a USSD screen refused: %s",
			    l->p->name, smpp_status_name(pdu->status, tmp));
		return true;
	}
	return false;
}

static void
on_submit_resp(struct smpp_link *l, const struct smpp_pdu *pdu)
{
	struct pending w;
	size_t i;
	char tmp[12];

	if (ussd_sent(l, pdu))
		return;
	for (i = 0; i < l->nwin; i++)
		if (l->win[i].seq == pdu->seq)
			break;
	if (i == l->nwin) {
		log_warn("smpp %s: %s for no request (sequence %u)", l->p->name,
		    smpp_cmd_name(pdu->cmd), (unsigned)pdu->seq);
		return;
	}
	w = l->win[i];
	l->win[i] = l->win[--l->nwin];
	if (pdu->status == ESME_RTHROTTLED || pdu->status == ESME_RMSGQFUL) {
		/* the SMSC asks us to slow down: pause, resend this part */
		w.m->state[w.part] = 0;
		l->paused_until = mono_ms() + l->c->throttle_ms;
		log_info("smpp %s: %s, pausing %d ms", l->p->name,
		    smpp_status_name(pdu->status, tmp), l->c->throttle_ms);
		return;
	}
	w.m->state[w.part] = 2;
	w.m->answered++;
	if (pdu->status == ESME_ROK) {
		if (pdu->message_id[0] != '\0') {
			char id[sizeof(pdu->message_id)];

			smpp_id_normalise(pdu->message_id, l->c->id_base_resp,
			    id, sizeof(id));
			if (w.part == 0)
				w.m->provider_id = xstrdup(id);
			if (w.m->part_ids != NULL) {
				free(w.m->part_ids[w.part]);
				w.m->part_ids[w.part] = xstrdup(id);
			}
		}
	} else {
		char why[64];

		snprintf(why, sizeof(why), "SMSC answered %s",
		    smpp_status_name(pdu->status, tmp));
		fail_msg(w.m,
		    status_temporary(pdu->status) ? SEND_TEMPFAIL
						  : SEND_PERMFAIL,
		    why);
	}
	settle(l, w.m);
}

/* --- receiving ------------------------------------------------------ */

static uint64_t
hash_mo(const struct smpp_pdu *p)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *o = p->payload != NULL ? p->payload : p->sm;
	size_t n = p->payload != NULL ? p->payload_len : p->sm_len;
	const char *s[] = { p->src, p->dst };

	for (size_t k = 0; k < 2; k++)
		for (const char *c = s[k]; *c != '\0'; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ull;
	h = (h ^ p->esm_class) * 1099511628211ull;
	h = (h ^ p->data_coding) * 1099511628211ull;
	h = (h ^ (uint32_t)(p->sar_ref + 1)) * 1099511628211ull;
	h = (h ^ (uint32_t)(p->sar_seq + 1)) * 1099511628211ull;
	for (size_t i = 0; o != NULL && i < n; i++)
		h = (h ^ o[i]) * 1099511628211ull;
	return h;
}

static bool
redelivered(struct smpp_link *l, uint64_t h)
{
	int64_t now = mono_ms();

	for (size_t i = 0; i < l->nrecent; i++)
		if (l->recent[i].hash == h &&
		    l->recent[i].suspect_until > now) {
			l->recent[i].suspect_until = 0; /* caught once */
			return true;
		}
	return false;
}

/* Remembers an inbound PDU until well after its answer; returns its slot,
 * or -1 when every slot still waits for a commit. */
static int
remember(struct smpp_link *l, uint64_t h, int ci)
{
	size_t i;

	if (l->nrecent < RECENT_MAX) {
		i = l->nrecent++;
	} else { /* the oldest answered entry makes room */
		i = 0;
		for (size_t k = 1; k < RECENT_MAX; k++)
			if (l->recent[k].answered &&
			    (!l->recent[i].answered ||
				l->recent[k].answered_at <
				    l->recent[i].answered_at))
				i = k;
		/* all awaiting their commits: an entry still in use is not
		 * taken (its answer would mark this one); this message goes
		 * unremembered */
		if (!l->recent[i].answered)
			return -1;
	}
	l->recent[i] =
	    (struct recent){ .hash = h, .conn = ci, .gen = l->conns[ci].gen };
	return (int)i;
}

/* Called on the writer's thread once an inbound PDU is stored. */
static void
committed(void *cookie, int err)
{
	struct ack *a = cookie;
	struct smpp_link *l = a->l;

	a->err = err;
	pthread_mutex_lock(&l->lock);
	a->next = l->acks;
	l->acks = a;
	pthread_mutex_unlock(&l->lock);
	wake(l);
}

static void
answer(struct conn *cn, uint32_t cmd, uint32_t status, uint32_t seq)
{
	struct buf b;

	buf_init(&b);
	smpp_put_resp_id(&b, cmd | SMPP_RESP, status, seq);
	conn_send(cn, &b);
	buf_free(&b);
}

/* Called on the writer's thread once a USSD step is answered. */
static void
answered(void *cookie, int err, char *screen)
{
	struct ack *a = cookie;

	a->screen = screen;
	committed(cookie, err);
}

static struct ussd_dialogue *
dialogue(struct smpp_link *l, const char *number, int its)
{
	int64_t now = mono_ms();

	for (size_t i = 0; i < USSD_SESSIONS; i++) {
		struct ussd_dialogue *d = &l->ussd[i];

		if (d->path != NULL && d->its == its &&
		    strcmp(d->number, number) == 0 &&
		    now - d->at < USSD_IDLE_MS)
			return d;
	}
	return NULL;
}

static void
dialogue_end(struct ussd_dialogue *d)
{
	free(d->path);
	d->path = NULL;
}

/* A new dialogue, in a free slot or the quietest one's. */
static struct ussd_dialogue *
dialogue_new(struct smpp_link *l, const char *number, int its, const char *code)
{
	struct ussd_dialogue *d = &l->ussd[0];

	for (size_t i = 0; i < USSD_SESSIONS && d->path != NULL; i++)
		if (l->ussd[i].path == NULL || l->ussd[i].at < d->at)
			d = &l->ussd[i];
	dialogue_end(d);
	strlcpy_(d->number, number, sizeof(d->number));
	strlcpy_(d->code, code, sizeof(d->code));
	d->its = its;
	d->n++;
	d->path = xstrdup("");
	return d;
}

/* Sends a USSD step's screen: USSR request (op 2) for "CON ...", PSSR
 * response (op 17) for "END ...", on the sending connection. */
static void
send_ussd(struct smpp_link *l, const struct ack *a)
{
	struct conn *cn = &l->conns[0];
	size_t len = strlen(a->screen);
	bool end = strncmp(a->screen, "END", 3) == 0;
	const char *text = a->screen +
	    (len >= 4 && a->screen[3] == ' ' ? 4
		    : len < 3                ? len
					     : 3);
	struct smpp_parts parts = { 0 };
	struct smpp_submit s;
	struct buf pdu;
	uint32_t seq;

	if (len < 3 || cn->state != C_BOUND ||
	    smpp_text_encode(text, l->c->alphabet, SMPP_LONG_PAYLOAD, 0,
		&parts) < 0 ||
	    parts.n != 1) {
		log_warn("smpp %s: a USSD screen for %s not sent (%s)",
		    l->p->name, a->number,
		    cn->state != C_BOUND ? "not bound" : "cannot encode it");
		smpp_parts_free(&parts);
		return;
	}
	/* a screen (182 characters at most) fits short_message's 254 octets:
	 * USSD gateways look there, not in message_payload */
	if (parts.v[0].payload && parts.v[0].len <= 254)
		parts.v[0].payload = false;
	s = (struct smpp_submit){
		.service_type = a->service_type[0] != '\0' ? a->service_type
							   : l->c->service_type,
		.src = a->code,
		.dst_ton = a->ton,
		.dst_npi = a->npi,
		.dst = a->number,
		.esm_class = parts.v[0].esm_class,
		.data_coding = parts.v[0].data_coding,
		.sm = parts.v[0].sm,
		.sm_len = parts.v[0].len,
		.payload = parts.v[0].payload,
		.sar_ref = -1,
		.ussd_op = end ? 17 : 2,
		/* the end-of-session bit on the last screen */
		.its_session =
		    a->its_session < 0 ? -1 : (a->its_session & ~1) | end,
	};
	if (end) {
		struct ussd_dialogue *d = dialogue(l, a->number,
		    a->its_session < 0 ? -1 : a->its_session >> 8);

		if (d != NULL)
			dialogue_end(d);
	}
	seq = next_seq(l);
	if (l->nussd_sent == USSD_SENT_MAX)
		memmove(l->ussd_sent, l->ussd_sent + 1,
		    --l->nussd_sent * sizeof(*l->ussd_sent));
	l->ussd_sent[l->nussd_sent++] = seq;
	buf_init(&pdu);
	smpp_put_submit(&pdu, seq, &s);
	conn_send(cn, &pdu);
	buf_free(&pdu);
	smpp_parts_free(&parts);
}

/* Sends the answers the writer's commits allow. */
static void
send_acks(struct smpp_link *l)
{
	struct ack *a, *next;
	int64_t now = mono_ms();

	pthread_mutex_lock(&l->lock);
	a = l->acks;
	l->acks = NULL;
	pthread_mutex_unlock(&l->lock);
	for (; a != NULL; a = next) {
		struct conn *cn = &l->conns[a->conn];

		next = a->next;
		if (a->recent >= 0 && a->err == 0 &&
		    l->recent[a->recent].gen == a->gen &&
		    l->recent[a->recent].conn == a->conn) {
			l->recent[a->recent].answered = true;
			l->recent[a->recent].answered_at = now;
		}
		if (cn->gen == a->gen && cn->fd >= 0)
			answer(cn, a->cmd,
			    a->err == 0 ? ESME_ROK
				: a->ussd && a->err == -ENOENT
				? ESME_RX_P_APPN /* no USSD menus here */
				: ESME_RX_T_APPN,
			    a->seq);
		if (a->ussd && a->err == 0 && a->screen != NULL)
			send_ussd(l, a);
		free(a->screen);
		pthread_mutex_lock(&l->lock);
		l->waiting--;
		pthread_mutex_unlock(&l->lock);
		free(a);
	}
}

static struct ack *
new_ack(struct smpp_link *l, int ci, const struct smpp_pdu *pdu, int recent)
{
	struct ack *a = xcalloc(1, sizeof(*a));

	a->l = l;
	a->conn = ci;
	a->gen = l->conns[ci].gen;
	a->seq = pdu->seq;
	a->cmd = pdu->cmd;
	a->recent = recent;
	pthread_mutex_lock(&l->lock);
	l->waiting++;
	pthread_mutex_unlock(&l->lock);
	return a;
}

static void
on_receipt(struct smpp_link *l, int ci, const struct smpp_pdu *pdu)
{
	struct smpp_receipt rc;
	struct dlr d = { 0 };
	char id[sizeof(rc.id)];

	if (smpp_receipt_parse(pdu, &rc) < 0) {
		log_warn("smpp %s: a receipt without an id or a state; ignored",
		    l->p->name);
		answer(&l->conns[ci], pdu->cmd, ESME_ROK, pdu->seq);
		return;
	}
	smpp_id_normalise(rc.id, l->c->id_base_receipt, id, sizeof(id));
	d.provider_id = xstrdup(id);
	d.status = rc.status;
	d.reason = rc.reason[0] ? xstrdup(rc.reason) : NULL;
	l->sink.report(l->sink.arg, l->p, &d, committed,
	    new_ack(l, ci, pdu, -1));
}

static char *
inbound_number(const char *addr, uint8_t ton)
{
	if (ton == 1 && addr[0] != '+' && addr[0] != '\0')
		return xasprintf("+%s", addr);
	return xstrdup(addr);
}

/*
 * A USSD step: a dial (PSSR indication, op 1: the service code in
 * destination_addr, the dial string in the text) or an answer to our last
 * screen (USSR confirm, op 18).  The menus take a dialogue's inputs
 * joined by '*', as Africa's Talking sends them; a dial with more
 * (*384*7*1#, code *384*7#) starts with those inputs.  Other operations
 * (notifications, releases) are acknowledged and ignored.
 */
static void
on_ussd(struct smpp_link *l, int ci, const struct smpp_pdu *pdu)
{
	struct conn *cn = &l->conns[ci];
	int its = pdu->its_session < 0 ? -1 : pdu->its_session >> 8;
	struct ussd_dialogue *d = dialogue(l, pdu->src, its);
	struct ussd_req u = { 0 };
	struct smpp_text t;
	const char *why = NULL;
	struct buf err;
	struct ack *a;
	char *path;

	if (pdu->ussd_op != 1 && pdu->ussd_op != 18) {
		log_info("smpp %s: USSD operation %d from %s ignored",
		    l->p->name, pdu->ussd_op, pdu->src);
		if (pdu->ussd_op == 17 && d != NULL) /* released */
			dialogue_end(d);
		answer(cn, pdu->cmd, ESME_ROK, pdu->seq);
		return;
	}
	u.number = inbound_number(pdu->src, pdu->src_ton);
	buf_init(&err);
	if (check_number("source_addr", u.number, &err) < 0)
		why = err.data;
	else if (u.number[u.number[0] == '+'] == '\0' ||
	    strspn(u.number + (u.number[0] == '+'), "0123456789") !=
		strlen(u.number + (u.number[0] == '+')))
		why = "a USSD dial comes from a phone number";
	else if (smpp_text_decode(pdu, l->c->alphabet, &t, &why) == 0 &&
	    d != NULL && pdu->ussd_op == 18 &&
	    strlen(d->path) + strlen(t.text) >= MSG_TEXT_MAX) {
		smpp_text_done(&t);
		why = "a dialogue longer than a message";
	}
	if (why != NULL) {
		log_warn("smpp %s: refused a USSD step from %s: %s", l->p->name,
		    pdu->src, why);
		answer(cn, pdu->cmd, ESME_RX_P_APPN, pdu->seq);
		if (d != NULL)
			dialogue_end(d);
		buf_free(&err);
		ussd_req_done(&u);
		return;
	}
	buf_free(&err);
	if (pdu->ussd_op == 1 || d == NULL) {
		size_t stem = strlen(pdu->dst) -
		    (pdu->dst[0] != '\0' &&
			pdu->dst[strlen(pdu->dst) - 1] == '#');
		const char *more = t.text;

		d = dialogue_new(l, pdu->src, its, pdu->dst);
		if (pdu->ussd_op == 1) {
			/* *384*7*1*2# dialled for *384*7#: inputs 1*2 */
			if (stem > 0 && strncmp(more, pdu->dst, stem) == 0 &&
			    more[stem] == '*' && more[strlen(more) - 1] == '#')
				path = xstrndup(more + stem + 1,
				    strlen(more) - stem - 2);
			else
				path = xstrdup("");
		} else { /* an answer to a dialogue we lost: it starts here */
			path = xstrdup(more);
		}
	} else {
		path = d->path[0] != '\0' ? xasprintf("%s*%s", d->path, t.text)
					  : xstrdup(t.text);
	}
	free(d->path);
	d->path = path;
	d->at = mono_ms();
	u.session =
	    xasprintf("smpp-%s-%lld-%u", pdu->src, (long long)l->started, d->n);
	u.code = xstrdup(d->code);
	u.text = xstrdup(d->path);
	smpp_text_done(&t);
	a = new_ack(l, ci, pdu, -1);
	a->ussd = true;
	strlcpy_(a->number, pdu->src, sizeof(a->number));
	strlcpy_(a->code, d->code, sizeof(a->code));
	strlcpy_(a->service_type, pdu->service_type, sizeof(a->service_type));
	a->ton = pdu->src_ton;
	a->npi = pdu->src_npi;
	a->its_session = pdu->its_session;
	l->sink.ussd(l->sink.arg, l->p, &u, answered, a);
}

static void
on_mo(struct smpp_link *l, int ci, const struct smpp_pdu *pdu)
{
	struct conn *cn = &l->conns[ci];
	struct smpp_text t;
	struct inbound in = { 0 };
	struct buf err;
	const char *why = NULL;
	uint64_t h;

	if (pdu->ussd_op >= 0) {
		on_ussd(l, ci, pdu);
		return;
	}
	if (smpp_text_decode(pdu, l->c->alphabet, &t, &why) < 0) {
		log_warn("smpp %s: refused a message from %s: %s", l->p->name,
		    pdu->src, why);
		answer(cn, pdu->cmd, ESME_RX_P_APPN, pdu->seq);
		return;
	}
	in.from = inbound_number(pdu->src, pdu->src_ton);
	in.to = xstrdup(pdu->dst);
	in.text = t.text;
	t.text = NULL;
	buf_init(&err);
	if (check_number("source_addr", in.from, &err) < 0) {
		log_warn("smpp %s: refused a message: %s", l->p->name,
		    err.data);
		answer(cn, pdu->cmd, ESME_RX_P_APPN, pdu->seq);
		buf_free(&err);
		inbound_done(&in);
		return;
	}
	buf_free(&err);
	if (t.total > 0) {
		in.concat_ref = xstrdup(t.ref);
		in.concat_total = t.total;
		in.concat_part = t.part;
	}
	h = hash_mo(pdu);
	if (redelivered(l, h)) {
		log_info("smpp %s: a redelivery from %s caught (stored before)",
		    l->p->name, pdu->src);
		answer(cn, pdu->cmd, ESME_ROK, pdu->seq);
		inbound_done(&in);
		return;
	}
	l->sink.inbound(l->sink.arg, l->p, &in, committed,
	    new_ack(l, ci, pdu, remember(l, h, ci)));
}

/* The SMSC's outbind on a connection it opened: checked, then answered
 * with bind_receiver; a wrong one closes the connection (SMPP 3.4
 * 4.1.7). */
static void
on_outbind(struct smpp_link *l, int ci, const struct smpp_pdu *pdu)
{
	const struct smpp_conf *c = l->c;
	struct conn *cn = &l->conns[ci];

	if (strcmp(pdu->password, c->outbind_password) != 0 ||
	    (c->outbind_system_id != NULL &&
		strcmp(pdu->system_id, c->outbind_system_id) != 0)) {
		log_warn("smpp %s: outbind from %s (system_id '%s') refused: "
			 "%s",
		    l->p->name, cn->addr_text, pdu->system_id,
		    strcmp(pdu->password, c->outbind_password) != 0
			? "wrong password"
			: "not the configured outbind_system_id");
		cn->state = C_DOWN; /* quietly: logged here */
		conn_close(l, ci, "outbind refused");
		return;
	}
	log_info("smpp %s: outbind from %s (system_id '%s'); binding as a "
		 "receiver",
	    l->p->name, cn->addr_text, pdu->system_id);
	send_bind(l, ci);
}

static void
on_pdu(struct smpp_link *l, int ci, const uint8_t *p, size_t n)
{
	struct conn *cn = &l->conns[ci];
	struct smpp_pdu pdu;
	char tmp[12];
	int rc = smpp_pdu_decode(p, n, &pdu);

	if (rc < 0 && !(pdu.cmd & SMPP_RESP)) {
		log_warn("smpp %s: undecodable %s; answered generic_nack",
		    l->p->name, smpp_cmd_name(pdu.cmd));
		put_header(cn, SMPP_GENERIC_NACK, ESME_RINVCMDLEN, pdu.seq);
		return;
	}
	switch (pdu.cmd) {
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP:
	case SMPP_BIND_TRANSMITTER | SMPP_RESP:
	case SMPP_BIND_RECEIVER | SMPP_RESP:
		if (cn->state != C_BINDING)
			break;
		if (pdu.status != ESME_ROK) {
			log_error("smpp %s: bind refused: %s", l->p->name,
			    smpp_status_name(pdu.status, tmp));
			cn->state = C_DOWN; /* quietly: logged here */
			conn_close(l, ci, "bind refused");
			return;
		}
		cn->state = C_BOUND;
		cn->failures = 0;
		if (cn->outbind)
			log_info("smpp %s: bound through the outbind from %s "
				 "(%s) as %s",
			    l->p->name, cn->addr_text,
			    smpp_cmd_name(cn->bind_cmd),
			    pdu.system_id[0] ? pdu.system_id : "?");
		else
			log_info("smpp %s: bound to %s:%s (%s) as %s",
			    l->p->name, l->c->host, l->c->port,
			    smpp_cmd_name(cn->bind_cmd),
			    pdu.system_id[0] ? pdu.system_id : "?");
		if (cn->tx) {
			atomic_store(&l->bound_tx, true);
			l->sink.ready(l->sink.arg, l->p);
		}
		break;
	case SMPP_SUBMIT_SM | SMPP_RESP:
		on_submit_resp(l, &pdu);
		break;
	case SMPP_GENERIC_NACK:
		log_warn("smpp %s: generic_nack %s for sequence %u", l->p->name,
		    smpp_status_name(pdu.status, tmp), (unsigned)pdu.seq);
		if (pdu.status == ESME_ROK)
			pdu.status = ESME_RSYSERR;
		on_submit_resp(l, &pdu);
		break;
	case SMPP_DELIVER_SM:
	case SMPP_DATA_SM:
		if (cn->state != C_BOUND || !cn->rx)
			answer(cn, pdu.cmd, ESME_RINVBNDSTS, pdu.seq);
		else if (smpp_is_receipt(&pdu))
			on_receipt(l, ci, &pdu);
		else
			on_mo(l, ci, &pdu);
		break;
	case SMPP_ENQUIRE_LINK:
		put_header(cn, SMPP_ENQUIRE_LINK | SMPP_RESP, ESME_ROK,
		    pdu.seq);
		break;
	case SMPP_ENQUIRE_LINK | SMPP_RESP:
		if (pdu.seq == cn->enquire_seq)
			cn->enquire_seq = 0;
		break;
	case SMPP_UNBIND:
		put_header(cn, SMPP_UNBIND | SMPP_RESP, ESME_ROK, pdu.seq);
		cn->state = C_DONE; /* closes once the answer is out */
		cn->failures = 0;
		break;
	case SMPP_UNBIND | SMPP_RESP:
		cn->state = C_DONE;
		break;
	case SMPP_OUTBIND:
		if (cn->state == C_OUTBIND)
			on_outbind(l, ci, &pdu);
		break;
	case SMPP_ALERT_NOTIFICATION:
	case SMPP_DELIVER_SM | SMPP_RESP:
		break;
	default:
		if (!(pdu.cmd & SMPP_RESP))
			put_header(cn, SMPP_GENERIC_NACK, ESME_RINVCMDID,
			    pdu.seq);
		break;
	}
}

/* Reads what the socket has and handles each whole PDU. */
/* Reads what the socket has: > 0 bytes, 0 when the SMSC closed, -EAGAIN
 * for nothing yet, else an error (*why says it). */
static ssize_t
io_read(struct conn *cn, void *buf, size_t n, const char **why)
{
	ssize_t r;

	if (cn->tls != NULL) {
		r = smpp_tls_read(cn->tls, buf, n);
		cn->tls_want_write = r == SMPP_TLS_WANT_WRITE;
		if (r == SMPP_TLS_WANT_READ || r == SMPP_TLS_WANT_WRITE)
			return -EAGAIN;
		*why = r == 0 ? "closed by the SMSC" : smpp_tls_error(cn->tls);
		return r > 0 ? r : r == 0 ? 0 : -EPROTO;
	}
	r = read(cn->fd, buf, n);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	*why = r == 0 ? "closed by the SMSC" : strerror(errno);
	return r < 0 ? -errno : r;
}

/* Writes: bytes taken, -EAGAIN for none yet, else an error (*why). */
static ssize_t
io_write(struct conn *cn, const void *buf, size_t n, const char **why)
{
	ssize_t r;

	if (cn->tls != NULL) {
		r = smpp_tls_write(cn->tls, buf, n);
		if (r == SMPP_TLS_WANT_READ || r == SMPP_TLS_WANT_WRITE)
			return -EAGAIN;
		*why = smpp_tls_error(cn->tls);
		return r > 0 ? r : -EPROTO;
	}
	r = send(cn->fd, buf, n, MSG_NOSIGNAL);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return -EAGAIN;
	*why = strerror(errno);
	return r < 0 ? -errno : r;
}

/* Handles the whole PDUs in cn->in; false when the connection closed. */
static bool
take_pdus(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	size_t off = 0;

	for (;;) {
		const uint8_t *p = (const uint8_t *)cn->in.data + off;
		long len = smpp_frame_len(p, cn->in.len - off);

		if (len < 0) {
			log_error(
			    "smpp %s: a PDU length no PDU has; reconnecting",
			    l->p->name);
			conn_close(l, ci, "framing error");
			return false;
		}
		if (len == 0 || (size_t)len > cn->in.len - off)
			break;
		on_pdu(l, ci, p, (size_t)len);
		if (cn->fd < 0)
			return false; /* closed while handling */
		off += (size_t)len;
	}
	if (off > 0) {
		memmove(cn->in.data, cn->in.data + off, cn->in.len - off);
		cn->in.len -= off;
	}
	return true;
}

/* Reads once from a plain socket; over TLS until the socket is drained,
 * since TLS may hold bytes poll() cannot see. */
static void
conn_read(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	uint8_t chunk[READ_CHUNK];
	const char *why = NULL;
	ssize_t n;

	do {
		n = io_read(cn, chunk, sizeof(chunk), &why);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			conn_close(l, ci, why);
			return;
		}
		cn->last_rx = mono_ms();
		buf_append(&cn->in, chunk, (size_t)n);
		if (!take_pdus(l, ci))
			return;
	} while (cn->tls != NULL);
}

static void
conn_write(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];

	while (cn->out_off < cn->out.len) {
		const char *why = NULL;
		ssize_t n = io_write(cn, cn->out.data + cn->out_off,
		    cn->out.len - cn->out_off, &why);

		if (n < 0) {
			if (n != -EAGAIN)
				conn_close(l, ci, why);
			return;
		}
		cn->out_off += (size_t)n;
	}
	buf_reset(&cn->out);
	cn->out_off = 0;
}

/* Timers: reconnect, bind and response timeouts, enquire_link. */
static void
conn_timers(struct smpp_link *l, int ci, bool stopping)
{
	struct conn *cn = &l->conns[ci];
	int64_t now = mono_ms(), limit = (int64_t)l->c->response_s * 1000;

	if (cn->state == C_OUTBIND && now - cn->bind_sent > limit) {
		log_warn("smpp %s: no outbind from %s in %d s; closed",
		    l->p->name, cn->addr_text, l->c->response_s);
		conn_close(l, ci, "no outbind");
		return;
	}
	if (cn->state == C_DOWN) {
		int rc;

		if (stopping || now < cn->retry_at || cn->outbind)
			return;
		if (cn->dns ==
		    NULL) { /* a new attempt: look the name up anew */
			freeaddrinfo(cn->ai);
			cn->ai = NULL;
		}
		if ((rc = conn_open(l, ci)) < 0 && rc != -EINPROGRESS)
			conn_close(l, ci, "cannot connect");
		return;
	}
	if ((cn->state == C_CONNECTING || cn->state == C_HANDSHAKE ||
		cn->state == C_BINDING) &&
	    now - cn->bind_sent > limit) {
		/* a silent address: the next one on the next attempt */
		if (cn->state == C_CONNECTING)
			cn->addr = cn->more_addrs ? cn->addr + 1 : 0;
		conn_close(l, ci, "no answer to the bind");
		return;
	}
	if (cn->state != C_BOUND)
		return;
	for (size_t i = 0; i < l->nwin; i++)
		if (l->win[i].conn == ci && now - l->win[i].at > limit) {
			log_warn(
			    "smpp %s: no submit_sm_resp in %d s; reconnecting",
			    l->p->name, l->c->response_s);
			conn_close(l, ci, "response timeout");
			return;
		}
	if (cn->enquire_seq != 0 && now - cn->enquire_sent > limit) {
		conn_close(l, ci, "no enquire_link_resp");
		return;
	}
	if (cn->enquire_seq == 0 &&
	    now - cn->last_rx > (int64_t)l->c->enquire_link_s * 1000 &&
	    now - cn->enquire_sent > (int64_t)l->c->enquire_link_s * 1000) {
		cn->enquire_seq = next_seq(l);
		cn->enquire_sent = now;
		put_header(cn, SMPP_ENQUIRE_LINK, 0, cn->enquire_seq);
	}
}

/* Drives the TLS handshake; binds once it is done. */
static void
handshake(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	int rc = smpp_tls_handshake(cn->tls);

	cn->tls_want_write = rc == SMPP_TLS_WANT_WRITE;
	if (rc == SMPP_TLS_WANT_READ || rc == SMPP_TLS_WANT_WRITE)
		return;
	if (rc != 0) {
		if (cn->failures == 0)
			log_error("smpp %s: TLS with %s:%s failed: %s",
			    l->p->name, l->c->host, l->c->port,
			    smpp_tls_error(cn->tls));
		conn_close(l, ci, smpp_tls_error(cn->tls));
		return;
	}
	send_bind(l, ci);
}

static void
on_connected(struct smpp_link *l, int ci)
{
	struct conn *cn = &l->conns[ci];
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err != 0 && cn->more_addrs) {
		/* the next address, at once: not a failure of the host's */
		log_next_addr(l, cn, err);
		close(cn->fd);
		cn->fd = -1;
		cn->state = C_DOWN;
		cn->addr++;
		if (conn_open(l, ci) < 0)
			conn_close(l, ci, "cannot connect");
		return;
	}
	if (err != 0) {
		cn->addr = 0;
		if (cn->failures == 0)
			log_error("smpp %s: cannot connect to %s:%s: %s",
			    l->p->name, l->c->host, l->c->port, strerror(err));
		conn_close(l, ci, strerror(err));
		return;
	}
	cn->last_rx = mono_ms();
	if (l->tls == NULL) {
		send_bind(l, ci);
		return;
	}
	if ((cn->tls = smpp_tls_new(l->tls, cn->fd, l->c->host)) == NULL) {
		conn_close(l, ci, "cannot start TLS");
		return;
	}
	cn->state = C_HANDSHAKE;
	handshake(l, ci);
}

/* Sends unbind on every bound connection and waits (bounded) for the
 * answers; then waits for the writer's answers to commits still owed,
 * since each holds a pointer to the link. */
static void
unbind_all(struct smpp_link *l)
{
	int64_t deadline = mono_ms() + LINK_UNBIND_MS;

	for (int i = 0; i < l->nconns; i++) {
		struct conn *cn = &l->conns[i];

		if (cn->state == C_BOUND) {
			cn->state = C_UNBINDING;
			put_header(cn, SMPP_UNBIND, 0, next_seq(l));
		} else if (cn->fd >= 0) {
			cn->state = C_DONE;
		}
	}
	for (;;) {
		struct pollfd pf[2];
		int map[2], n = 0, waiting;
		bool late = mono_ms() > deadline;

		send_acks(l);
		for (int i = 0; i < l->nconns; i++) {
			struct conn *cn = &l->conns[i];

			if (cn->fd >= 0)
				conn_write(l, i);
			if (cn->fd >= 0 && (cn->state == C_DONE || late)) {
				close(cn->fd);
				cn->fd = -1;
			}
			if (cn->fd >= 0) {
				pf[n].fd = cn->fd;
				pf[n].events = POLLIN;
				map[n++] = i;
			}
		}
		pthread_mutex_lock(&l->lock);
		waiting = l->waiting;
		pthread_mutex_unlock(&l->lock);
		if (n == 0 && waiting == 0)
			return;
		if (n == 0) {
			poll(NULL, 0, 10);
			continue;
		}
		poll(pf, (nfds_t)n, LINK_TICK_MS);
		for (int k = 0; k < n; k++)
			if (pf[k].revents != 0)
				conn_read(l, map[k]);
	}
}

/* A connection to the outbind address: it becomes the receiver's once
 * its outbind is checked.  While the receiver's connection is open
 * another is refused; a dead one is found by enquire_link and closed,
 * and the SMSC's next outbind is taken. */
static void
on_accept(struct smpp_link *l)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	struct conn *cn = &l->conns[1];
	char addr[INET6_ADDRSTRLEN];
	int fd = accept4(l->lfd, (struct sockaddr *)&sa, &len,
		SOCK_NONBLOCK | SOCK_CLOEXEC),
	    one = 1;

	if (fd < 0)
		return;
	if (getnameinfo((struct sockaddr *)&sa, len, addr, sizeof(addr), NULL,
		0, NI_NUMERICHOST) != 0)
		snprintf(addr, sizeof(addr), "?");
	if (cn->fd >= 0) {
		log_warn("smpp %s: a connection from %s while the receiver's "
			 "is open; closed",
		    l->p->name, addr);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	cn->fd = fd;
	cn->state = C_OUTBIND;
	cn->bind_sent = cn->last_rx = mono_ms();
	snprintf(cn->addr_text, sizeof(cn->addr_text), "%s", addr);
}

/* The socket where the SMSC's outbind comes. */
static int
outbind_listen(const struct smpp_conf *c, char **ret_err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE },
			*ai = NULL;
	char port[16];
	int fd, one = 1, rc;

	snprintf(port, sizeof(port), "%d", c->outbind_port);
	if ((rc = getaddrinfo(c->outbind_host, port, &hints, &ai)) != 0) {
		*ret_err =
		    xasprintf("outbind_listen '%s' cannot be resolved: %s",
			c->outbind_host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, 4) < 0) {
		*ret_err = xasprintf("cannot listen for outbind on %s:%d: %s",
		    c->outbind_host, c->outbind_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void *
link_main(void *arg)
{
	struct smpp_link *l = arg;

	while (!atomic_load(&l->stop)) {
		struct pollfd pf[4];
		int map[4], n = 0;

		for (int i = 0; i < l->nconns; i++)
			conn_timers(l, i, false);
		send_acks(l);
		fill_window(l);
		for (int i = 0; i < l->nconns; i++) {
			struct conn *cn = &l->conns[i];

			if (cn->fd < 0)
				continue;
			if (cn->state != C_CONNECTING &&
			    cn->state != C_HANDSHAKE)
				conn_write(l, i);
			if (cn->fd < 0)
				continue;
			if (cn->state == C_DONE && cn->out.len == 0) {
				conn_close(l, i, "unbound");
				cn->retry_at = mono_ms(); /* bind again now */
				continue;
			}
			pf[n].fd = cn->fd;
			pf[n].events = cn->state == C_CONNECTING ? POLLOUT
			    : cn->state == C_HANDSHAKE
			    ? (cn->tls_want_write ? POLLOUT : POLLIN)
			    : cn->out.len > cn->out_off || cn->tls_want_write
			    ? POLLIN | POLLOUT
			    : POLLIN;
			map[n++] = i;
		}
		pf[n].fd = l->wake[0];
		pf[n].events = POLLIN;
		map[n++] = -1;
		if (l->lfd >= 0) {
			pf[n].fd = l->lfd;
			pf[n].events = POLLIN;
			map[n++] = -2;
		}
		{
			bool up = true;

			for (int i = 0; i < l->nconns; i++)
				up = up && l->conns[i].state == C_BOUND;
			atomic_store(&l->up, up);
		}
		if (poll(pf, (nfds_t)n, LINK_TICK_MS) <= 0)
			continue;
		for (int k = 0; k < n; k++) {
			int i = map[k];

			if (pf[k].revents == 0)
				continue;
			if (i == -2) {
				on_accept(l);
				continue;
			}
			if (i < 0) {
				char drain[64];
				while (
				    read(l->wake[0], drain, sizeof(drain)) > 0)
					;
				continue;
			}
			if (l->conns[i].state == C_CONNECTING)
				on_connected(l, i);
			else if (l->conns[i].state == C_HANDSHAKE)
				handshake(l, i);
			else if (pf[k].revents & (POLLIN | POLLHUP | POLLERR) ||
			    l->conns[i].tls_want_write)
				conn_read(l, i);
			else if (pf[k].revents & POLLOUT)
				conn_write(l, i);
		}
	}
	atomic_store(&l->up, false);
	unbind_all(l);
	return NULL;
}

/* What smpp_link_start() made before its thread. */
static void
link_free(struct smpp_link *l)
{
	for (int i = 0; i < 2; i++)
		if (l->wake[i] >= 0)
			close(l->wake[i]);
	if (l->lfd >= 0)
		close(l->lfd);
	smpp_tls_ctx_free(l->tls);
	pthread_mutex_destroy(&l->lock);
	free(l->win);
	free(l);
}

struct smpp_link *
smpp_link_start(const struct smpp_conf *c, const struct provider *p,
    const struct provider_sink *sink, char **ret_err)
{
	struct smpp_link *l = xcalloc(1, sizeof(*l));
	char *why = NULL, *tname;

	l->c = c;
	l->p = p;
	l->sink = *sink;
	l->rnd = (unsigned)now_ms();
	l->started = now_ms();
	l->inbox_tail = &l->inbox;
	l->queue_tail = &l->queue;
	l->win = xcalloc((size_t)p->concurrency, sizeof(*l->win));
	pthread_mutex_init(&l->lock, NULL);
	l->nconns = c->pair ? 2 : 1;
	l->lfd = -1;
	for (int i = 0; i < l->nconns; i++) {
		struct conn *cn = &l->conns[i];

		cn->fd = -1;
		cn->outbind = c->pair && i == 1 && c->outbind_host != NULL;
		buf_init(&cn->in);
		buf_init(&cn->out);
		cn->tx = !c->pair || i == 0;
		cn->rx = !c->pair || i == 1;
		cn->bind_cmd = !c->pair ? SMPP_BIND_TRANSCEIVER
		    : i == 0            ? SMPP_BIND_TRANSMITTER
					: SMPP_BIND_RECEIVER;
	}
	l->wake[0] = l->wake[1] = -1;
	if (c->tls &&
	    (l->tls = smpp_tls_ctx_new(c->tls_ca, c->tls_verify, &why)) == NULL)
		goto fail;
	if (c->tls && !c->tls_verify)
		log_warn(
		    "smpp %s: tls_verify = false: the SMSC's certificate is "
		    "not checked (a test SMSC only)",
		    p->name);
	if (c->outbind_host != NULL && (l->lfd = outbind_listen(c, &why)) < 0)
		goto fail;
	if (pipe2(l->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		l->wake[0] = l->wake[1] = -1;
		why = xstrdup("cannot make a pipe");
		goto fail;
	}
	if (pthread_create(&l->thread, NULL, link_main, l) != 0) {
		why = xstrdup("cannot start its thread");
		goto fail;
	}
	tname = xasprintf("smpp %s", p->name);
	thread_name(l->thread, tname);
	free(tname);
	return l;
fail:
	*ret_err = xasprintf("smpp %s: %s", p->name, why);
	free(why);
	link_free(l);
	return NULL;
}

void
smpp_link_stop(struct smpp_link *l)
{
	if (l == NULL)
		return;
	atomic_store(&l->stop, true);
	wake(l);
	pthread_join(l->thread, NULL);
	for (int i = 0; i < l->nconns; i++) {
		conn_forget_addrs(l, &l->conns[i]);
		smpp_tls_free(l->conns[i].tls);
		if (l->conns[i].fd >= 0)
			close(l->conns[i].fd);
		buf_free(&l->conns[i].in);
		buf_free(&l->conns[i].out);
	}
	/* messages not answered stay queued in the store */
	for (struct omsg *m = l->queue, *next; m != NULL; m = next) {
		next = m->next;
		omsg_free(m);
	}
	for (struct omsg *m = l->inbox, *next; m != NULL; m = next) {
		next = m->next;
		omsg_free(m);
	}
	for (struct ack *a = l->acks, *next; a != NULL; a = next) {
		next = a->next;
		free(a->screen);
		free(a);
	}
	for (size_t i = 0; i < USSD_SESSIONS; i++)
		dialogue_end(&l->ussd[i]);
	link_free(l);
}
