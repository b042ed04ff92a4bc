/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_tls: SMPP over TLS (port 3550 by custom) for smpp_link, with
 * OpenSSL on non-blocking sockets: a context per link (the CAs to trust,
 * whether to verify), a session per connection.  Every call returns at
 * once; SMPP_TLS_WANT_READ / SMPP_TLS_WANT_WRITE say what the socket must
 * become before the same call is made again.
 */
#ifndef BARAZA_SMPP_TLS_H
#define BARAZA_SMPP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SMPP_TLS_WANT_READ  (-1000)
#define SMPP_TLS_WANT_WRITE (-1001)
#define SMPP_TLS_FAILED     (-1002) /* why in smpp_tls_error() */

struct smpp_tls_ctx;
struct smpp_tls;

/* ca_file NULL: the system's CAs.  verify false: any certificate (a test
 * SMSC; never across a network you do not own).  NULL with *ret_err
 * (owned) on failure. */
struct smpp_tls_ctx *smpp_tls_ctx_new(const char *ca_file, bool verify,
    char **ret_err);
void smpp_tls_ctx_free(struct smpp_tls_ctx *c);

/* A session on a connected socket, checking the certificate names host
 * (a DNS name or an IP address).  NULL when OpenSSL cannot make one. */
struct smpp_tls *smpp_tls_new(struct smpp_tls_ctx *c, int fd, const char *host);
/* 0 once the handshake is done, else a SMPP_TLS_* code. */
int smpp_tls_handshake(struct smpp_tls *t);
/* Bytes read (> 0), 0 when the peer closed, or a SMPP_TLS_* code. */
ssize_t smpp_tls_read(struct smpp_tls *t, void *buf, size_t n);
/* Bytes written (> 0), or a SMPP_TLS_* code. */
ssize_t smpp_tls_write(struct smpp_tls *t, const void *buf, size_t n);
/* The last failure in words ("certificate verify failed: ..."). */
const char *smpp_tls_error(const struct smpp_tls *t);
/* Sends close_notify when it can, and frees; the socket stays open. */
void smpp_tls_free(struct smpp_tls *t);

#endif
