/* SPDX-License-Identifier: MIT */
/*
 * The binary form of trace format 1: the same records as the text form, encoded for decoding
 * speed (a DMA that continues the previous one's device, size and address step is one byte), in
 * blocks that each carry a CRC-32 so damage is an error at the block it hits, never wrong numbers.
 * The layout, field by field, is in docs/trace-format.md ("The binary form").
 */
#include "trace_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAYOUT 1u       /* the binary layout revision, header byte 9 */
#define BLOCK_HDR 8u    /* payload length (u32 LE), CRC-32 (u32 LE) */
#define BLOCK_MAX IO_CHUNK
#define PAD 512u        /* zeros after a block's payload: no record decodes past them (longest < 300) */

/* Tag byte: bits 0-1 the time field; bit 7 a DMA (flags below), else bits 2-6 the record code. */
#define T_TIME_ASAP 0u
#define T_TIME_SAME 1u  /* @+N with N of the last @+ record */
#define T_TIME_REL 2u   /* @+N, N follows */
#define T_TIME_ABS 3u   /* @N, N follows */
#define T_DMA 0x80u
#define T_WRITE 0x04u
#define T_SAME_DEV 0x08u
#define T_SAME_SIZE 0x10u
#define T_SAME_STEP 0x20u
#define T_OPTS 0x40u
#define C_NAME 0u       /* record codes (tag >> 2) of non-DMA records */
#define C_END 1u
#define C_KIND 2u       /* C_KIND + enum trace_kind: the control records */
/* DMA options byte */
#define O_SID_ONLY 0x01u /* the device field is a StreamID: no device name */
#define O_SID 0x02u      /* sid= with a named device */
#define O_PASID_SHIFT 2  /* 2 bits: enum trace_pasid_mode */
#define O_PRIV 0x10u
#define O_INSTR 0x20u

static inline uint64_t zigzag(uint64_t v) { return v << 1 ^ (uint64_t)((int64_t)v >> 63); }
static inline uint64_t unzigzag(uint64_t v) { return v >> 1 ^ (0 - (v & 1)); }

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A block's CRC covers its position in the stream too: a block moved or repeated does not pass. */
static uint32_t block_crc(uint64_t offset, const uint8_t *payload, uint32_t len)
{
	uint8_t off[8];
	for (int i = 0; i < 8; i++)
		off[i] = (uint8_t)(offset >> 8 * i);
	uLong crc = crc32(crc32(0L, off, 8), payload, len);
	return (uint32_t)crc;
}

/* ---- Reader ---------------------------------------------------------------------------------- */
struct bin_reader {
	const uint8_t *p, *end; /* the current block's undecoded records */
	const uint8_t *rec;     /* where the record being decoded starts */
	uint64_t payload_off;   /* stream offset of the current block's payload */
	uint64_t next_off;      /* stream offset of the next block header */
	const char **names;     /* by number, in the order the name records defined them */
	size_t nnames, capnames;
	uint64_t records;       /* records delivered */
	bool ended;
	/* what the next DMA may repeat */
	const char *dev;
	uint64_t addr, step, rel;
	uint32_t size;
};

/*
 * "FILE:LINE: reason (binary record N, byte O)". p: how far the record was decoded (NULL: not in a
 * record): a record cut by its block's end reads the zeros after it, and is reported as cut.
 */
static int bin_fail_at(trace_reader *r, const uint8_t *p, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bin_fail_at(trace_reader *r, const uint8_t *p, const char *fmt, ...)
{
	struct bin_reader *b = r->bin;
	char msg[300], full[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p && p > b->end)
		snprintf(msg, sizeof(msg), "record runs past the end of its block");
	uint64_t at = b->rec ? b->payload_off + (uint64_t)(b->rec - (const uint8_t *)r->in.buf) : b->next_off;
	snprintf(full, sizeof(full), "%s (binary record %llu, byte %llu)", msg, (unsigned long long)b->records + 1,
		 (unsigned long long)at);
	r->in.line = b->records + 2; /* the line this record has in the text form */
	b->ended = true;
	return lines_fail(&r->in, full);
}
#define bin_fail(r, ...) bin_fail_at(r, NULL, __VA_ARGS__)

/* Read exactly n bytes: n, or fewer at the end of the input (0 with *damage set if zlib found any). */
static size_t bin_read(trace_reader *r, void *dst, size_t n, const char **damage)
{
	size_t got = 0;
	*damage = NULL;
	while (got < n) {
		errno = 0;
		int k = gzread(r->in.gz, (char *)dst + got, (unsigned)(n - got));
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	if (got < n) {
		int zerr = Z_OK;
		const char *zmsg = gzerror(r->in.gz, &zerr);
		if (zerr != Z_OK && zerr != Z_STREAM_END) {
			size_t plen = strlen(r->in.path); /* zlib prefixes its message with the path: say it once */
			if (zmsg && strncmp(zmsg, r->in.path, plen) == 0 && zmsg[plen] == ':' && zmsg[plen + 1] == ' ')
				zmsg += plen + 2;
			*damage = zerr == Z_ERRNO ? strerror(errno) : zmsg ? zmsg : "zlib error";
		}
	}
	return got;
}

int bin_reader_start(trace_reader *r)
{
	r->bin = calloc(1, sizeof(*r->bin));
	if (!r->bin) {
		snprintf(r->in.err, sizeof(r->in.err), "%s: out of memory", r->in.path);
		return -1;
	}
	struct bin_reader *b = r->bin;
	uint8_t h[BIN_HEADER_LEN - BIN_MAGIC_LEN];
	const char *damage;
	size_t got = bin_read(r, h, sizeof(h), &damage);
	b->next_off = BIN_HEADER_LEN;
	r->in.line = 1;
	if (got < sizeof(h))
		return lines_fail(&r->in, damage ? damage : "truncated binary trace header");
	if (h[0] != TRACE_VERSION) {
		char msg[120];
		snprintf(msg, sizeof(msg), "trace format version %u not supported (this reader knows %d)", h[0], TRACE_VERSION);
		return lines_fail(&r->in, msg);
	}
	if (h[1] != LAYOUT || h[2] | h[3] | h[4] | h[5] | h[6] | h[7]) {
		char msg[120];
		snprintf(msg, sizeof(msg), "binary layout %u not supported (this reader knows %u)", h[1], LAYOUT);
		return lines_fail(&r->in, msg);
	}
	r->seen_version = true;
	return 0;
}

void bin_reader_free(trace_reader *r)
{
	if (r->bin)
		free(r->bin->names);
	free(r->bin);
	r->bin = NULL;
}

/* The next block into r->in.buf, followed by PAD zeros. 0 ok, -1 error. */
static int bin_load(trace_reader *r, struct bin_reader *b)
{
	uint8_t h[BLOCK_HDR];
	uint8_t *buf = (uint8_t *)r->in.buf;
	const char *damage;
	b->rec = NULL;
	size_t got = bin_read(r, h, sizeof(h), &damage);
	if (got < sizeof(h)) {
		if (damage)
			return bin_fail(r, "corrupt or truncated input: %s", damage);
		return bin_fail(r, got ? "truncated: the input ends inside a block header"
				       : "truncated: the trace ends without its end record");
	}
	uint32_t len = get_le32(h), crc = get_le32(h + 4);
	if (len == 0 || len > BLOCK_MAX)
		return bin_fail(r, "corrupt block header: length %u", len);
	got = bin_read(r, buf, len, &damage);
	if (got < len) {
		if (damage)
			return bin_fail(r, "corrupt or truncated input: %s", damage);
		return bin_fail(r, "truncated: the input ends inside a block (%zu of %u bytes)", got, len);
	}
	b->payload_off = b->next_off + BLOCK_HDR;
	if (block_crc(b->payload_off, buf, len) != crc)
		return bin_fail(r, "corrupt block: checksum mismatch (%u bytes at byte %llu)", len,
				(unsigned long long)b->payload_off);
	b->next_off = b->payload_off + len;
	memset(buf + len, 0, PAD);
	b->p = buf;
	b->end = buf + len;
	return 0;
}

/* Unsigned LEB128, at most 10 bytes; false if it overflows 64 bits. Reads stay in the pad. */
static inline bool varint(const uint8_t **pp, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = *p++;
	if (x >= 0x80) {
		x &= 0x7f;
		for (unsigned shift = 7;; shift += 7) {
			uint64_t c = *p++;
			if (shift == 63) {
				if (c > 1)
					return false;
				x |= c << 63;
				break;
			}
			x |= (c & 0x7f) << shift;
			if (c < 0x80)
				break;
		}
	}
	*v = x;
	*pp = p;
	return true;
}

#define VARINT(p, dst, what)                                                                       \
	do {                                                                                       \
		if (!varint(&(p), &(dst)))                                                         \
			return bin_fail_at(r, p, "bad number for %s (more than 64 bits)", what);   \
	} while (0)

static int name_ref(trace_reader *r, struct bin_reader *b, const uint8_t **p, const char **out)
{
	uint64_t n;
	VARINT(*p, n, "a name");
	if (n >= b->nnames)
		return bin_fail_at(r, *p, "name number %llu not defined (%zu names so far)", (unsigned long long)n, b->nnames);
	*out = b->names[n];
	return 0;
}

static int define_name(trace_reader *r, struct bin_reader *b, const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint64_t len;
	VARINT(p, len, "a name's length");
	if (len == 0 || len > MAX_NAME || p + len > b->end)
		return bin_fail_at(r, p + len, "bad name length %llu", (unsigned long long)len);
	if (!name_ok((const char *)p, (size_t)len))
		return bin_fail_at(r, p + len, "bad name \"%.*s\" (a letter, then letters, digits, _ - . :; at most %u)", (int)len,
				(const char *)p, MAX_NAME);
	if (b->nnames == b->capnames) {
		size_t cap = b->capnames ? b->capnames * 2 : 64;
		const char **names = realloc(b->names, cap * sizeof(*names));
		if (!names)
			return bin_fail(r, "out of memory");
		b->names = names;
		b->capnames = cap;
	}
	const char *name = names_intern(&r->names, (const char *)p, (size_t)len, NULL);
	if (!name)
		return bin_fail(r, "out of memory");
	b->names[b->nnames++] = name;
	*pp = p + len;
	return 0;
}

/* The time field of a tag; resolves rec->time as the text form does. */
static inline int bin_time(trace_reader *r, struct bin_reader *b, unsigned tag, const uint8_t **p,
			   struct trace_record *rec)
{
	switch (tag & 3) {
	case T_TIME_ASAP:
		rec->time_mode = TRACE_TIME_ASAP;
		rec->time_arg = 0;
		rec->time = r->prev_time;
		return 0;
	case T_TIME_SAME:
		rec->time_mode = TRACE_TIME_REL;
		rec->time_arg = b->rel;
		break;
	case T_TIME_REL:
		rec->time_mode = TRACE_TIME_REL;
		VARINT(*p, rec->time_arg, "time");
		break;
	default:
		rec->time_mode = TRACE_TIME_ABS;
		VARINT(*p, rec->time_arg, "time");
		if (rec->time_arg < r->prev_time)
			return bin_fail_at(r, *p, "time goes backwards (@%llu after cycle %llu)", (unsigned long long)rec->time_arg,
					(unsigned long long)r->prev_time);
		rec->time = rec->time_arg;
		return 0;
	}
	rec->time = r->prev_time + rec->time_arg;
	return 0;
}

static int bin_dma(trace_reader *r, struct bin_reader *b, unsigned tag, const uint8_t *p, struct trace_record *rec)
{
	unsigned opts = 0;
	uint64_t v;
	if (tag & T_OPTS) {
		opts = *p++;
		if (opts & 0xc0 || (opts >> O_PASID_SHIFT & 3) == 3 || (opts & O_SID_ONLY && tag & T_SAME_DEV))
			return bin_fail_at(r, p, "bad DMA options 0x%02x", opts);
	}
	if (bin_time(r, b, tag, &p, rec) < 0)
		return -1;
	rec->kind = TRACE_DMA;
	rec->u.dma.write = tag & T_WRITE;
	rec->u.dma.has_sid = false;
	rec->u.dma.sid = 0;
	if (opts & O_SID_ONLY) {
		VARINT(p, v, "StreamID");
		if (v > 0xffffffffu)
			return bin_fail_at(r, p, "StreamID %llu out of range", (unsigned long long)v);
		rec->u.dma.dev = NULL;
		rec->u.dma.has_sid = true;
		rec->u.dma.sid = (uint32_t)v;
	} else if (tag & T_SAME_DEV) {
		if (!b->dev)
			return bin_fail_at(r, p, "DMA repeats the device of a previous DMA, but none named one");
		rec->u.dma.dev = b->dev;
	} else {
		if (name_ref(r, b, &p, &rec->u.dma.dev) < 0)
			return -1;
	}
	if (!(tag & T_SAME_STEP)) {
		VARINT(p, v, "address");
		b->step = unzigzag(v);
	}
	uint64_t addr = b->addr + b->step;
	uint64_t size = b->size;
	if (!(tag & T_SAME_SIZE))
		VARINT(p, size, "size");
	if (size == 0 || size > TRACE_PAGE_SIZE)
		return bin_fail_at(r, p, "DMA size %llu out of range 1..4096", (unsigned long long)size);
	if ((addr & (TRACE_PAGE_SIZE - 1)) + size > TRACE_PAGE_SIZE)
		return bin_fail_at(r, p, "DMA of %llu bytes at 0x%llx crosses a 4 KiB boundary", (unsigned long long)size,
				(unsigned long long)addr);
	rec->u.dma.addr = addr;
	rec->u.dma.size = (uint32_t)size;
	if (opts & O_SID) {
		VARINT(p, v, "sid");
		if (v > 0xffffffffu)
			return bin_fail_at(r, p, "StreamID %llu out of range", (unsigned long long)v);
		rec->u.dma.has_sid = true;
		rec->u.dma.sid = (uint32_t)v;
	}
	rec->u.dma.pasid_mode = (enum trace_pasid_mode)(opts >> O_PASID_SHIFT & 3);
	rec->u.dma.pasid = 0;
	rec->u.dma.pasid_dom = NULL;
	if (rec->u.dma.pasid_mode == TRACE_PASID_NUMBER) {
		VARINT(p, v, "pasid");
		if (v >= (1u << 20))
			return bin_fail_at(r, p, "PASID %llu out of range (20 bits)", (unsigned long long)v);
		rec->u.dma.pasid = (uint32_t)v;
	} else if (rec->u.dma.pasid_mode == TRACE_PASID_DOMAIN && name_ref(r, b, &p, &rec->u.dma.pasid_dom) < 0) {
		return -1;
	}
	rec->u.dma.priv = opts & O_PRIV;
	rec->u.dma.instr = opts & O_INSTR;
	if (rec->u.dma.instr && rec->u.dma.write)
		return bin_fail_at(r, p, "instr is for reads only");
	if (p > b->end)
		return bin_fail(r, "record runs past the end of its block");
	b->p = p;
	b->addr = addr;
	b->size = (uint32_t)size;
	if (rec->u.dma.dev)
		b->dev = rec->u.dma.dev;
	if ((tag & 3) == T_TIME_REL)
		b->rel = rec->time_arg;
	return 1;
}

/* A page-aligned field, stored in 4 KiB units. */
static int page_field(trace_reader *r, const uint8_t **p, uint64_t *out, const char *what)
{
	uint64_t v;
	VARINT(*p, v, what);
	if (v > UINT64_MAX / TRACE_PAGE_SIZE)
		return bin_fail_at(r, *p, "bad number for %s: %llu pages", what, (unsigned long long)v);
	*out = v * TRACE_PAGE_SIZE;
	return 0;
}

static int bin_device(trace_reader *r, struct bin_reader *b, const uint8_t **pp, struct trace_record *rec)
{
	const uint8_t *p = *pp;
	uint64_t n;
	if (name_ref(r, b, &p, &rec->u.device.name) < 0)
		return -1;
	VARINT(p, n, "the StreamID count");
	if (n == 0)
		return bin_fail_at(r, p, "device: missing sid=");
	if (n > TRACE_MAX_SIDS)
		return bin_fail_at(r, p, "more than %d StreamIDs on one device", TRACE_MAX_SIDS);
	rec->u.device.nsids = (uint32_t)n;
	for (uint32_t i = 0; i < rec->u.device.nsids; i++) {
		VARINT(p, n, "sid");
		if (n > 0xffffffffu)
			return bin_fail_at(r, p, "StreamID %llu out of range", (unsigned long long)n);
		rec->u.device.sids[i] = (uint32_t)n;
	}
	VARINT(p, n, "pasid-bits");
	if (n > 20)
		return bin_fail_at(r, p, "pasid-bits %llu out of range 0..20", (unsigned long long)n);
	rec->u.device.pasid_bits = (uint32_t)n;
	VARINT(p, n, "port");
	if (n > 1023)
		return bin_fail_at(r, p, "port %llu out of range 0..1023", (unsigned long long)n);
	rec->u.device.port = (uint32_t)n;
	*pp = p;
	return 0;
}

static int bin_link(trace_reader *r, struct bin_reader *b, const uint8_t **pp, struct trace_record *rec)
{
	const uint8_t *p = *pp;
	const char *kw = trace_kind_name(rec->kind);
	uint64_t n;
	if (rec->kind != TRACE_FREE && name_ref(r, b, &p, &rec->u.link.dev) < 0)
		return -1;
	if (rec->kind != TRACE_ENABLE_AUX && name_ref(r, b, &p, &rec->u.link.dom) < 0)
		return -1;
	if (rec->kind != TRACE_FREE && rec->kind != TRACE_ENABLE_AUX) {
		VARINT(p, n, "pasid");
		if (n && rec->kind == TRACE_ATTACH)
			return bin_fail_at(r, p, "%s: unexpected \"pasid=%llu\"", kw, (unsigned long long)n);
		if (n >= (1u << 20))
			return bin_fail_at(r, p, "PASID %llu out of range 1..2^20-1", (unsigned long long)n);
		if (!n && rec->kind == TRACE_ATTACH_PASID)
			return bin_fail_at(r, p, "attach-pasid: missing pasid=");
		rec->u.link.has_pasid = n != 0;
		rec->u.link.pasid = (uint32_t)n;
	}
	*pp = p;
	return 0;
}

static int bin_map(trace_reader *r, struct bin_reader *b, const uint8_t **pp, struct trace_record *rec)
{
	const uint8_t *p = *pp;
	const char *kw = trace_kind_name(rec->kind);
	bool map = rec->kind == TRACE_MAP;
	if (name_ref(r, b, &p, &rec->u.map.dom) < 0 || page_field(r, &p, &rec->u.map.iova, "iova") < 0 ||
	    (map && page_field(r, &p, &rec->u.map.pa, "pa") < 0) || page_field(r, &p, &rec->u.map.size, "size") < 0)
		return -1;
	if (map) {
		rec->u.map.prot = *p++;
		if (rec->u.map.prot > 15)
			return bin_fail_at(r, p, "bad protection 0x%x", rec->u.map.prot);
	}
	if (rec->u.map.size == 0)
		return bin_fail_at(r, p, "%s: size 0", kw);
	if (rec->u.map.iova + rec->u.map.size < rec->u.map.iova || rec->u.map.iova + rec->u.map.size > TRACE_ADDR_LIMIT)
		return bin_fail_at(r, p, "%s: range beyond 52-bit IOVA space", kw);
	*pp = p;
	return 0;
}

static int bin_control(trace_reader *r, struct bin_reader *b, unsigned tag, const uint8_t *p, struct trace_record *rec)
{
	unsigned code = tag >> 2;
	if (code >= C_KIND + TRACE_DMA)
		return bin_fail(r, "unknown record code %u", code);
	if (bin_time(r, b, tag, &p, rec) < 0)
		return -1;
	rec->kind = (enum trace_kind)(code - C_KIND);
	memset(&rec->u, 0, sizeof(rec->u));
	int rc;
	switch (rec->kind) {
	case TRACE_DEVICE: rc = bin_device(r, b, &p, rec); break;
	case TRACE_DOMAIN:
		rc = name_ref(r, b, &p, &rec->u.domain.name);
		if (rc == 0 && *p > TRACE_DOM_DMA)
			return bin_fail_at(r, p + 1, "domain: bad type %u (identity, blocked or dma)", *p);
		rec->u.domain.type = (enum trace_domain_type)*p++;
		break;
	case TRACE_MAP:
	case TRACE_UNMAP: rc = bin_map(r, b, &p, rec); break;
	default: rc = bin_link(r, b, &p, rec); break;
	}
	if (rc < 0)
		return -1;
	if (p > b->end)
		return bin_fail(r, "record runs past the end of its block");
	b->p = p;
	if ((tag & 3) == T_TIME_REL)
		b->rel = rec->time_arg;
	return 1;
}

/* The end record: the count must match and nothing may follow it. */
static int bin_end(trace_reader *r, struct bin_reader *b, unsigned tag, const uint8_t *p)
{
	uint64_t n;
	if (tag & 3)
		return bin_fail(r, "bad end record");
	VARINT(p, n, "the record count");
	if (n != b->records)
		return bin_fail_at(r, p, "the end record counts %llu records, the trace has %llu", (unsigned long long)n,
				(unsigned long long)b->records);
	if (p != b->end)
		return bin_fail(r, "data after the end record");
	uint8_t extra;
	const char *damage;
	b->rec = NULL;
	if (bin_read(r, &extra, 1, &damage))
		return bin_fail(r, "data after the end record");
	if (damage)
		return bin_fail(r, "corrupt or truncated input: %s", damage);
	b->ended = true;
	r->in.line = b->records + 1;
	return 0;
}

int bin_reader_next(trace_reader *r, struct trace_record *rec)
{
	struct bin_reader *b = r->bin;
	for (;;) {
		if (b->ended)
			return r->in.err[0] ? -1 : 0;
		if (b->p >= b->end && bin_load(r, b) < 0)
			return -1;
		const uint8_t *p = b->rec = b->p;
		unsigned tag = *p++;
		int rc;
		rec->line = b->records + 2;
		if (tag & T_DMA) {
			rc = bin_dma(r, b, tag, p, rec);
		} else if (tag >> 2 == C_NAME) {
			if (tag & 3)
				return bin_fail(r, "bad name record");
			rc = define_name(r, b, &p);
			b->p = p;
			if (rc == 0 && p > b->end)
				return bin_fail(r, "record runs past the end of its block");
			if (rc == 0)
				continue;
		} else if (tag >> 2 == C_END) {
			return bin_end(r, b, tag, p);
		} else {
			rc = bin_control(r, b, tag, p, rec);
		}
		if (rc <= 0)
			return -1;
		b->records++;
		r->in.line = rec->line;
		r->prev_time = rec->time;
		return 1;
	}
}

/* ---- Writer ---------------------------------------------------------------------------------- */
struct bin_writer {
	struct name_table names;
	uint64_t offset;  /* stream offset of the next block header */
	uint64_t records; /* records written */
	/* what the reader will repeat */
	const char *dev;  /* interned */
	uint64_t addr, step, rel;
	uint32_t size;
};

int bin_writer_start(trace_writer *w)
{
	w->bin = calloc(1, sizeof(*w->bin));
	if (!w->bin)
		return -1;
	uint8_t h[BIN_HEADER_LEN] = {0};
	memcpy(h, BIN_MAGIC, BIN_MAGIC_LEN);
	h[BIN_MAGIC_LEN] = TRACE_VERSION;
	h[BIN_MAGIC_LEN + 1] = LAYOUT;
	w->bin->offset = BIN_HEADER_LEN;
	if (gzwrite(w->gz, h, sizeof(h)) != (int)sizeof(h)) {
		w->failed = true;
		return -1;
	}
	return 0;
}

void bin_writer_free(trace_writer *w)
{
	if (w->bin)
		names_free(&w->bin->names);
	free(w->bin);
	w->bin = NULL;
}

int bin_writer_flush(trace_writer *w)
{
	struct bin_writer *bw = w->bin;
	if (w->used && !w->failed) {
		uint8_t h[BLOCK_HDR];
		put_le32(h, (uint32_t)w->used);
		put_le32(h + 4, block_crc(bw->offset + BLOCK_HDR, (const uint8_t *)w->buf, (uint32_t)w->used));
		if (gzwrite(w->gz, h, sizeof(h)) != (int)sizeof(h) ||
		    gzwrite(w->gz, w->buf, (unsigned)w->used) != (int)w->used)
			w->failed = true;
		bw->offset += BLOCK_HDR + w->used;
	}
	w->used = 0;
	return w->failed ? -1 : 0;
}

static inline uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* A name's number, defining it first (a name record at w->buf + w->used) if it is new. */
static int put_name(trace_writer *w, const char *name, uint64_t *id)
{
	struct bin_writer *bw = w->bin;
	size_t len = name ? strlen(name) : 0;
	if (!name_ok(name ? name : "", len))
		return -1; /* the reader would refuse it */
	size_t before = bw->names.used;
	uint32_t n;
	if (!names_intern(&bw->names, name, len, &n))
		return -1;
	if (bw->names.used != before) {
		uint8_t *p = (uint8_t *)w->buf + w->used;
		*p++ = C_NAME << 2;
		p = put_varint(p, len);
		memcpy(p, name, len);
		w->used = (size_t)(p + len - (uint8_t *)w->buf);
	}
	*id = n;
	return 0;
}

/* The tag's time bits; the argument (if any) in *arg, *has_arg. */
static unsigned time_code(const struct bin_writer *bw, const struct trace_record *rec, bool *has_arg)
{
	*has_arg = false;
	if (rec->time_mode == TRACE_TIME_ABS) {
		*has_arg = true;
		return T_TIME_ABS;
	}
	if (rec->time_mode != TRACE_TIME_REL)
		return T_TIME_ASAP;
	if (rec->time_arg == bw->rel)
		return T_TIME_SAME;
	*has_arg = true;
	return T_TIME_REL;
}

static int put_dma(trace_writer *w, const struct trace_record *rec)
{
	struct bin_writer *bw = w->bin;
	const char *dev = rec->u.dma.dev;
	unsigned opts = 0, tag = T_DMA | (rec->u.dma.write ? T_WRITE : 0);
	uint64_t dev_id = 0, dom_id = 0;
	if (!dev)
		opts |= O_SID_ONLY;
	else if (bw->dev && strcmp(dev, bw->dev) == 0)
		tag |= T_SAME_DEV;
	else if (put_name(w, dev, &dev_id) < 0)
		return -1;
	if (dev && rec->u.dma.has_sid)
		opts |= O_SID;
	if ((unsigned)rec->u.dma.pasid_mode > TRACE_PASID_DOMAIN)
		return -1;
	opts |= (unsigned)rec->u.dma.pasid_mode << O_PASID_SHIFT;
	if (rec->u.dma.pasid_mode == TRACE_PASID_DOMAIN && put_name(w, rec->u.dma.pasid_dom, &dom_id) < 0)
		return -1;
	opts |= (rec->u.dma.priv ? O_PRIV : 0) | (rec->u.dma.instr ? O_INSTR : 0);
	bool has_arg;
	tag |= time_code(bw, rec, &has_arg);
	uint64_t step = rec->u.dma.addr - bw->addr;
	tag |= step == bw->step ? T_SAME_STEP : 0;
	tag |= rec->u.dma.size == bw->size ? T_SAME_SIZE : 0;
	tag |= opts ? T_OPTS : 0;
	uint8_t *p = (uint8_t *)w->buf + w->used;
	*p++ = (uint8_t)tag;
	if (opts)
		*p++ = (uint8_t)opts;
	if (has_arg)
		p = put_varint(p, rec->time_arg);
	if (!dev)
		p = put_varint(p, rec->u.dma.sid);
	else if (!(tag & T_SAME_DEV))
		p = put_varint(p, dev_id);
	if (!(tag & T_SAME_STEP))
		p = put_varint(p, zigzag(step));
	if (!(tag & T_SAME_SIZE))
		p = put_varint(p, rec->u.dma.size);
	if (opts & O_SID)
		p = put_varint(p, rec->u.dma.sid);
	if (rec->u.dma.pasid_mode == TRACE_PASID_NUMBER)
		p = put_varint(p, rec->u.dma.pasid);
	else if (rec->u.dma.pasid_mode == TRACE_PASID_DOMAIN)
		p = put_varint(p, dom_id);
	w->used = (size_t)(p - (uint8_t *)w->buf);
	if (dev && !(tag & T_SAME_DEV))
		bw->dev = names_intern(&bw->names, dev, strlen(dev), NULL);
	bw->addr = rec->u.dma.addr;
	bw->step = step;
	bw->size = rec->u.dma.size;
	return 0;
}

/* The names of a control record, defined before it; false if one cannot be written. */
static bool control_names(trace_writer *w, const struct trace_record *rec, uint64_t id[2])
{
	switch (rec->kind) {
	case TRACE_DEVICE: return put_name(w, rec->u.device.name, &id[0]) == 0;
	case TRACE_DOMAIN: return put_name(w, rec->u.domain.name, &id[0]) == 0;
	case TRACE_MAP:
	case TRACE_UNMAP: return put_name(w, rec->u.map.dom, &id[0]) == 0;
	case TRACE_ENABLE_AUX: return put_name(w, rec->u.link.dev, &id[0]) == 0;
	case TRACE_FREE: return put_name(w, rec->u.link.dom, &id[0]) == 0;
	default: return put_name(w, rec->u.link.dev, &id[0]) == 0 && put_name(w, rec->u.link.dom, &id[1]) == 0;
	}
}

static int put_control(trace_writer *w, const struct trace_record *rec)
{
	struct bin_writer *bw = w->bin;
	uint64_t id[2] = {0, 0};
	const uint64_t page = TRACE_PAGE_SIZE - 1;
	if ((unsigned)rec->kind >= TRACE_DMA || !control_names(w, rec, id))
		return -1;
	if (rec->kind == TRACE_DEVICE && (rec->u.device.nsids == 0 || rec->u.device.nsids > TRACE_MAX_SIDS))
		return -1;
	if ((rec->kind == TRACE_MAP || rec->kind == TRACE_UNMAP) &&
	    ((rec->u.map.iova | rec->u.map.size | (rec->kind == TRACE_MAP ? rec->u.map.pa : 0)) & page ||
	     rec->u.map.prot > 15))
		return -1; /* 4 KiB units: an unaligned field has no binary form */
	bool has_arg;
	unsigned tag = (C_KIND + (unsigned)rec->kind) << 2 | time_code(bw, rec, &has_arg);
	uint8_t *p = (uint8_t *)w->buf + w->used;
	*p++ = (uint8_t)tag;
	if (has_arg)
		p = put_varint(p, rec->time_arg);
	p = put_varint(p, id[0]);
	switch (rec->kind) {
	case TRACE_DEVICE:
		p = put_varint(p, rec->u.device.nsids);
		for (uint32_t i = 0; i < rec->u.device.nsids; i++)
			p = put_varint(p, rec->u.device.sids[i]);
		p = put_varint(p, rec->u.device.pasid_bits);
		p = put_varint(p, rec->u.device.port);
		break;
	case TRACE_DOMAIN: *p++ = (uint8_t)rec->u.domain.type; break;
	case TRACE_MAP:
	case TRACE_UNMAP:
		p = put_varint(p, rec->u.map.iova / TRACE_PAGE_SIZE);
		if (rec->kind == TRACE_MAP)
			p = put_varint(p, rec->u.map.pa / TRACE_PAGE_SIZE);
		p = put_varint(p, rec->u.map.size / TRACE_PAGE_SIZE);
		if (rec->kind == TRACE_MAP)
			*p++ = (uint8_t)rec->u.map.prot;
		break;
	case TRACE_ENABLE_AUX:
	case TRACE_FREE: break;
	default:
		p = put_varint(p, id[1]);
		/* as in the text form, attach has no pasid= */
		p = put_varint(p, rec->kind != TRACE_ATTACH && rec->u.link.has_pasid ? rec->u.link.pasid : 0);
	}
	w->used = (size_t)(p - (uint8_t *)w->buf);
	return 0;
}

int bin_writer_write(trace_writer *w, const struct trace_record *rec)
{
	struct bin_writer *bw = w->bin;
	if (w->failed)
		return -1;
	/* two name records and the longest record fit in 512 bytes: never split across blocks */
	if (w->used + 512 > sizeof(w->buf) && bin_writer_flush(w) < 0)
		return -1;
	if (rec->kind == TRACE_DMA ? put_dma(w, rec) < 0 : put_control(w, rec) < 0)
		return -1;
	if (rec->time_mode == TRACE_TIME_REL)
		bw->rel = rec->time_arg;
	bw->records++;
	return 0;
}

int bin_writer_finish(trace_writer *w)
{
	if (w->used + 16 > sizeof(w->buf) && bin_writer_flush(w) < 0)
		return -1;
	uint8_t *p = (uint8_t *)w->buf + w->used;
	*p++ = C_END << 2;
	p = put_varint(p, w->bin->records);
	w->used = (size_t)(p - (uint8_t *)w->buf);
	return bin_writer_flush(w);
}
