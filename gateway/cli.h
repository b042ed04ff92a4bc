/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli: the command line's shared pieces -- options every subcommand takes
 * (-c FILE, -o PATH=VALUE), loading the configuration and opening the
 * store with the exit codes of SPEC §1 -- and the subcommands' entry
 * points, each in its own cli_<name>.c.
 */
#ifndef BARAZA_CLI_H
#define BARAZA_CLI_H

#include <stddef.h>

#include "conf.h"
#include "store.h"

#define CLI_MAX_OVERRIDES CONF_MAX_OVERRIDES

enum {
	EXIT_OK = 0,
	EXIT_USER = 1,
	EXIT_ENV = 2
};

struct cli {
	const char *conf_path;
	struct conf_override ov[CLI_MAX_OVERRIDES];
	size_t nov;
	int argc; /* what is left after -c/-o, without the command */
	char **argv;
	const struct handler *const *handlers;
};

/* Removes -c/-o from argv into cli; 0, or EXIT_USER after a message. */
int cli_parse_common(struct cli *cli, int argc, char **argv);
/* Loads the configuration, printing diagnostics; NULL after errors. */
struct conf *cli_load(const struct cli *cli, int *ret_code);
struct store *cli_open_store(const struct conf *c, int *ret_code);
/* Takes "--name VALUE" from the remaining arguments; NULL if absent. */
const char *cli_take_opt(struct cli *cli, const char *name, int *ret_code);
int cli_take_flag(struct cli *cli, const char *name);
/* A leftover "-x"/"--x" argument is a usage error. */
int cli_no_unknown_opts(const struct cli *cli, const char *cmd);

int cli_run(struct cli *cli);
int cli_check(struct cli *cli);
int cli_sim(struct cli *cli);
int cli_send(struct cli *cli);
int cli_queue(struct cli *cli);
int cli_complaint(struct cli *cli);
int cli_export(struct cli *cli);
int cli_survey(struct cli *cli);

#endif
