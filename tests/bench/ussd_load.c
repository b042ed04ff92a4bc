/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ussd-load: the load generator of bench_ussd.py.  SESSIONS concurrent
 * USSD sessions on libcurl's multi interface, each on its own keep-alive
 * connection, each walking STEPS inputs (the joined path grows by one per
 * step), ROUNDS sessions per client; then the same clients asking GET
 * /healthz as many times (the baseline).  Prints p50/p99/max per step and
 * steps per second for both.
 *
 *   ussd-load http://127.0.0.1:PORT SESSIONS ROUNDS INPUT...
 */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct client {
	CURL *easy;
	int round;
	int step; /* 0: the dial */
	char body[512];
	int64_t t0;
};

static int ninputs;
static char **inputs;
static int rounds;
static const char *base;
static int64_t *lat;
static long nlat, bad;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t
discard(char *d, size_t s, size_t n, void *u)
{
	(void)d;
	(void)u;
	return s * n;
}

/* Prepares client k's next request; 0 when it has none left. */
static int
next(struct client *c, int k, int healthz)
{
	char path[400] = "", url[256];
	size_t len = 0;

	if (c->step > ninputs) {
		c->step = 0;
		c->round++;
	}
	if (c->round >= rounds)
		return 0;
	if (healthz) {
		snprintf(url, sizeof(url), "%s/healthz", base);
		curl_easy_setopt(c->easy, CURLOPT_URL, url);
		curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
	} else {
		for (int i = 0; i < c->step; i++)
			len += (size_t)snprintf(path + len, sizeof(path) - len,
			    "%s%s", i ? "%2A" : "", inputs[i]);
		snprintf(c->body, sizeof(c->body),
		    "sessionId=load-%d-%d&serviceCode=%%2A384%%2A1%%23&phoneNumber=%%2B2547%08d&text=%s",
		    k, c->round, k * 1000 + c->round, path);
		snprintf(url, sizeof(url), "%s/ussd/generic", base);
		curl_easy_setopt(c->easy, CURLOPT_URL, url);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
	}
	c->step++;
	c->t0 = now_us();
	return 1;
}

static double
run(int sessions, int healthz)
{
	CURLM *m = curl_multi_init();
	struct client *cl = calloc((size_t)sessions, sizeof(*cl));
	int running = 0, active = 0;
	int64_t t0 = now_us();

	nlat = 0;
	bad = 0;
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)sessions);
	for (int k = 0; k < sessions; k++) {
		cl[k].easy = curl_easy_init();
		curl_easy_setopt(cl[k].easy, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(cl[k].easy, CURLOPT_PRIVATE, (char *)&cl[k]);
		if (next(&cl[k], k, healthz)) {
			curl_multi_add_handle(m, cl[k].easy);
			active++;
		}
	}
	while (active > 0) {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct client *c;
			long code = 0;
			char *p;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    &p);
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &code);
			c = (struct client *)(void *)p;
			lat[nlat++] = now_us() - c->t0;
			if (msg->data.result != CURLE_OK || code != 200)
				bad++;
			curl_multi_remove_handle(m, c->easy);
			if (next(c, (int)(c - cl), healthz))
				curl_multi_add_handle(m, c->easy);
			else
				active--;
		}
		if (active > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int k = 0; k < sessions; k++)
		curl_easy_cleanup(cl[k].easy);
	curl_multi_cleanup(m);
	free(cl);
	return nlat / ((now_us() - t0) / 1e6);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void
report(const char *name, double rate)
{
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp64);
	printf("%-28s %9.2f %9.2f %9.2f %10.0f %ld\n", name,
	    lat[nlat / 2] / 1000.0, lat[(nlat * 99) / 100] / 1000.0,
	    lat[nlat - 1] / 1000.0, rate, bad);
}

int
main(int argc, char **argv)
{
	int sessions;
	double r;

	if (argc < 5) {
		fprintf(stderr,
		    "usage: ussd-load URL SESSIONS ROUNDS INPUT...\n");
		return 1;
	}
	base = argv[1];
	sessions = (int)strtol(argv[2], NULL, 10);
	rounds = (int)strtol(argv[3], NULL, 10);
	inputs = argv + 4;
	ninputs = argc - 4;
	lat = calloc((size_t)sessions * (size_t)rounds * (size_t)(ninputs + 1),
	    sizeof(*lat));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	printf("%d concurrent sessions, %d steps each\n", sessions,
	    rounds * (ninputs + 1));
	printf("%-28s %9s %9s %9s %10s %s\n", "", "p50 ms", "p99 ms", "max ms",
	    "steps/s", "errors");
	r = run(sessions, 1);
	report("baseline: GET /healthz", r);
	r = run(sessions, 0);
	report("USSD step (survey)", r);
	curl_global_cleanup();
	free(lat);
	return bad > 0;
}
