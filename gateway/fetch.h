/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: one blocking HTTP GET of a live source (a lookup's URL template
 * filled in), for the fetcher thread and for `baraza sim`.  Never called on
 * the HTTP or writer threads.
 */
#ifndef BARAZA_FETCH_H
#define BARAZA_FETCH_H

#define FETCH_BODY_MAX (64 * 1024) /* bytes of an answer we read */

/*
 * GETs url within timeout_ms.  Returns 0 with the body (owned, NUL-
 * terminated) for a 2xx answer; else -EIO (or -ETIMEDOUT) with a one-line
 * reason in *ret_err (owned).
 */
int fetch_url(const char *url, int timeout_ms, char **ret_body, char **ret_err);

#endif
