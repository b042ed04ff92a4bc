/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pseudonym: a keyed pseudonym of a phone number ("p-" and 12 characters
 * of HMAC-SHA256 under a key the database keeps), stable across days and
 * exports, unlinkable to the number without the key.  Used by anonymous
 * complaints and by exports with phones = "pseudonym".
 */
#ifndef BARAZA_PSEUDONYM_H
#define BARAZA_PSEUDONYM_H

#include <stddef.h>

#define PSEUDONYM_KEY_LEN 32
#define PSEUDONYM_LEN     14          /* "p-" + 12 */
#define PSEUDONYM_SECRET  "pseudonym" /* the store_secret() name */

/* A pseudonym stays as it is: a row whose number already became one
 * (FORGET, a settled anonymous complaint) is shown under the same one. */
void pseudonym_make(const unsigned char key[PSEUDONYM_KEY_LEN],
    const char *number, char out[PSEUDONYM_LEN + 1]);

#endif
