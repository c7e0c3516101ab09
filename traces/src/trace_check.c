/* SPDX-License-Identifier: MIT */
/* The trace checker: follows what the trace sets up and rejects what no driver could execute. */
#include "smmusim/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASID_SPACE (1u << 20)

/* ---- A string -> index map that owns its keys ------------------------------------------------ */
struct strmap {
	char **keys;
	int *vals;
	size_t size, used;
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int strmap_get(const struct strmap *m, const char *key)
{
	if (!m->size)
		return -1;
	for (size_t j = str_hash(key) & (m->size - 1); m->keys[j]; j = (j + 1) & (m->size - 1))
		if (strcmp(m->keys[j], key) == 0)
			return m->vals[j];
	return -1;
}

static bool strmap_put(struct strmap *m, const char *key, int val)
{
	if ((m->used + 1) * 2 > m->size) {
		size_t nsize = m->size ? m->size * 2 : 32;
		char **keys = calloc(nsize, sizeof(*keys));
		int *vals = calloc(nsize, sizeof(*vals));
		if (!keys || !vals) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t i = 0; i < m->size; i++) {
			if (!m->keys[i])
				continue;
			size_t j = str_hash(m->keys[i]) & (nsize - 1);
			while (keys[j])
				j = (j + 1) & (nsize - 1);
			keys[j] = m->keys[i];
			vals[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->size = nsize;
	}
	size_t j = str_hash(key) & (m->size - 1);
	while (m->keys[j]) {
		if (strcmp(m->keys[j], key) == 0) {
			m->vals[j] = val;
			return true;
		}
		j = (j + 1) & (m->size - 1);
	}
	m->keys[j] = strdup(key);
	if (!m->keys[j])
		return false;
	m->vals[j] = val;
	m->used++;
	return true;
}

static void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->size; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}

/*
 * A uint64 -> uint64 map (open addressing, linear probing, deletion by backward shift): every
 * lookup on the per-DMA path (StreamID -> device, device+domain -> PASID) is one or two probes.
 */
#define U64MAP_EMPTY UINT64_MAX

struct u64map {
	uint64_t *keys, *vals;
	size_t size, used;
};

static size_t u64_slot(const struct u64map *m, uint64_t k)
{
	k *= 0x9e3779b97f4a7c15ull;
	return (size_t)(k ^ k >> 29) & (m->size - 1);
}

static bool u64map_get(const struct u64map *m, uint64_t k, uint64_t *v)
{
	if (!m->size)
		return false;
	for (size_t j = u64_slot(m, k); m->keys[j] != U64MAP_EMPTY; j = (j + 1) & (m->size - 1))
		if (m->keys[j] == k) {
			if (v)
				*v = m->vals[j];
			return true;
		}
	return false;
}

/* Insert or replace. */
static bool u64map_put(struct u64map *m, uint64_t k, uint64_t v)
{
	if ((m->used + 1) * 2 > m->size) {
		size_t nsize = m->size ? m->size * 2 : 64;
		struct u64map n = {malloc(nsize * sizeof(uint64_t)), malloc(nsize * sizeof(uint64_t)), nsize, 0};
		if (!n.keys || !n.vals) {
			free(n.keys);
			free(n.vals);
			return false;
		}
		for (size_t i = 0; i < nsize; i++)
			n.keys[i] = U64MAP_EMPTY;
		for (size_t i = 0; i < m->size; i++) {
			if (m->keys[i] == U64MAP_EMPTY)
				continue;
			size_t j = u64_slot(&n, m->keys[i]);
			while (n.keys[j] != U64MAP_EMPTY)
				j = (j + 1) & (nsize - 1);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
			n.used++;
		}
		free(m->keys);
		free(m->vals);
		*m = n;
	}
	size_t j = u64_slot(m, k);
	while (m->keys[j] != U64MAP_EMPTY && m->keys[j] != k)
		j = (j + 1) & (m->size - 1);
	if (m->keys[j] == U64MAP_EMPTY)
		m->used++;
	m->keys[j] = k;
	m->vals[j] = v;
	return true;
}

static void u64map_del(struct u64map *m, uint64_t k)
{
	if (!m->size)
		return;
	size_t mask = m->size - 1, j = u64_slot(m, k);
	while (m->keys[j] != k) {
		if (m->keys[j] == U64MAP_EMPTY)
			return;
		j = (j + 1) & mask;
	}
	/* Backward shift: an entry of the cluster moves into the hole if its home slot allows it. */
	size_t hole = j;
	for (size_t n = (j + 1) & mask; m->keys[n] != U64MAP_EMPTY; n = (n + 1) & mask) {
		size_t home = u64_slot(m, m->keys[n]);
		if (((n - home) & mask) >= ((n - hole) & mask)) {
			m->keys[hole] = m->keys[n];
			m->vals[hole] = m->vals[n];
			hole = n;
		}
	}
	m->keys[hole] = U64MAP_EMPTY;
	m->used--;
}

static void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- State ----------------------------------------------------------------------------------- */
struct mapping {
	uint64_t start, end; /* IOVA [start, end) */
};

enum link_kind { LINK_AUX, LINK_PASID };

/*
 * A link {device, domain, PASID} is in two maps: pasid_key(dev, pasid) -> domain, and
 * link_key(dev, dom) -> the links of that pair: their kind, how many (a domain may be attached at
 * several PASIDs of one device) and the XOR of their PASIDs, which is the PASID when there is one.
 */
static uint64_t link_key(int dev, int dom) { return (uint64_t)(uint32_t)dev << 32 | (uint32_t)dom; }
static uint64_t pasid_key(int dev, uint32_t pasid) { return (uint64_t)(uint32_t)dev << 32 | pasid; }
static uint64_t link_val(enum link_kind kind, uint32_t count, uint32_t pasids_xor)
{
	return (uint64_t)kind << 63 | (uint64_t)count << 32 | pasids_xor;
}

struct device {
	char *name;
	uint32_t sids[TRACE_MAX_SIDS];
	uint32_t nsids, pasid_bits, port;
	bool aux_enabled;
	int primary; /* domain index or -1 */
};

struct domain {
	char *name;
	enum trace_domain_type type;
	bool live;
	int64_t aux_pasid; /* -1 until the first aux-attach */
	uint32_t users;    /* devices attached in any way */
	struct mapping *maps;
	size_t nmaps, capmaps;
};

struct trace_checker {
	struct device *devs;
	size_t ndevs, capdevs;
	struct domain *doms;
	size_t ndoms, capdoms;
	struct strmap dev_names, dom_names;
	struct u64map sids;   /* StreamID -> device */
	struct u64map links;  /* link_key -> link_val */
	struct u64map pasids; /* pasid_key -> domain */
	uint8_t *aux_pasids;  /* bitmap: PASIDs held by aux domains */
	uint32_t aux_low;     /* no aux PASID below this is free (the lowest-free search starts here) */
	uint8_t *seen_pasids; /* bitmap: PASIDs seen on DMA (statistics) */
	struct u64map seen_pairs; /* pasid_key of the (device, PASID) pairs seen on DMA (statistics) */
	struct trace_stats stats;
	/* The reader interns names, so one pointer comparison usually finds the DMA's device. */
	const char *last_dev_name;
	const char *last_dev_copy; /* devs[last_dev].name, kept here to save a load on the DMA path */
	int last_dev;
	/* ... and a domain: interned name pointer -> dom_gen << 32 | index, valid while dom_gen is unchanged */
	struct u64map dom_ptrs;
	uint32_t dom_gen;
	/* The PASID link the last detach record removed (-1: an aux link or the primary domain). */
	const struct trace_record *last_detach;
	uint64_t last_detach_line;
	int64_t last_detach_pasid;
	/* What the last DMA record applied resolved to, for trace_checker_dma_target. */
	const struct trace_record *last_dma;
	uint64_t last_dma_line;
	int last_dma_dev;
	int64_t last_dma_pasid;
};

trace_checker *trace_checker_new(void)
{
	trace_checker *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->aux_pasids = calloc(PASID_SPACE / 8, 1);
	c->seen_pasids = calloc(PASID_SPACE / 8, 1);
	if (!c->aux_pasids || !c->seen_pasids) {
		trace_checker_free(c);
		return NULL;
	}
	c->aux_pasids[0] = 1; /* PASID 0 is never handed out (Linux reserves it for DMA without PASID) */
	c->aux_low = 1;
	c->last_dev = -1;
	c->dom_gen = 1;
	return c;
}

void trace_checker_free(trace_checker *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ndevs; i++)
		free(c->devs[i].name);
	for (size_t i = 0; i < c->ndoms; i++) {
		free(c->doms[i].name);
		free(c->doms[i].maps);
	}
	free(c->devs);
	free(c->doms);
	strmap_free(&c->dev_names);
	strmap_free(&c->dom_names);
	u64map_free(&c->sids);
	u64map_free(&c->links);
	u64map_free(&c->pasids);
	u64map_free(&c->seen_pairs);
	u64map_free(&c->dom_ptrs);
	free(c->aux_pasids);
	free(c->seen_pasids);
	free(c);
}

static bool bit_get(const uint8_t *b, uint32_t i) { return b[i >> 3] & (1u << (i & 7)); }
static void bit_set(uint8_t *b, uint32_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static void bit_clr(uint8_t *b, uint32_t i) { b[i >> 3] &= (uint8_t)~(1u << (i & 7)); }

static int sid_lookup(const trace_checker *c, uint32_t sid)
{
	uint64_t dev;
	return u64map_get(&c->sids, sid, &dev) ? (int)dev : -1;
}

static int err_out(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int err_out(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* Two names equal; names are short, so a loop beats a call to strcmp (the DMA path's hot spot). */
static inline bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int find_dev(trace_checker *c, const char *name, char *err, size_t errlen)
{
	/* the caller's pointer may have been freed and reused for another name: compare */
	if (name == c->last_dev_name && same_name(name, c->last_dev_copy))
		return c->last_dev;
	int d = strmap_get(&c->dev_names, name);
	if (d < 0)
		return err_out(err, errlen, "unknown device \"%s\" (no device record defines it)", name);
	c->last_dev_name = name;
	c->last_dev_copy = c->devs[d].name; /* the copy lives as long as the checker */
	c->last_dev = d;
	return d;
}

static int find_dom(trace_checker *c, const char *name, char *err, size_t errlen)
{
	uint64_t v;
	if (u64map_get(&c->dom_ptrs, (uintptr_t)name, &v) && v >> 32 == c->dom_gen) {
		/* the pointer may have been freed and reused for another name: compare */
		const struct domain *dm = &c->doms[(uint32_t)v];
		if (dm->live && strcmp(name, dm->name) == 0)
			return (int)(uint32_t)v;
	}
	int d = strmap_get(&c->dom_names, name);
	if (d < 0 || !c->doms[d].live)
		return err_out(err, errlen, "unknown domain \"%s\" (not allocated, or freed)", name);
	u64map_put(&c->dom_ptrs, (uintptr_t)name, (uint64_t)c->dom_gen << 32 | (uint32_t)d); /* a cache: may fail */
	return d;
}

/* First mapping whose end is above iova. */
static size_t map_lower_bound(const struct domain *dm, uint64_t iova)
{
	size_t lo = 0, hi = dm->nmaps;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (dm->maps[mid].end <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The reader's rule, applied to records built in memory (importers) too. */
static int range_ok(const struct trace_record *rec, char *err, size_t errlen)
{
	uint64_t iova = rec->u.map.iova, pa = rec->u.map.pa, size = rec->u.map.size;
	if (iova + size < iova || iova + size > TRACE_ADDR_LIMIT)
		return err_out(err, errlen, "%s of 0x%llx+0x%llx: beyond the 52-bit IOVA space", trace_kind_name(rec->kind),
			       (unsigned long long)iova, (unsigned long long)size);
	if (rec->kind == TRACE_MAP && (pa + size < pa || pa + size > TRACE_ADDR_LIMIT))
		return err_out(err, errlen, "map to physical 0x%llx+0x%llx: beyond 52 bits", (unsigned long long)pa,
			       (unsigned long long)size);
	return 0;
}

static int do_map(trace_checker *c, struct domain *dm, const struct trace_record *rec, char *err, size_t errlen)
{
	uint64_t start = rec->u.map.iova, end = start + rec->u.map.size;
	if (range_ok(rec, err, errlen) < 0)
		return -1;
	if (dm->type != TRACE_DOM_DMA)
		return err_out(err, errlen, "map on %s domain \"%s\" (only dma domains have page tables)",
			       trace_domain_type_name(dm->type), dm->name);
	size_t i = map_lower_bound(dm, start);
	if (i < dm->nmaps && dm->maps[i].start < end)
		return err_out(err, errlen, "map of 0x%llx+0x%llx overlaps a live mapping in \"%s\" (unmap it first)",
			       (unsigned long long)start, (unsigned long long)rec->u.map.size, dm->name);
	if (!grow((void **)&dm->maps, &dm->capmaps, dm->nmaps, sizeof(*dm->maps)))
		return err_out(err, errlen, "out of memory");
	memmove(dm->maps + i + 1, dm->maps + i, (dm->nmaps - i) * sizeof(*dm->maps));
	dm->maps[i].start = start;
	dm->maps[i].end = end;
	dm->nmaps++;
	c->stats.mapped_bytes += rec->u.map.size;
	if (rec->u.map.pa + rec->u.map.size > c->stats.max_pa_end)
		c->stats.max_pa_end = rec->u.map.pa + rec->u.map.size;
	if (c->stats.mapped_bytes > c->stats.peak_mapped_bytes)
		c->stats.peak_mapped_bytes = c->stats.mapped_bytes;
	return 0;
}

static int do_unmap(trace_checker *c, struct domain *dm, const struct trace_record *rec, char *err, size_t errlen)
{
	if (range_ok(rec, err, errlen) < 0)
		return -1;
	uint64_t start = rec->u.map.iova, end = start + rec->u.map.size;
	size_t i = map_lower_bound(dm, start), j = i;
	uint64_t covered = start;
	/* The whole range must be mapped, possibly by several adjacent mappings. */
	while (j < dm->nmaps && dm->maps[j].start <= covered && covered < end) {
		covered = dm->maps[j].end;
		j++;
	}
	if (covered < end)
		return err_out(err, errlen, "unmap of 0x%llx+0x%llx in \"%s\": 0x%llx was never mapped (or already unmapped)",
			       (unsigned long long)start, (unsigned long long)rec->u.map.size, dm->name,
			       (unsigned long long)(covered > start ? covered : start));
	/* Mappings i..j-1 are touched: keep the parts outside [start, end) (a split, as page tables allow). */
	struct mapping head = dm->maps[i], tail = dm->maps[j - 1];
	size_t keep = 0;
	struct mapping parts[2];
	if (head.start < start)
		parts[keep++] = (struct mapping){head.start, start};
	if (tail.end > end)
		parts[keep++] = (struct mapping){end, tail.end};
	size_t removed = j - i;
	if (keep > removed && !grow((void **)&dm->maps, &dm->capmaps, dm->nmaps + 1, sizeof(*dm->maps)))
		return err_out(err, errlen, "out of memory");
	memmove(dm->maps + i + keep, dm->maps + j, (dm->nmaps - j) * sizeof(*dm->maps));
	for (size_t k = 0; k < keep; k++)
		dm->maps[i + k] = parts[k];
	dm->nmaps = dm->nmaps - removed + keep;
	c->stats.mapped_bytes -= rec->u.map.size;
	return 0;
}

/* The links of device dev to domain dom: their kind, number and (when there is one) PASID. */
static uint32_t find_link(const trace_checker *c, int dev, int dom, enum link_kind *kind, uint32_t *pasid)
{
	uint64_t v;
	if (!u64map_get(&c->links, link_key(dev, dom), &v))
		return 0;
	if (kind)
		*kind = (enum link_kind)(v >> 63);
	if (pasid)
		*pasid = (uint32_t)v;
	return (uint32_t)(v >> 32) & 0x7FFFFFFFu;
}

static int add_link(trace_checker *c, int dev, int dom, enum link_kind kind, uint32_t pasid)
{
	uint32_t xor = 0, n = find_link(c, dev, dom, NULL, &xor);
	if (!u64map_put(&c->pasids, pasid_key(dev, pasid), (uint64_t)dom))
		return -1;
	if (!u64map_put(&c->links, link_key(dev, dom), link_val(kind, n + 1, xor ^ pasid))) {
		u64map_del(&c->pasids, pasid_key(dev, pasid));
		return -1;
	}
	/* every (device, PASID) link is one entry of c->pasids: bound pairs for the statistics */
	c->stats.bound_pairs = c->pasids.used;
	if (c->stats.bound_pairs > c->stats.peak_bound_pairs)
		c->stats.peak_bound_pairs = c->stats.bound_pairs;
	return 0;
}

static void del_link(trace_checker *c, int dev, int dom, uint32_t pasid)
{
	enum link_kind kind;
	uint32_t xor = 0, n = find_link(c, dev, dom, &kind, &xor);
	u64map_del(&c->pasids, pasid_key(dev, pasid));
	if (n > 1)
		u64map_put(&c->links, link_key(dev, dom), link_val(kind, n - 1, xor ^ pasid)); /* replaces: no growth */
	else
		u64map_del(&c->links, link_key(dev, dom));
	c->stats.bound_pairs = c->pasids.used;
}

int64_t trace_checker_domain_pasid(const trace_checker *c, const char *dom)
{
	int d = strmap_get(&c->dom_names, dom);
	return d < 0 ? -1 : c->doms[d].aux_pasid;
}

static __attribute__((noinline)) int resolve_dma_any(trace_checker *c, const struct trace_record *rec, int *devp,
						     int64_t *pasid, char *err, size_t errlen)
{
	int dev;
	if (rec->u.dma.dev) {
		dev = find_dev(c, rec->u.dma.dev, err, errlen);
		if (dev < 0)
			return -1;
		if (rec->u.dma.has_sid) {
			struct device *dv = &c->devs[dev];
			bool found = false;
			for (uint32_t i = 0; i < dv->nsids; i++)
				found |= dv->sids[i] == rec->u.dma.sid;
			if (!found)
				return err_out(err, errlen, "StreamID 0x%x does not belong to device \"%s\"", rec->u.dma.sid,
					       dv->name);
		}
	} else {
		dev = sid_lookup(c, rec->u.dma.sid);
		if (dev < 0)
			return err_out(err, errlen, "DMA on StreamID 0x%x, which no device record added", rec->u.dma.sid);
	}
	*devp = dev;
	*pasid = -1;
	if (rec->u.dma.pasid_mode == TRACE_PASID_NUMBER) {
		*pasid = rec->u.dma.pasid;
	} else if (rec->u.dma.pasid_mode == TRACE_PASID_DOMAIN) {
		int dom = find_dom(c, rec->u.dma.pasid_dom, err, errlen);
		if (dom < 0)
			return -1;
		uint32_t p, n = find_link(c, dev, dom, NULL, &p);
		if (n > 1)
			return err_out(err, errlen, "pasid=%s: domain \"%s\" is attached at %u PASIDs of this device (name the PASID)",
				       rec->u.dma.pasid_dom, rec->u.dma.pasid_dom, n);
		if (n == 1)
			*pasid = p;
		else if (c->doms[dom].aux_pasid > 0)
			*pasid = c->doms[dom].aux_pasid; /* reachable through the parent's CD table */
		else
			return err_out(err, errlen, "pasid=%s: domain \"%s\" has no PASID (aux-attach or attach-pasid it first)",
				       rec->u.dma.pasid_dom, rec->u.dma.pasid_dom);
	}
	return 0;
}

/*
 * The DMA's device and PASID. Nearly every DMA record names the device the last one named (find_dev's
 * cache), with no StreamID or PASID of its own: that case inline, everything else out of line.
 */
static inline int resolve_dma(trace_checker *c, const struct trace_record *rec, int *devp, int64_t *pasid, char *err,
			      size_t errlen)
{
	const char *name = rec->u.dma.dev;
	if (name && name == c->last_dev_name && !rec->u.dma.has_sid && rec->u.dma.pasid_mode == TRACE_PASID_NONE &&
	    same_name(name, c->last_dev_copy)) {
		*devp = c->last_dev;
		*pasid = -1;
		return 0;
	}
	return resolve_dma_any(c, rec, devp, pasid, err, errlen);
}

int64_t trace_checker_detached_pasid(const trace_checker *c, const struct trace_record *rec)
{
	return rec == c->last_detach && rec->line == c->last_detach_line ? c->last_detach_pasid : -1;
}

void trace_checker_dma_target(const trace_checker *c, const struct trace_record *rec, uint32_t *sid, uint32_t *port,
			      int64_t *pasid)
{
	char err[8];
	int dev = -1;
	*pasid = -1;
	if (rec == c->last_dma && rec->line == c->last_dma_line) {
		/* the record trace_checker_apply has just resolved */
		dev = c->last_dma_dev;
		*pasid = c->last_dma_pasid;
	} else if (resolve_dma((trace_checker *)c, rec, &dev, pasid, err, sizeof(err)) < 0 || dev < 0) {
		*sid = rec->u.dma.sid;
		*port = 0;
		return;
	}
	*sid = rec->u.dma.has_sid ? rec->u.dma.sid : c->devs[dev].sids[0];
	*port = c->devs[dev].port;
}

void trace_checker_resolve(const trace_checker *chk, struct trace_checked *c)
{
	c->sid = c->port = 0;
	c->pasid = -1;
	if (c->rec.kind == TRACE_DMA)
		trace_checker_dma_target(chk, &c->rec, &c->sid, &c->port, &c->pasid);
	else if (c->rec.kind == TRACE_DETACH)
		c->pasid = trace_checker_detached_pasid(chk, &c->rec);
	else if (c->rec.kind == TRACE_AUX_ATTACH)
		c->pasid = trace_checker_domain_pasid(chk, c->rec.u.link.dom);
}

int trace_checker_apply(trace_checker *c, const struct trace_record *rec, char *err, size_t errlen)
{
	struct trace_stats *st = &c->stats;
	int dev = -1, dom = -1;

	if (rec->kind == TRACE_DMA) {
		int64_t pasid;
		if (resolve_dma(c, rec, &dev, &pasid, err, errlen) < 0)
			return -1;
		c->last_dma = rec;
		c->last_dma_line = rec->line;
		c->last_dma_dev = dev;
		c->last_dma_pasid = pasid;
		st->records[TRACE_DMA]++;
		st->writes += rec->u.dma.write; /* no branch: reads and writes come in no pattern */
		st->reads += !rec->u.dma.write;
		st->dma_bytes += rec->u.dma.size;
		if (st->records[TRACE_DMA] == 1)
			st->first_dma_time = rec->time;
		st->last_dma_time = rec->time;
		st->last_time = rec->time;
		if (pasid >= 0) {
			st->pasid_dma++;
			if (!bit_get(c->seen_pasids, (uint32_t)pasid)) {
				bit_set(c->seen_pasids, (uint32_t)pasid);
				st->distinct_pasids++;
			}
			uint64_t pair = pasid_key(dev, (uint32_t)pasid);
			if (!u64map_get(&c->seen_pairs, pair, NULL)) {
				if (!u64map_put(&c->seen_pairs, pair, 1))
					return err_out(err, errlen, "out of memory");
				st->dma_pairs++;
			}
		}
		return 0;
	}

	switch (rec->kind) {
	case TRACE_DEVICE: {
		const char *name = rec->u.device.name;
		if (strmap_get(&c->dev_names, name) >= 0)
			return err_out(err, errlen, "device \"%s\" defined twice", name);
		for (uint32_t i = 0; i < rec->u.device.nsids; i++) {
			int other = sid_lookup(c, rec->u.device.sids[i]);
			if (other >= 0)
				return err_out(err, errlen, "StreamID 0x%x already belongs to device \"%s\"",
					       rec->u.device.sids[i], c->devs[other].name);
		}
		if (!grow((void **)&c->devs, &c->capdevs, c->ndevs, sizeof(*c->devs)))
			return err_out(err, errlen, "out of memory");
		struct device *dv = &c->devs[c->ndevs];
		memset(dv, 0, sizeof(*dv));
		dv->name = strdup(name);
		memcpy(dv->sids, rec->u.device.sids, sizeof(dv->sids));
		dv->nsids = rec->u.device.nsids;
		dv->pasid_bits = rec->u.device.pasid_bits;
		dv->port = rec->u.device.port;
		dv->primary = -1;
		for (uint32_t i = 0; i < dv->nsids; i++)
			if (!u64map_put(&c->sids, dv->sids[i], c->ndevs))
				return err_out(err, errlen, "out of memory");
		if (!dv->name || !strmap_put(&c->dev_names, name, (int)c->ndevs))
			return err_out(err, errlen, "out of memory");
		c->ndevs++;
		break;
	}
	case TRACE_DOMAIN: {
		const char *name = rec->u.domain.name;
		int old = strmap_get(&c->dom_names, name);
		if (old >= 0 && c->doms[old].live)
			return err_out(err, errlen, "domain \"%s\" allocated twice (free it first)", name);
		if (!grow((void **)&c->doms, &c->capdoms, c->ndoms, sizeof(*c->doms)))
			return err_out(err, errlen, "out of memory");
		c->dom_gen++; /* the name may now mean another domain */
		struct domain *dm = &c->doms[c->ndoms];
		memset(dm, 0, sizeof(*dm));
		dm->name = strdup(name);
		dm->type = rec->u.domain.type;
		dm->live = true;
		dm->aux_pasid = -1;
		if (!dm->name || !strmap_put(&c->dom_names, name, (int)c->ndoms))
			return err_out(err, errlen, "out of memory");
		c->ndoms++;
		break;
	}
	case TRACE_ATTACH:
	case TRACE_AUX_ATTACH:
	case TRACE_ATTACH_PASID:
	case TRACE_DETACH: {
		if ((dev = find_dev(c, rec->u.link.dev, err, errlen)) < 0 || (dom = find_dom(c, rec->u.link.dom, err, errlen)) < 0)
			return -1;
		struct device *dv = &c->devs[dev];
		struct domain *dm = &c->doms[dom];
		if (rec->kind == TRACE_ATTACH) {
			if (dv->primary == dom)
				return err_out(err, errlen, "device \"%s\" is already attached to \"%s\"", dv->name, dm->name);
			if (dv->primary >= 0)
				c->doms[dv->primary].users--; /* attaching replaces the previous domain */
			dv->primary = dom;
			dm->users++;
		} else if (rec->kind == TRACE_AUX_ATTACH) {
			if (find_link(c, dev, dom, NULL, NULL))
				return err_out(err, errlen, "domain \"%s\" is already attached to \"%s\"", dm->name, dv->name);
			if (dm->aux_pasid < 0) {
				/* One PASID per aux domain, allocated on its first aux attach, lowest free first
				 * (the Linux aux-domain patch), unless the trace names it. */
				uint32_t p;
				if (rec->u.link.has_pasid) {
					p = rec->u.link.pasid;
					if (bit_get(c->aux_pasids, p))
						return err_out(err, errlen, "aux-attach: PASID %u already belongs to another domain", p);
				} else {
					for (p = c->aux_low; p < PASID_SPACE && bit_get(c->aux_pasids, p); p++)
						;
					c->aux_low = p;
					if (p == PASID_SPACE)
						return err_out(err, errlen, "aux-attach: no free PASID");
				}
				bit_set(c->aux_pasids, p);
				dm->aux_pasid = p;
			} else if (rec->u.link.has_pasid && rec->u.link.pasid != dm->aux_pasid) {
				return err_out(err, errlen, "aux-attach: domain \"%s\" already has PASID %lld, not %u", dm->name,
					       (long long)dm->aux_pasid, rec->u.link.pasid);
			}
			if (add_link(c, dev, dom, LINK_AUX, (uint32_t)dm->aux_pasid) < 0)
				return err_out(err, errlen, "out of memory");
			dm->users++;
		} else if (rec->kind == TRACE_ATTACH_PASID) {
			enum link_kind kind;
			if (find_link(c, dev, dom, &kind, NULL) && kind == LINK_AUX)
				return err_out(err, errlen, "domain \"%s\" is already aux-attached to \"%s\"", dm->name, dv->name);
			if (u64map_get(&c->pasids, pasid_key(dev, rec->u.link.pasid), NULL))
				return err_out(err, errlen, "PASID %u is already attached on device \"%s\"", rec->u.link.pasid,
					       dv->name);
			if (add_link(c, dev, dom, LINK_PASID, rec->u.link.pasid) < 0)
				return err_out(err, errlen, "out of memory");
			dm->users++;
		} else {
			enum link_kind kind = LINK_AUX;
			uint32_t p = 0, n = find_link(c, dev, dom, &kind, &p);
			uint64_t at;
			c->last_detach = rec;
			c->last_detach_line = rec->line;
			c->last_detach_pasid = -1;
			if (rec->u.link.has_pasid) {
				/* one of the PASIDs the domain is attached at */
				p = rec->u.link.pasid;
				if (!u64map_get(&c->pasids, pasid_key(dev, p), &at) || at != (uint64_t)dom)
					return err_out(err, errlen, "detach: PASID %u of device \"%s\" is not attached to \"%s\"", p,
						       dv->name, dm->name);
				del_link(c, dev, dom, p);
				c->last_detach_pasid = kind == LINK_PASID ? (int64_t)p : -1;
			} else if (n > 1) {
				return err_out(err, errlen, "detach: \"%s\" is attached at %u PASIDs of \"%s\" (name one: pasid=N)",
					       dm->name, n, dv->name);
			} else if (n == 1) {
				del_link(c, dev, dom, p);
				c->last_detach_pasid = kind == LINK_PASID ? (int64_t)p : -1;
			} else if (dv->primary == dom) {
				dv->primary = -1;
			} else {
				return err_out(err, errlen, "detach: device \"%s\" is not attached to \"%s\"", dv->name, dm->name);
			}
			dm->users--;
		}
		break;
	}
	case TRACE_ENABLE_AUX:
		if ((dev = find_dev(c, rec->u.link.dev, err, errlen)) < 0)
			return -1;
		c->devs[dev].aux_enabled = true;
		break;
	case TRACE_FREE: {
		if ((dom = find_dom(c, rec->u.link.dom, err, errlen)) < 0)
			return -1;
		struct domain *dm = &c->doms[dom];
		if (dm->users)
			return err_out(err, errlen, "free of domain \"%s\" while %u device(s) are attached (detach first)",
				       dm->name, dm->users);
		for (size_t i = 0; i < dm->nmaps; i++)
			st->mapped_bytes -= dm->maps[i].end - dm->maps[i].start;
		dm->nmaps = 0;
		if (dm->aux_pasid > 0) {
			bit_clr(c->aux_pasids, (uint32_t)dm->aux_pasid);
			if ((uint32_t)dm->aux_pasid < c->aux_low)
				c->aux_low = (uint32_t)dm->aux_pasid;
		}
		dm->aux_pasid = -1;
		dm->live = false;
		break;
	}
	case TRACE_MAP:
	case TRACE_UNMAP: {
		if ((dom = find_dom(c, rec->u.map.dom, err, errlen)) < 0)
			return -1;
		int rc = rec->kind == TRACE_MAP ? do_map(c, &c->doms[dom], rec, err, errlen)
						: do_unmap(c, &c->doms[dom], rec, err, errlen);
		if (rc < 0)
			return -1;
		break;
	}
	default:
		return err_out(err, errlen, "unknown record kind %d", (int)rec->kind);
	}
	st->records[rec->kind]++;
	st->last_time = rec->time;
	return 0;
}

const struct trace_stats *trace_checker_stats(const trace_checker *c) { return &c->stats; }

bool trace_checker_device(const trace_checker *c, size_t index, const char **name, const uint32_t **sids,
			  uint32_t *nsids, uint32_t *pasid_bits, uint32_t *port)
{
	if (index >= c->ndevs)
		return false;
	const struct device *dv = &c->devs[index];
	*name = dv->name;
	*sids = dv->sids;
	*nsids = dv->nsids;
	*pasid_bits = dv->pasid_bits;
	*port = dv->port;
	return true;
}
