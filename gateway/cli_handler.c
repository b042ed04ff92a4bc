/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_handler: `baraza complaint ...` and `baraza survey ...` -- commands
 * that belong to a handler type.  Loads the configuration, opens the
 * store, and hands the arguments to the routes of that handler
 * (pipeline_command); the handler parses and prints.
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "pipeline.h"

static int
cli_handler(struct cli *cli, const char *handler)
{
	struct conf *c;
	struct store *st;
	int code, rc;

	if ((c = cli_load(cli, &code)) == NULL)
		return code;
	if ((st = cli_open_store(c, &code)) == NULL) {
		conf_free(c);
		return code;
	}
	rc = pipeline_command(st, c->routing, c, stdout, handler, cli->argc,
	    cli->argv);
	if (rc == HANDLER_OK) {
		code = EXIT_OK;
	} else if (rc == HANDLER_DECLINED) {
		if (cli->argc >= 2)
			fprintf(stderr, "baraza %s: no %s named '%s' in %s\n",
			    handler, handler, cli->argv[1], cli->conf_path);
		else
			fprintf(stderr, "baraza %s: no %s route in %s\n",
			    handler, handler, cli->conf_path);
		code = EXIT_USER;
	} else if (rc == -EINVAL) {
		code = EXIT_USER; /* the handler said what */
	} else {
		fprintf(stderr, "baraza %s: the database failed: %s\n", handler,
		    store_errmsg(st));
		code = EXIT_ENV;
	}
	store_close(st);
	conf_free(c);
	return code;
}

int
cli_complaint(struct cli *cli)
{
	return cli_handler(cli, "complaint");
}

int
cli_survey(struct cli *cli)
{
	return cli_handler(cli, "survey");
}
