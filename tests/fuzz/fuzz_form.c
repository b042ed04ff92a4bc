/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-form: urlencoded and JSON webhook bodies. */
#include <stddef.h>
#include <stdint.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f;
	struct buf err;

	buf_init(&err);
	form_init(&f);
	form_parse_urlencoded(&f, (const char *)data, size, &err);
	form_done(&f);
	form_init(&f);
	form_parse_json(&f, (const char *)data, size, &err);
	form_done(&f);
	buf_free(&err);
	return 0;
}
