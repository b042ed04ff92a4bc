/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kannel-forwarder: the do-nothing application of the Kannel chain
 * benchmark (issue 8, ../shared/PEERS.md): Kannel's sms-service calls its
 * get-url, it answers 200 at once and sends a fixed reply back through
 * Kannel's sendsms, up to 32 at a time over libcurl multi.  It stores
 * nothing and routes nothing: the most any application in baraza's place
 * could do in that chain.  With '-' for the sendsms URL it answers the
 * get-url with the reply text instead (Kannel's max-messages = 1: the
 * answer is the reply) and sends nothing.  Like baraza (its
 * gateway.max_idle_connections) it closes a connection after its answer
 * while more than IDLE_MAX others are open -- on the count alone, without
 * baraza's "unused for 10 ms" test, so that the chain's baseline gets at
 * least the same relief from smsbox's pile of connections.
 *
 *   kannel-forwarder PORT
 * 'http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=p'
 *   kannel-forwarder PORT -
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

#define IN_FLIGHT 32
#define IDLE_MAX  64 /* baraza's default max_idle_connections */
#define REPLY     "Baraza lets you tell the county government what you think."

struct item {
	char *url;
	struct item *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct item *head, **tail = &head;
static CURLM *multi;
static const char *sendsms;
static int conns; /* open connections: MHD's one thread counts them */

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	(void)c;
	(void)socket_context;
	conns += code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1;
}

/* requests are answered at once: every open connection but this one is
 * idle */
static void
close_if_surplus(struct MHD_Response *r)
{
	if (conns - 1 > IDLE_MAX)
		MHD_add_response_header(r, "Connection", "close");
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *data_size, void **state)
{
	const char *from, *to, *text;
	struct MHD_Response *r;
	enum MHD_Result ret;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)data;
	(void)data_size;
	if (*state == NULL) {
		*state = c;
		return MHD_YES;
	}
	if (strcmp(sendsms, "-") == 0) {
		r = MHD_create_response_from_buffer(strlen(REPLY),
		    (void *)REPLY, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(r, "Content-Type", "text/plain");
		close_if_surplus(r);
		ret = MHD_queue_response(c, MHD_HTTP_OK, r);
		MHD_destroy_response(r);
		return ret;
	}
	from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	text = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "text");
	if (from != NULL && to != NULL && text != NULL) {
		char *ef = curl_easy_escape(NULL, from, 0);
		char *et = curl_easy_escape(NULL, to, 0);
		char *er = curl_easy_escape(NULL, REPLY, 0);
		struct item *it = calloc(1, sizeof(*it));
		size_t n =
		    strlen(sendsms) + strlen(ef) + strlen(et) + strlen(er) + 32;

		it->url = malloc(n);
		snprintf(it->url, n, "%s&from=%s&to=%s&text=%s", sendsms, et,
		    ef, er);
		curl_free(ef);
		curl_free(et);
		curl_free(er);
		pthread_mutex_lock(&lock);
		*tail = it;
		tail = &it->next;
		pthread_mutex_unlock(&lock);
		curl_multi_wakeup(multi);
	}
	r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	close_if_surplus(r);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int
main(int argc, char **argv)
{
	CURL *idle[IN_FLIGHT];
	int nidle = IN_FLIGHT;
	struct MHD_Daemon *d;

	if (argc != 3) {
		fprintf(stderr, "usage: kannel-forwarder PORT SENDSMS_URL\n");
		return 2;
	}
	sendsms = argv[2];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	/* a connection per slot, kept: baraza's sender does the same */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)IN_FLIGHT);
	for (int i = 0; i < IN_FLIGHT; i++) {
		idle[i] = curl_easy_init();
		curl_easy_setopt(idle[i], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(idle[i], CURLOPT_NOSIGNAL, 1L);
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
	    (uint16_t)atoi(argv[1]), NULL, NULL, answer, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, NULL, MHD_OPTION_END);
	if (d == NULL)
		return 2;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		CURLMsg *m;
		int running, left;

		pthread_mutex_lock(&lock);
		while (nidle > 0 && head != NULL) {
			struct item *it = head;
			CURL *e = idle[--nidle];

			head = it->next;
			if (head == NULL)
				tail = &head;
			curl_easy_setopt(e, CURLOPT_URL, it->url);
			curl_easy_setopt(e, CURLOPT_PRIVATE, it);
			curl_multi_add_handle(multi, e);
		}
		pthread_mutex_unlock(&lock);
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			struct item *it;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&it);
			curl_multi_remove_handle(multi, m->easy_handle);
			idle[nidle++] = m->easy_handle;
			free(it->url);
			free(it);
		}
		pthread_mutex_lock(&lock);
		left = nidle > 0 && head != NULL; /* slots opened for waiting */
		pthread_mutex_unlock(&lock);
		if (!left)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	}
}
