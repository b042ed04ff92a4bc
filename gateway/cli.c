/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli: see cli.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

int
cli_parse_common(struct cli *cli, int argc, char **argv)
{
	int out = 0;

	cli->conf_path = "conf/baraza.conf";
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "baraza: %s needs a file\n", a);
				return EXIT_USER;
			}
			cli->conf_path = argv[++i];
		} else if (strcmp(a, "-o") == 0) {
			char *eq;
			if (i + 1 >= argc ||
			    (eq = strchr(argv[i + 1], '=')) == NULL ||
			    eq == argv[i + 1]) {
				fprintf(stderr,
				    "baraza: -o needs PATH=VALUE\n");
				return EXIT_USER;
			}
			if (cli->nov == CLI_MAX_OVERRIDES) {
				fprintf(stderr,
				    "baraza: at most %d -o overrides\n",
				    CLI_MAX_OVERRIDES);
				return EXIT_USER;
			}
			i++;
			*eq = '\0';
			cli->ov[cli->nov].path = argv[i];
			cli->ov[cli->nov].value = eq + 1;
			cli->nov++;
		} else {
			argv[out++] = argv[i];
		}
	}
	cli->argc = out;
	cli->argv = argv;
	return 0;
}

struct conf *
cli_load(const struct cli *cli, int *ret_code)
{
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load(cli->conf_path, cli->ov, cli->nov, cli->handlers, &ce);
	if (ce.text.len > 0 && (c == NULL || ce.warnings > 0))
		fputs(ce.text.data, stderr);
	conf_errors_done(&ce);
	if (c != NULL)
		conf_use_timezone(c);
	*ret_code = c == NULL ? EXIT_USER : EXIT_OK;
	return c;
}

struct store *
cli_open_store(const struct conf *c, int *ret_code)
{
	struct store *st = NULL;
	char *err = NULL;

	if (store_open(c->gw.database, &st, &err) < 0) {
		fprintf(stderr, "baraza: %s\n", err);
		free(err);
		*ret_code = EXIT_ENV;
		return NULL;
	}
	store_set_max_size(st, (int64_t)c->gw.database_max_mb * 1024 * 1024);
	*ret_code = EXIT_OK;
	return st;
}

const char *
cli_take_opt(struct cli *cli, const char *name, int *ret_code)
{
	for (int i = 0; i < cli->argc; i++) {
		const char *v;
		if (strcmp(cli->argv[i], name) != 0)
			continue;
		if (i + 1 >= cli->argc) {
			fprintf(stderr, "baraza: %s needs a value\n", name);
			*ret_code = EXIT_USER;
			return NULL;
		}
		v = cli->argv[i + 1];
		memmove(&cli->argv[i], &cli->argv[i + 2],
		    (size_t)(cli->argc - i - 2) * sizeof(char *));
		cli->argc -= 2;
		return v;
	}
	return NULL;
}

int
cli_take_flag(struct cli *cli, const char *name)
{
	for (int i = 0; i < cli->argc; i++)
		if (strcmp(cli->argv[i], name) == 0) {
			memmove(&cli->argv[i], &cli->argv[i + 1],
			    (size_t)(cli->argc - i - 1) * sizeof(char *));
			cli->argc--;
			return 1;
		}
	return 0;
}

int
cli_no_unknown_opts(const struct cli *cli, const char *cmd)
{
	for (int i = 0; i < cli->argc; i++)
		if (cli->argv[i][0] == '-' && cli->argv[i][1] != '\0' &&
		    !(cli->argv[i][1] >= '0' && cli->argv[i][1] <= '9')) {
			fprintf(stderr,
			    "baraza %s: unknown option '%s' (see baraza help)\n",
			    cmd, cli->argv[i]);
			return EXIT_USER;
		}
	return 0;
}

int
cli_run(struct cli *cli)
{
	if (cli_no_unknown_opts(cli, "run") || cli->argc > 0) {
		if (cli->argc > 0 && cli->argv[0][0] != '-')
			fprintf(stderr,
			    "baraza run: unexpected argument '%s'\n",
			    cli->argv[0]);
		return EXIT_USER;
	}
	return daemon_run(cli->conf_path, cli->ov, cli->nov, cli->handlers);
}

int
cli_check(struct cli *cli)
{
	struct conf_errors ce;
	struct conf *c;
	int code;

	if ((code = cli_no_unknown_opts(cli, "check")) != 0)
		return code;
	conf_errors_init(&ce);
	c = conf_load(cli->conf_path, cli->ov, cli->nov, cli->handlers, &ce);
	if (ce.text.len > 0)
		fputs(ce.text.data, stderr);
	if (c == NULL) {
		fprintf(stderr, "%s: %d error(s)\n", cli->conf_path, ce.errors);
		conf_errors_done(&ce);
		return EXIT_USER;
	}
	printf(
	    "%s: configuration OK (%zu routes, %zu providers, %d languages, %d warnings)\n",
	    cli->conf_path, c->routing->nroutes, c->nproviders,
	    c->routing->nlangs, ce.warnings);
	conf_free(c);
	conf_errors_done(&ce);
	return EXIT_OK;
}
