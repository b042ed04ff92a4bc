/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-text: UTF-8 validation, GSM-7/UCS-2 measuring and segmenting,
 * look-alike substitution and keyword folding, with their invariants.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *p;
	struct sms_info a, b;
	char folded[64];

	memcpy(s, data, size);
	s[size] = '\0';
	if (!utf8_valid(s, size)) {
		free(s);
		return 0;
	}
	sms_measure(s, &a);
	p = sms_prepare(s);
	if (!utf8_valid(p, strlen(p)))
		abort();
	sms_measure(p, &b);
	/* substitution never makes a text cost more segments */
	if (b.segments > a.segments && a.encoding == SMS_UCS2 &&
	    b.encoding == SMS_UCS2)
		abort();
	if (a.units <= (a.encoding == SMS_GSM7 ? 160u : 70u) && a.segments != 1)
		abort();
	free(p);
	/* forced, any text is GSM-7 and no longer in characters */
	p = sms_force_gsm7(s);
	sms_measure(p, &b);
	if (!utf8_valid(p, strlen(p)) || b.encoding != SMS_GSM7)
		abort();
	{
		size_t next, cut = text_word_cut(s, size, &next);

		if (cut > size || next < cut || next > size)
			abort();
	}
	text_fold(s, size, folded, sizeof(folded));
	if (strlen(folded) >= sizeof(folded))
		abort();
	text_distance(folded, "survey", 1);
	free(p);
	free(s);
	return 0;
}
