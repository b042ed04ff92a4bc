/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_twilio: Twilio's request signature, exposed for its tests and
 * fuzz target; the provider type itself is in the table of provider.c.
 */
#ifndef BARAZA_PROVIDER_TWILIO_H
#define BARAZA_PROVIDER_TWILIO_H

#include <stdbool.h>

#include "form.h"

/* base64(HMAC-SHA1(token, url + sorted name/value pairs)).  Sorts params.
 * Caller frees. */
char *twilio_signature(const char *token, const char *url, struct form *params);
/* True when given matches url as it is, or with its port removed or the
 * scheme's port added, as Twilio's own libraries accept. */
bool twilio_signature_ok(const char *token, const char *url,
    struct form *params, const char *given);

#endif
