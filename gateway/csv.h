/* SPDX-License-Identifier: Apache-2.0 */
/*
 * csv: RFC 4180 records.  The reader takes administrators' data tables
 * (the CSV files under conf/data): quoted fields with "" and line breaks, CRLF
 * or LF, a UTF-8 byte-order mark skipped.  The writer quotes what needs
 * quoting. Pure: no files, no logging.
 */
#ifndef BARAZA_CSV_H
#define BARAZA_CSV_H

#include <stddef.h>

#include "util.h"

#define CSV_FIELDS_MAX 64   /* fields in one record */
#define CSV_FIELD_MAX  4096 /* bytes in one field */

struct csv_reader {
	const char *data;
	size_t len;
	size_t pos;
	unsigned line; /* of the next record */
};

struct csv_record {
	char *field[CSV_FIELDS_MAX];
	size_t n;
	unsigned line; /* where the record starts */
};

void csv_reader_init(struct csv_reader *r, const char *data, size_t len);
/*
 * Reads the next record.  Returns 1 with a record, 0 at the end, or
 * -EINVAL with *ret_err saying what is wrong (the record's line is in
 * ret->line).  Blank lines are skipped.  The record is emptied first;
 * free it with csv_record_done() whatever the result.
 */
int csv_next(struct csv_reader *r, struct csv_record *ret,
    const char **ret_err);
void csv_record_done(struct csv_record *rec);

/* Appends one field, quoted when it holds a comma, quote, CR or LF (or
 * starts with a byte-order mark). */
void csv_put(struct buf *b, const char *field);

#endif
