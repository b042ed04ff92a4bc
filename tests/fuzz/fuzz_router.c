/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-router: keyword matching of any valid UTF-8 text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conf *conf;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct match m;
	char *s;

	if (conf == NULL) {
		struct conf_errors ce;
		conf_errors_init(&ce);
		conf = conf_load(FUZZ_CONF_DIR "/../unit/conf/good.conf", NULL,
		    0, handlers_table, &ce);
		conf_errors_done(&ce);
		if (conf == NULL)
			abort();
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (utf8_valid(s, size)) {
		router_match(conf->routing, s, &m);
		if (m.args < s || m.args > s + size)
			abort();
		if (m.kind == MATCH_AMBIGUOUS)
			free(router_choices(conf->routing, &m, 0));
	}
	free(s);
	return 0;
}
