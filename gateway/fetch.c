/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fetch: see fetch.h.  libcurl's easy interface, http and https only, no
 * redirects, the body capped at FETCH_BODY_MAX.
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

int
fetch_url(const char *url, int timeout_ms, char **ret_body, char **ret_err)
{
	CURL *c = curl_easy_init();
	struct buf b;
	long status = 0;
	CURLcode rc;

	if (c == NULL) {
		*ret_err = xstrdup("cannot start a transfer");
		return -EIO;
	}
	buf_init(&b);
	buf_puts(&b, "");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(timeout_ms > 0 ? timeout_ms : 1));
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "baraza");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status < 200 || status > 299) {
		*ret_err = rc != CURLE_OK
		    ? xasprintf("%s", curl_easy_strerror(rc))
		    : xasprintf("HTTP status %ld", status);
		buf_free(&b);
		return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
	}
	*ret_body = buf_steal(&b);
	return 0;
}
