/* SPDX-License-Identifier: MIT */
/*
 * The memory primitives a freestanding C program still needs: GCC emits calls to them for struct
 * copies and initialisations, even with -ffreestanding. Built with -fno-tree-loop-distribute-patterns
 * so GCC does not turn these very loops back into calls to themselves. With the MMU off every
 * access is Device memory, where an unaligned access faults: wide accesses only when aligned.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint64_t v = (uint8_t)c * 0x0101010101010101ull;
	while (n && ((uintptr_t)d & 7u))
		*d++ = (uint8_t)c, n--;
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)(void *)d = v;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7u) == 0) {
		while (n && ((uintptr_t)d & 7u))
			*d++ = *s++, n--;
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}
