/* SPDX-License-Identifier: Apache-2.0 */
/*
 * text: see text.h.  The GSM tables are those of 3GPP TS 23.038 §6.2.1
 * (../shared/protocols.md §6); counting follows its §6.4 test vectors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "text.h"
#include "util.h"

static const uint16_t gsm7_basic[128] = {
	0x0040,
	0x00A3,
	0x0024,
	0x00A5,
	0x00E8,
	0x00E9,
	0x00F9,
	0x00EC,
	0x00F2,
	0x00C7,
	0x000A,
	0x00D8,
	0x00F8,
	0x000D,
	0x00C5,
	0x00E5,
	0x0394,
	0x005F,
	0x03A6,
	0x0393,
	0x039B,
	0x03A9,
	0x03A0,
	0x03A8,
	0x03A3,
	0x0398,
	0x039E,
	0x001B,
	0x00C6,
	0x00E6,
	0x00DF,
	0x00C9,
	0x0020,
	0x0021,
	0x0022,
	0x0023,
	0x00A4,
	0x0025,
	0x0026,
	0x0027,
	0x0028,
	0x0029,
	0x002A,
	0x002B,
	0x002C,
	0x002D,
	0x002E,
	0x002F,
	0x0030,
	0x0031,
	0x0032,
	0x0033,
	0x0034,
	0x0035,
	0x0036,
	0x0037,
	0x0038,
	0x0039,
	0x003A,
	0x003B,
	0x003C,
	0x003D,
	0x003E,
	0x003F,
	0x00A1,
	0x0041,
	0x0042,
	0x0043,
	0x0044,
	0x0045,
	0x0046,
	0x0047,
	0x0048,
	0x0049,
	0x004A,
	0x004B,
	0x004C,
	0x004D,
	0x004E,
	0x004F,
	0x0050,
	0x0051,
	0x0052,
	0x0053,
	0x0054,
	0x0055,
	0x0056,
	0x0057,
	0x0058,
	0x0059,
	0x005A,
	0x00C4,
	0x00D6,
	0x00D1,
	0x00DC,
	0x00A7,
	0x00BF,
	0x0061,
	0x0062,
	0x0063,
	0x0064,
	0x0065,
	0x0066,
	0x0067,
	0x0068,
	0x0069,
	0x006A,
	0x006B,
	0x006C,
	0x006D,
	0x006E,
	0x006F,
	0x0070,
	0x0071,
	0x0072,
	0x0073,
	0x0074,
	0x0075,
	0x0076,
	0x0077,
	0x0078,
	0x0079,
	0x007A,
	0x00E4,
	0x00F6,
	0x00F1,
	0x00FC,
	0x00E0,
};

/* The extension table: 0x1B then code (3GPP TS 23.038 §6.2.1.1). */
static const struct {
	uint8_t code;
	uint16_t cp;
} gsm7_ext[] = {
	{ 0x0A, 0x000C },
	{ 0x14, 0x005E },
	{ 0x28, 0x007B },
	{ 0x29, 0x007D },
	{ 0x2F, 0x005C },
	{ 0x3C, 0x005B },
	{ 0x3D, 0x007E },
	{ 0x3E, 0x005D },
	{ 0x40, 0x007C },
	{ 0x65, 0x20AC },
};

/* Every GSM-7 character (the two tables above) and its cost in septets,
 * sorted by code point for a binary search. */
static const struct {
	uint16_t cp;
	uint8_t cost;
} gsm7_sorted[] = {
	{ 0x000A, 1 },
	{ 0x000C, 2 },
	{ 0x000D, 1 },
	{ 0x0020, 1 },
	{ 0x0021, 1 },
	{ 0x0022, 1 },
	{ 0x0023, 1 },
	{ 0x0024, 1 },
	{ 0x0025, 1 },
	{ 0x0026, 1 },
	{ 0x0027, 1 },
	{ 0x0028, 1 },
	{ 0x0029, 1 },
	{ 0x002A, 1 },
	{ 0x002B, 1 },
	{ 0x002C, 1 },
	{ 0x002D, 1 },
	{ 0x002E, 1 },
	{ 0x002F, 1 },
	{ 0x0030, 1 },
	{ 0x0031, 1 },
	{ 0x0032, 1 },
	{ 0x0033, 1 },
	{ 0x0034, 1 },
	{ 0x0035, 1 },
	{ 0x0036, 1 },
	{ 0x0037, 1 },
	{ 0x0038, 1 },
	{ 0x0039, 1 },
	{ 0x003A, 1 },
	{ 0x003B, 1 },
	{ 0x003C, 1 },
	{ 0x003D, 1 },
	{ 0x003E, 1 },
	{ 0x003F, 1 },
	{ 0x0040, 1 },
	{ 0x0041, 1 },
	{ 0x0042, 1 },
	{ 0x0043, 1 },
	{ 0x0044, 1 },
	{ 0x0045, 1 },
	{ 0x0046, 1 },
	{ 0x0047, 1 },
	{ 0x0048, 1 },
	{ 0x0049, 1 },
	{ 0x004A, 1 },
	{ 0x004B, 1 },
	{ 0x004C, 1 },
	{ 0x004D, 1 },
	{ 0x004E, 1 },
	{ 0x004F, 1 },
	{ 0x0050, 1 },
	{ 0x0051, 1 },
	{ 0x0052, 1 },
	{ 0x0053, 1 },
	{ 0x0054, 1 },
	{ 0x0055, 1 },
	{ 0x0056, 1 },
	{ 0x0057, 1 },
	{ 0x0058, 1 },
	{ 0x0059, 1 },
	{ 0x005A, 1 },
	{ 0x005B, 2 },
	{ 0x005C, 2 },
	{ 0x005D, 2 },
	{ 0x005E, 2 },
	{ 0x005F, 1 },
	{ 0x0061, 1 },
	{ 0x0062, 1 },
	{ 0x0063, 1 },
	{ 0x0064, 1 },
	{ 0x0065, 1 },
	{ 0x0066, 1 },
	{ 0x0067, 1 },
	{ 0x0068, 1 },
	{ 0x0069, 1 },
	{ 0x006A, 1 },
	{ 0x006B, 1 },
	{ 0x006C, 1 },
	{ 0x006D, 1 },
	{ 0x006E, 1 },
	{ 0x006F, 1 },
	{ 0x0070, 1 },
	{ 0x0071, 1 },
	{ 0x0072, 1 },
	{ 0x0073, 1 },
	{ 0x0074, 1 },
	{ 0x0075, 1 },
	{ 0x0076, 1 },
	{ 0x0077, 1 },
	{ 0x0078, 1 },
	{ 0x0079, 1 },
	{ 0x007A, 1 },
	{ 0x007B, 2 },
	{ 0x007C, 2 },
	{ 0x007D, 2 },
	{ 0x007E, 2 },
	{ 0x00A1, 1 },
	{ 0x00A3, 1 },
	{ 0x00A4, 1 },
	{ 0x00A5, 1 },
	{ 0x00A7, 1 },
	{ 0x00BF, 1 },
	{ 0x00C4, 1 },
	{ 0x00C5, 1 },
	{ 0x00C6, 1 },
	{ 0x00C7, 1 },
	{ 0x00C9, 1 },
	{ 0x00D1, 1 },
	{ 0x00D6, 1 },
	{ 0x00D8, 1 },
	{ 0x00DC, 1 },
	{ 0x00DF, 1 },
	{ 0x00E0, 1 },
	{ 0x00E4, 1 },
	{ 0x00E5, 1 },
	{ 0x00E6, 1 },
	{ 0x00E8, 1 },
	{ 0x00E9, 1 },
	{ 0x00EC, 1 },
	{ 0x00F1, 1 },
	{ 0x00F2, 1 },
	{ 0x00F6, 1 },
	{ 0x00F8, 1 },
	{ 0x00F9, 1 },
	{ 0x00FC, 1 },
	{ 0x0393, 1 },
	{ 0x0394, 1 },
	{ 0x0398, 1 },
	{ 0x039B, 1 },
	{ 0x039E, 1 },
	{ 0x03A0, 1 },
	{ 0x03A3, 1 },
	{ 0x03A6, 1 },
	{ 0x03A8, 1 },
	{ 0x03A9, 1 },
	{ 0x20AC, 2 },
};

/* Look-alikes and their GSM-7 stand-ins (an empty string drops the char). */
static const struct {
	uint32_t cp;
	const char *to;
} lookalikes[] = {
	{ 0x0009, " " },
	{ 0x00A0, " " },
	{ 0x2000, " " },
	{ 0x2001, " " },
	{ 0x2002, " " },
	{ 0x2003, " " },
	{ 0x2004, " " },
	{ 0x2005, " " },
	{ 0x2006, " " },
	{ 0x2007, " " },
	{ 0x2008, " " },
	{ 0x2009, " " },
	{ 0x200A, " " },
	{ 0x202F, " " },
	{ 0x205F, " " },
	{ 0x3000, " " },
	{ 0x200B, "" },
	{ 0x200C, "" },
	{ 0x200D, "" },
	{ 0xFEFF, "" },
	{ 0x00AD, "" },
	{ 0x2018, "'" },
	{ 0x2019, "'" },
	{ 0x201A, "'" },
	{ 0x201B, "'" },
	{ 0x2032, "'" },
	{ 0x00B4, "'" },
	{ 0x0060, "'" },
	{ 0x02BC, "'" },
	{ 0x201C, "\"" },
	{ 0x201D, "\"" },
	{ 0x201E, "\"" },
	{ 0x201F, "\"" },
	{ 0x2033, "\"" },
	{ 0x00AB, "\"" },
	{ 0x00BB, "\"" },
	{ 0x2010, "-" },
	{ 0x2011, "-" },
	{ 0x2012, "-" },
	{ 0x2013, "-" },
	{ 0x2014, "-" },
	{ 0x2015, "-" },
	{ 0x2212, "-" },
	{ 0x2026, "..." },
	{ 0x2022, "-" },
	{ 0x00B7, "." },
	{ 0x00E7, "\xC3\x87" }, /* ç -> Ç, as most SMSCs do */
	{ 0x00E1, "a" },
	{ 0x00E2, "a" },
	{ 0x00E3, "a" },
	{ 0x00C1, "A" },
	{ 0x00C2, "A" },
	{ 0x00C3, "A" },
	{ 0x00C0, "A" },
	{ 0x00EA, "e" },
	{ 0x00EB, "e" },
	{ 0x00C8, "E" },
	{ 0x00CA, "E" },
	{ 0x00CB, "E" },
	{ 0x00ED, "i" },
	{ 0x00EE, "i" },
	{ 0x00EF, "i" },
	{ 0x00CC, "I" },
	{ 0x00CD, "I" },
	{ 0x00CE, "I" },
	{ 0x00CF, "I" },
	{ 0x00F3, "o" },
	{ 0x00F4, "o" },
	{ 0x00F5, "o" },
	{ 0x00D2, "O" },
	{ 0x00D3, "O" },
	{ 0x00D4, "O" },
	{ 0x00D5, "O" },
	{ 0x00FA, "u" },
	{ 0x00FB, "u" },
	{ 0x00D9, "U" },
	{ 0x00DA, "U" },
	{ 0x00DB, "U" },
	{ 0x00FD, "y" },
	{ 0x00FF, "y" },
	{ 0x00DD, "Y" },
};

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		uint32_t cp;
		int n;

		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (end - p <= n)
			return false;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

uint32_t
utf8_next(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	uint32_t cp;
	int n;

	if (p[0] < 0x80) {
		cp = p[0];
		n = 0;
	} else if (p[0] < 0xE0) {
		cp = p[0] & 0x1F;
		n = 1;
	} else if (p[0] < 0xF0) {
		cp = p[0] & 0x0F;
		n = 2;
	} else {
		cp = p[0] & 0x07;
		n = 3;
	}
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			/* cut short (a copy truncated mid-character): stop
			 * before the byte, never past a NUL */
			*pp = (const char *)p + i;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*pp = (const char *)p + n + 1;
	return cp;
}

size_t
utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

int
gsm7_encode(uint32_t cp, uint8_t out[2])
{
	if (cp == 0x1B)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(gsm7_basic); i++)
		if (gsm7_basic[i] == cp) {
			out[0] = (uint8_t)i;
			return 1;
		}
	for (size_t i = 0; i < ARRAY_LEN(gsm7_ext); i++)
		if (gsm7_ext[i].cp == cp) {
			out[0] = 0x1B;
			out[1] = gsm7_ext[i].code;
			return 2;
		}
	return 0;
}

int
gsm7_cost(uint32_t cp)
{
	/* gsm7_sorted's costs below 128, one digit each: most texts are
	 * ASCII, and every character of every message is measured */
	static const char ascii[129] = "00000000001021000000000000000000"
				       "11111111111111111111111111111111"
				       "11111111111111111111111111122221"
				       "01111111111111111111111111122220";
	size_t lo = 0, hi = ARRAY_LEN(gsm7_sorted);

	if (cp < 128)
		return ascii[cp] - '0';

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (gsm7_sorted[mid].cp == cp)
			return gsm7_sorted[mid].cost;
		if (gsm7_sorted[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Counts parts by filling each with whole characters: an escape pair or a
 * surrogate pair that would straddle a boundary moves to the next part.
 */
void
sms_measure(const char *s, struct sms_info *ret)
{
	const char *p;
	unsigned total = 0, part = 0, parts = 1, single, multi;
	bool gsm = true;

	for (p = s; *p != '\0';)
		if (gsm7_cost(utf8_next(&p)) == 0) {
			gsm = false;
			break;
		}
	single = gsm ? 160 : 70;
	multi = gsm ? 153 : 67;
	for (p = s; *p != '\0';) {
		uint32_t cp = utf8_next(&p);
		unsigned cost = gsm ? (unsigned)gsm7_cost(cp)
		    : cp > 0xFFFF   ? 2
				    : 1;

		total += cost;
		if (part + cost > multi) {
			if (parts < SMS_MAX_SEGMENTS)
				parts++;
			part = 0;
		}
		part += cost;
	}
	ret->encoding = gsm ? SMS_GSM7 : SMS_UCS2;
	ret->units = total;
	ret->segments = total <= single ? 1 : parts;
}

static const char *
lookalike(uint32_t cp)
{
	for (size_t i = 0; i < ARRAY_LEN(lookalikes); i++)
		if (lookalikes[i].cp == cp)
			return lookalikes[i].to;
	return NULL;
}

/* Look-alikes replaced by GSM-7 ones; any other character GSM-7 lacks
 * makes a copy of s unchanged (force false) or a '?', one for each run of
 * them (force true). */
static char *
substitute(const char *s, bool force)
{
	bool lacked = false;
	struct buf b;
	const char *p;

	buf_init(&b);
	for (p = s; *p != '\0';) {
		const char *start = p, *to = NULL;
		uint32_t cp = utf8_next(&p);
		bool lacks = gsm7_cost(cp) == 0 && (to = lookalike(cp)) == NULL;

		if (to != NULL) {
			buf_puts(&b, to);
		} else if (!lacks) {
			buf_append(&b, start, (size_t)(p - start));
		} else if (!force) {
			buf_free(&b);
			return xstrdup(s);
		} else if (!lacked) {
			buf_putc(&b, '?');
		}
		lacked = lacks;
	}
	return buf_steal(&b);
}

char *
sms_prepare(const char *s)
{
	return substitute(s, false);
}

char *
sms_force_gsm7(const char *s)
{
	return substitute(s, true);
}

const char *
sms_encoding_name(enum sms_encoding e)
{
	return e == SMS_GSM7 ? "gsm7" : "ucs2";
}

/* Latin-1 Supplement and Latin Extended-A letters to their ASCII base. */
static char
fold_latin(uint32_t cp)
{
	static const char l1[] = "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
				 "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
	static const char ea[] =
	    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii"
	    "iijjkkkllllllllllnnnnnnnnnoooooooorrrrrrsssssssstt"
	    "ttttuuuuuuuuuuuuwwyyyzzzzzzs";

	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? (char)(cp + 32) : (char)cp;
	if (cp >= 0xC0 && cp <= 0xFF) {
		char c = l1[cp - 0xC0];
		return c == '*' || c == '/' ? 0 : c;
	}
	if (cp >= 0x100 && cp <= 0x17F && cp - 0x100 < sizeof(ea) - 1)
		return ea[cp - 0x100];
	return 0;
}

static bool
is_letter_cp(uint32_t cp)
{
	/* Any non-ASCII code point outside punctuation blocks counts as part
	 * of a word, so keywords in other scripts still match exactly. */
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		    (cp >= '0' && cp <= '9');
	if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
		return false;
	if (cp >= 0x2000 && cp <= 0x2BFF)
		return false;
	if (cp >= 0x3000 && cp <= 0x303F)
		return false;
	if (cp == 0xFEFF || cp == 0xFFFD) /* 0xFFFD: a character cut short */
		return false;
	return true;
}

size_t
text_fold(const char *word, size_t len, char *out, size_t size)
{
	const char *p = word, *end = word + len;
	size_t n = 0;

	if (size == 0)
		return 0;
	while (p < end && *p != '\0') {
		const char *start = p;
		uint32_t cp = utf8_next(&p);
		char c;

		if (p > end)
			break;
		if (!is_letter_cp(cp))
			continue;
		if ((c = fold_latin(cp)) != 0) {
			if (n + 1 >= size)
				break;
			out[n++] = c;
		} else {
			size_t w = (size_t)(p - start);
			if (n + w >= size)
				break;
			memcpy(out + n, start, w);
			n += w;
		}
	}
	out[n] = '\0';
	return n;
}

unsigned
text_distance(const char *a, const char *b, unsigned limit)
{
	enum {
		MAXW = 64
	};
	unsigned d[MAXW + 1][MAXW + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > MAXW || lb > MAXW)
		return limit + 1;
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb] > limit ? limit + 1 : d[la][lb];
}

size_t
text_word_cut(const char *word, size_t len, size_t *ret_next)
{
	bool letter = false;
	size_t i, cut = len;

	for (i = 0; i < len && cut == len; i++) {
		unsigned char c = (unsigned char)word[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c >= 0x80)
			letter = true;
		else if (letter && ispunct(c) && c != '\'')
			cut = i;
	}
	for (i = cut; i < len && ispunct((unsigned char)word[i]); i++)
		;
	*ret_next = i;
	return cut;
}

char *
text_expand(const char *tmpl, const char *const *vars)
{
	struct buf b;
	const char *p = tmpl;

	buf_init(&b);
	while (*p != '\0') {
		const char *close;
		bool done = false;

		if (*p == '{' && (close = strchr(p, '}')) != NULL) {
			size_t n = (size_t)(close - p - 1);
			for (const char *const *v = vars; v && v[0] && v[1];
			     v += 2)
				if (strlen(v[0]) == n &&
				    strncmp(v[0], p + 1, n) == 0) {
					buf_puts(&b, v[1]);
					p = close + 1;
					done = true;
					break;
				}
		}
		if (!done)
			buf_putc(&b, *p++);
	}
	return buf_steal(&b);
}

int
utf16be_to_utf8(const unsigned char *p, size_t n, struct buf *out)
{
	char u[4];

	if (n % 2 != 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		uint32_t cp = (uint32_t)p[i] << 8 | p[i + 1];

		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;
			if (i + 3 >= n)
				return -EINVAL;
			lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -EINVAL;
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
			return -EINVAL;
		}
		buf_append(out, u, utf8_put(cp, u));
	}
	return 0;
}

int
gsm7_to_utf8(const unsigned char *p, size_t n, struct buf *out)
{
	char u[4];

	for (size_t i = 0; i < n; i++) {
		uint32_t cp;

		if (p[i] > 0x7F)
			return -EINVAL;
		cp = gsm7_basic[p[i]];
		if (p[i] == 0x1B && i + 1 < n && p[i + 1] <= 0x7F) {
			/* an unknown extension reads as its basic character
			 * (3GPP TS 23.038 6.2.1.1) */
			cp = gsm7_basic[p[++i]];
			for (size_t k = 0; k < ARRAY_LEN(gsm7_ext); k++)
				if (gsm7_ext[k].code == p[i])
					cp = gsm7_ext[k].cp;
		} else if (p[i] == 0x1B) {
			cp = ' '; /* a lone escape at the end */
		}
		buf_append(out, u, utf8_put(cp, u));
	}
	return 0;
}

int
latin1_to_utf8(const unsigned char *p, size_t n, struct buf *out)
{
	/* Windows-1252's 0x80..0x9F; 0 where undefined (kept as Latin-1) */
	static const uint16_t cp1252[32] = { 0x20AC, 0, 0x201A, 0x0192, 0x201E,
		0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
		0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
		0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E,
		0x0178 };
	char u[4];

	for (size_t i = 0; i < n; i++) {
		uint32_t cp = p[i];

		if (cp == 0)
			return -EINVAL;
		if (cp >= 0x80 && cp <= 0x9F && cp1252[cp - 0x80] != 0)
			cp = cp1252[cp - 0x80];
		buf_append(out, u, utf8_put(cp, u));
	}
	return 0;
}
