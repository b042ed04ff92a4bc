/* SPDX-License-Identifier: Apache-2.0 */
/*
 * links: starts and stops the providers that keep their own connection
 * and thread (SMPP), and joins them to the rest of the daemon: inbound
 * messages go to the writer as jobs, each answered back once committed;
 * send outcomes and delivery receipts go to the sender, in the order they
 * come, and are answered back the same way.
 */
#ifndef BARAZA_LINKS_H
#define BARAZA_LINKS_H

struct daemon;

/* Starts every such provider; -EIO with *ret_err when one cannot. */
int links_start(struct daemon *d, char **ret_err);
/* Stops them; call once the writer has drained, before the sender stops. */
void links_stop(struct daemon *d);

#endif
