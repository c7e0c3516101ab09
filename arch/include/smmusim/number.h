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

static inline int smmusim_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse s[0, len) as a whole; false (and *out untouched) if it is not one number. */
static inline bool smmusim_parse_u64(const char *s, size_t len, unsigned flags, uint64_t *out)
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
		for (int d; i < len && (d = smmusim_hex_digit(s[i])) >= 0; i++) {
			if (v >> 60)
				return false; /* a 17th significant digit */
			v = (v << 4) | (uint64_t)d;
		}
	} else {
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			uint64_t d = (uint64_t)(s[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
		}
	}
	if (i == first)
		return false;
	if (i + 1 == len && (flags & SMMUSIM_NUM_SUFFIX)) {
		unsigned shift;
		switch (s[i] | 0x20) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		case 't': shift = 40; break;
		default: return false;
		}
		if (v >> (64 - shift))
			return false;
		v <<= shift;
		i++;
	}
	if (i != len)
		return false;
	*out = v;
	return true;
}

#endif /* SMMUSIM_NUMBER_H */
