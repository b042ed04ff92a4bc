/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-e2e: end-to-end throughput and latency of baraza on loopback.
 *
 *   bench-e2e BARAZA [N] [CONCURRENCY]
 *
 * Starts a counting sink (libmicrohttpd) playing the generic provider,
 * starts `BARAZA run` on a temporary database (synchronous=FULL, as
 * shipped), posts N inbound messages from N numbers over CONCURRENCY
 * keep-alive connections (libcurl multi), and waits until the sink has
 * every reply.  Reports messages/s, p50/p99 from post to reply, the ack
 * rate, baraza's peak RSS and CPU time per message.  A warm-up of
 * BENCH_WARMUP messages (default N/10, at most 2,000; other numbers, not
 * counted) goes first, so the run starts after the daemon's start-up work
 * (the catch-up export) and with warm caches and connections.  For a baseline
 * measured in the same run it first posts N requests straight to the sink (an
 * HTTP round trip that stores nothing), and prints baraza's rate as a ratio of
 * it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

static int64_t *post_us, *reply_us, *ack_us;
static atomic_long replies, warm_replies;
static int nmsg;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct sink_req {
	char body[1024];
	size_t len;
};

/* The sink: records when the reply to message i ("to":"+2547NNNNNNNN") came. */
static enum MHD_Result
sink(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *size, void **ctx)
{
	struct sink_req *r = *ctx;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	const char *to;
	static const char ok[] = "{\"id\":\"x\"}";

	if (r == NULL) {
		*ctx = calloc(1, sizeof(*r));
		return MHD_YES;
	}
	if (*size > 0) {
		size_t n = *size < sizeof(r->body) - 1 - r->len
		    ? *size
		    : sizeof(r->body) - 1 - r->len;
		memcpy(r->body + r->len, data, n);
		r->len += n;
		*size = 0;
		return MHD_YES;
	}
	if (strstr(r->body, "\"to\":\"+2548") != NULL) {
		atomic_fetch_add(&warm_replies, 1); /* the warm-up's */
	} else if ((to = strstr(r->body, "\"to\":\"+2547")) != NULL) {
		long i = strtol(to + 11, NULL, 10);
		if (i >= 0 && i < nmsg && reply_us[i] == 0) {
			reply_us[i] = now_us();
			atomic_fetch_add(&replies, 1);
		}
	} else if ((to = strstr(r->body, "from=%2B2547")) != NULL) {
		/* baseline: a request straight from the load generator */
		long i = strtol(to + 12, NULL, 10);
		if (i >= 0 && i < nmsg && reply_us[i] == 0) {
			reply_us[i] = now_us();
			atomic_fetch_add(&replies, 1);
		}
	}
	resp = MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok,
	    MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void
sink_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode t)
{
	free(*ctx);
	*ctx = NULL;
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), p;

	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &l);
	p = ntohs(a.sin_port);
	close(s);
	return p;
}

static size_t
discard(char *d, size_t s, size_t n, void *u)
{
	return s * n;
}

/* Posts n messages from +PREFIXNNNNNNNN (2547: measured, 2548: the
 * warm-up) to url with conc connections -- as fast as they go, or at rate
 * per second when rate > 0 (an offered load); returns acks/s and records
 * each message's post and acknowledgement times. */
static double
load(const char *url, int n, int conc, double rate, const char *prefix,
    long *ret_bad)
{
	CURLM *m = curl_multi_init();
	CURL **easy = calloc((size_t)conc, sizeof(*easy));
	int *msg_of = calloc((size_t)conc, sizeof(*msg_of));
	int *idle = calloc((size_t)conc, sizeof(*idle));
	char(*bodies)[128] = calloc((size_t)conc, sizeof(*bodies));
	int next = 0, running = 0, done = 0, nidle = 0;
	int64_t t0 = now_us();
	long bad = 0;

	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
	for (int k = 0; k < conc; k++) {
		easy[k] = curl_easy_init();
		curl_easy_setopt(easy[k], CURLOPT_URL, url);
		curl_easy_setopt(easy[k], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(easy[k], CURLOPT_PRIVATE, (char *)(intptr_t)k);
		idle[nidle++] = k;
	}
	while (done < n) {
		CURLMsg *msg;
		int left, wait_ms = 100;

		/* start what is due on the connections that are free */
		while (nidle > 0 && next < n) {
			int64_t due =
			    rate > 0 ? t0 + (int64_t)(next * 1e6 / rate) : 0;
			int k;
			if (due > now_us()) {
				wait_ms = (int)((due - now_us()) / 1000) + 1;
				break;
			}
			k = idle[--nidle];
			snprintf(bodies[k], sizeof(bodies[k]),
			    "from=%%2B%s%08d&to=22384&text=about&id=%s-%d",
			    prefix, next, prefix, next);
			curl_easy_setopt(easy[k], CURLOPT_POSTFIELDS,
			    bodies[k]);
			msg_of[k] = next;
			post_us[next] = now_us();
			next++;
			curl_multi_add_handle(m, easy[k]);
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			char *p;
			long code = 0;
			int k;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    &p);
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &code);
			k = (int)(intptr_t)p;
			ack_us[msg_of[k]] = now_us();
			if (msg->data.result != CURLE_OK || code != 200)
				bad++;
			done++;
			curl_multi_remove_handle(m, easy[k]);
			idle[nidle++] = k;
		}
		/* wait only when nothing can start now */
		if (done < n &&
		    !(nidle > 0 && next < n &&
			(rate <= 0 ||
			    t0 + (int64_t)(next * 1e6 / rate) <= now_us())))
			curl_multi_poll(m, NULL, 0,
			    wait_ms < 100 ? wait_ms : 100, NULL);
	}
	for (int k = 0; k < conc; k++)
		curl_easy_cleanup(easy[k]);
	curl_multi_cleanup(m);
	free(easy);
	free(msg_of);
	free(idle);
	free(bodies);
	*ret_bad = bad;
	return n / ((now_us() - t0) / 1e6);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Waits for every reply; fills throughput and percentiles. */
static int
collect(int n, double *ret_rate, double *ret_p50, double *ret_p99,
    int timeout_s)
{
	int64_t end = now_us() + (int64_t)timeout_s * 1000000,
		first = INT64_MAX, last = 0;
	int64_t *lat = calloc((size_t)n, sizeof(*lat));

	while (atomic_load(&replies) < n && now_us() < end)
		usleep(10000);
	if (atomic_load(&replies) < n) {
		fprintf(stderr, "bench: only %ld of %d replies arrived\n",
		    atomic_load(&replies), n);
		free(lat);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		lat[i] = reply_us[i] - post_us[i];
		if (post_us[i] < first)
			first = post_us[i];
		if (reply_us[i] > last)
			last = reply_us[i];
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp64);
	*ret_rate = n / ((last - first) / 1e6);
	*ret_p50 = lat[n / 2] / 1000.0;
	*ret_p99 = lat[(n * 99) / 100] / 1000.0;
	free(lat);
	return 0;
}

/* Webhook -> durable 200, per message. */
static void
ack_percentiles(int n, double *ret_p50, double *ret_p99)
{
	int64_t *lat = calloc((size_t)n, sizeof(*lat));

	for (int i = 0; i < n; i++)
		lat[i] = ack_us[i] - post_us[i];
	qsort(lat, (size_t)n, sizeof(*lat), cmp64);
	*ret_p50 = lat[n / 2] / 1000.0;
	*ret_p99 = lat[(n * 99) / 100] / 1000.0;
	free(lat);
}

static long
peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* The sink starts counting the replies to messages 0..n-1 again. */
static void
forget_replies(int n)
{
	memset(reply_us, 0, (size_t)n * sizeof(*reply_us));
	atomic_store(&replies, 0);
}

/* CPU seconds (user + system) the process has used so far. */
static double
cpu_seconds(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
	fclose(f);
	/* after the name: state and fields 4..13, then utime and stime */
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		&ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Starts `baraza run -c conf`; returns its pid once /healthz answers. */
static pid_t
start_baraza(const char *baraza, const char *conf, int gport)
{
	char listen[64];
	pid_t pid;

	snprintf(listen, sizeof(listen), "http://127.0.0.1:%d/healthz", gport);
	if ((pid = fork()) == 0) {
		execl(baraza, baraza, "run", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		CURL *e = curl_easy_init();
		long code = 0;
		curl_easy_setopt(e, CURLOPT_URL, listen);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		if (curl_easy_perform(e) == CURLE_OK)
			curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(e);
		if (code == 200)
			break;
		usleep(50000);
	}
	return pid;
}

/*
 * `bench-e2e BARAZA drain N`: N messages already queued (as a backlog or a
 * big invitation leaves them) drained to the sink at provider concurrency
 * 1, 8 and 32; the baseline is the load generator posting N to the sink
 * over as many connections.
 */
static int
drain(const char *baraza, int n)
{
	static const int concs[] = { 1, 8, 32 };
	int sport = free_port();
	struct MHD_Daemon *d;

	nmsg = n;
	post_us = calloc((size_t)n, sizeof(*post_us));
	ack_us = calloc((size_t)n, sizeof(*ack_us));
	reply_us = calloc((size_t)n, sizeof(*reply_us));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
	    (uint16_t)sport, NULL, NULL, sink, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, sink_done, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
	if (d == NULL)
		return 2;
	printf(
	    "bench-e2e drain: %d queued messages to the sink, loopback, synchronous=FULL\n",
	    n);
	printf("%-13s %14s %14s %8s\n", "concurrency", "baseline msg/s",
	    "baraza msg/s", "ratio");
	for (size_t c = 0; c < sizeof(concs) / sizeof(concs[0]); c++) {
		char dir[] = "/tmp/baraza-drain-XXXXXX", conf[256], url[128],
		     cmd[1024];
		double base, rate, p50, p99;
		int gport = free_port();
		long bad = 0;
		int64_t t0;
		pid_t pid;
		FILE *f;

		/* baseline: as many connections posting straight to the sink */
		forget_replies(n);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms", sport);
		load(url, n, concs[c], 0, "2547", &bad);
		if (collect(n, &base, &p50, &p99, 120) < 0)
			return 2;

		forget_replies(n);
		if (mkdtemp(dir) == NULL)
			return 2;
		snprintf(conf, sizeof(conf), "%s/baraza.conf", dir);
		f = fopen(conf, "w");
		fprintf(f,
		    "gateway = { listen = \"127.0.0.1:%d\"; database = \"bench.db\"; };\n"
		    "export = { dir = \"exports\"; };\n"
		    "providers = ( { name = \"generic\"; type = \"generic\";"
		    " base_url = \"http://127.0.0.1:%d/send\"; concurrency = %d; } );\n"
		    "languages = { en = { help = [\"HELP\"]; stop = [\"STOP\"];"
		    " start = [\"START\"]; quit = [\"QUIT\"]; }; };\n"
		    "replies = { stop = \"s\"; start = \"s\"; quit = \"q\"; ambiguous = \"a\"; };\n"
		    "routes = ( { name = \"help\"; handler = \"help\"; reply = \"h\"; } );\n",
		    gport, sport, concs[c]);
		fclose(f);
		/* the schema, then the backlog in one statement */
		snprintf(cmd, sizeof(cmd),
		    "%s queue -c %s >/dev/null && sqlite3 %s/bench.db \""
		    "WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < %d) "
		    "INSERT INTO messages (direction, provider, number, text, status, segments,"
		    " encoding, attempts, next_attempt_at, created_at, updated_at)"
		    " SELECT 'out', 'generic', printf('+2547%%08d', x), 'The water point is fixed.',"
		    " 'queued', 1, 'gsm7', 0, 0, 0, 0 FROM i\"",
		    baraza, conf, dir, n - 1);
		if (system(cmd) != 0)
			return 2;
		t0 = now_us();
		for (int i = 0; i < n; i++)
			post_us[i] = t0;
		pid = start_baraza(baraza, conf, gport);
		if (collect(n, &rate, &p50, &p99, 300) < 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
			return 2;
		}
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
		printf("%-13d %14.0f %14.0f %8.3f\n", concs[c], base, rate,
		    rate / base);
	}
	MHD_stop_daemon(d);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *baraza = argc > 1 ? argv[1] : "build/baraza";
	double offered = argc > 4 ? strtod(argv[4], NULL) : 0, ack_p50 = 0,
	       ack_p99 = 0, db_mib = 0;
	long prefill = getenv("BENCH_PREFILL")
	    ? strtol(getenv("BENCH_PREFILL"), NULL, 10)
	    : 0;
	int conc = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 64,
	    sport = free_port(), gport = free_port();
	char dir[] = "/tmp/baraza-bench-XXXXXX", conf[256], url[128];
	double base_rate, base_p50, base_p99, rate, p50, p99, ack_rate,
	    base_ack;
	struct MHD_Daemon *d;
	long bad = 0, rss, warmup;
	double cpu;
	pid_t pid;
	FILE *f;

	if (argc > 3 && strcmp(argv[2], "drain") == 0)
		return drain(baraza, (int)strtol(argv[3], NULL, 10));
	nmsg = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20000;
	warmup = getenv("BENCH_WARMUP")
	    ? strtol(getenv("BENCH_WARMUP"), NULL, 10)
	    : nmsg / 10 < 2000 ? nmsg / 10
			       : 2000;
	if (nmsg <= 0 || conc <= 0) {
		fprintf(stderr,
		    "usage: bench-e2e BARAZA [N] [CONCURRENCY] [OFFERED_PER_S]\n");
		return 1;
	}
	post_us = calloc((size_t)nmsg, sizeof(*post_us));
	ack_us = calloc((size_t)nmsg, sizeof(*ack_us));
	reply_us = calloc((size_t)nmsg, sizeof(*reply_us));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
	    (uint16_t)sport, NULL, NULL, sink, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, sink_done, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench: cannot start the sink\n");
		return 2;
	}

	/* baseline: the same load straight to the sink (BENCH_BASELINE=0
	 * skips it, for a soak whose point is baraza over time) */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms", sport);
	if (getenv("BENCH_BASELINE") == NULL ||
	    strcmp(getenv("BENCH_BASELINE"), "0") != 0) {
		base_ack = load(url, nmsg, conc, offered, "2547", &bad);
		if (collect(nmsg, &base_rate, &base_p50, &base_p99, 60) < 0)
			return 2;
	} else {
		base_ack = base_rate = base_p50 = base_p99 = 0;
	}
	forget_replies(nmsg);

	/* baraza */
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(conf, sizeof(conf), "%s/baraza.conf", dir);
	f = fopen(conf, "w");
	fprintf(f,
	    "gateway = { listen = \"127.0.0.1:%d\"; database = \"bench.db\";"
	    " flood_messages = 100000; };\n"
	    "providers = ( { name = \"generic\"; type = \"generic\";"
	    " base_url = \"http://127.0.0.1:%d/send\"; concurrency = 32; } );\n"
	    "@include \"routes.conf\"\n",
	    gport, sport);
	fclose(f);
	{
		char cmd[1024];
		const char *src =
		    getenv("BARAZA_SRC") ? getenv("BARAZA_SRC") : ".";
		/* the shipped routes and the data tables they name */
		snprintf(cmd, sizeof(cmd),
		    "cp %s/conf/routes.conf %s/routes.conf && cp -r %s/conf/data %s/data",
		    src, dir, src, dir);
		if (system(cmd) != 0)
			return 2;
	}
	if (prefill > 0) {
		/* growth: a database that already holds this many messages
		 * (half received and answered, half replies delivered) */
		char cmd[1400];
		struct stat sb;
		snprintf(cmd, sizeof(cmd),
		    "%s queue -c %s >/dev/null && sqlite3 %s/bench.db \""
		    "WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x < %ld) "
		    "INSERT INTO messages (direction, provider, provider_id, number, peer, text,"
		    " status, route, lang, segments, encoding, attempts, created_at, updated_at)"
		    " SELECT CASE x %% 2 WHEN 0 THEN 'in' ELSE 'out' END, 'generic',"
		    " 'old' || x, printf('+2557%%08d', x / 2), '22384',"
		    " 'Habari, maji yamekatika Kibera tangu Jumatatu', CASE x %% 2 WHEN 0"
		    " THEN 'processed' ELSE 'delivered' END, 'survey', 'sw', 1, 'gsm7', 1,"
		    " 1700000000000 + x * 1000, 1700000000000 + x * 1000 FROM i\"",
		    baraza, conf, dir, prefill - 1);
		if (system(cmd) != 0)
			return 2;
		snprintf(cmd, sizeof(cmd), "%s/bench.db", dir);
		if (stat(cmd, &sb) == 0)
			db_mib = sb.st_size / 1048576.0;
	}
	pid = start_baraza(baraza, conf, gport);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/sms/generic", gport);
	if (warmup > 0) {
		int64_t end = now_us() + 60 * 1000000LL;
		load(url, warmup, conc, 0, "2548", &bad);
		while (atomic_load(&warm_replies) < warmup && now_us() < end)
			usleep(10000);
		bad = 0;
	}
	cpu = cpu_seconds(pid);
	ack_rate = load(url, nmsg, conc, offered, "2547", &bad);
	ack_percentiles(nmsg, &ack_p50, &ack_p99);
	if (collect(nmsg, &rate, &p50, &p99, 120) < 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		fprintf(stderr, "bench: database kept in %s\n", dir);
		return 2;
	}
	rss = peak_rss_kb(pid);
	cpu = cpu_seconds(pid) - cpu;
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	{
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
	MHD_stop_daemon(d);

	printf(
	    "bench-e2e: %d messages (after a warm-up of %ld), %d connections, loopback, synchronous=FULL, offered %s\n",
	    nmsg, warmup, conc, offered > 0 ? argv[4] : "as fast as they go");
	printf("%-34s %10s %10s %10s\n", "", "msg/s", "p50 ms", "p99 ms");
	if (base_rate > 0)
		printf("%-34s %10.0f %10.2f %10.2f\n",
		    "baseline: POST to the sink", base_rate, base_p50,
		    base_p99);
	else
		printf("baseline: skipped (BENCH_BASELINE=0)\n");
	printf("%-34s %10.0f %10.2f %10.2f\n",
	    "baraza: webhook -> reply at sink", rate, p50, p99);
	printf(
	    "baraza acks (webhook -> 200): %.0f msg/s (baseline %.0f), p50 %.2f ms, p99 %.2f ms; non-200 answers: %ld\n",
	    ack_rate, base_ack, ack_p50, ack_p99, bad);
	if (base_rate > 0)
		printf("ratio baraza/baseline: %.3f\n", rate / base_rate);
	printf("baraza peak RSS: %.1f MiB\n", rss / 1024.0);
	printf("baraza CPU: %.0f ms per 1,000 messages (user + system)\n",
	    cpu * 1000.0 * 1000.0 / nmsg);
	if (prefill > 0)
		printf(
		    "stored before the run: %ld messages, database %.1f MiB\n",
		    prefill, db_mib);
	return bad > 0 ? 1 : 0;
}
