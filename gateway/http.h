/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http: the webhook server (libmicrohttpd).  /sms/NAME, /dlr/NAME and
 * /ussd/NAME go to provider NAME's parser, then to the writer; the request
 * is suspended until the writer has committed, so 200 always means "on
 * disk".  /healthz and /metrics read through the daemon's read store.
 */
#ifndef BARAZA_HTTP_H
#define BARAZA_HTTP_H

struct daemon;
struct http;

/* Binds and starts serving; NULL with *ret_err set (caller frees). */
struct http *http_start(struct daemon *d, char **ret_err);
/* Stops accepting new connections (in-flight requests finish). */
void http_quiesce(struct http *h);
void http_stop(struct http *h);

#endif
