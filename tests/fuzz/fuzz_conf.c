/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-conf: the configuration loader on any file content. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct conf_errors ce;
	struct conf *c;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/baraza-fuzz-conf-%d.conf",
	    (int)getpid());
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	conf_errors_init(&ce);
	c = conf_load(path, NULL, 0, handlers_table, &ce);
	conf_free(c);
	conf_errors_done(&ce);
	unlink(path);
	return 0;
}
