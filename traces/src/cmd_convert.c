/* SPDX-License-Identifier: MIT */
/*
 * smmusim convert: importers of real trace formats, and smmusim traces between the text and the
 * binary form. Every record goes through the trace checker before it is written, so the output
 * always replays; what the source lacks (StreamIDs, domains, mappings, sizes, times) gets the
 * documented defaults of docs/trace-format.md.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smmusim/cli_common.h"

#define PAGE 4096ull
#define LINE_MAX_BYTES 65536

enum format { F_FTRACE_IOMMU, F_FTRACE_DMA, F_LACKEY, F_RAMULATOR, F_RAMULATOR_CPU, F_RAMULATOR2, F_K6, F_MASE, F_COUNT };
static const char *const format_names[F_COUNT] = {"ftrace-iommu", "ftrace-dma",  "lackey",      "ramulator",
						  "ramulator-cpu", "ramulator2", "dramsim2-k6", "dramsim2-mase"};

/* A set of 64-bit keys (page numbers). */
struct u64set {
	uint64_t *keys; /* key + 1, so 0 means empty */
	size_t size, used;
};

static int set_add(struct u64set *s, uint64_t key) /* 1 newly added, 0 present, -1 out of memory */
{
	if ((s->used + 1) * 2 > s->size) {
		size_t nsize = s->size ? s->size * 2 : 1024;
		uint64_t *n = calloc(nsize, sizeof(*n));
		if (!n)
			return -1;
		for (size_t i = 0; i < s->size; i++) {
			if (!s->keys[i])
				continue;
			size_t j = (s->keys[i] * 0x9e3779b97f4a7c15ull) >> 20 & (nsize - 1);
			while (n[j])
				j = (j + 1) & (nsize - 1);
			n[j] = s->keys[i];
		}
		free(s->keys);
		s->keys = n;
		s->size = nsize;
	}
	uint64_t k = key + 1;
	size_t j = (k * 0x9e3779b97f4a7c15ull) >> 20 & (s->size - 1);
	while (s->keys[j]) {
		if (s->keys[j] == k)
			return 0;
		j = (j + 1) & (s->size - 1);
	}
	s->keys[j] = k;
	s->used++;
	return 1;
}

struct dev_entry {
	char kname[64]; /* the kernel's name */
	char name[80];
	char dom[64];
	uint32_t sid;
};

struct conv {
	enum format fmt;
	const char *in_path;
	uint64_t line;
	trace_writer *w;
	trace_checker *chk;
	/* options */
	uint64_t sid, size, interval, freq_mhz, pa_base, max_touch, limit;
	bool identity;
	bool skip_out_of_range; /* records beyond the 52-bit address space: skip and count, not stop */
	/* state */
	bool setup_done;
	struct u64set pages;    /* pages already mapped (map-on-first-touch) */
	uint64_t next_pa;
	bool have_t0;
	uint64_t t0_ns, last_time;
	struct dev_entry *devs;
	size_t ndevs;
	uint64_t next_sid;
	/* counters */
	uint64_t in_records, dma, maps, unmaps, dropped_maps, dropped_unmaps, ignored, reordered, split;
	uint64_t out_of_range, first_out_of_range; /* skipped records beyond 52 bits, and the first one's line */
	uint64_t not_events, first_not_event;      /* ftrace lines that are not events, and the first one */
	char err[600];
};

static int conv_fail(struct conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int conv_fail(struct conv *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char esc[400];
	trace_escape(esc, sizeof(esc), msg); /* input bytes quoted in the message never reach the terminal raw */
	snprintf(c->err, sizeof(c->err), "%s:%llu: %s", c->in_path, (unsigned long long)c->line, esc);
	return -1;
}

/* Check then write. Returns 1 written, 0 rejected by the checker (reason in why), -1 I/O error. */
static int put(struct conv *c, struct trace_record *rec, char *why, size_t whylen)
{
	char tmp[256];
	if (!why) {
		why = tmp;
		whylen = sizeof(tmp);
	}
	if (trace_checker_apply(c->chk, rec, why, whylen) < 0)
		return 0;
	if (trace_writer_write(c->w, rec) < 0)
		return conv_fail(c, "cannot write the output");
	return 1;
}

/* Control records the converter itself needs: a failure is a converter bug, reported as such. */
static int put_must(struct conv *c, struct trace_record *rec)
{
	char why[256];
	int rc = put(c, rec, why, sizeof(why));
	if (rc == 0)
		return conv_fail(c, "internal: generated record rejected: %s", why);
	return rc < 0 ? -1 : 0;
}

/* A record beyond the 52-bit address space: an error, or skipped and counted (--skip-out-of-range). */
static int out_of_range(struct conv *c, const char *what, uint64_t addr, uint64_t size)
{
	if (!c->skip_out_of_range)
		return conv_fail(c, "%s 0x%llx+0x%llx beyond the 52-bit address space (--skip-out-of-range skips such records)",
				 what, (unsigned long long)addr, (unsigned long long)size);
	if (!c->out_of_range++)
		c->first_out_of_range = c->line;
	return 0;
}

static bool beyond_52(uint64_t addr, uint64_t size) { return size > TRACE_ADDR_LIMIT || addr > TRACE_ADDR_LIMIT - size; }

static int add_device(struct conv *c, const char *name, const char *dom, uint32_t sid, uint64_t time)
{
	struct trace_record r = {.kind = TRACE_DEVICE, .time_mode = TRACE_TIME_ABS, .time_arg = time};
	r.u.device.name = name;
	r.u.device.sids[0] = sid;
	r.u.device.nsids = 1;
	if (put_must(c, &r) < 0)
		return -1;
	r = (struct trace_record){.kind = TRACE_DOMAIN, .time_mode = TRACE_TIME_ASAP};
	r.u.domain.name = dom;
	r.u.domain.type = c->identity ? TRACE_DOM_IDENTITY : TRACE_DOM_DMA;
	if (put_must(c, &r) < 0)
		return -1;
	r = (struct trace_record){.kind = TRACE_ATTACH, .time_mode = TRACE_TIME_ASAP};
	r.u.link.dev = name;
	r.u.link.dom = dom;
	return put_must(c, &r);
}

static int setup_single(struct conv *c)
{
	if (c->setup_done)
		return 0;
	c->setup_done = true;
	const char *name = c->fmt == F_FTRACE_IOMMU ? "dev0" : "cpu";
	return add_device(c, name, "dom0", (uint32_t)c->sid, 0);
}

/* Timed formats: absolute cycles, kept monotonic (the format requires it). */
static void set_time(struct conv *c, struct trace_record *r, uint64_t t)
{
	if (t < c->last_time) {
		c->reordered++;
		t = c->last_time;
	}
	c->last_time = t;
	r->time_mode = TRACE_TIME_ABS;
	r->time_arg = t;
}

/*
 * One access from a memory-access format: split at 4 KiB boundaries (the DMA interface's limit)
 * and, in a dma domain, map each page on its first touch to the next free physical page, the way an
 * OS would back it. time_mode/time_arg apply to the first piece; later pieces go "as soon as possible".
 */
static int emit_access(struct conv *c, uint64_t addr, uint64_t size, bool write, bool instr, enum trace_time_mode tm,
		  uint64_t targ)
{
	if (beyond_52(addr, size))
		return out_of_range(c, "access", addr, size);
	if (setup_single(c) < 0)
		return -1;
	bool first = true;
	const uint64_t start = addr;
	while (size) {
		uint64_t piece = PAGE - (addr & (PAGE - 1));
		if (piece > size)
			piece = size;
		int fresh = c->identity ? 0 : set_add(&c->pages, addr / PAGE);
		if (fresh < 0)
			return conv_fail(c, "out of memory");
		if (fresh) {
			struct trace_record m = {.kind = TRACE_MAP, .time_mode = first ? tm : TRACE_TIME_ASAP,
						 .time_arg = first ? targ : 0};
			m.u.map.dom = "dom0";
			m.u.map.iova = addr & ~(PAGE - 1);
			m.u.map.pa = c->next_pa;
			m.u.map.size = PAGE;
			m.u.map.prot = TRACE_PROT_READ | TRACE_PROT_WRITE | TRACE_PROT_EXEC;
			c->next_pa += PAGE;
			if (put_must(c, &m) < 0)
				return -1;
			c->maps++;
			first = false;
		}
		struct trace_record r = {.kind = TRACE_DMA, .time_mode = first ? tm : TRACE_TIME_ASAP,
					 .time_arg = first ? targ : 0};
		r.u.dma.dev = "cpu";
		r.u.dma.addr = addr;
		r.u.dma.size = (uint32_t)piece;
		r.u.dma.write = write;
		r.u.dma.instr = instr;
		if (put_must(c, &r) < 0)
			return -1;
		c->dma++;
		if (piece < size && addr == start)
			c->split++;
		first = false;
		addr += piece;
		size -= piece;
	}
	return 0;
}

/* ---- Token helpers --------------------------------------------------------------------------- */
static char *skip_ws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Formats that print hex without "0x" (lackey, ftrace payloads): the one number syntax, hex mode. */
static bool parse_hex(const char *s, size_t len, uint64_t *out) { return smmusim_parse_u64(s, len, SMMUSIM_NUM_HEX, out); }

static size_t tok_len(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != ',')
		n++;
	return n;
}

/* Value of "key=" inside an ftrace payload (hex or decimal as the kernel printed it). */
static bool kv(const char *payload, const char *key, bool hex, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *p = payload; (p = strstr(p, key)); p += kl) {
		if (p != payload && p[-1] != ' ')
			continue; /* "size=" must not match inside "unmapped_size=" */
		const char *v = p + kl;
		size_t n = tok_len(v);
		return hex ? parse_hex(v, n, out) : smmusim_parse_u64(v, n, 0, out);
	}
	return false;
}

/* ---- Memory-access formats ------------------------------------------------------------------- */
static int untimed(struct conv *c, enum trace_time_mode *tm, uint64_t *targ)
{
	*tm = c->interval ? TRACE_TIME_REL : TRACE_TIME_ASAP;
	*targ = c->interval;
	return 0;
}

static int line_lackey(struct conv *c, char *p)
{
	/* Valgrind's own messages ("==PID== ...") and blank lines are not records. */
	if (p[0] == '=' || *skip_ws(p) == '\0')
		return 0;
	char kind;
	if (p[0] == 'I' && p[1] == ' ')
		kind = 'I';
	else if (p[0] == ' ' && (p[1] == 'L' || p[1] == 'S' || p[1] == 'M') && p[2] == ' ')
		kind = p[1];
	else
		return conv_fail(c, "not a lackey line (expected \"I  ADDR,SIZE\" or \" L|S|M ADDR,SIZE\")");
	char *a = skip_ws(p + 2);
	size_t al = tok_len(a);
	uint64_t addr, size;
	if (!parse_hex(a, al, &addr) || a[al] != ',' || !smmusim_parse_u64(a + al + 1, tok_len(a + al + 1), 0, &size) ||
	    size == 0 || size > PAGE)
		return conv_fail(c, "bad lackey address or size");
	enum trace_time_mode tm;
	uint64_t targ;
	untimed(c, &tm, &targ);
	c->in_records++;
	if (kind == 'M') /* modify = load then store of the same bytes */
		return emit_access(c, addr, size, false, false, tm, targ) < 0 ? -1
			: emit_access(c, addr, size, true, false, TRACE_TIME_ASAP, 0);
	return emit_access(c, addr, size, kind == 'S', kind == 'I', tm, targ);
}

static int line_ramulator(struct conv *c, char *p)
{
	p = skip_ws(p);
	if (*p == '\0' || *p == '#')
		return 0;
	size_t al = tok_len(p);
	uint64_t addr;
	if (!parse_hex(p, al, &addr))
		return conv_fail(c, "bad Ramulator address \"%.*s\" (expected \"0xADDR R|W\")", (int)al, p);
	char *op = skip_ws(p + al);
	if (!((op[0] == 'R' || op[0] == 'W') && (op[1] == '\0' || op[1] == ' ' || op[1] == '\t')))
		return conv_fail(c, "bad Ramulator request \"%s\" (R or W)", op);
	enum trace_time_mode tm;
	uint64_t targ;
	untimed(c, &tm, &targ);
	c->in_records++;
	return emit_access(c, addr & ~(c->size - 1), c->size, op[0] == 'W', false, tm, targ);
}

/*
 * Ramulator's CPU trace (its cputraces directory): "BUBBLES ADDR [WRITEBACK]", BUBBLES non-memory
 * instructions, then a read of ADDR; a write-back address is the line the read evicted, written
 * after it.
 */
static int line_ramulator_cpu(struct conv *c, char *p)
{
	p = skip_ws(p);
	if (*p == '\0' || *p == '#')
		return 0;
	uint64_t v[3];
	int n = 0;
	while (*p && n < 3) {
		size_t l = tok_len(p);
		if (!smmusim_parse_u64(p, l, 0, &v[n]))
			return conv_fail(c, "bad Ramulator CPU-trace field \"%.*s\" (expected \"BUBBLES ADDR [WRITEBACK]\")",
					 (int)(l ? l : 1), p);
		n++;
		p = skip_ws(p + l);
	}
	if (n < 2 || *p)
		return conv_fail(c, "expected \"BUBBLES ADDR [WRITEBACK]\" (two or three numbers)");
	c->in_records++;
	/* each instruction, the bubbles and the load itself, takes --interval cycles */
	uint64_t step = (v[0] + 1) * c->interval;
	if (c->interval && step / c->interval != v[0] + 1)
		return conv_fail(c, "bubble count %llu overflows the time", (unsigned long long)v[0]);
	enum trace_time_mode tm = step ? TRACE_TIME_REL : TRACE_TIME_ASAP;
	if (emit_access(c, v[1] & ~(c->size - 1), c->size, false, false, tm, step) < 0)
		return -1;
	return n == 3 ? emit_access(c, v[2] & ~(c->size - 1), c->size, true, false, TRACE_TIME_ASAP, 0) : 0;
}

/* Ramulator2's load/store trace: "LD ADDR" / "ST ADDR". */
static int line_ramulator2(struct conv *c, char *p)
{
	p = skip_ws(p);
	if (*p == '\0' || *p == '#')
		return 0;
	size_t ol = tok_len(p);
	bool ld = ol == 2 && memcmp(p, "LD", 2) == 0, st = ol == 2 && memcmp(p, "ST", 2) == 0;
	if (!ld && !st)
		return conv_fail(c, "bad Ramulator2 request \"%.*s\" (LD or ST)", (int)(ol > 20 ? 20 : ol), p);
	char *a = skip_ws(p + ol);
	size_t al = tok_len(a);
	uint64_t addr;
	if (!smmusim_parse_u64(a, al, 0, &addr) || *skip_ws(a + al))
		return conv_fail(c, "bad Ramulator2 address \"%.*s\" (expected \"LD|ST ADDR\")", (int)(al > 40 ? 40 : al), a);
	enum trace_time_mode tm;
	uint64_t targ;
	untimed(c, &tm, &targ);
	c->in_records++;
	return emit_access(c, addr & ~(c->size - 1), c->size, st, false, tm, targ);
}

static int line_dramsim2(struct conv *c, char *p)
{
	p = skip_ws(p);
	if (*p == '\0' || *p == '#')
		return 0;
	size_t al = tok_len(p);
	uint64_t addr, cycle;
	if (!parse_hex(p, al, &addr))
		return conv_fail(c, "bad DRAMSim2 address \"%.*s\"", (int)al, p);
	char *op = skip_ws(p + al);
	size_t ol = tok_len(op);
	char *cy = skip_ws(op + ol);
	if (!smmusim_parse_u64(cy, tok_len(cy), 0, &cycle))
		return conv_fail(c, "bad DRAMSim2 cycle \"%s\"", cy);
	bool write = false, instr = false;
#define OP(s) (ol == strlen(s) && memcmp(op, s, ol) == 0)
	if (c->fmt == F_K6) {
		/* DRAMSim2's own k6 mapping: P_MEM_WR and BOFF write; P_FETCH, P_MEM_RD, P_LOCK_* read. */
		if (OP("P_MEM_WR") || OP("BOFF"))
			write = true;
		else if (OP("P_FETCH"))
			instr = true;
		else if (!(OP("P_MEM_RD") || OP("P_LOCK_RD") || OP("P_LOCK_WR")))
			return conv_fail(c, "unknown k6 command \"%.*s\"", (int)ol, op);
	} else {
		if (OP("WRITE"))
			write = true;
		else if (OP("IFETCH"))
			instr = true;
		else if (!OP("READ"))
			return conv_fail(c, "unknown mase command \"%.*s\" (IFETCH, READ, WRITE)", (int)ol, op);
	}
#undef OP
	c->in_records++;
	struct trace_record tmp;
	set_time(c, &tmp, cycle);
	return emit_access(c, addr & ~(c->size - 1), c->size, write, instr, TRACE_TIME_ABS, tmp.time_arg);
}

/* ---- ftrace ---------------------------------------------------------------------------------- */
/*
 * Split "  task-pid  [cpu] flags  123.456789: event: payload" (ftrace's trace file and
 * `trace-cmd report` both look like this). 1: an event; 0: not an event line (counted by the
 * caller); -1: an event whose timestamp is unusable (error set).
 */
static int ftrace_split(struct conv *c, char *p, uint64_t *ns, char **event, char **payload)
{
	char *br = strchr(p, ']');
	if (!br)
		return 0;
	for (char *q = br + 1; *q;) {
		q = skip_ws(q);
		size_t n = 0;
		while (q[n] && q[n] != ' ' && q[n] != '\t')
			n++;
		/* the timestamp: digits '.' digits ':' */
		char *dot = memchr(q, '.', n);
		if (n >= 4 && q[n - 1] == ':' && dot && isdigit((unsigned char)q[0])) {
			uint64_t sec, frac = 0;
			size_t fl = (size_t)(q + n - 1 - (dot + 1));
			if (!smmusim_parse_u64(q, (size_t)(dot - q), 0, &sec) || fl > 9 ||
			    (fl && !smmusim_parse_u64(dot + 1, fl, 0, &frac)) || sec > UINT64_MAX / 1000000000ull - 1)
				return conv_fail(c, "bad ftrace timestamp \"%.*s\" (seconds.fraction, at most 9 digits "
						    "after the point, below 2^64 ns)", (int)(n > 40 ? 40 : n), q);
			for (size_t i = fl; i < 9; i++)
				frac *= 10;
			*ns = sec * 1000000000ull + frac;
			char *e = skip_ws(q + n);
			char *colon = strchr(e, ':');
			if (!colon)
				return 0;
			*colon = '\0';
			*event = e;
			*payload = skip_ws(colon + 1);
			return 1;
		}
		q += n;
	}
	return 0;
}

/* Comments and blank lines are nothing; other lines that are not events are counted, not silently lost. */
static int ftrace_event(struct conv *c, char *p, uint64_t *ns, char **event, char **payload)
{
	if (p[0] == '#' || *skip_ws(p) == '\0')
		return 0;
	int rc = ftrace_split(c, p, ns, event, payload);
	if (rc == 0 && !c->not_events++)
		c->first_not_event = c->line;
	return rc;
}

static uint64_t ftrace_cycles(struct conv *c, uint64_t ns)
{
	if (!c->have_t0) {
		c->have_t0 = true;
		c->t0_ns = ns;
	}
	uint64_t d = ns >= c->t0_ns ? ns - c->t0_ns : 0;
	/* the first event is cycle 0; 128-bit product: hours of capture at GHz clocks overflow 64 bits */
	unsigned __int128 cyc = (unsigned __int128)d * c->freq_mhz / 1000;
	return cyc > UINT64_MAX ? UINT64_MAX : (uint64_t)cyc;
}

/* Touch a freshly mapped buffer the way its device would: bursts of --size bytes, up to --max-touch. */
static int touch(struct conv *c, const char *dev, uint64_t iova, uint64_t len, bool read, bool write)
{
	if (len > c->max_touch)
		len = c->max_touch;
	for (uint64_t off = 0; off < len;) {
		uint64_t a = iova + off;
		uint64_t n = c->size - (a & (c->size - 1)); /* keep bursts aligned, never crossing 4 KiB */
		if (n > len - off)
			n = len - off;
		for (int pass = 0; pass < 2; pass++) {
			if (!(pass == 0 ? read : write))
				continue;
			struct trace_record r = {.kind = TRACE_DMA, .time_mode = TRACE_TIME_ASAP};
			r.u.dma.dev = dev;
			r.u.dma.addr = a;
			r.u.dma.size = (uint32_t)n;
			r.u.dma.write = pass == 1;
			if (put_must(c, &r) < 0)
				return -1;
			c->dma++;
		}
		off += n;
	}
	return 0;
}

static int do_map(struct conv *c, const char *dev, const char *dom, uint64_t time, uint64_t iova, uint64_t pa,
		  uint64_t size, bool read, bool write)
{
	if (beyond_52(iova, size))
		return out_of_range(c, "map of IOVA", iova, size);
	uint64_t start = iova & ~(PAGE - 1), end = (iova + size + PAGE - 1) & ~(PAGE - 1);
	if (beyond_52(pa & ~(PAGE - 1), end - start))
		return out_of_range(c, "map to physical", pa, size);
	struct trace_record m = {.kind = TRACE_MAP};
	set_time(c, &m, time);
	m.u.map.dom = dom;
	m.u.map.iova = start;
	m.u.map.pa = pa & ~(PAGE - 1);
	m.u.map.size = end - start;
	m.u.map.prot = TRACE_PROT_READ | TRACE_PROT_WRITE;
	int rc = put(c, &m, NULL, 0);
	if (rc < 0)
		return -1;
	if (rc == 0)
		c->dropped_maps++; /* overlaps a live mapping: the accesses still go through the old one */
	else
		c->maps++;
	return touch(c, dev, iova, size, read, write);
}

static int do_unmap(struct conv *c, const char *dom, uint64_t time, uint64_t iova, uint64_t size)
{
	if (beyond_52(iova, size))
		return out_of_range(c, "unmap of IOVA", iova, size);
	uint64_t start = iova & ~(PAGE - 1), end = (iova + size + PAGE - 1) & ~(PAGE - 1);
	struct trace_record u = {.kind = TRACE_UNMAP};
	set_time(c, &u, time);
	u.u.map.dom = dom;
	u.u.map.iova = start;
	u.u.map.size = end - start;
	int rc = put(c, &u, NULL, 0);
	if (rc < 0)
		return -1;
	if (rc == 0)
		c->dropped_unmaps++; /* mapped before the capture started */
	else
		c->unmaps++;
	return 0;
}

static int line_ftrace_iommu(struct conv *c, char *p)
{
	uint64_t ns;
	char *event, *payload;
	int ev = ftrace_event(c, p, &ns, &event, &payload);
	if (ev <= 0)
		return ev;
	bool map = strcmp(event, "map") == 0, unmap = strcmp(event, "unmap") == 0;
	if (!map && !unmap) {
		c->ignored++;
		return 0;
	}
	if (strncmp(payload, "IOMMU:", 6) != 0)
		return conv_fail(c, "iommu:%s event without the \"IOMMU:\" prefix", event);
	uint64_t iova, pa = 0, size, unmapped;
	if (!kv(payload, "iova=", true, &iova) || !kv(payload, "size=", false, &size) ||
	    (map && !kv(payload, "paddr=", true, &pa)))
		return conv_fail(c, "iommu:%s event without iova=, size=%s", event, map ? " or paddr=" : "");
	c->in_records++;
	if (setup_single(c) < 0)
		return -1;
	uint64_t t = ftrace_cycles(c, ns);
	if (map)
		return do_map(c, "dev0", "dom0", t, iova, pa, size, true, false);
	/* The newer and the older format both print unmapped_size: what really went away. */
	if (kv(payload, "unmapped_size=", false, &unmapped))
		size = unmapped;
	if (!size)
		return 0;
	return do_unmap(c, "dom0", t, iova, size);
}

/* A device seen in dma:* events: PCI names "DDDD:BB:DD.F" get their Requester ID as StreamID. */
static struct dev_entry *dma_device(struct conv *c, const char *kname, size_t len, uint64_t time)
{
	char name[56];
	snprintf(name, sizeof(name), "%.*s", (int)(len < 50 ? len : 50), kname);
	for (size_t i = 0; i < c->ndevs; i++)
		if (strcmp(c->devs[i].kname, name) == 0)
			return &c->devs[i];
	struct dev_entry *n = realloc(c->devs, (c->ndevs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	c->devs = n;
	struct dev_entry *d = &c->devs[c->ndevs];
	snprintf(d->kname, sizeof(d->kname), "%s", name);
	unsigned dom_, bus, slot, fn;
	char tail;
	if (sscanf(name, "%x:%x:%x.%x%c", &dom_, &bus, &slot, &fn, &tail) == 4 && bus < 256 && slot < 32 && fn < 8) {
		d->sid = bus << 8 | slot << 3 | fn;
		snprintf(d->name, sizeof(d->name), "pci-%s", name);
		for (size_t i = 0; i < c->ndevs; i++)
			if (c->devs[i].sid == d->sid) {
				conv_fail(c, "device %s: StreamID 0x%x already given to %s (use --sid to move platform devices)",
					  name, d->sid, c->devs[i].kname);
				return NULL;
			}
	} else {
		/* platform devices: the next StreamID from --sid that no device holds yet */
		for (bool taken = true; taken;) {
			taken = false;
			for (size_t i = 0; i < c->ndevs; i++)
				taken |= c->devs[i].sid == c->next_sid;
			if (taken)
				c->next_sid++;
		}
		d->sid = (uint32_t)c->next_sid++;
		/* trace names start with a letter and avoid spaces: keep the kernel's name recognisable */
		snprintf(d->name, sizeof(d->name), "%s%s", isalpha((unsigned char)name[0]) ? "" : "dev-", name);
		for (char *q = d->name; *q; q++)
			if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && *q != '.' && *q != ':')
				*q = '_';
	}
	snprintf(d->dom, sizeof(d->dom), "dom%zu", c->ndevs);
	c->ndevs++;
	if (add_device(c, d->name, d->dom, d->sid, time) < 0)
		return NULL;
	return d;
}

static int line_ftrace_dma(struct conv *c, char *p)
{
	uint64_t ns;
	char *event, *payload;
	int ev = ftrace_event(c, p, &ns, &event, &payload);
	if (ev <= 0)
		return ev;
	if (strncmp(event, "dma_", 4) != 0 || strstr(event, "sync") || strstr(payload, "dma_addrs=") ||
	    strstr(payload, "phys_addrs=")) {
		c->ignored++; /* not a dma:* single-buffer event (scatterlists and syncs are not imported) */
		return 0;
	}
	size_t nl = tok_len(payload);
	const char *dir = strstr(payload, " dir=");
	uint64_t daddr, size, phys = 0;
	if (!dir || !kv(payload, "dma_addr=", true, &daddr) || !kv(payload, "size=", false, &size))
		return conv_fail(c, "%s event without dir=, dma_addr= or size=", event);
	dir += 5;
	bool to_dev = strncmp(dir, "TO_DEVICE", 9) == 0, from_dev = strncmp(dir, "FROM_DEVICE", 11) == 0,
	     bidi = strncmp(dir, "BIDIRECTIONAL", 13) == 0;
	bool has_phys = kv(payload, "phys_addr=", true, &phys);
	bool has_virt = strstr(payload, "virt_addr=") != NULL;
	enum { MAP, UNMAP } op;
	if (has_phys)
		op = MAP;                                       /* dma_map_phys/page/resource */
	else if (has_virt)
		op = strstr(event, "alloc") ? MAP : UNMAP;      /* dma_alloc* / dma_free* */
	else if (strstr(event, "unmap"))
		op = UNMAP;
	else
		return conv_fail(c, "%s: cannot tell a map from an unmap", event);
	c->in_records++;
	uint64_t t = ftrace_cycles(c, ns);
	struct dev_entry *d = dma_device(c, payload, nl, t);
	if (!d)
		return c->err[0] ? -1 : conv_fail(c, "out of memory");
	if (op == UNMAP)
		return do_unmap(c, d->dom, t, daddr, size);
	if (!has_phys) { /* coherent allocations do not print their physical address */
		phys = c->next_pa;
		c->next_pa += (size + PAGE - 1) & ~(PAGE - 1);
	}
	/* The device reads what goes TO_DEVICE and writes what comes FROM_DEVICE. */
	return do_map(c, d->name, d->dom, t, daddr, phys, size, to_dev || bidi || has_virt, from_dev || bidi || has_virt);
}

/* ---- smmusim traces, text <-> binary ------------------------------------------------------- */
struct recode {
	trace_writer *w;
	uint64_t records;
	bool failed;
};

static int recode_some(void *ctx, const struct trace_checked *c, size_t n)
{
	struct recode *rc = ctx;
	for (size_t i = 0; i < n; i++) {
		if (trace_writer_write(rc->w, &c[i].rec) < 0) {
			rc->failed = true;
			return SMMUSIM_EXIT_INPUT;
		}
		rc->records++;
	}
	return 0;
}

/* Every record of IN, checked, into OUT in the form asked for; OUT appears only on success. */
static int recode(const char *in, const char *out, int to)
{
	char err[512];
	struct recode rc = {0};
	rc.w = to < 0 ? trace_writer_open(out, err, sizeof(err)) : trace_writer_open_as(out, (enum trace_form)to, err, sizeof(err));
	trace_checker *chk = trace_checker_new();
	if (!rc.w || !chk) {
		fprintf(stderr, "%s\n", rc.w ? "smmusim convert: out of memory" : err);
		trace_writer_discard(rc.w);
		trace_checker_free(chk);
		return SMMUSIM_EXIT_INPUT;
	}
	int status = cli_walk_trace(in, chk, true, 0, recode_some, &rc, NULL);
	trace_checker_free(chk);
	if (rc.failed) /* the walk stopped for recode_some, and said nothing */
		fprintf(stderr, "%s: cannot write the output\n", out);
	if (status != SMMUSIM_EXIT_OK) {
		trace_writer_discard(rc.w);
		return status;
	}
	if (trace_writer_close(rc.w, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	FILE *sum = strcmp(out, "-") == 0 ? stderr : stdout;
	fprintf(sum, "%s: %llu records\n", out, (unsigned long long)rc.records);
	return SMMUSIM_EXIT_OK;
}

/* ---- Driver ---------------------------------------------------------------------------------- */
static void convert_usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim convert --from FORMAT [OPTIONS] IN OUT\n\n"
		"Import IN (plain or .gz, \"-\" for stdin) into a smmusim trace OUT (.gz compresses, \"-\" is stdout;\n"
		"OUT is in the binary form when its name ends in .smtb or .smtb.gz, or with --to binary).\n\n"
		"formats:\n"
		"  ftrace-iommu   Linux ftrace iommu:map / iommu:unmap events (older and newer print formats)\n"
		"  ftrace-dma     Linux ftrace dma:* map/unmap/alloc/free events (dma_map_phys, dma_unmap_page, ...)\n"
		"  lackey         Valgrind --tool=lackey --trace-mem=yes output\n"
		"  ramulator      Ramulator memory trace \"0xADDR R|W\"\n"
		"  ramulator-cpu  Ramulator CPU trace \"BUBBLES ADDR [WRITEBACK-ADDR]\" (cputraces/*.gz)\n"
		"  ramulator2     Ramulator2 load/store trace \"LD ADDR\" / \"ST ADDR\"\n"
		"  dramsim2-k6    DRAMSim2 k6 trace \"0xADDR P_MEM_RD|P_MEM_WR|P_FETCH|... CYCLE\"\n"
		"  dramsim2-mase  DRAMSim2 mase trace \"0xADDR IFETCH|READ|WRITE CYCLE\"\n"
		"  smmusim        a smmusim trace, text or binary form: rewritten in OUT's form (only --to applies)\n\n"
		"options:\n"
		"  -f, --from FORMAT       input format (required)\n"
		"      --sid N             StreamID of the single device (lackey, Ramulator, DRAMSim2, ftrace-iommu),\n"
		"                          first StreamID for non-PCI devices of ftrace-dma [0]\n"
		"      --domain TYPE       dma (map pages on first touch) or identity, for memory-access formats [dma]\n"
		"      --size BYTES        access size of Ramulator/DRAMSim2, burst of ftrace imports [64]\n"
		"      --interval CYCLES   cycles between accesses of untimed formats, 0 = asap [4]\n"
		"      --freq-mhz MHZ      SMMU clock to turn ftrace timestamps into cycles [1000]\n"
		"      --pa ADDR           first physical page handed out for new mappings [0x80000000]\n"
		"      --max-touch BYTES   ftrace imports: bytes of each mapped buffer the device accesses [64K]\n"
		"      --limit N           stop after N input records (cut long captures) [no limit]\n"
		"      --skip-out-of-range skip (and count) records beyond the 52-bit address space, such as\n"
		"                          the vsyscall page 0xffffffffff600000, instead of stopping\n"
		"      --to FORM           text or binary: the form of OUT, whatever its name [by OUT's name]\n"
		"  -h, --help              this help\n");
}

int smmusim_cmd_convert(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, 0, 'f'},     {"sid", required_argument, 0, 1},
		{"domain", required_argument, 0, 2},     {"size", required_argument, 0, 3},
		{"interval", required_argument, 0, 4},   {"freq-mhz", required_argument, 0, 5},
		{"pa", required_argument, 0, 6},         {"max-touch", required_argument, 0, 7},
		{"limit", required_argument, 0, 8},      {"help", no_argument, 0, 'h'},
		{"skip-out-of-range", no_argument, 0, 9}, {"to", required_argument, 0, 10},
		{0, 0, 0, 0}};
	struct conv c = {.fmt = F_COUNT, .sid = 0, .size = 64, .interval = 4, .freq_mhz = 1000,
			 .pa_base = 0x80000000, .max_touch = 65536, .limit = UINT64_MAX};
	const char *from = NULL, *domain = "dma";
	int opt, to = -1; /* enum trace_form, -1: by OUT's name */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		bool ok = true;
		switch (opt) {
		case 'f': from = optarg; break;
		case 1: ok = cli_u64("convert", "--sid", optarg, &c.sid); break;
		case 2: domain = optarg; break;
		case 3: ok = cli_u64("convert", "--size", optarg, &c.size); break;
		case 4: ok = cli_u64("convert", "--interval", optarg, &c.interval); break;
		case 5: ok = cli_u64("convert", "--freq-mhz", optarg, &c.freq_mhz); break;
		case 6: ok = cli_u64("convert", "--pa", optarg, &c.pa_base); break;
		case 7: ok = cli_u64("convert", "--max-touch", optarg, &c.max_touch); break;
		case 8: ok = cli_u64("convert", "--limit", optarg, &c.limit); break;
		case 9: c.skip_out_of_range = true; break;
		case 10:
			to = strcmp(optarg, "text") == 0 ? TRACE_FORM_TEXT : strcmp(optarg, "binary") == 0 ? TRACE_FORM_BINARY : -1;
			if (to < 0) {
				fprintf(stderr, "smmusim convert: --to must be text or binary\n");
				return SMMUSIM_EXIT_USAGE;
			}
			break;
		case 'h': convert_usage(stdout); return SMMUSIM_EXIT_OK;
		default: convert_usage(stderr); return SMMUSIM_EXIT_USAGE;
		}
		if (!ok)
			return SMMUSIM_EXIT_USAGE;
	}
	if (optind + 2 != argc || !from) {
		fprintf(stderr, "smmusim convert: need --from FORMAT, IN and OUT\n");
		convert_usage(stderr);
		return SMMUSIM_EXIT_USAGE;
	}
	for (int f = 0; f < F_COUNT; f++)
		if (strcmp(from, format_names[f]) == 0)
			c.fmt = (enum format)f;
	const char *bad = NULL;
	if (c.fmt == F_COUNT && strcmp(from, "smmusim") != 0) {
		char esc[80];
		trace_escape(esc, sizeof(esc), from);
		fprintf(stderr, "smmusim convert: unknown --from format \"%s\"; formats:", esc);
		for (int f = 0; f < F_COUNT; f++)
			fprintf(stderr, " %s", format_names[f]);
		fprintf(stderr, " smmusim\n");
		return SMMUSIM_EXIT_USAGE;
	}
	else if (strcmp(domain, "dma") && strcmp(domain, "identity"))
		bad = "--domain must be dma or identity";
	else if (!c.size || c.size > 4096 || (c.size & (c.size - 1)))
		bad = "--size must be a power of two from 1 to 4096";
	else if (c.pa_base % PAGE)
		bad = "--pa must be 4 KiB aligned";
	else if (!c.freq_mhz || c.sid > 0xffffffffu)
		bad = "--freq-mhz must be non-zero and --sid fit 32 bits";
	if (bad) {
		fprintf(stderr, "smmusim convert: %s\n", bad);
		return SMMUSIM_EXIT_USAGE;
	}
	c.identity = strcmp(domain, "identity") == 0 && c.fmt != F_FTRACE_IOMMU && c.fmt != F_FTRACE_DMA;
	c.next_pa = c.pa_base;
	c.next_sid = c.sid;
	c.in_path = argv[optind];
	const char *out = argv[optind + 1];

	/* OUT replaces its file only on success, but OUT = IN would still read what it writes. */
	struct stat sin, sout;
	if (strcmp(c.in_path, "-") != 0 && strcmp(out, "-") != 0 && stat(c.in_path, &sin) == 0 &&
	    stat(out, &sout) == 0 && sin.st_dev == sout.st_dev && sin.st_ino == sout.st_ino) {
		fprintf(stderr, "smmusim convert: OUT is the same file as IN (%s)\n", c.in_path);
		return SMMUSIM_EXIT_USAGE;
	}
	if (c.fmt == F_COUNT)
		return recode(c.in_path, out, to);
	char err[512];
	trace_lines *in = trace_lines_open(c.in_path, LINE_MAX_BYTES, err, sizeof(err));
	if (!in) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	c.w = to < 0 ? trace_writer_open(out, err, sizeof(err)) : trace_writer_open_as(out, (enum trace_form)to, err, sizeof(err));
	c.chk = trace_checker_new();
	if (!c.w || !c.chk) {
		fprintf(stderr, "%s\n", c.w ? "smmusim convert: out of memory" : err);
		trace_lines_close(in);
		trace_checker_free(c.chk);
		trace_writer_discard(c.w);
		return SMMUSIM_EXIT_INPUT;
	}
	char note[300];
	snprintf(note, sizeof(note), "converted by smmusim convert --from %s (%s domain, size %llu)", format_names[c.fmt],
		 c.identity ? "identity" : "dma", (unsigned long long)c.size);
	trace_writer_comment(c.w, note);

	static int (*const parsers[F_COUNT])(struct conv *, char *) = {
		line_ftrace_iommu, line_ftrace_dma, line_lackey, line_ramulator, line_ramulator_cpu, line_ramulator2,
		line_dramsim2, line_dramsim2};
	int status = SMMUSIM_EXIT_OK;
	struct cli_progress pr;
	cli_progress_start(&pr);
	char *line;
	size_t len;
	int rc = 0;
	while (c.in_records < c.limit && (rc = trace_lines_next(in, &line, &len)) > 0) {
		c.line = trace_lines_number(in);
		if (parsers[c.fmt](&c, line) < 0) {
			status = SMMUSIM_EXIT_INPUT;
			break;
		}
		if (pr.on && c.line >= pr.next)
			cli_progress_tick(&pr, c.line, trace_lines_bytes_in(in));
	}
	cli_progress_end(&pr);
	if (status == SMMUSIM_EXIT_OK && c.in_records < c.limit && rc < 0) {
		snprintf(c.err, sizeof(c.err), "%s", trace_lines_error(in));
		status = SMMUSIM_EXIT_INPUT;
	}
	if (status == SMMUSIM_EXIT_OK && !c.setup_done && !c.ndevs) {
		snprintf(c.err, sizeof(c.err), "%s: no %s records found", c.in_path, format_names[c.fmt]);
		status = SMMUSIM_EXIT_INPUT;
	}
	trace_lines_close(in);
	if (status != SMMUSIM_EXIT_OK) {
		trace_writer_discard(c.w); /* OUT keeps what it held: never a half-converted trace */
	} else if (trace_writer_close(c.w, err, sizeof(err)) < 0) {
		snprintf(c.err, sizeof(c.err), "%s", err);
		status = SMMUSIM_EXIT_INPUT;
	}
	if (status != SMMUSIM_EXIT_OK) {
		fprintf(stderr, "%s\n", c.err);
	} else {
		FILE *sum = strcmp(out, "-") == 0 ? stderr : stdout;
		fprintf(sum, "%s: %llu %s records -> %llu DMA, %llu maps, %llu unmaps",
			out, (unsigned long long)c.in_records, format_names[c.fmt], (unsigned long long)c.dma,
			(unsigned long long)c.maps, (unsigned long long)c.unmaps);
		if (c.dropped_maps || c.dropped_unmaps)
			fprintf(sum, "; dropped %llu overlapping maps, %llu unmaps of ranges mapped before the capture",
				(unsigned long long)c.dropped_maps, (unsigned long long)c.dropped_unmaps);
		if (c.ignored)
			fprintf(sum, "; ignored %llu other events", (unsigned long long)c.ignored);
		if (c.reordered)
			fprintf(sum, "; %llu out-of-order times clamped", (unsigned long long)c.reordered);
		if (c.split)
			fprintf(sum, "; %llu accesses split at 4 KiB", (unsigned long long)c.split);
		if (c.out_of_range)
			fprintf(sum, "; skipped %llu records beyond 52 bits (first at line %llu)",
				(unsigned long long)c.out_of_range, (unsigned long long)c.first_out_of_range);
		if (c.not_events)
			fprintf(sum, "; skipped %llu lines that are not ftrace events (first at line %llu)",
				(unsigned long long)c.not_events, (unsigned long long)c.first_not_event);
		fprintf(sum, "\n");
	}
	trace_checker_free(c.chk);
	free(c.devs);
	free(c.pages.keys);
	return status;
}
