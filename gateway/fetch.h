/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: the HTTP GET of a live source (a lookup's URL template filled
 * in): one blocking call for `baraza sim`, or a transfer to drive on a
 * libcurl multi handle for the fetcher thread.  Never called on the HTTP
 * or writer threads.
 */
#ifndef BARAZA_FETCH_H
#define BARAZA_FETCH_H

#include <curl/curl.h>

#include "util.h"

#define FETCH_BODY_MAX (64 * 1024) /* bytes of an answer we read */

/*
 * GETs url within timeout_ms.  Returns 0 with the body (owned, NUL-
 * terminated) for a 2xx answer; else -EIO (or -ETIMEDOUT) with a one-line
 * reason in *ret_err (owned).
 */
int fetch_url(const char *url, int timeout_ms, char **ret_body, char **ret_err);

/* The same GET as a transfer not yet started: its body goes to *body
 * (initialised here, freed by fetch_result()).  NULL when libcurl cannot
 * make one. */
CURL *fetch_new(const char *url, int timeout_ms, struct buf *body);
/* A finished transfer's result, as fetch_url() returns it; cleans the
 * transfer up. */
int fetch_result(CURL *c, CURLcode rc, struct buf *body, char **ret_body,
    char **ret_err);

#endif
