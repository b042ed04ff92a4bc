/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: see fetch.h.  libcurl, http and https only, no redirects, the
 * body capped at FETCH_BODY_MAX.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "util.h"

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * n > FETCH_BODY_MAX)
		return 0; /* too big: the transfer fails */
	buf_append(b, p, size * n);
	return size * n;
}

CURL *
fetch_new(const char *url, int timeout_ms, struct buf *body)
{
	CURL *c = curl_easy_init();

	buf_init(body);
	if (c == NULL)
		return NULL;
	buf_puts(body, "");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(timeout_ms > 0 ? timeout_ms : 1));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "baraza");
	return c;
}

int
fetch_result(CURL *c, CURLcode rc, struct buf *body, char **ret_body,
    char **ret_err)
{
	long status = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status < 200 || status > 299) {
		*ret_err = rc != CURLE_OK
		    ? xasprintf("%s", curl_easy_strerror(rc))
		    : xasprintf("HTTP status %ld", status);
		buf_free(body);
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	*ret_body = buf_steal(body);
	return 0;
}

int
fetch_url(const char *url, int timeout_ms, char **ret_body, char **ret_err)
{
	struct buf b;
	CURL *c = fetch_new(url, timeout_ms, &b);

	if (c == NULL) {
		*ret_err = xstrdup("cannot start a transfer");
		return -EIO;
	}
	return fetch_result(c, curl_easy_perform(c), &b, ret_body, ret_err);
}
