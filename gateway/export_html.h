/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export_html: a day's summary.html -- messages by route and provider,
 * delivery, complaints by category and status, each survey's tallies as
 * bar charts in inline SVG.  One self-contained page: no script, no
 * network, readable on a phone.  Tallies of fewer than export.min_group
 * are left out (a breakdown by village can name a person).  Nothing in it
 * depends on when it is written, so a day re-exported is the same page.
 */
#ifndef BARAZA_EXPORT_HTML_H
#define BARAZA_EXPORT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "store.h"

struct export_survey {
	char *name;
	const char *const *columns;
	const char *const *kinds;  /* NULL: not configured, nothing charted */
	const char *const *labels; /* NULL when not configured */
	size_t ncolumns;
	char **owned; /* columns, when read from the data */
};

void export_surveys_free(struct export_survey *v, size_t n);

int export_summary(struct store *st, const struct conf *c, const char *day,
    int64_t from, int64_t to, const struct export_survey *sv, size_t nsv,
    FILE *f);

#endif
