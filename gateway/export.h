/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export: the operators' daily files (SPEC §7, docs/exports.md).  One
 * folder per local day with messages.csv, complaints.csv, one
 * survey-NAME.csv per survey and summary.html; each file written under a
 * temporary name and renamed, streamed from the store so that memory does
 * not grow with the day, and the same day exported twice gives the same
 * bytes.  Local days and times follow the process's TZ
 * (conf_use_timezone()).
 */
#ifndef BARAZA_EXPORT_H
#define BARAZA_EXPORT_H

#include <stdint.h>

#include "conf.h"
#include "store.h"

#define EXPORT_DAY_LEN 10 /* YYYY-MM-DD */

/* A YYYY-MM-DD local day's bounds in ms; -EINVAL when not a date. */
int export_day_bounds(const char *day, int64_t *ret_from, int64_t *ret_to);
/* The local day a time falls in, and the day after or before one. */
void export_day_of(int64_t t, char out[EXPORT_DAY_LEN + 1]);
int export_day_add(const char *day, int days, char out[EXPORT_DAY_LEN + 1]);
/* A day as an operator writes it: YYYY-MM-DD, "today" or "yesterday"
 * (local) into out; -EINVAL otherwise. */
int export_day_parse(const char *v, char out[EXPORT_DAY_LEN + 1]);

/*
 * Writes day's folder under dir (created if needed).  Returns 0 with the
 * folder's path in *ret_path (owned), or a negative errno with a one-line
 * reason in *ret_err (owned): -EINVAL a bad day, -EACCES/-ENOENT/-ENOSPC
 * and friends the folder, -EIO/-EBUSY the store.
 */
int export_day(struct store *st, const struct conf *c, const struct routing *r,
    const char *dir, const char *day, char **ret_path, char **ret_err);

/* Removes day folders under dir older than keep_days before today;
 * returns how many.  Only names of the YYYY-MM-DD form are touched. */
int export_prune(const char *dir, const char *today, int keep_days);

#endif
