/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint_ref: complaint references a citizen can read aloud and type on
 * a keypad: six random characters from an alphabet of 31 (digits 2-9 and
 * letters without I, O and S, so no 0/O, 1/I or 5/S confusion) and a check
 * character: the weighted sum (weights 1..7) is 0 modulo 31, a prime, so
 * any one wrong character and any two swapped neighbours are caught.
 * Pure functions.
 */
#ifndef BARAZA_COMPLAINT_REF_H
#define BARAZA_COMPLAINT_REF_H

#include <stddef.h>

#define REF_LEN 7 /* characters, the check one included */

/* A valid reference, for texts that show one (test_complaint_ref). */
#define REF_EXAMPLE "K7P4MX8"

/* Makes a reference from random bytes (at least REF_RANDOM of them; bytes
 * that would bias the draw are skipped).  Returns 0, or -EAGAIN when the
 * bytes ran out (draw more). */
#define REF_RANDOM 32
int ref_make(const unsigned char *rnd, size_t n, char out[REF_LEN + 1]);

/*
 * Reads what a citizen typed: case, spaces and dashes do not matter, and S
 * is read as 5.  Returns 0 with the reference in out, -EILSEQ when it has
 * the shape of a reference but fails its check (a typing error), or
 * -EINVAL when it is not a reference at all.
 */
int ref_parse(const char *text, char out[REF_LEN + 1]);

#endif
