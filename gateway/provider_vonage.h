/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_vonage: Vonage's webhook signature, exposed for its tests and
 * fuzz target; the provider type itself is in the table of provider.c.
 */
#ifndef BARAZA_PROVIDER_VONAGE_H
#define BARAZA_PROVIDER_VONAGE_H

#include "form.h"

/* The lower-case hex signature of params (all but "sig", sorted) with
 * method md5hash, md5, sha1, sha256 or sha512.  Sorts params.  Caller
 * frees. */
char *vonage_signature(const char *secret, const char *method,
    struct form *params);

#endif
