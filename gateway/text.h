/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text: the SMS text layer.  UTF-8 validation and decoding, GSM 03.38
 * membership (basic and extension tables), look-alike substitution so that a
 * curly quote does not turn a reply into UCS-2, segment counting as handsets
 * and SMSCs count (160/153 septets, 70/67 UTF-16 units, escape pairs and
 * surrogate pairs never split), and keyword folding (case, accents,
 * punctuation).  Pure functions: no I/O, no logging, no global state.
 */
#ifndef BARAZA_TEXT_H
#define BARAZA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum sms_encoding {
	SMS_GSM7,
	SMS_UCS2,
};

/* The most segments we count; past this a text is "too long" to send. */
#define SMS_MAX_SEGMENTS 255

struct sms_info {
	enum sms_encoding encoding;
	unsigned units;    /* septets (GSM-7) or UTF-16 code units (UCS-2) */
	unsigned segments; /* 1 for an empty text */
};

/* True when s[0..len) is well-formed UTF-8 without NUL bytes, overlong
 * forms or surrogates. */
bool utf8_valid(const char *s, size_t len);

/* Decodes one code point at *p and advances; a sequence cut short (a NUL
 * or a byte that does not continue it) gives U+FFFD and stops before that
 * byte. */
uint32_t utf8_next(const char **p);

/* Appends the UTF-8 form of cp to out (at least 4 bytes); returns length. */
size_t utf8_put(uint32_t cp, char *out);

/* Septets cp costs in GSM-7: 1 (basic table), 2 (extension), 0 (none). */
int gsm7_cost(uint32_t cp);

/* The septets of cp (unpacked, one per byte; an extension character is
 * 0x1B and its code); returns their number, 0 when cp is not GSM-7. */
int gsm7_encode(uint32_t cp, uint8_t out[2]);

/* Measures a valid UTF-8 text as it would be sent, without substitution. */
void sms_measure(const char *utf8, struct sms_info *ret);

/*
 * Returns a new string in which look-alike characters (curly quotes,
 * non-breaking and other spaces, dashes, ellipsis, accented vowels outside
 * GSM-7) are replaced by GSM-7 ones -- but only when that makes the whole
 * text GSM-7.  Otherwise returns an unchanged copy.  Caller frees.
 */
char *sms_prepare(const char *utf8);

/*
 * Returns a new string that is GSM-7 whatever s holds: look-alikes as
 * sms_prepare() replaces them, and each run of other characters GSM-7 lacks
 * as one '?' (what an SMSC sends for them in 7-bit coding).  Caller frees.
 */
char *sms_force_gsm7(const char *utf8);

const char *sms_encoding_name(enum sms_encoding e);

/*
 * Folds a UTF-8 word for keyword comparison: lower case, Latin accents
 * removed, everything that is not a letter or digit dropped.  Writes at most
 * size-1 bytes; returns the length written.
 */
size_t text_fold(const char *word, size_t len, char *out, size_t size);

/* Converts UTF-16BE bytes (surrogate pairs joined) to UTF-8 in out;
 * -EINVAL for an odd length, a lone surrogate or a NUL character. */
int utf16be_to_utf8(const unsigned char *p, size_t n, struct buf *out);
/* Converts unpacked GSM 03.38 septets (one per byte, an extension
 * character as 0x1B and its code) to UTF-8 in out; -EINVAL for a byte
 * above 0x7F. */
int gsm7_to_utf8(const unsigned char *p, size_t n, struct buf *out);
/* Converts Windows-1252 / ISO-8859-1 bytes to UTF-8 in out; -EINVAL for
 * a NUL byte. */
int latin1_to_utf8(const unsigned char *p, size_t n, struct buf *out);

/* Where a word written against the next one ("COMPLAIN:WATER",
 * "CLINIC,KIBERA") ends: its first ASCII punctuation after a letter (an
 * apostrophe belongs to the word); len when there is none.  *ret_next is
 * where the next one starts, past the punctuation (at most len). */
size_t text_word_cut(const char *word, size_t len, size_t *ret_next);

/* Replaces each {name} in tmpl by the value paired with it in vars
 * (name, value, ..., NULL); unknown names stay as written.  Caller frees. */
char *text_expand(const char *tmpl, const char *const *vars);

/* Damerau (optimal string alignment) distance, capped at limit+1. */
unsigned text_distance(const char *a, const char *b, unsigned limit);

#endif
