/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf_table: the CSV data tables handlers read at configure() time
 * (handler.h's hconf_table), and hconf_peer_state.  Reads the whole file
 * (a table is an administrator's list, not a data set: capped at
 * TABLE_BYTES_MAX), checks it, and reports problems at the table's own
 * FILE:LINE so that `baraza check` points at the row to fix.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "csv.h"
#include "text.h"

#define TABLE_BYTES_MAX (4 * 1024 * 1024)
#define TABLE_ROWS_MAX  100000

struct table {
	char *path;
	char **cols;
	size_t ncols;
	struct table_row {
		char **cells;
		size_t n;
		unsigned line;
	} * rows;
	size_t nrows;
};

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t i = 0; i < t->rows[r].n; i++)
			free(t->rows[r].cells[i]);
		free(t->rows[r].cells);
	}
	free(t->rows);
	free(t->path);
	free(t);
}

size_t
table_nrows(const struct table *t)
{
	return t->nrows;
}

int
table_column(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
table_cell(const struct table *t, size_t row, int col)
{
	if (col < 0 || row >= t->nrows || (size_t)col >= t->rows[row].n)
		return "";
	return t->rows[row].cells[col];
}

void
hconf_table_error(struct hconf *hc, const struct table *t, size_t row,
    bool warning, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_error_at(hc->ce, warning, t->path,
	    row < t->nrows ? t->rows[row].line : 1, "%s", msg);
}

static char *
read_file(const char *path, size_t *ret_len, const char **ret_err)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t n;

	if (f == NULL) {
		*ret_err = strerror(errno);
		return NULL;
	}
	data = xmalloc(TABLE_BYTES_MAX + 1);
	n = fread(data, 1, TABLE_BYTES_MAX + 1, f);
	if (ferror(f)) {
		*ret_err = "read error";
		goto fail;
	}
	if (n > TABLE_BYTES_MAX) {
		*ret_err = "larger than 4 MiB";
		goto fail;
	}
	fclose(f);
	data[n] = '\0';
	*ret_len = n;
	return data;
fail:
	fclose(f);
	free(data);
	return NULL;
}

static char **
steal_fields(struct csv_record *rec)
{
	char **v = xcalloc(rec->n ? rec->n : 1, sizeof(char *));

	for (size_t i = 0; i < rec->n; i++)
		v[i] = rec->field[i];
	rec->n = 0;
	return v;
}

/* Reads and checks the records; returns the number of errors. */
static int
parse_table(struct hconf *hc, struct table *t, const char *data, size_t len)
{
	struct csv_reader rd;
	struct csv_record rec = { .n = 0 };
	const char *err = NULL;
	int errors = 0, rc;
	size_t cap = 0;

	csv_reader_init(&rd, data, len);
	while ((rc = csv_next(&rd, &rec, &err)) != 0) {
		if (rc < 0) {
			conf_error_at(hc->ce, 0, t->path, rec.line, "%s", err);
			errors++;
			break;
		}
		for (size_t i = 0; i < rec.n; i++)
			if (!utf8_valid(rec.field[i], strlen(rec.field[i]))) {
				conf_error_at(hc->ce, 0, t->path, rec.line,
				    "field %zu is not valid UTF-8", i + 1);
				errors++;
			}
		if (t->cols == NULL) {
			t->ncols = rec.n;
			t->cols = steal_fields(&rec);
			for (size_t i = 0; i < t->ncols; i++)
				for (size_t j = 0; j < i; j++)
					if (strcmp(t->cols[i], t->cols[j]) == 0)
						conf_error_at(hc->ce, 0,
						    t->path, rec.line,
						    "column '%s' appears twice",
						    t->cols[i]),
						    errors++;
			continue;
		}
		if (rec.n > t->ncols) {
			conf_error_at(hc->ce, 0, t->path, rec.line,
			    "%zu fields, but the header names %zu columns",
			    rec.n, t->ncols);
			errors++;
		}
		if (t->nrows == TABLE_ROWS_MAX) {
			conf_error_at(hc->ce, 0, t->path, rec.line,
			    "more than %d rows", TABLE_ROWS_MAX);
			errors++;
			break;
		}
		if (t->nrows == cap) {
			cap = cap ? cap * 2 : 32;
			t->rows = xrealloc(t->rows, cap * sizeof(*t->rows));
		}
		t->rows[t->nrows].line = rec.line;
		t->rows[t->nrows].n = rec.n;
		t->rows[t->nrows].cells = steal_fields(&rec);
		t->nrows++;
	}
	csv_record_done(&rec);
	return errors;
}

int
hconf_table(struct hconf *hc, const char *key, const char *const *required,
    struct table **ret)
{
	const config_setting_t *s = config_setting_get_member(hc->route, key);
	struct table *t;
	const char *err = NULL;
	char *data;
	size_t len = 0;
	int errors;

	if (s == NULL)
		return -ENOENT;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		hconf_error(hc, s, "'%s' must be the path of a CSV file", key);
		return -EINVAL;
	}
	t = xcalloc(1, sizeof(*t));
	t->path = conf_resolve_path(hc->ce, s, config_setting_get_string(s));
	if ((data = read_file(t->path, &len, &err)) == NULL) {
		hconf_error(hc, s, "'%s': cannot read '%s': %s", key, t->path,
		    err);
		table_free(t);
		return -EINVAL;
	}
	errors = parse_table(hc, t, data, len);
	free(data);
	if (errors == 0 && t->cols == NULL) {
		conf_error_at(hc->ce, 0, t->path, 1,
		    "empty: a header row is required");
		errors++;
	}
	for (const char *const *c = required; errors == 0 && c && *c; c++)
		if (table_column(t, *c) < 0) {
			conf_error_at(hc->ce, 0, t->path, 1,
			    "no '%s' column in the header", *c);
			errors++;
		}
	if (errors > 0) {
		table_free(t);
		return -EINVAL;
	}
	*ret = t;
	return 0;
}

void *
hconf_peer_state(struct hconf *hc, const char *route)
{
	const char *self = NULL;
	const struct route *me = NULL;

	config_setting_lookup_string(hc->route, "name", &self);
	for (size_t i = 0; i < hc->r->nroutes; i++)
		if (self != NULL && hc->r->routes[i].name != NULL &&
		    strcmp(hc->r->routes[i].name, self) == 0 &&
		    hc->r->routes[i].state == NULL)
			me = &hc->r->routes[i];
	for (size_t i = 0; me != NULL && i < hc->r->nroutes; i++) {
		const struct route *rt = &hc->r->routes[i];
		if (rt->name != NULL && strcmp(rt->name, route) == 0 &&
		    rt->handler == me->handler && rt->state != NULL)
			return rt->state;
	}
	return NULL;
}
