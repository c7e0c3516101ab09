/* SPDX-License-Identifier: MIT */
/*
 * The peer scenarios: the driver's public API used as a platform would use it, on whatever SMMU
 * the backend provides. Every outcome is printed as one machine-readable line,
 *
 *     PEER <KIND> <scenario> key=value ...
 *
 * KIND is BEGIN/END (framing), RES (a result: return code, data landing, a counter), EVT (one event
 * record, every field and the four raw dwords), CHECK (the scenario's own expectation: ok or FAIL)
 * or INFO (reported, never compared). peer/compare/ compares two such logs field by field.
 *
 * Faulting transfers are 4 bytes long: QEMU records one event per 4-byte access chunk of a failing
 * DMA, so a 4-byte transfer gives exactly one record on both backends and every record is compared.
 */
#include "peer.h"

#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>

#define PAGE 0x1000u
#define MAX_EVENTS 8

struct ctx {
	const struct peer_platform *plat;
	const struct smmu_regif *ri;
	const char *scen;
	struct smmu_options opts;
	struct smmu_device *smmu;
	struct smmu_master *dev[PEER_MAX_DEVS];
	struct smmu_event ev[MAX_EVENTS];
	unsigned nev;
};

/* ---- Output ------------------------------------------------------------------------------------ */

static void line(struct ctx *c, const char *kind, const char *body)
{
	char buf[320];
	smmu_snprintf(buf, sizeof(buf), "PEER %s %s %s", kind, c->scen, body);
	c->plat->puts(c->plat->ctx, buf);
}

#define OUT(c, kind, ...)                                                                                          \
	do {                                                                                                       \
		char body_[256];                                                                                   \
		smmu_snprintf(body_, sizeof(body_), __VA_ARGS__);                                                  \
		line((c), (kind), body_);                                                                          \
	} while (0)

static bool check(struct ctx *c, const char *what, bool ok)
{
	OUT(c, "CHECK", "%s=%s", what, ok ? "ok" : "FAIL");
	return ok;
}

static void scenario(struct ctx *c, const char *name)
{
	c->scen = name;
}

/* ---- Memory the scenarios own (not the driver's) ---------------------------------------------- */

static struct smmu_dma_buf alloc(struct ctx *c, size_t size, size_t align)
{
	struct smmu_dma_buf b = {0};
	int rc = c->ri->dma_alloc(c->ri->ctx, size, align, &b);
	if (rc)
		OUT(c, "RES", "alloc_rc=%d", rc);
	return b;
}

static void release(struct ctx *c, struct smmu_dma_buf *b)
{
	if (b->cpu)
		c->ri->dma_free(c->ri->ctx, b);
	b->cpu = 0;
}

/* A byte pattern per seed; seed 0 is the canary a destination holds before a DMA. */
static uint8_t pat(unsigned seed, size_t i)
{
	return (uint8_t)(seed ? seed * 37u + i * 7u + 1u : 0xEEu);
}

static void fill(struct smmu_dma_buf *b, size_t off, size_t len, unsigned seed)
{
	volatile uint8_t *p = (volatile uint8_t *)b->cpu + off;
	for (size_t i = 0; i < len; i++)
		p[i] = pat(seed, i);
}

/* new: holds pattern `seed`; canary: untouched; other: anything else. */
static const char *state(const struct smmu_dma_buf *b, size_t off, size_t len, unsigned seed)
{
	const volatile uint8_t *p = (const volatile uint8_t *)b->cpu + off;
	bool is_new = true, is_canary = true;
	for (size_t i = 0; i < len; i++) {
		is_new = is_new && p[i] == pat(seed, i);
		is_canary = is_canary && p[i] == pat(0, i);
	}
	return is_new ? "new" : is_canary ? "canary" : "other";
}

/* Report where a transfer's bytes are, and check it against what the architecture says. */
static void landed(struct ctx *c, const char *label, const struct smmu_dma_buf *b, size_t off, size_t len,
		   unsigned seed, const char *expect)
{
	const char *s = state(b, off, len, seed);
	OUT(c, "RES", "%s=%s", label, s);
	const char *a = s, *e = expect;
	while (*a && *a == *e)
		a++, e++;
	check(c, label, *a == *e);
}

/* ---- DMA and events ---------------------------------------------------------------------------- */

static void dev_read(struct ctx *c, unsigned dev, uint64_t iova, uint32_t len)
{
	c->plat->dma(c->plat->ctx, dev, iova, len, false);
}

static void dev_write(struct ctx *c, unsigned dev, uint64_t iova, uint32_t len)
{
	c->plat->dma(c->plat->ctx, dev, iova, len, true);
}

/* Load the master's buffer with pattern seed: the CPU fills a staging page, the device reads it
 * through an identity-free path (a mapping the caller made at iova). */
static void load(struct ctx *c, unsigned dev, struct smmu_dma_buf *stage, uint64_t iova, uint32_t len, unsigned seed)
{
	fill(stage, 0, len, seed);
	dev_read(c, dev, iova, len);
}

static void on_event(void *arg, const struct smmu_event *ev)
{
	struct ctx *c = arg;
	OUT(c, "EVT",
	    "type=0x%02x name=%s sid=0x%x ssv=%u ssid=0x%x stall=%u stag=0x%x pnu=%u ind=%u rnw=%u s2=%u class=%u "
	    "ttrnw=%u addr=0x%llx ipa=0x%llx fetch=0x%llx raw0=0x%llx raw1=0x%llx raw2=0x%llx raw3=0x%llx",
	    ev->type, smmu_event_name(ev->type), ev->sid, ev->ssv, ev->ssid, ev->stall, ev->stag, ev->pnu, ev->ind,
	    ev->rnw, ev->s2, ev->class_, ev->ttrnw, (unsigned long long)ev->input_addr, (unsigned long long)ev->ipa,
	    (unsigned long long)ev->fetch_addr, (unsigned long long)ev->raw[0], (unsigned long long)ev->raw[1],
	    (unsigned long long)ev->raw[2], (unsigned long long)ev->raw[3]);
	if (c->nev < MAX_EVENTS)
		c->ev[c->nev] = *ev;
	c->nev++;
}

/* Drain the event queue and print every record; returns how many there were. */
static unsigned drain(struct ctx *c, const char *label)
{
	c->nev = 0;
	int n = smmu_evtq_drain(c->smmu, on_event, c);
	OUT(c, "RES", "%s_events=%d", label, n);
	return c->nev;
}

/* Exactly one record, of this type, from this StreamID, for this address and direction. */
static void expect_fault(struct ctx *c, const char *label, uint8_t type, unsigned dev, uint64_t iova, bool read)
{
	unsigned n = drain(c, label);
	const struct smmu_event *e = &c->ev[0];
	check(c, label, n == 1 && e->type == type && e->sid == c->plat->sid[dev] && e->input_addr == iova &&
				e->rnw == read && !e->ssv);
}

static void expect_no_event(struct ctx *c, const char *label)
{
	check(c, label, drain(c, label) == 0);
}

/* ---- Driver objects ---------------------------------------------------------------------------- */

static struct iommu_domain *domain(struct ctx *c, unsigned type, uint32_t granule)
{
	struct iommu_domain_params p = {.type = type, .granule = granule, .ias = 0};
	struct iommu_domain *d = 0;
	int rc = iommu_domain_alloc_params(c->smmu, &p, &d);
	check(c, "domain_alloc", rc == 0);
	return rc ? 0 : d;
}

static void attach(struct ctx *c, struct iommu_domain *d, unsigned dev)
{
	check(c, "attach", d && c->dev[dev] && iommu_attach_device(c->smmu, d, c->dev[dev]) == 0);
}

static void map(struct ctx *c, struct iommu_domain *d, uint64_t iova, const struct smmu_dma_buf *b, size_t size,
		int prot)
{
	int rc = d ? iommu_map(c->smmu, d, iova, b->bus, size, prot) : -1;
	if (rc)
		OUT(c, "RES", "map_rc=%d", rc);
	check(c, "map", rc == 0);
}

static void unmap(struct ctx *c, struct iommu_domain *d, uint64_t iova, size_t size)
{
	size_t n = d ? iommu_unmap(c->smmu, d, iova, size) : 0;
	OUT(c, "RES", "unmapped=0x%zx", n);
	check(c, "unmap", n == size);
}

static void probe_dev(struct ctx *c, unsigned dev)
{
	if (c->dev[dev])
		return;
	int rc = iommu_probe_device(c->smmu, &c->plat->sid[dev], 1, &c->dev[dev]);
	OUT(c, "RES", "probe_device%u_rc=%d", dev, rc);
	check(c, "probe_device", rc == 0);
}

static void detach(struct ctx *c, struct iommu_domain *d, unsigned dev)
{
	if (d && c->dev[dev])
		iommu_detach_device(c->smmu, d, c->dev[dev]);
}

/* ---- Bring-up ---------------------------------------------------------------------------------- */

static const char *cr0_bits(uint32_t cr0)
{
	bool all = (cr0 & 0xDu) == 0xDu; /* SMMUEN | EVENTQEN | CMDQEN */
	return all ? "smmuen+eventqen+cmdqen" : cr0 ? "partial" : "off";
}

static bool bring_up(struct ctx *c)
{
	scenario(c, "probe");
	int rc = smmu_probe(c->ri, &c->opts, &c->smmu);
	OUT(c, "RES", "probe_rc=%d", rc);
	if (!check(c, "probe", rc == 0))
		return false;
	const struct smmu_features *f = smmu_get_features(c->smmu);
	/* Reported, not compared: the model has no parameter for every field (docs/peer.md). */
	OUT(c, "INFO", "idr0=0x%08x idr1=0x%08x idr3=0x%08x idr5=0x%08x iidr=0x%08x aidr=0x%08x term_model=%u", f->idr[0],
	    f->idr[1], f->idr[3], f->idr[5], f->iidr, f->aidr, f->term_model);
	/* What the scenarios' outcomes depend on; the model is configured to match QEMU here. */
	OUT(c, "RES",
	    "s1p=%u ttf_aarch64=%u st_2lvl=%u cd2l=%u sid_bits=%u ssid_bits=%u asid_bits=%u oas_bits=%u ril=%u "
	    "gran4k=%u gran16k=%u gran64k=%u stall_model=%u",
	    f->s1p, f->ttf_aarch64, f->st_2lvl, f->cd2l, f->sid_bits, f->ssid_bits, f->asid_bits, f->oas_bits, f->ril,
	    f->gran4k, f->gran16k, f->gran64k, f->stall_model);
	OUT(c, "RES", "s2p=%u vmid16=%u", f->s2p, f->vmid16);

	scenario(c, "reset_enable");
	rc = smmu_reset(c->smmu);
	OUT(c, "RES", "reset_rc=%d strtab_2lvl=%u strtab_sids=0x%llx", rc, smmu_strtab_is_2lvl(c->smmu),
	    (unsigned long long)smmu_strtab_num_sids(c->smmu));
	uint32_t cr0 = c->ri->read32(c->ri->ctx, SMMU_CR0), ack = c->ri->read32(c->ri->ctx, SMMU_CR0ACK);
	uint32_t gerr = c->ri->read32(c->ri->ctx, SMMU_GERROR) ^ c->ri->read32(c->ri->ctx, SMMU_GERRORN);
	OUT(c, "RES", "cr0=%s cr0ack=%s gerror_active=0x%x", cr0_bits(cr0), cr0_bits(ack), gerr);
	return check(c, "reset", rc == 0 && (cr0 & 0xDu) == 0xDu && ack == cr0 && gerr == 0);
}

static void tear_down(struct ctx *c)
{
	if (!c->smmu)
		return;
	scenario(c, "remove");
	smmu_remove(c->smmu);
	c->smmu = 0;
	c->dev[0] = c->dev[1] = 0;
}

/* ---- Scenarios --------------------------------------------------------------------------------- */

#define IOVA_SRC 0x10000000ull  /* the page every scenario reads its pattern from */

/* A paging domain for dev 0 with the source page mapped: what most scenarios start from. */
struct base {
	struct iommu_domain *d;
	struct smmu_dma_buf src, dst;
};

static void base_up(struct ctx *c, struct base *b, unsigned dev)
{
	b->src = alloc(c, PAGE, PAGE);
	b->dst = alloc(c, PAGE, PAGE);
	fill(&b->dst, 0, PAGE, 0);
	b->d = domain(c, IOMMU_DOMAIN_UNMANAGED, 0);
	probe_dev(c, dev);
	attach(c, b->d, dev);
	map(c, b->d, IOVA_SRC, &b->src, PAGE, IOMMU_READ | IOMMU_WRITE);
}

static void base_down(struct ctx *c, struct base *b)
{
	if (b->d)
		iommu_domain_free(c->smmu, b->d);
	release(c, &b->src);
	release(c, &b->dst);
	b->d = 0;
}

/* DMA from a StreamID the driver never heard of. */
static void scen_unknown_sid(struct ctx *c)
{
	scenario(c, "unknown_sid");
	dev_read(c, 0, 0x2000, 4);
	if (smmu_strtab_is_2lvl(c->smmu)) {
		/* No level-2 table: the L1STD is invalid, so the StreamID is (IHI 0070 §5.1). */
		unsigned n = drain(c, "dma");
		check(c, "c_bad_streamid", n == 1 && c->ev[0].type == EVT_C_BAD_STREAMID && c->ev[0].sid == c->plat->sid[0]);
	} else {
		/* A linear table covers every StreamID; unused STEs are written as abort: no record. */
		expect_no_event(c, "dma");
	}
}

/* A device the driver probed (STE = abort) but never attached. */
static void scen_unattached(struct ctx *c)
{
	scenario(c, "unattached");
	probe_dev(c, 0);
	struct smmu_dma_buf dst = alloc(c, PAGE, PAGE);
	fill(&dst, 0, PAGE, 0);
	dev_write(c, 0, dst.bus, 64);
	expect_no_event(c, "dma");
	landed(c, "dst", &dst, 0, 64, 1, "canary");
	release(c, &dst);
}

/* Map, copy memory to memory through the device, check, unmap, then a read and a write fault. */
static void scen_map_and_faults(struct ctx *c)
{
	struct base b;
	const uint64_t iova_dst = 0x10040000ull;
	scenario(c, "map_roundtrip");
	base_up(c, &b, 0);
	map(c, b.d, iova_dst, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	check(c, "iova_to_phys", iommu_iova_to_phys(c->smmu, b.d, iova_dst + 0x123) == b.dst.bus + 0x123);
	fill(&b.src, 0x100, 1024, 3);
	dev_read(c, 0, IOVA_SRC + 0x100, 1024);
	dev_write(c, 0, iova_dst + 0x200, 1024);
	landed(c, "dst", &b.dst, 0x200, 1024, 3, "new");
	landed(c, "dst_before", &b.dst, 0, 0x200, 3, "canary");
	expect_no_event(c, "dma");

	scenario(c, "unmap_fault");
	unmap(c, b.d, iova_dst, PAGE);
	unmap(c, b.d, IOVA_SRC, PAGE);
	fill(&b.dst, 0, PAGE, 0);
	dev_read(c, 0, IOVA_SRC + 0x40, 4);
	expect_fault(c, "read", EVT_F_TRANSLATION, 0, IOVA_SRC + 0x40, true);
	dev_write(c, 0, iova_dst + 0x88, 4);
	expect_fault(c, "write", EVT_F_TRANSLATION, 0, iova_dst + 0x88, false);
	landed(c, "dst", &b.dst, 0x88, 4, 3, "canary");
	base_down(c, &b);
}

/* A read-only mapping: reads pass, a write is a permission fault. */
static void scen_readonly(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x10080000ull;
	scenario(c, "readonly");
	base_up(c, &b, 0);
	map(c, b.d, iova, &b.dst, PAGE, IOMMU_READ);
	fill(&b.src, 0, 64, 5);
	dev_read(c, 0, IOVA_SRC, 64);
	dev_read(c, 0, iova + 0x300, 64);
	expect_no_event(c, "read");
	dev_write(c, 0, iova + 0x300, 4);
	expect_fault(c, "write", EVT_F_PERMISSION, 0, iova + 0x300, false);
	landed(c, "dst", &b.dst, 0x300, 4, 5, "canary");
	base_down(c, &b);
}

/* Unmap and map the same IOVA to another page: the DMA must follow (the TLBI worked). */
static void scen_remap(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x100C0000ull;
	scenario(c, "remap");
	base_up(c, &b, 0);
	struct smmu_dma_buf d2 = alloc(c, PAGE, PAGE);
	fill(&d2, 0, PAGE, 0);
	map(c, b.d, iova, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 256, 7);
	dev_write(c, 0, iova, 256);
	landed(c, "first", &b.dst, 0, 256, 7, "new");
	unmap(c, b.d, iova, PAGE);
	map(c, b.d, iova, &d2, PAGE, IOMMU_READ | IOMMU_WRITE);
	fill(&b.dst, 0, PAGE, 0);
	dev_write(c, 0, iova, 256);
	landed(c, "second", &d2, 0, 256, 7, "new");
	landed(c, "first_after", &b.dst, 0, 256, 7, "canary");
	expect_no_event(c, "dma");
	release(c, &d2);
	base_down(c, &b);
}

/* A 2 MB block, then unmapping one page in its middle splits it. */
static void scen_block(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x40000000ull, blk = 0x200000ull;
	static const uint64_t offs[] = {0x0, 0x123000, 0x1FF800};
	scenario(c, "block_2m");
	base_up(c, &b, 0);
	struct smmu_dma_buf big = alloc(c, blk, blk);
	fill(&big, 0, blk, 0);
	map(c, b.d, iova, &big, blk, IOMMU_READ | IOMMU_WRITE);
	OUT(c, "RES", "pgsize_2m=%u", (unsigned)((iommu_domain_pgsize_bitmap(b.d) & blk) != 0));
	load(c, 0, &b.src, IOVA_SRC, 512, 9);
	for (unsigned i = 0; i < 3; i++) {
		char label[16];
		smmu_snprintf(label, sizeof(label), "at_%x", (unsigned)offs[i]);
		dev_write(c, 0, iova + offs[i], 512);
		landed(c, label, &big, offs[i], 512, 9, "new");
	}
	expect_no_event(c, "dma");

	scenario(c, "block_partial_unmap");
	fill(&big, 0, blk, 0);
	unmap(c, b.d, iova + 0x100000, PAGE);
	check(c, "hole", iommu_iova_to_phys(c->smmu, b.d, iova + 0x100000) == 0);
	dev_write(c, 0, iova + 0x100010, 4);
	expect_fault(c, "hole", EVT_F_TRANSLATION, 0, iova + 0x100010, false);
	landed(c, "hole_data", &big, 0x100010, 4, 9, "canary");
	dev_write(c, 0, iova + 0xFF000, 512);
	landed(c, "below", &big, 0xFF000, 512, 9, "new");
	dev_write(c, 0, iova + 0x101000, 512);
	landed(c, "above", &big, 0x101000, 512, 9, "new");
	expect_no_event(c, "dma");
	release(c, &big);
	base_down(c, &b);
}

/* 127 pages: the driver unmaps them with one range TLBI_NH_VA (IHI 0070 §4.4.2, IDR3.RIL). */
static void scen_range_tlbi(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x20000000ull;
	const size_t n = 127;
	scenario(c, "range_tlbi_127");
	base_up(c, &b, 0);
	struct smmu_dma_buf r = alloc(c, n * PAGE, PAGE);
	map(c, b.d, iova, &r, n * PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 64, 11);
	static const unsigned pages[] = {0, 1, 63, 125, 126};
	for (unsigned i = 0; i < 5; i++)
		dev_write(c, 0, iova + (uint64_t)pages[i] * PAGE, 64); /* each translation is now in the TLB */
	landed(c, "page126", &r, 126 * PAGE, 64, 11, "new");
	expect_no_event(c, "fill");
	uint64_t tlbi_va = smmu_get_stats(c->smmu)->tlbi_va, tlbi_asid = smmu_get_stats(c->smmu)->tlbi_asid;
	unmap(c, b.d, iova, n * PAGE);
	OUT(c, "RES", "tlbi_va=%llu tlbi_asid=%llu", (unsigned long long)(smmu_get_stats(c->smmu)->tlbi_va - tlbi_va),
	    (unsigned long long)(smmu_get_stats(c->smmu)->tlbi_asid - tlbi_asid));
	fill(&r, 0, n * PAGE, 0);
	for (unsigned i = 0; i < 5; i++) {
		char label[16];
		uint64_t a = iova + (uint64_t)pages[i] * PAGE + 8;
		smmu_snprintf(label, sizeof(label), "page%u", pages[i]);
		dev_write(c, 0, a, 4);
		expect_fault(c, label, EVT_F_TRANSLATION, 0, a, false);
	}
	landed(c, "after", &r, 126 * PAGE, 64, 11, "canary");
	release(c, &r);
	base_down(c, &b);
}

static void scen_granule(struct ctx *c, const char *name, uint32_t granule)
{
	const uint64_t iova = 0x30000000ull;
	scenario(c, name);
	probe_dev(c, 0);
	struct iommu_domain *d = domain(c, IOMMU_DOMAIN_UNMANAGED, granule);
	struct smmu_dma_buf src = alloc(c, granule, granule), dst = alloc(c, granule, granule);
	fill(&dst, 0, granule, 0);
	attach(c, d, 0);
	map(c, d, iova, &src, granule, IOMMU_READ);
	map(c, d, iova + granule, &dst, granule, IOMMU_READ | IOMMU_WRITE);
	fill(&src, granule - 512, 512, 13);
	dev_read(c, 0, iova + granule - 512, 512);
	dev_write(c, 0, iova + 2 * granule - 512, 512); /* the last bytes of the granule */
	landed(c, "dst", &dst, granule - 512, 512, 13, "new");
	expect_no_event(c, "dma");
	unmap(c, d, iova + granule, granule);
	dev_write(c, 0, iova + granule + 0x10, 4);
	expect_fault(c, "unmapped", EVT_F_TRANSLATION, 0, iova + granule + 0x10, false);
	dev_write(c, 0, iova + 0x20, 4);
	expect_fault(c, "readonly", EVT_F_PERMISSION, 0, iova + 0x20, false);
	if (d)
		iommu_domain_free(c->smmu, d);
	release(c, &src);
	release(c, &dst);
}

/* Identity (bypass STE) then blocked (abort STE): the DMA address is the physical address. */
static void scen_identity_blocked(struct ctx *c)
{
	scenario(c, "identity");
	probe_dev(c, 0);
	struct smmu_dma_buf src = alloc(c, PAGE, PAGE), dst = alloc(c, PAGE, PAGE);
	fill(&dst, 0, PAGE, 0);
	struct iommu_domain *id = domain(c, IOMMU_DOMAIN_IDENTITY, 0);
	attach(c, id, 0);
	load(c, 0, &src, src.bus, 128, 15);
	dev_write(c, 0, dst.bus + 0x80, 128);
	landed(c, "dst", &dst, 0x80, 128, 15, "new");
	expect_no_event(c, "dma");
	detach(c, id, 0);

	scenario(c, "blocked");
	fill(&dst, 0, PAGE, 0);
	struct iommu_domain *bl = domain(c, IOMMU_DOMAIN_BLOCKED, 0);
	attach(c, bl, 0);
	dev_write(c, 0, dst.bus + 0x80, 128);
	landed(c, "dst", &dst, 0x80, 128, 15, "canary");
	expect_no_event(c, "dma");
	detach(c, bl, 0);
	if (id)
		iommu_domain_free(c->smmu, id);
	if (bl)
		iommu_domain_free(c->smmu, bl);
	release(c, &src);
	release(c, &dst);
}

/* Detach from a paging domain: the STE is abort again, translations cached before must not leak. */
static void scen_detach(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x10100000ull;
	scenario(c, "detach");
	base_up(c, &b, 0);
	map(c, b.d, iova, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 64, 17);
	dev_write(c, 0, iova, 64);
	landed(c, "attached", &b.dst, 0, 64, 17, "new");
	detach(c, b.d, 0);
	fill(&b.dst, 0, PAGE, 0);
	dev_write(c, 0, iova, 64);
	landed(c, "detached", &b.dst, 0, 64, 17, "canary");
	expect_no_event(c, "dma");
	base_down(c, &b);
}

/* Free a domain and allocate another: same ASID, and no stale translation under it. */
static void scen_asid_reuse(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x10140000ull;
	scenario(c, "asid_reuse");
	base_up(c, &b, 0);
	map(c, b.d, iova, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 64, 19);
	dev_write(c, 0, iova, 64);
	landed(c, "first", &b.dst, 0, 64, 19, "new");
	uint16_t asid1 = iommu_domain_asid(b.d);
	iommu_domain_free(c->smmu, b.d);
	b.d = domain(c, IOMMU_DOMAIN_UNMANAGED, 0);
	uint16_t asid2 = iommu_domain_asid(b.d);
	OUT(c, "RES", "asid1=%u asid2=%u", asid1, asid2);
	check(c, "asid_reused", asid1 == asid2);
	struct smmu_dma_buf d2 = alloc(c, PAGE, PAGE);
	fill(&d2, 0, PAGE, 0);
	fill(&b.dst, 0, PAGE, 0);
	attach(c, b.d, 0);
	map(c, b.d, IOVA_SRC, &b.src, PAGE, IOMMU_READ);
	map(c, b.d, iova, &d2, PAGE, IOMMU_READ | IOMMU_WRITE);
	dev_write(c, 0, iova, 64);
	landed(c, "second", &d2, 0, 64, 19, "new");
	landed(c, "first_after", &b.dst, 0, 64, 19, "canary");
	expect_no_event(c, "dma");
	release(c, &d2);
	base_down(c, &b);
}

/* Two devices, two domains, the same IOVA: each lands in its own page; the other's IOVA faults. */
static void scen_second_device(struct ctx *c)
{
	if (c->plat->ndevs < 2) {
		scenario(c, "second_device");
		check(c, "two_devices", false);
		return;
	}
	struct base b0, b1;
	const uint64_t iova = 0x10180000ull, only0 = 0x101C0000ull;
	scenario(c, "second_device");
	base_up(c, &b0, 0);
	base_up(c, &b1, 1);
	OUT(c, "RES", "asid0=%u asid1=%u", iommu_domain_asid(b0.d), iommu_domain_asid(b1.d));
	map(c, b0.d, iova, &b0.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	map(c, b0.d, only0, &b0.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	map(c, b1.d, iova, &b1.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	fill(&b0.src, 0, 64, 21);
	fill(&b1.src, 0, 64, 23);
	dev_read(c, 0, IOVA_SRC, 64);
	dev_read(c, 1, IOVA_SRC, 64);
	dev_write(c, 1, iova, 64);
	landed(c, "dev1", &b1.dst, 0, 64, 23, "new");
	landed(c, "dev0_untouched", &b0.dst, 0, 64, 21, "canary");
	dev_write(c, 0, iova, 64);
	landed(c, "dev0", &b0.dst, 0, 64, 21, "new");
	expect_no_event(c, "dma");
	fill(&b0.dst, 0, PAGE, 0);
	dev_write(c, 1, only0 + 0x44, 4);
	expect_fault(c, "isolated", EVT_F_TRANSLATION, 1, only0 + 0x44, false);
	landed(c, "dev0_after", &b0.dst, 0x44, 4, 23, "canary");
	base_down(c, &b1);
	base_down(c, &b0);
}

/* An illegal command: CMDQ_CONS.ERR = CERROR_ILL and GERROR.CMDQ_ERR; the driver recovers. */
static void scen_cmdq_illegal(struct ctx *c)
{
	scenario(c, "cmdq_illegal");
	const struct smmu_stats *s = smmu_get_stats(c->smmu);
	uint64_t errs = s->cmd_errors;
	struct smmu_cmd bad = {{0xFFull, 0}}; /* opcode 0xFF: not a command */
	int rc = smmu_cmdq_issue_sync(c->smmu, &bad, 1);
	OUT(c, "RES", "issue_rc=%d cmd_errors=%llu last_cmd_error=%u", rc, (unsigned long long)(s->cmd_errors - errs),
	    s->last_cmd_error);
	check(c, "error_seen", rc == -SMMU_EIO && s->cmd_errors - errs == 1 && s->last_cmd_error == CERROR_ILL);
	rc = smmu_cmdq_sync(c->smmu);
	uint32_t gerr = c->ri->read32(c->ri->ctx, SMMU_GERROR) ^ c->ri->read32(c->ri->ctx, SMMU_GERRORN);
	uint32_t cons = c->ri->read32(c->ri->ctx, SMMU_CMDQ_CONS);
	OUT(c, "RES", "sync_rc=%d gerror_active=0x%x cons_err=%u", rc, gerr, (unsigned)SMMU_GET(cons, CMDQ_CONS_ERR));
	check(c, "recovered", rc == 0 && gerr == 0);
	/* Translation still works afterwards. */
	struct base b;
	base_up(c, &b, 0);
	map(c, b.d, 0x10200000ull, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 64, 25);
	dev_write(c, 0, 0x10200000ull, 64);
	landed(c, "dst", &b.dst, 0, 64, 25, "new");
	base_down(c, &b);
}

/* smmu_reset on an enabled SMMU with a device attached: translation and events continue. */
static void scen_reset_live(struct ctx *c)
{
	struct base b;
	const uint64_t iova = 0x10240000ull;
	scenario(c, "reset_live");
	base_up(c, &b, 0);
	map(c, b.d, iova, &b.dst, PAGE, IOMMU_READ | IOMMU_WRITE);
	load(c, 0, &b.src, IOVA_SRC, 64, 27);
	dev_write(c, 0, iova, 64);
	int rc = smmu_reset(c->smmu);
	OUT(c, "RES", "reset_rc=%d", rc);
	check(c, "reset", rc == 0);
	fill(&b.dst, 0, PAGE, 0);
	dev_write(c, 0, iova + 0x100, 64);
	landed(c, "dst", &b.dst, 0x100, 64, 27, "new");
	dev_write(c, 0, iova + PAGE + 4, 4);
	expect_fault(c, "unmapped", EVT_F_TRANSLATION, 0, iova + PAGE + 4, false);
	base_down(c, &b);
}

/* smmu_remove leaves SMMUEN = 0 and GBPA deciding (IHI 0070 §6.3, SMMU_GBPA): abort, or bypass. */
static void scen_remove_gbpa(struct ctx *c, bool bypass)
{
	scenario(c, bypass ? "remove_gbpa_bypass" : "remove_gbpa_abort");
	struct smmu_dma_buf src = alloc(c, PAGE, PAGE), dst = alloc(c, PAGE, PAGE);
	struct iommu_domain *id = domain(c, IOMMU_DOMAIN_IDENTITY, 0);
	probe_dev(c, 0);
	attach(c, id, 0);
	load(c, 0, &src, src.bus, 64, 29);
	fill(&dst, 0, PAGE, 0);
	smmu_remove(c->smmu); /* frees the domain and the device too */
	c->smmu = 0;
	c->dev[0] = c->dev[1] = 0;
	uint32_t cr0 = c->ri->read32(c->ri->ctx, SMMU_CR0), gbpa = c->ri->read32(c->ri->ctx, SMMU_GBPA);
	OUT(c, "RES", "cr0=%s gbpa_abort=%u", cr0_bits(cr0), (unsigned)SMMU_GET(gbpa, GBPA_ABORT));
	check(c, "gbpa", cr0 == 0 && SMMU_GET(gbpa, GBPA_ABORT) == !bypass);
	dev_write(c, 0, dst.bus, 64);
	landed(c, "dst", &dst, 0, 64, 29, bypass ? "new" : "canary");
	release(c, &src);
	release(c, &dst);
}

/* ---- Groups ------------------------------------------------------------------------------------ */

static void begin(struct ctx *c, const struct peer_platform *plat)
{
	*c = (struct ctx){.plat = plat, .ri = plat->regif};
}

/* The whole driver API on a linear stream table. */
static void group_linear(const struct peer_platform *plat)
{
	struct ctx c;
	begin(&c, plat);
	c.opts.force_linear_strtab = true;
	if (!bring_up(&c))
		return;
	scen_unknown_sid(&c);
	scen_unattached(&c);
	scen_map_and_faults(&c);
	scen_readonly(&c);
	scen_remap(&c);
	scen_block(&c);
	scen_range_tlbi(&c);
	scen_granule(&c, "granule_16k", 0x4000);
	scen_granule(&c, "granule_64k", 0x10000);
	scen_identity_blocked(&c);
	scen_detach(&c);
	scen_asid_reuse(&c);
	scen_second_device(&c);
	scen_cmdq_illegal(&c);
	scen_reset_live(&c);
	tear_down(&c);
}

/* A 2-level stream table: the unknown StreamID becomes C_BAD_STREAMID. QEMU never leaves the
 * 2-level format once set until it is reset, hence a group (a QEMU run) of its own. */
static void group_2lvl(const struct peer_platform *plat)
{
	struct ctx c;
	begin(&c, plat);
	c.opts.force_2lvl_strtab = true;
	if (!bring_up(&c))
		return;
	scen_unknown_sid(&c);
	scen_unattached(&c);
	scen_map_and_faults(&c);
	scen_second_device(&c);
	tear_down(&c);
}

/* Remove, with GBPA abort, then a second bring-up removed with GBPA bypass. */
static void group_remove(const struct peer_platform *plat)
{
	struct ctx c;
	begin(&c, plat);
	if (!bring_up(&c))
		return;
	scen_remove_gbpa(&c, false);
	c.opts.gbpa_bypass = true;
	if (!bring_up(&c))
		return;
	scen_remove_gbpa(&c, true);
}

const struct peer_group peer_groups[] = {
	{"linear", "linear stream table: translation, faults, granules, domains, commands", group_linear},
	{"2lvl", "2-level stream table: unknown StreamID, attach, faults, second device", group_2lvl},
	{"remove", "remove with GBPA abort, then with GBPA bypass", group_remove},
};
const unsigned peer_num_groups = sizeof(peer_groups) / sizeof(peer_groups[0]);

int peer_run_group(const struct peer_platform *plat, const char *group)
{
	for (unsigned i = 0; i < peer_num_groups; i++) {
		const char *a = group, *b = peer_groups[i].name;
		while (*a && *a == *b)
			a++, b++;
		if (*a || *b)
			continue;
		char buf[160];
		smmu_snprintf(buf, sizeof(buf), "PEER BEGIN %s backend=%s", group, plat->name);
		plat->puts(plat->ctx, buf);
		peer_groups[i].run(plat);
		smmu_snprintf(buf, sizeof(buf), "PEER END %s", group);
		plat->puts(plat->ctx, buf);
		return 0;
	}
	return -1;
}
