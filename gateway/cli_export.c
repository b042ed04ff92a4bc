/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_export: `baraza export [--date D | --from D --to D] [--out DIR]`
 * writes the daily exports of a day or a range (default: yesterday in the
 * configured time zone) and prints each folder.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"

#define EXPORT_RANGE_MAX 366 /* days one command exports */

static int
bad_date(const char *opt, const char *v)
{
	fprintf(stderr,
	    "baraza export: %s: '%s' is not a date (YYYY-MM-DD, today or yesterday)\n",
	    opt, v);
	return EXIT_USER;
}

int
cli_export(struct cli *cli)
{
	const char *date = NULL, *from = NULL, *to = NULL, *out = NULL;
	char first[EXPORT_DAY_LEN + 1], last[EXPORT_DAY_LEN + 1];
	char day[EXPORT_DAY_LEN + 1];
	struct conf *c;
	struct store *st;
	int code = 0, n = 0;

	date = cli_take_opt(cli, "--date", &code);
	if (code == 0)
		from = cli_take_opt(cli, "--from", &code);
	if (code == 0)
		to = cli_take_opt(cli, "--to", &code);
	if (code == 0)
		out = cli_take_opt(cli, "--out", &code);
	if (code != 0 || (code = cli_no_unknown_opts(cli, "export")) != 0)
		return code;
	if (cli->argc > 0 || (date != NULL && (from || to)) ||
	    ((from == NULL) != (to == NULL))) {
		fprintf(stderr,
		    "baraza export: usage: baraza export [--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD] [--out DIR]\n");
		return EXIT_USER;
	}
	if ((c = cli_load(cli, &code)) == NULL)
		return code;
	/* dates are local days: read once the time zone is set */
	if (date != NULL && export_day_parse(date, first) < 0) {
		code = bad_date("--date", date);
		goto free_conf;
	}
	if (from != NULL && export_day_parse(from, first) < 0) {
		code = bad_date("--from", from);
		goto free_conf;
	}
	if (to != NULL && export_day_parse(to, last) < 0) {
		code = bad_date("--to", to);
		goto free_conf;
	}
	if (date != NULL) {
		snprintf(last, sizeof(last), "%s", first);
	} else if (from == NULL) {
		char today[EXPORT_DAY_LEN + 1];
		export_day_of(now_ms(), today);
		export_day_add(today, -1, first);
		snprintf(last, sizeof(last), "%s", first);
	}
	if (strcmp(first, last) > 0) {
		fprintf(stderr, "baraza export: --from %s is after --to %s\n",
		    first, last);
		code = EXIT_USER;
		goto free_conf;
	}
	if ((st = cli_open_store(c, &code)) == NULL)
		goto free_conf;
	for (snprintf(day, sizeof(day), "%s", first);
	     strcmp(day, last) <= 0 && code == 0; export_day_add(day, 1, day)) {
		char *path = NULL, *err = NULL;
		int rc;

		if (++n > EXPORT_RANGE_MAX) {
			fprintf(stderr,
			    "baraza export: at most %d days at once\n",
			    EXPORT_RANGE_MAX);
			code = EXIT_USER;
			break;
		}
		rc = export_day(st, c, c->routing, out ? out : c->export.dir,
		    day, &path, &err);
		if (rc < 0) {
			fprintf(stderr, "baraza export: %s\n", err);
			code =
			    rc == -EIO || rc == -EBUSY ? EXIT_ENV : EXIT_USER;
		} else {
			printf("%s\n", path);
		}
		free(path);
		free(err);
	}
	store_close(st);
free_conf:
	conf_free(c);
	return code;
}
