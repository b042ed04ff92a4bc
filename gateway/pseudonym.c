/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pseudonym: see pseudonym.h.  OpenSSL's HMAC; the characters are the
 * complaint reference alphabet's (no 0/O, 1/I) plus S.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pseudonym.h"

void
pseudonym_make(const unsigned char key[PSEUDONYM_KEY_LEN], const char *number,
    char out[PSEUDONYM_LEN + 1])
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (strncmp(number, "p-", 2) == 0 && strlen(number) == PSEUDONYM_LEN) {
		memcpy(out, number, PSEUDONYM_LEN + 1); /* one already */
		return;
	}
	HMAC(EVP_sha256(), key, PSEUDONYM_KEY_LEN,
	    (const unsigned char *)number, strlen(number), mac, &maclen);
	out[0] = 'p';
	out[1] = '-';
	for (int i = 0; i < PSEUDONYM_LEN - 2; i++)
		out[2 + i] = alphabet[mac[i] & 31];
	out[PSEUDONYM_LEN] = '\0';
}
