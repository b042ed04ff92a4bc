/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv: see csv.h.  A small state machine over the bytes; the caller checks
 * UTF-8 (the reader is byte-transparent).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void
csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
}

void
csv_record_done(struct csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->field[i]);
	rec->n = 0;
}

static int
end_field(struct csv_record *rec, struct buf *f, const char **ret_err)
{
	if (rec->n == CSV_FIELDS_MAX) {
		*ret_err = "too many fields";
		return -EINVAL;
	}
	rec->field[rec->n++] = buf_steal(f);
	return 0;
}

int
csv_next(struct csv_reader *r, struct csv_record *ret, const char **ret_err)
{
	struct buf f;
	bool quoted = false, was_quoted = false;
	int rc = 0;

	ret->n = 0;
	/* blank lines between records are not records */
	while (r->pos < r->len &&
	    (r->data[r->pos] == '\n' || r->data[r->pos] == '\r')) {
		if (r->data[r->pos] == '\n')
			r->line++;
		r->pos++;
	}
	ret->line = r->line;
	if (r->pos >= r->len)
		return 0;
	buf_init(&f);
	buf_puts(&f, "");
	while (r->pos < r->len) {
		char c = r->data[r->pos++];

		if (quoted) {
			if (c == '"') {
				if (r->pos < r->len && r->data[r->pos] == '"') {
					buf_putc(&f, '"');
					r->pos++;
				} else {
					quoted = false;
				}
				continue;
			}
			if (c == '\n')
				r->line++;
		} else if (c == ',') {
			if ((rc = end_field(ret, &f, ret_err)) < 0)
				goto fail;
			buf_puts(&f, "");
			was_quoted = false;
			continue;
		} else if (c == '\n' || c == '\r') {
			if (c == '\r' && r->pos < r->len &&
			    r->data[r->pos] == '\n')
				r->pos++;
			r->line++;
			break;
		} else if (c == '"') {
			if (f.len > 0 || was_quoted) {
				*ret_err = "a quote inside an unquoted field"
					   " (quote the whole field and double"
					   " the quote)";
				rc = -EINVAL;
				goto fail;
			}
			quoted = was_quoted = true;
			continue;
		} else if (was_quoted) {
			*ret_err = "text after a closing quote";
			rc = -EINVAL;
			goto fail;
		}
		if (c == '\0') {
			*ret_err = "a NUL byte";
			rc = -EINVAL;
			goto fail;
		}
		if (f.len >= CSV_FIELD_MAX) {
			*ret_err = "a field longer than 4096 bytes";
			rc = -EINVAL;
			goto fail;
		}
		buf_putc(&f, c);
	}
	if (quoted) {
		*ret_err = "a quoted field is never closed";
		rc = -EINVAL;
		goto fail;
	}
	if ((rc = end_field(ret, &f, ret_err)) < 0)
		goto fail;
	return 1;
fail:
	buf_free(&f);
	return rc;
}

void
csv_put(struct buf *b, const char *field)
{
	/* a leading byte-order mark would be taken for the file's own */
	if (strpbrk(field, ",\"\r\n") == NULL &&
	    strncmp(field, "\xEF\xBB\xBF", 3) != 0) {
		buf_puts(b, field);
		return;
	}
	buf_putc(b, '"');
	for (const char *p = field; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	buf_putc(b, '"');
}
