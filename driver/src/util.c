/* SPDX-License-Identifier: MIT */
/* Freestanding helpers: memory, single-copy-atomic 64-bit accesses, allocation, a tiny formatter. */
#include <stdarg.h> /* a compiler-provided freestanding header, not libc */

#include "internal.h"

static int raw_alloc(struct smmu_device *smmu, size_t size, size_t align, struct smmu_dma_buf *buf);
static void raw_free(struct smmu_device *smmu, struct smmu_dma_buf *buf);

void smmu_memset(void *p, int c, size_t n)
{
	volatile unsigned char *d = p; /* volatile keeps the compiler from calling libc memset */
	uint64_t w = (unsigned char)c * 0x0101010101010101ull;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	/* 8 bytes a store: tables of up to 64 KiB are cleared here */
	for (; n >= 8; n -= 8, d += 8)
		*(volatile uint64_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
}

void smmu_memcpy(void *dst, const void *src, size_t n)
{
	volatile unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
}

uint64_t smmu_read_once64(const volatile uint64_t *p)
{
	return *p;
}

/* STE/CD words must reach memory as one 64-bit store: the SMMU may read them at any time. */
void smmu_write_once64(volatile uint64_t *p, uint64_t v)
{
	*p = v;
}

static void mem_account(struct smmu_device *smmu, enum smmu_mem_kind kind, int64_t delta)
{
	struct smmu_mem_usage u;
	struct smmu_mem_usage *p = &smmu->mem_peak;

	smmu->mem_live[kind] += (uint64_t)delta;
	if (delta <= 0)
		return;
	u = smmu_get_mem_usage(smmu);
#define PEAK(f) if (u.f > p->f) p->f = u.f
	PEAK(stream_table);
	PEAK(cd_l1);
	PEAK(cd_leaves);
	PEAK(cd_tables);
	PEAK(page_tables);
	PEAK(queues);
	PEAK(driver_objects);
#undef PEAK
}

struct smmu_mem_usage smmu_get_mem_usage(const struct smmu_device *smmu)
{
	struct smmu_mem_usage u;
	const uint64_t *l = smmu->mem_live;

	u.stream_table = l[SMMU_MEM_STRTAB];
	u.cd_l1 = l[SMMU_MEM_CD_L1];
	u.cd_leaves = l[SMMU_MEM_CD_LEAF];
	u.cd_tables = u.cd_l1 + u.cd_leaves;
	u.page_tables = l[SMMU_MEM_PGTABLE];
	u.queues = l[SMMU_MEM_QUEUE];
	u.driver_objects = l[SMMU_MEM_OBJECT];
	return u;
}

struct smmu_mem_usage smmu_get_mem_peak(const struct smmu_device *smmu)
{
	return smmu->mem_peak;
}

int smmu_alloc_kind(struct smmu_device *smmu, enum smmu_mem_kind kind, size_t size, size_t align,
		    struct smmu_dma_buf *buf)
{
	int ret = raw_alloc(smmu, size, align, buf);

	if (!ret)
		mem_account(smmu, kind, (int64_t)size);
	return ret;
}

void smmu_free_kind(struct smmu_device *smmu, enum smmu_mem_kind kind, struct smmu_dma_buf *buf)
{
	if (!buf->cpu)
		return;
	mem_account(smmu, kind, -(int64_t)buf->size);
	raw_free(smmu, buf);
}

/*
 * The I/O ASID allocator frees with (pointer, size) while the platform frees by bus address:
 * a 16-byte header in front of each block keeps the bus address.
 */
#define IOASID_HDR 16u
static void *ioasid_mem_alloc(void *ctx, size_t size)
{
	struct smmu_dma_buf b;

	if (smmu_alloc(ctx, size + IOASID_HDR, IOASID_HDR, &b))
		return NULL;
	*(uint64_t *)b.cpu = b.bus;
	return (unsigned char *)b.cpu + IOASID_HDR;
}

static void ioasid_mem_free(void *ctx, void *p, size_t size)
{
	struct smmu_dma_buf b;

	b.cpu = (unsigned char *)p - IOASID_HDR;
	b.bus = *(uint64_t *)b.cpu;
	b.size = size + IOASID_HDR;
	smmu_free(ctx, &b);
}

void smmu_ioasid_init(struct smmu_device *smmu, struct ioasid_allocator *a)
{
	struct ioasid_mem_ops ops = {ioasid_mem_alloc, ioasid_mem_free, smmu};

	ioasid_allocator_init(a, &ops);
}

static int raw_alloc(struct smmu_device *smmu, size_t size, size_t align, struct smmu_dma_buf *buf)
{
	int ret;

	buf->cpu = NULL;
	buf->bus = 0;
	buf->size = 0;
	ret = smmu->regif.dma_alloc(smmu->regif.ctx, size, align, buf);
	if (ret) {
		buf->cpu = NULL;
		buf->size = 0;
		return ret < 0 ? ret : -SMMU_ENOMEM;
	}
	/* contents UNKNOWN (regif.h): the caller initialises what it allocated */
	buf->size = size;
	return 0;
}

static void raw_free(struct smmu_device *smmu, struct smmu_dma_buf *buf)
{
	struct smmu_dma_buf b = *buf;

	if (!b.cpu)
		return;
	/* clear first: buf may live inside the block being freed (an object's own "self") */
	buf->cpu = NULL;
	buf->bus = 0;
	buf->size = 0;
	smmu->regif.dma_free(smmu->regif.ctx, &b);
}

int smmu_alloc(struct smmu_device *smmu, size_t size, size_t align, struct smmu_dma_buf *buf)
{
	int ret = smmu_alloc_kind(smmu, SMMU_MEM_OBJECT, size, align, buf);

	if (!ret)
		smmu_memset(buf->cpu, 0, size);
	return ret;
}

void smmu_free(struct smmu_device *smmu, struct smmu_dma_buf *buf)
{
	smmu_free_kind(smmu, SMMU_MEM_OBJECT, buf);
}

/* ---- formatter ---- */
struct fmt_out {
	char *buf;
	size_t len;
	size_t pos;
};

static void out_c(struct fmt_out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_num(struct fmt_out *o, uint64_t v, unsigned base, bool upper, bool neg, unsigned width, bool zero,
		    const char *prefix)
{
	char tmp[24];
	unsigned n = 0, plen = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		plen++;
	if (prefix)
		for (const char *q = prefix; *q; q++)
			plen++;
	if (!zero)
		while (width > n + plen) {
			out_c(o, ' ');
			width--;
		}
	if (neg)
		out_c(o, '-');
	if (prefix)
		for (const char *p = prefix; *p; p++)
			out_c(o, *p);
	if (zero)
		while (width > n + plen) {
			out_c(o, '0');
			width--;
		}
	while (n)
		out_c(o, tmp[--n]);
}

static size_t smmu_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct fmt_out o = {buf, len, 0};

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out_c(&o, *p);
			continue;
		}
		p++;
		bool alt = false, zero = false;
		unsigned width = 0, lng = 0;
		for (;; p++) {
			if (*p == '#')
				alt = true;
			else if (*p == '0')
				zero = true;
			else
				break;
		}
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (unsigned)(*p++ - '0');
		while (*p == 'l') {
			lng++;
			p++;
		}
		if (*p == 'z') {
			lng = 2;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t sl = 0;
			if (!s)
				s = "(null)";
			while (s[sl])
				sl++;
			while (width > sl) {
				out_c(&o, ' ');
				width--;
			}
			while (*s)
				out_c(&o, *s++);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			int64_t v = lng >= 2 ? va_arg(ap, long long) : lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			out_num(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, false, v < 0, width, zero, NULL);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng >= 2   ? va_arg(ap, unsigned long long)
				     : lng == 1 ? va_arg(ap, unsigned long)
						: va_arg(ap, unsigned int);
			if (*p == 'u')
				out_num(&o, v, 10, false, false, width, zero, NULL);
			else
				out_num(&o, v, 16, *p == 'X', false, width, zero, alt ? "0x" : NULL);
			break;
		}
		case 'p':
			out_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, false, width, zero, "0x");
			break;
		case '%':
			out_c(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *p);
			break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = '\0';
	return o.pos;
}

size_t smmu_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = smmu_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

void smmu_log(const struct smmu_device *smmu, enum smmu_log_level level, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!smmu || !smmu->regif.log)
		return;
	va_start(ap, fmt);
	smmu_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	smmu->regif.log(smmu->regif.ctx, level, line);
}
