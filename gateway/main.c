/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main: the `baraza` command.  Finds the subcommand in the table and runs
 * it with the compiled-in handler table; knows nothing else.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "handler.h"

static int
cli_version(struct cli *cli)
{
	printf("baraza %s\n", BARAZA_VERSION);
	return EXIT_OK;
}

static int cli_help(struct cli *cli);

static const struct command {
	const char *name;
	int (*fn)(struct cli *cli);
	const char *usage;
} commands[] = {
	{ "run", cli_run,
	    "run [-c FILE] [-o PATH=VALUE]...   the daemon, in the foreground" },
	{ "check", cli_check,
	    "check [-c FILE]                    validate the configuration" },
	{ "sim", cli_sim,
	    "sim [--from NUMBER] [--ussd CODE] [TEXT]  a phone in the terminal" },
	{ "send", cli_send,
	    "send --to NUMBER [--via NAME] TEXT queue one outbound message" },
	{ "queue", cli_queue,
	    "queue [list|show ID|retry ID|cancel ID] [--all]  the outbound queue" },
	{ "export", cli_export,
	    "export [--date D | --from D --to D] [--out DIR]  the daily CSV exports" },
	{ "complaint", cli_complaint,
	    "complaint list [--status S] [--category C] [--since DATE] [--overdue]\n"
	    "  baraza complaint show REF | update REF --status S [--note TEXT] [--by NAME]\n"
	    "  baraza complaint remind [--dry-run]        officers: SMS of overdue ones" },
	{ "survey", cli_survey,
	    "survey results NAME | invite NAME --numbers FILE" },
	{ "help", cli_help, "help                               this text" },
	{ "--help", cli_help, NULL },
	{ "-h", cli_help, NULL },
	{ "--version", cli_version, "--version" },
	{ "version", cli_version, NULL },
};

static void
common_help(void)
{
	printf(
	    "\nEvery command takes -c FILE (default conf/baraza.conf) and\n"
	    "-o PATH=VALUE to override a setting, e.g. -o gateway.listen=127.0.0.1:9090.\n"
	    "Exit codes: 0 ok, 1 user error, 2 internal or environment failure.\n");
}

static int
cli_help(struct cli *cli)
{
	printf(
	    "baraza %s: an SMS/USSD gateway for citizen feedback\n\nusage:\n",
	    BARAZA_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].usage != NULL)
			printf("  baraza %s\n", commands[i].usage);
	common_help();
	return EXIT_OK;
}

/* `baraza COMMAND --help` (or -h): that command's usage, exit 0. */
static bool
wants_help(int argc, char **argv)
{
	return argc > 2 &&
	    (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
}

int
main(int argc, char **argv)
{
	struct cli cli = { .handlers = handlers_table };
	int code;

	if (argc < 2) {
		cli_help(&cli);
		return EXIT_USER;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (commands[i].usage != NULL && wants_help(argc, argv)) {
			printf("usage: baraza %s\n", commands[i].usage);
			common_help();
			return EXIT_OK;
		}
		if ((code = cli_parse_common(&cli, argc - 2, argv + 2)) != 0)
			return code;
		return commands[i].fn(&cli);
	}
	fprintf(stderr, "baraza: unknown command '%s' (see baraza help)\n",
	    argv[1]);
	return EXIT_USER;
}
