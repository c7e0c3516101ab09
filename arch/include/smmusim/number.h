/* SPDX-License-Identifier: MIT */
/*
 * The one number syntax of every smmusim input: configuration values (INI files, --set), command
 * line options, trace fields, and the hex fields of imported formats.
 *
 *   decimal digits, or "0x"/"0X" and hex digits;
 *   with SMMUSIM_NUM_SUFFIX, one trailing K, M, G or T (either case, powers of 1024);
 *   with SMMUSIM_NUM_HEX, the digits are hex with or without "0x" (formats that print bare hex);
 *   no sign, no spaces, no octal ("010" is ten); a value beyond 64 bits is an error.
 *
 * Header only and freestanding, so the model, the trace tools and the benchmarks share it without
 * linking each other; it is on the trace reader's per-record path, hence inline.
 */
#ifndef SMMUSIM_NUMBER_H
#define SMMUSIM_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMMUSIM_NUM_SUFFIX 0x1u /* accept one K/M/G/T suffix */
#define SMMUSIM_NUM_HEX 0x2u    /* digits are hex, "0x" optional */

/* Digit values by character: 0-15 for hex digits (either case), -1 for anything else. */
#define SMMUSIM_HEX_ROW_(b) -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
static const signed char smmusim_hex_values[256] = {
	SMMUSIM_HEX_ROW_(0x00), SMMUSIM_HEX_ROW_(0x10), SMMUSIM_HEX_ROW_(0x20),
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, SMMUSIM_HEX_ROW_(0x50),
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, SMMUSIM_HEX_ROW_(0x70),
	SMMUSIM_HEX_ROW_(0x80), SMMUSIM_HEX_ROW_(0x90), SMMUSIM_HEX_ROW_(0xa0), SMMUSIM_HEX_ROW_(0xb0),
	SMMUSIM_HEX_ROW_(0xc0), SMMUSIM_HEX_ROW_(0xd0), SMMUSIM_HEX_ROW_(0xe0), SMMUSIM_HEX_ROW_(0xf0)};
#undef SMMUSIM_HEX_ROW_

static inline int smmusim_hex_digit(char c) { return smmusim_hex_values[(unsigned char)c]; }

/* Whether the n decimal digits at s fit in 64 bits (v * 10 + d fits while v < floor(max / 10), or
 * v equals it and d <= max % 10). */
static inline bool smmusim_dec_fits_(const char *s, size_t n)
{
	const uint64_t tenth = UINT64_MAX / 10;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		const uint64_t d = (uint64_t)(s[i] - '0');
		if (v >= tenth && (v > tenth || d > UINT64_MAX % 10))
			return false;
		v = v * 10 + d;
	}
	return true;
}

/*
 * Whether s[0, 8) are eight hex digits, and their value: each byte tested and converted at once
 * in one 64-bit word (the digits are ASCII: a byte is a digit if it is in '0'..'9' or, with bit 5
 * set, in 'a'..'f'; adding 0x80 - lo sets a byte's top bit when the byte is at least lo).
 */
static inline bool smmusim_hex8_(const char *s, uint64_t *out)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull, tops = ones * 0x80;
	uint64_t x;
	__builtin_memcpy(&x, s, 8); /* s[0] in the low byte */
	if (x & tops)
		return false;
	const uint64_t l = x | ones * 0x20;
	const uint64_t digit = (x + ones * (0x80 - '0')) & ~(x + ones * (0x80 - '9' - 1));
	const uint64_t letter = (l + ones * (0x80 - 'a')) & ~(l + ones * (0x80 - 'f' - 1));
	if (((digit | letter) & tops) != tops)
		return false;
	uint64_t v = (x & ones * 0x0f) + ((letter & tops) >> 7) * 9; /* one digit value per byte */
	v = (v * 16 + (v >> 8)) & 0x00ff00ff00ff00ffull;          /* pairs: first * 16 + second */
	v = (v * 256 + (v >> 16)) & 0x0000ffff0000ffffull;        /* quads */
	*out = (v & 0xffff) << 16 | v >> 32;
	return true;
#else
	(void)s;
	(void)out;
	return false; /* the digit loop alone */
#endif
}

/*
 * The number at the start of s[0, len): the count of characters it takes (it stops at the first
 * one that cannot continue it), or 0 if s does not start with a number or the number overflows.
 * A reader that splits on spaces checks the character after it, and parses a field in one pass.
 */
static inline size_t smmusim_parse_u64_prefix(const char *s, size_t len, unsigned flags, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	bool hex = (flags & SMMUSIM_NUM_HEX) != 0;
	if (len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		hex = true;
		i = 2;
	}
	size_t first = i;
	if (hex) {
		uint64_t eight;
		if (len - i >= 8 && smmusim_hex8_(s + i, &eight)) {
			v = eight; /* an address's first eight digits at once */
			i += 8;
		}
		for (int d; i < len && (d = smmusim_hex_digit(s[i])) >= 0; i++) {
			if (v >> 60)
				return 0; /* a 17th significant digit */
			v = (v << 4) | (uint64_t)d;
		}
	} else {
		for (unsigned d; i < len && (d = (unsigned)(unsigned char)s[i] - '0') < 10; i++)
			v = v * 10 + d;
		if (i - first > 19 && !smmusim_dec_fits_(s + first, i - first))
			return 0; /* 19 digits always fit: only a longer number is checked again */
	}
	if (i == first)
		return 0;
	if (i < len && (flags & SMMUSIM_NUM_SUFFIX)) {
		unsigned shift = 0;
		switch (s[i] | 0x20) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		default: break;
		}
		if (shift) {
			if (v >> (64 - shift))
				return 0;
			v <<= shift;
			i++;
		}
	}
	*out = v;
	return i;
}

/* Parse s[0, len) as a whole; false (and *out untouched) if it is not one number. */
static inline bool smmusim_parse_u64(const char *s, size_t len, unsigned flags, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || smmusim_parse_u64_prefix(s, len, flags, &v) != len)
		return false;
	*out = v;
	return true;
}

#endif /* SMMUSIM_NUMBER_H */
