/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-ref: what a citizen types as a complaint reference.  A reference
 * that parses is seven characters of the alphabet and parses again to
 * itself; references made from any bytes parse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/complaint_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[REF_LEN + 1], again[REF_LEN + 1];

	memcpy(s, data, size);
	s[size] = '\0';
	if (ref_parse(s, out) == 0) {
		if (strlen(out) != REF_LEN ||
		    strspn(out, "23456789ABCDEFGHJKLMNPQRTUVWXYZ") != REF_LEN ||
		    ref_parse(out, again) != 0 || strcmp(out, again) != 0)
			abort();
	}
	if (ref_make(data, size, out) == 0 && ref_parse(out, again) != 0)
		abort();
	free(s);
	return 0;
}
