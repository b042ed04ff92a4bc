/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider: the interface between the gateway and one provider type
 * (provider_<type>.c), and the table of compiled-in types.  A provider
 * turns its webhooks into inbound messages and delivery reports, and turns
 * an outbound message into an HTTP request whose answer it classifies.  It
 * never touches the database or sockets: http.c and sender.c do the I/O.
 * The exception is a provider that keeps its own connection (SMPP): it
 * runs its socket in its own thread (smpp_link.c) and reports through a
 * struct provider_sink, which links.c joins to the writer and sender.
 */
#ifndef BARAZA_PROVIDER_H
#define BARAZA_PROVIDER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "conf_errors.h"
#include "util.h"

#define PROVIDER_ABI 1

struct provider;

/* Limits on what a provider's caller controls. */
#define MSG_TEXT_MAX   4096 /* bytes of UTF-8 in one message */
#define MSG_NUMBER_MAX 32   /* bytes of a phone number or sender id */
#define MSG_ID_MAX     128  /* bytes of a provider message id */

struct kv {
	const char *key;
	const char *value;
};

/* A webhook request as providers see it; everything borrowed. */
struct webreq {
	const char *method;
	const char *content_type; /* may be NULL */
	const char *body;         /* NUL-terminated; body_len excludes it */
	size_t body_len;
	const struct kv *query; /* decoded URL query arguments */
	size_t nquery;
	const char *(*header)(const struct webreq *r, const char *name);
	void *conn;              /* for header() */
	const char *remote_addr; /* the peer's numeric address, or NULL */
	const char *path;        /* "/sms/NAME", as requested */
	const char *uri;         /* path and query exactly as sent */
};

/* A parsed inbound SMS; strings owned, freed by inbound_done(). */
struct inbound {
	char *from;
	char *to;
	char *text;
	char *id; /* provider message id; NULL when the provider gives none */
	/* One part of a concatenated SMS the provider did not join: parts
	 * are stored as they come and routed once all are in (or after
	 * gateway.concat_timeout_s, as they are).  concat_total 0: whole. */
	char *concat_ref;
	int concat_total;
	int concat_part; /* 1-based */
};

#define CONCAT_MAX_PARTS 32

void inbound_done(struct inbound *in);

#define USSD_TEXT_MAX 1024 /* bytes of a session's joined inputs */
#define USSD_CODE_MAX 32   /* bytes of a service code (*384*1#) */

/* One USSD step (Africa's Talking's callback); strings owned, freed by
 * ussd_req_done(). */
struct ussd_req {
	char *session; /* the provider's session id, constant for a session */
	char *number;  /* the citizen */
	char *code;    /* the service code dialled */
	char *text;    /* every input of the session joined by '*'; "" first */
};

void ussd_req_done(struct ussd_req *u);

enum dlr_status {
	DLR_SENT,
	DLR_DELIVERED,
	DLR_FAILED,
	DLR_EXPIRED,
};

struct dlr {
	char *provider_id; /* the id the provider gave on send, or NULL */
	int64_t our_id; /* our message id when the callback carries it, or 0 */
	enum dlr_status status;
	char *reason; /* provider's words, or NULL */
};

void dlr_done(struct dlr *d);
const char *dlr_status_name(enum dlr_status s);

struct outmsg {
	int64_t id;
	const char *to;
	const char *from; /* sender id: provider's 'from', or NULL */
	const char *text;
};

/* An HTTP request a provider wants sent; strings owned by the request. */
#define SENDREQ_MAX_HEADERS 8
struct sendreq {
	char *url;
	char *body;                         /* NULL for GET */
	char *headers[SENDREQ_MAX_HEADERS]; /* "Name: value" */
	size_t nheaders;
	char *userpwd; /* basic auth "user:password", or NULL */
};

void sendreq_done(struct sendreq *r);

enum send_result {
	SEND_OK,
	SEND_TEMPFAIL, /* try again later */
	SEND_PERMFAIL, /* retrying cannot help */
};

/* What a provider said of one send; strings owned, NULL when not given. */
struct send_outcome {
	char *provider_id; /* the provider's id for the message */
	char *reason;      /* why it failed, in the provider's words */
	char *cost;        /* "KES 0.8000", when the provider says */
	/* A long message the provider sent as parts with an id each (SMPP,
	 * Vonage): every part's id in order, the first being provider_id.
	 * Their reports settle the message together. */
	char **part_ids;
	size_t nparts;
};

void send_outcome_done(struct send_outcome *o);

/*
 * Where a provider that keeps its own connection (SMPP) reports, from its
 * own thread.  inbound() and report() take the strings of what they are
 * given and call committed(cookie, err) once it is durable (err 0) or
 * could not be stored (err < 0), on another thread; sent() gives the
 * outcome of a message handed over by submit(), taking out's strings;
 * ready() says the provider takes messages again.
 */
struct provider_sink {
	void *arg;
	void (*inbound)(void *arg, const struct provider *p, struct inbound *in,
	    void (*committed)(void *cookie, int err), void *cookie);
	void (*report)(void *arg, const struct provider *p, struct dlr *dlr,
	    void (*committed)(void *cookie, int err), void *cookie);
	void (*sent)(void *arg, const struct provider *p, int64_t id,
	    int attempts, enum send_result r, struct send_outcome *out);
	void (*ready)(void *arg, const struct provider *p);
	/* A USSD step that came on the link (SMPP's ussd_service_op): the
	 * writer runs it like /ussd/NAME's; answered() gets the screen
	 * ("CON ..." or "END ...", owned by answered) or an error. */
	void (*ussd)(void *arg, const struct provider *p, struct ussd_req *u,
	    void (*answered)(void *cookie, int err, char *screen),
	    void *cookie);
};

/* Webhook parse outcomes besides 0. */
#define WEBHOOK_BAD    (-EINVAL) /* 400, err says what */
#define WEBHOOK_DENIED (-EACCES) /* 403 */
#define WEBHOOK_NOAUTH (-EPERM)  /* 401: no credentials at all */

struct provider_type {
	const char *name;
	unsigned abi;
	/* Settings this type accepts beyond the common ones; NULL-terminated.
	 */
	const char *const *keys;
	/* Optional.  The body and type of a webhook's 200 answer, for
	 * providers that read it (Twilio wants TwiML); default "OK". */
	const char *ack_body;
	const char *ack_type;

	/* Required.  Builds the state from the provider's settings. */
	int (*configure)(const config_setting_t *s, struct conf_errors *ce,
	    void **ret_state);
	void (*free_state)(void *state);

	/* Required with parse_inbound.  True when this instance's webhooks
	 * prove where they come from (token, signature, address list): only
	 * then may baraza listen beyond loopback. */
	bool (*authenticated)(void *state);
	/* Optional.  A webhook on /sms/NAME; err gets a one-line reason. */
	int (*parse_inbound)(void *state, const struct webreq *req,
	    struct inbound *ret, struct buf *err);
	/* Optional.  A USSD step on /ussd/NAME: the answer is the screen,
	 * "CON text" or "END text", as text/plain. */
	int (*parse_ussd)(void *state, const struct webreq *req,
	    struct ussd_req *ret, struct buf *err);
	/* Optional.  A webhook on /dlr/NAME. */
	int (*parse_dlr)(void *state, const struct webreq *req, struct dlr *ret,
	    struct buf *err);

	/* Exactly one of send_direct, prepare_send+classify, or
	 * start+stop+room+submit. */
	enum send_result (*send_direct)(void *state, const struct outmsg *m,
	    struct send_outcome *ret);
	int (*prepare_send)(void *state, const struct outmsg *m,
	    struct sendreq *ret);
	enum send_result (*classify)(void *state, long http_status,
	    const char *body, size_t len, struct send_outcome *ret);

	/* A provider with its own connection and thread (SMPP): start()
	 * when the daemon starts, stop() before it stops; room() says how
	 * many more messages it takes now, submit() hands one over (copied)
	 * whose outcome comes through sink->sent(). */
	int (*start)(void *state, const struct provider *p,
	    const struct provider_sink *sink, char **ret_err);
	void (*stop)(void *state);
	int (*room)(void *state);
	int (*submit)(void *state, const struct outmsg *m, int attempts);
	/* Optional, with start: whether its connection is up (bound). */
	bool (*connected)(void *state);
	/* Sends in flight when `concurrency` is not set (0: 4). */
	int default_concurrency;

	/* Optional.  True when this instance answers a webhook with the
	 * reply itself (Twilio's TwiML, Kannel's response body); then
	 * format_reply() writes that answer. */
	bool (*sync_reply)(void *state);
	void (*format_reply)(void *state, const char *reply, struct buf *body,
	    const char **ret_type);

	/* Optional.  Polling for inbound messages the provider keeps: the
	 * request listing those after cursor (NULL the first time). */
	int (*prepare_poll)(void *state, const char *cursor,
	    struct sendreq *ret);
	/* Parses a poll answer into inbound messages (an owned array) and
	 * the cursor for the next request (owned; NULL keeps the old one; one
	 * that starts with '/' is a page of this round and is not stored, so
	 * a round cut short starts again from the stored one); *ret_more when
	 * another page is waiting.  -EINVAL, with err, for an answer that
	 * cannot be read. */
	int (*parse_poll)(void *state, long http_status, const char *body,
	    size_t len, struct inbound **ret, size_t *ret_n, char **ret_cursor,
	    bool *ret_more, struct buf *err);
};

/* One configured provider instance. */
struct provider {
	char *name; /* used in URLs: /sms/NAME */
	const struct provider_type *type;
	void *state;
	char *from; /* sender id, or NULL */
	int is_default;
	int concurrency;   /* sends in flight at most */
	double rate_per_s; /* sends started per second at most; 0 = no cap */
	int timeout_ms;
	char **prefixes;     /* numbers baraza writes to first that start so */
	int poll_interval_s; /* 0: no polling */
};

/* Messages a provider with its own connection (submit) holds at most: its
 * window twice and 8 more, so the next ones are at hand when an answer
 * opens the window and it never waits on the sender's commit. */
static inline int
provider_hold_max(const struct provider *p)
{
	return p->concurrency * 2 + 8;
}

/* The compiled-in provider types, NULL-terminated. */
extern const struct provider_type *const provider_types[];

const struct provider_type *provider_type_find(const char *name);

#endif
