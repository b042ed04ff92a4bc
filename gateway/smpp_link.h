/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_link: one SMPP provider instance's session with its SMSC, in a
 * thread of its own: connect, bind (one transceiver, or a transmitter and
 * a receiver -- or a receiver the SMSC brings by outbind), enquire_link,
 * reconnect with backoff, unbind on shutdown.  A host name is looked up
 * off the thread (getaddrinfo_a).
 * Outbound messages are handed over by the sender and leave as submit_sm
 * within a window of unanswered requests; their outcomes go back through
 * the provider sink (a long message's with every part's id, each part
 * asking a receipt).  deliver_sm become inbound messages or delivery
 * reports, and are answered with deliver_sm_resp only once the writer has
 * committed them.
 */
#ifndef BARAZA_SMPP_LINK_H
#define BARAZA_SMPP_LINK_H

#include <stdbool.h>

#include "provider.h"
#include "smpp_msg.h"

/* provider_smpp's settings (../shared/SPEC.md §2, docs/smpp.md). */
struct smpp_conf {
	char *host;
	char *port;
	char *system_id, *password, *system_type, *address_range;
	char *service_type;
	bool pair; /* a transmitter and a receiver bind, not one transceiver */
	bool tls;  /* SMPP over TLS */
	bool tls_verify;      /* the SMSC's certificate checked (default) */
	char *tls_ca;         /* the CAs to trust; NULL: the system's */
	int src_ton, src_npi; /* -1: from the sender id's form */
	int dst_ton, dst_npi; /* -1: from the number's form */
	enum smpp_alphabet alphabet;
	enum smpp_long long_mode;
	bool receipts;       /* registered_delivery 1 */
	int id_base_resp;    /* submit_sm_resp's message_id: 10, 16, 0 as is */
	int id_base_receipt; /* the receipt's id: the same */
	int enquire_link_s;  /* idle time before an enquire_link */
	int response_s;      /* wait for any response this long */
	int reconnect_max_s; /* backoff cap */
	int throttle_ms;     /* pause after ESME_RTHROTTLED/RMSGQFUL */
	int redelivery_s;    /* how long a possible redelivery is caught */
	/* outbind: the receiver is not dialled; the SMSC connects here and
	 * sends outbind, answered with bind_receiver (NULL host: none) */
	char *outbind_host;
	int outbind_port;
	char *outbind_system_id; /* NULL: any */
	char *outbind_password;
};

struct smpp_link;

/* Starts the link's thread; p->concurrency is the window. */
struct smpp_link *smpp_link_start(const struct smpp_conf *c,
    const struct provider *p, const struct provider_sink *sink, char **ret_err);
/* Unbinds (bounded wait), closes, joins.  Messages not yet answered are
 * not reported: they stay queued in the store. */
void smpp_link_stop(struct smpp_link *l);
/* How many more messages the link takes now: 0 until bound; it holds up
 * to provider_hold_max(). */
int smpp_link_room(struct smpp_link *l);
/* Whether every connection of the link is bound (as of its thread's last
 * turn, at most LINK_TICK_MS ago). */
bool smpp_link_connected(struct smpp_link *l);
/* Hands over a message (copied); 0, or -EAGAIN when not bound. */
int smpp_link_submit(struct smpp_link *l, const struct outmsg *m, int attempts);

#endif
