/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_sim: `baraza sim`, a phone in the terminal.  Each line is stored as
 * an inbound message from provider "sim" and processed by the same
 * pipeline as the daemon's, in one transaction, against the same
 * database; the reply is stored as sent (the terminal is its delivery)
 * and printed, then any other SMS the message queued (an officer's alert,
 * the citizen's SMS after an officer's UPDATE), each after "[to NUMBER]".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"
#include "provider_util.h"
#include "text.h"
#include "ussd.h"

#define SIM_PROVIDER "sim"
#define SIM_NUMBER   "+10000000000"

/* The outbound messages after inbound id up to top (the newest of its
 * transaction), but the reply: what processing queued for other numbers. */
static void
print_queued(struct store *st, int64_t id, int64_t top, int64_t reply_id)
{
	for (int64_t i = id + 1; i <= top; i++) {
		struct msg m = { 0 };

		if (i == reply_id || store_message_get(st, i, &m) < 0)
			continue;
		if (m.direction != NULL && strcmp(m.direction, "out") == 0)
			printf("[to %s] %s\n", m.number, m.text ? m.text : "");
		msg_done(&m);
	}
}

static int
sim_one(struct store *st, const struct conf *c, const char *from,
    const char *text)
{
	struct inbound_new in = { .provider = SIM_PROVIDER,
		.number = from,
		.peer = SIM_PROVIDER,
		.text = text,
		.at = now_ms() };
	struct pipeline_opts o = { .reply_provider = SIM_PROVIDER,
		.reply_status = "sent",
		.channel = "sms",
		.conf = c,
		.fetch_inline = true };
	struct outcome oc = { 0 };
	struct msg m = { 0 };
	struct buf err;
	int64_t id, top = 0;
	bool dup;
	int rc;

	buf_init(&err);
	if (check_text("text", text, &err) < 0) {
		fprintf(stderr, "baraza sim: %s\n", err.data);
		buf_free(&err);
		return EXIT_USER;
	}
	buf_free(&err);
	if ((rc = store_begin(st)) < 0 ||
	    (rc = store_inbound_add(st, &in, &id, &dup)) < 0 ||
	    (rc = store_message_get(st, id, &m)) < 0 ||
	    (rc = pipeline_process(st, c->routing, &c->gw, &m, &o, &oc)) < 0 ||
	    (rc = store_message_max_id(st, &top)) < 0 ||
	    (rc = store_commit(st)) < 0) {
		fprintf(stderr, "baraza sim: the database failed: %s\n",
		    store_errmsg(st));
		store_rollback(st);
		msg_done(&m);
		return EXIT_ENV;
	}
	if (oc.reply != NULL)
		printf("%s\n", oc.reply);
	else
		printf("(no reply: %s)\n", oc.reason ? oc.reason : "none");
	print_queued(st, id, top, oc.reply_id);
	fflush(stdout);
	outcome_done(&oc);
	msg_done(&m);
	return EXIT_OK;
}

/* The next line a person types ("> " first at a terminal), without its
 * line ending; -1 at the end of input.  *line is reused. */
static ssize_t
read_line(char **line, size_t *cap)
{
	ssize_t n;

	if (isatty(STDIN_FILENO)) {
		printf("> ");
		fflush(stdout);
	}
	if ((n = getline(line, cap, stdin)) < 0)
		return -1;
	while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
		(*line)[--n] = '\0';
	return n;
}

/* One USSD step: path is every input so far; prints the screen. */
static int
sim_ussd_step(struct store *st, const struct conf *c, const char *session,
    const char *from, const char *code, const char *path, bool *ret_end)
{
	struct ussd_step u = { .provider = SIM_PROVIDER,
		.session = session,
		.number = from,
		.code = code,
		.text = path,
		.fetch_inline = true };
	char *screen = NULL;
	int rc;

	if ((rc = store_begin(st)) < 0 ||
	    (rc = ussd_run(st, c->routing, c, &u, &screen)) < 0 ||
	    (rc = store_commit(st)) < 0) {
		fprintf(stderr, "baraza sim: the database failed: %s\n",
		    store_errmsg(st));
		store_rollback(st);
		return EXIT_ENV;
	}
	printf("%s\n", screen);
	fflush(stdout);
	*ret_end = strncmp(screen, "END", 3) == 0;
	free(screen);
	return EXIT_OK;
}

/* `sim --ussd CODE [INPUT*INPUT...]`: the dial, then each input (from the
 * argument, or one per line), as a handset would send them. */
static int
sim_ussd(struct store *st, const struct conf *c, const char *from,
    const char *code, int argc, char **argv)
{
	char session[64];
	struct buf path;
	bool end = false;
	int rc;

	if (c->routing->ussd == NULL) {
		fprintf(stderr,
		    "baraza sim: --ussd: no 'ussd' menus in the configuration\n");
		return EXIT_USER;
	}
	snprintf(session, sizeof(session), "sim-%d-%lld", (int)getpid(),
	    (long long)now_ms());
	buf_init(&path);
	buf_puts(&path, "");
	rc = sim_ussd_step(st, c, session, from, code, "", &end);
	if (argc > 0) {
		char *inputs = xstrdup(argv[0]), *p = inputs, *next;
		for (; rc == EXIT_OK && !end && p != NULL; p = next) {
			if ((next = strchr(p, '*')) != NULL)
				*next++ = '\0';
			if (path.len > 0)
				buf_putc(&path, '*');
			buf_puts(&path, p);
			printf("> %s\n", p);
			rc = sim_ussd_step(st, c, session, from, code,
			    path.data, &end);
		}
		free(inputs);
	} else {
		char *line = NULL;
		size_t cap = 0;

		while (rc == EXIT_OK && !end && read_line(&line, &cap) >= 0) {
			if (path.len > 0)
				buf_putc(&path, '*');
			buf_puts(&path, line);
			rc = sim_ussd_step(st, c, session, from, code,
			    path.data, &end);
		}
		free(line);
	}
	buf_free(&path);
	return rc;
}

int
cli_sim(struct cli *cli)
{
	struct conf *c;
	struct store *st;
	const char *from_arg, *ussd;
	char *from;
	struct buf text;
	int code = 0;

	from_arg = cli_take_opt(cli, "--from", &code);
	if (code != 0)
		return code;
	ussd = cli_take_opt(cli, "--ussd", &code);
	if (code != 0 || (code = cli_no_unknown_opts(cli, "sim")) != 0)
		return code;
	if (ussd != NULL &&
	    (ussd[0] == '\0' || strspn(ussd, "*#0123456789") != strlen(ussd))) {
		fprintf(stderr,
		    "baraza sim: --ussd: '%s' is not a USSD code (*384*1#)\n",
		    ussd);
		return EXIT_USER;
	}
	if (from_arg == NULL)
		from_arg = SIM_NUMBER;
	buf_init(&text);
	if (check_number("--from", from_arg, &text) < 0) {
		fprintf(stderr, "baraza sim: %s\n", text.data);
		buf_free(&text);
		return EXIT_USER;
	}
	if ((c = cli_load(cli, &code)) == NULL)
		return code;
	if ((st = cli_open_store(c, &code)) == NULL) {
		conf_free(c);
		return code;
	}
	from = conf_number(&c->gw, from_arg);
	if (ussd != NULL) {
		code = sim_ussd(st, c, from, ussd, cli->argc, cli->argv);
	} else if (cli->argc > 0) {
		for (int i = 0; i < cli->argc; i++) {
			if (i > 0)
				buf_putc(&text, ' ');
			buf_puts(&text, cli->argv[i]);
		}
		code = sim_one(st, c, from, text.data);
	} else {
		char *line = NULL;
		size_t cap = 0;

		while (read_line(&line, &cap) >= 0) {
			if (line[strspn(line, " \t")] == '\0')
				continue; /* a blank line sends nothing */
			if ((code = sim_one(st, c, from, line)) == EXIT_ENV)
				break;
		}
		free(line);
	}
	buf_free(&text);
	free(from);
	store_close(st);
	conf_free(c);
	return code;
}
