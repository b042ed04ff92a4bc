/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handlers: the table of compiled-in handler types.  main.c hands it to the
 * configuration loader; the gateway library never names a handler.
 */
#include <stddef.h>

#include "handler.h"

extern const struct handler complaint_handler;
extern const struct handler help_handler;
extern const struct handler lookup_handler;
extern const struct handler survey_handler;
extern const struct handler text_handler;

const struct handler *const handlers_table[] = {
	&complaint_handler,
	&help_handler,
	&lookup_handler,
	&survey_handler,
	&text_handler,
	NULL,
};
