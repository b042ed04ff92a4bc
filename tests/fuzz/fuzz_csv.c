/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-csv: the CSV reader of administrators' data tables, and the writer
 * read back: a field written by csv_put() reads as the same field.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csv_reader r;
	struct csv_record rec = { .n = 0 };
	const char *err = NULL;
	unsigned line = 0;
	int rc;

	csv_reader_init(&r, (const char *)data, size);
	while ((rc = csv_next(&r, &rec, &err)) == 1) {
		if (rec.n == 0 || rec.n > CSV_FIELDS_MAX || rec.line < line)
			abort();
		line = rec.line;
		/* round trip: one record of one field */
		if (strlen(rec.field[0]) > 0 &&
		    strpbrk(rec.field[0], "\r\n") == NULL) {
			struct buf b;
			struct csv_reader back;
			struct csv_record again = { .n = 0 };
			buf_init(&b);
			csv_put(&b, rec.field[0]);
			csv_reader_init(&back, b.data, b.len);
			if (csv_next(&back, &again, &err) != 1 ||
			    again.n != 1 ||
			    strcmp(again.field[0], rec.field[0]) != 0)
				abort();
			csv_record_done(&again);
			buf_free(&b);
		}
		csv_record_done(&rec);
	}
	if (rc < 0 && (err == NULL || rc != -EINVAL))
		abort();
	csv_record_done(&rec);
	return 0;
}
