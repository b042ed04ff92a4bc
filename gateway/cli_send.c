/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_send: `baraza send --to NUMBER [--via PROVIDER] TEXT` queues one
 * message on the provider for the number (its `prefixes`, else the
 * default) or the one named; a running daemon
 * sends it within a second or two.
 * Numbers that sent STOP are refused: they opted out of messages that are
 * not replies.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "pipeline.h"
#include "provider_util.h"
#include "text.h"

int
cli_send(struct cli *cli)
{
	struct outbound_new o = { 0 };
	struct contact contact = { 0 };
	struct sms_info info;
	struct conf *c;
	struct store *st;
	const char *to_arg, *via = NULL;
	const struct provider *p;
	char *to = NULL, *text;
	struct buf b;
	int64_t id;
	int code = 0, rc;

	to_arg = cli_take_opt(cli, "--to", &code);
	if (code == 0)
		via = cli_take_opt(cli, "--via", &code);
	if (code != 0 || (code = cli_no_unknown_opts(cli, "send")) != 0)
		return code;
	buf_init(&b);
	if (to_arg == NULL || cli->argc == 0) {
		fprintf(stderr,
		    "baraza send: usage: baraza send --to NUMBER [--via PROVIDER] TEXT\n");
		return EXIT_USER;
	}
	for (int i = 0; i < cli->argc; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		buf_puts(&b, cli->argv[i]);
	}
	text = buf_steal(&b);
	to = number_normalize(to_arg);
	if (check_number("--to", to_arg, &b) < 0 ||
	    check_text("TEXT", text, &b) < 0 || number_is_alphanumeric(to)) {
		fprintf(stderr, "baraza send: %s\n",
		    b.len ? b.data : "--to must be a phone number");
		goto user;
	}
	if ((c = cli_load(cli, &code)) == NULL)
		goto out;
	free(to);
	to = conf_number(&c->gw, to_arg);
	if ((st = cli_open_store(c, &code)) == NULL) {
		conf_free(c);
		goto out;
	}
	if ((rc = store_contact_get(st, to, &contact)) == 0 &&
	    contact.opted_out) {
		fprintf(stderr, "baraza send: %s sent STOP; not sending\n", to);
		code = EXIT_USER;
		goto close;
	}
	{
		char *prepared = sms_prepare(text);
		free(text);
		text = prepared;
	}
	sms_measure(text, &info);
	/* like every message baraza starts: by the number's prefixes, else
	 * the default provider */
	p = via != NULL ? conf_provider(c, via) : conf_provider_for(c, to);
	if (p == NULL) {
		if (via != NULL)
			fprintf(stderr,
			    "baraza send: --via: no provider named '%s'\n",
			    via);
		else
			fprintf(stderr,
			    "baraza send: no provider's prefixes match %s and none is the default\n",
			    to);
		code = EXIT_USER;
		goto close;
	}
	o.provider = p->name;
	o.number = to;
	o.peer = p->from;
	o.text = text;
	o.status = "queued";
	o.route = "send";
	o.segments = (int)info.segments;
	o.encoding = sms_encoding_name(info.encoding);
	o.at = now_ms();
	if (rc < 0 || (rc = store_outbound_add(st, &o, &id)) < 0) {
		fprintf(stderr, "baraza send: the database failed: %s\n",
		    store_errmsg(st));
		code = EXIT_ENV;
		goto close;
	}
	printf("queued message %lld to %s via %s (%u segment%s, %s)\n",
	    (long long)id, to, o.provider, info.segments,
	    info.segments == 1 ? "" : "s", o.encoding);
close:
	contact_done(&contact);
	store_close(st);
	conf_free(c);
	goto out;
user:
	code = EXIT_USER;
out:
	free(to);
	free(text);
	buf_free(&b);
	return code;
}
