/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint_ref: see complaint_ref.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "complaint_ref.h"

static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRTUVWXYZ";

#define MOD     31
#define INV_LEN 9 /* 7 * 9 = 63 = 1 (mod 31): the check's weight inverted */

_Static_assert(sizeof(alphabet) - 1 == MOD, "the alphabet has 31 characters");

static int
value_of(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'S')
		c = '5';
	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

static unsigned
weighted_sum(const int *v, int n)
{
	unsigned sum = 0;

	for (int i = 0; i < n; i++)
		sum += (unsigned)(i + 1) * (unsigned)v[i];
	return sum % MOD;
}

int
ref_make(const unsigned char *rnd, size_t n, char out[REF_LEN + 1])
{
	int v[REF_LEN], k = 0;

	for (size_t i = 0; i < n && k < REF_LEN - 1; i++)
		if (rnd[i] < 248) /* 248 = 8 * 31: no bias */
			v[k++] = rnd[i] % MOD;
	if (k < REF_LEN - 1)
		return -EAGAIN;
	v[REF_LEN - 1] =
	    (int)(((MOD - weighted_sum(v, REF_LEN - 1)) % MOD) * INV_LEN % MOD);
	for (int i = 0; i < REF_LEN; i++)
		out[i] = alphabet[v[i]];
	out[REF_LEN] = '\0';
	return 0;
}

int
ref_parse(const char *text, char out[REF_LEN + 1])
{
	int v[REF_LEN], n = 0;
	bool foreign = false;

	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		/* spaces and punctuation around or inside: "#K7P4MX8",
		 * "K7P-4MX8.", and curly quotes (E2 80 98/99/9C/9D) */
		if (c < 0x80 && !isalnum(c))
			continue;
		if (c == 0xE2 && (unsigned char)p[1] == 0x80 &&
		    strchr("\x98\x99\x9c\x9d", p[2]) != NULL && p[2] != '\0') {
			p += 2;
			continue;
		}
		if (n == REF_LEN)
			return -EINVAL;
		if ((v[n] = value_of(*p)) < 0) {
			/* 0, O, 1, I: mistyped, still a reference's shape */
			if (strchr("0Oo1Ii", *p) == NULL)
				return -EINVAL;
			foreign = true;
			v[n] = 0;
		}
		n++;
	}
	if (n != REF_LEN)
		return -EINVAL;
	if (foreign || weighted_sum(v, REF_LEN) != 0)
		return -EILSEQ;
	for (int i = 0; i < REF_LEN; i++)
		out[i] = alphabet[v[i]];
	out[REF_LEN] = '\0';
	return 0;
}
