/* SPDX-License-Identifier: MIT */
/*
 * Stage-1 VMSAv8-64 page tables (CD.TG0/T0SZ: IHI 0070 §5.4) for 4 KB, 16 KB and 64 KB granules, with
 * blocks where alignment allows, block splitting on partial unmap, freeing of empty tables, and
 * the TLB invalidation that unmap needs. Attributes follow Linux's drivers/iommu/io-pgtable-arm.c.
 */
#include "internal.h"

/*
 * One translation table and its bookkeeping. The node behind a table descriptor is found by the
 * descriptor's next-level table address in the domain's pt_nodes map, so a node costs 64 bytes
 * beside its table instead of a child pointer per descriptor (another table's worth).
 */
struct smmu_pt_node {
	struct smmu_dma_buf self; /* this bookkeeping block */
	struct smmu_dma_buf hw;   /* the translation table the SMMU walks */
	struct smmu_pt_node *free_next;
	uint32_t entries;
	uint32_t nvalid;          /* valid descriptors in hw */
};

struct pt_slot {
	uint64_t bus; /* 0: empty (no table lives at bus address 0) */
	struct smmu_pt_node *node;
};

/* What an unmap (or a failed map) must invalidate, and the tables to free once it has. */
struct pt_gather {
	bool any;
	bool tables_freed; /* then walk caches too: Leaf=0 */
	uint64_t start, end;
	struct smmu_pt_node *freelist;
	/*
	 * Bit L: the TLB may hold a leaf from a level-L walk that the invalidation must remove. It
	 * describes what may be cached, not what the table holds now: a block replaced by a table
	 * without break-before-make may still be cached at the block's level (IHI 0070 §4.4.1.1:
	 * with TTL != 0 only entries from a walk at level TTL need be removed).
	 */
	unsigned cached_levels;
};

static unsigned bpl(const struct iommu_domain *d) /* index bits per level */
{
	return d->granule_shift - 3u;
}
static unsigned lvl_shift(const struct iommu_domain *d, unsigned level)
{
	return d->granule_shift + (3u - level) * bpl(d);
}
static bool block_ok(const struct iommu_domain *d, unsigned level)
{
	return level == 3 || level == 2 || (level == 1 && d->granule_shift == SMMU_GRANULE_4K);
}
static volatile uint64_t *hw(const struct smmu_pt_node *n)
{
	return (volatile uint64_t *)n->hw.cpu;
}
static bool pte_is_table(unsigned level, uint64_t pte)
{
	return level < 3 && SMMU_GET(pte, PTE_TYPE);
}
/* The output (or next-table) address of a descriptor at a level of the given shift. */
static uint64_t pte_oa(uint64_t pte, unsigned shift)
{
	/* below a block's size the bits are RES0 or, like nT (bit 16), not address */
	return SMMU_ADDR(pte, PTE_OA) & ~((1ULL << shift) - 1u);
}

/* ---- table address -> node: linear probing, grown at half load, deletion by backward shift ---- */

static uint32_t pt_slot_of(uint64_t bus, uint32_t size)
{
	uint64_t h = (bus >> 6) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 32) & (size - 1u);
}

static struct smmu_pt_node *pt_child(const struct iommu_domain *d, unsigned level, uint64_t pte)
{
	const struct pt_slot *t = d->pt_nodes.cpu;
	uint64_t bus = pte_oa(pte, d->granule_shift); /* a table is aligned to the granule */

	if (!pte_is_table(level, pte) || !SMMU_GET(pte, PTE_VALID) || !t)
		return NULL;
	for (uint32_t i = pt_slot_of(bus, d->pt_nodes_size); t[i].bus; i = (i + 1u) & (d->pt_nodes_size - 1u))
		if (t[i].bus == bus)
			return t[i].node;
	return NULL;
}

static void pt_slot_put(struct pt_slot *t, uint32_t size, uint64_t bus, struct smmu_pt_node *n)
{
	uint32_t i = pt_slot_of(bus, size);

	while (t[i].bus)
		i = (i + 1u) & (size - 1u);
	t[i].bus = bus;
	t[i].node = n;
}

static int pt_child_add(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_pt_node *n)
{
	if ((d->pt_nodes_used + 1u) * 2u > d->pt_nodes_size) {
		uint32_t size = d->pt_nodes_size ? d->pt_nodes_size * 2u : 8u;
		struct smmu_dma_buf mem;
		const struct pt_slot *old = d->pt_nodes.cpu;
		int ret = smmu_alloc(smmu, (size_t)size * sizeof(struct pt_slot), 8, &mem);

		if (ret)
			return ret;
		for (uint32_t i = 0; i < d->pt_nodes_size; i++)
			if (old[i].bus)
				pt_slot_put(mem.cpu, size, old[i].bus, old[i].node);
		smmu_free(smmu, &d->pt_nodes);
		d->pt_nodes = mem;
		d->pt_nodes_size = size;
	}
	pt_slot_put(d->pt_nodes.cpu, d->pt_nodes_size, n->hw.bus, n);
	d->pt_nodes_used++;
	return 0;
}

static void pt_child_del(struct smmu_device *smmu, struct iommu_domain *d, const struct smmu_pt_node *n)
{
	struct pt_slot *t = d->pt_nodes.cpu;
	uint32_t mask = d->pt_nodes_size - 1u, i = pt_slot_of(n->hw.bus, d->pt_nodes_size), hole;

	while (t[i].bus != n->hw.bus)
		i = (i + 1u) & mask; /* present: every table behind a descriptor was added */
	hole = i;
	for (i = (i + 1u) & mask; t[i].bus; i = (i + 1u) & mask) {
		uint32_t home = pt_slot_of(t[i].bus, d->pt_nodes_size);

		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t[hole] = t[i];
			hole = i;
		}
	}
	t[hole].bus = 0;
	t[hole].node = NULL;
	if (--d->pt_nodes_used == 0) { /* the last table under the root: nothing stays allocated */
		smmu_free(smmu, &d->pt_nodes);
		d->pt_nodes_size = 0;
	}
}

static int node_alloc(struct smmu_device *smmu, struct iommu_domain *d, unsigned level, struct smmu_pt_node **out)
{
	uint32_t entries = level == d->start_level ? 1u << (d->ias - lvl_shift(d, level)) : 1u << bpl(d);
	size_t hw_bytes = (size_t)entries * 8u;
	struct smmu_dma_buf self;
	struct smmu_pt_node *n;
	int ret;

	ret = smmu_alloc(smmu, sizeof(*n), sizeof(void *), &self);
	if (ret)
		return ret;
	n = self.cpu;
	n->self = self;
	n->entries = entries;
	ret = smmu_alloc_kind(smmu, SMMU_MEM_PGTABLE, hw_bytes, hw_bytes < 64 ? 64 : hw_bytes, &n->hw);
	if (ret) {
		smmu_free(smmu, &n->self);
		return ret;
	}
	smmu_memset(n->hw.cpu, 0, hw_bytes); /* every descriptor invalid until a caller fills one */
	*out = n;
	return 0;
}

static void node_free(struct smmu_device *smmu, struct smmu_pt_node *n)
{
	struct smmu_dma_buf self = n->self;

	smmu_free_kind(smmu, SMMU_MEM_PGTABLE, &n->hw);
	smmu_free(smmu, &self);
}


int smmu_pgtable_init(struct smmu_device *smmu, struct iommu_domain *d)
{
	unsigned levels = (d->ias - d->granule_shift + bpl(d) - 1u) / bpl(d);

	d->start_level = 4u - levels;
	if (d->granule_shift == SMMU_GRANULE_4K)
		d->pgsize_bitmap = SMMU_PGSIZES_4K;
	else if (d->granule_shift == SMMU_GRANULE_16K)
		d->pgsize_bitmap = SMMU_PGSIZES_16K;
	else
		d->pgsize_bitmap = SMMU_PGSIZES_64K;
	return node_alloc(smmu, d, d->start_level, &d->root);
}

/* Every table but the root is in pt_nodes: freeing them is linear in what the domain holds. */
void smmu_pgtable_free(struct smmu_device *smmu, struct iommu_domain *d)
{
	struct pt_slot *t = d->pt_nodes.cpu;

	for (uint32_t i = 0; i < d->pt_nodes_size; i++)
		if (t[i].bus)
			node_free(smmu, t[i].node);
	smmu_free(smmu, &d->pt_nodes);
	d->pt_nodes_size = 0;
	d->pt_nodes_used = 0;
	if (d->root)
		node_free(smmu, d->root);
	d->root = NULL;
}

uint64_t smmu_pgtable_ttb(const struct iommu_domain *d)
{
	return d->root ? d->root->hw.bus : 0;
}

static uint64_t prot_to_attrs(int prot)
{
	uint64_t a = SMMU_PREP(PTE_VALID, 1) | SMMU_PREP(PTE_AF, 1) | SMMU_PREP(PTE_NG, 1);

	if (!(prot & IOMMU_WRITE))
		a |= SMMU_PREP(PTE_AP2, 1);
	/* device traffic normally arrives unprivileged, so everything not PRIV is EL0-accessible */
	if (!(prot & IOMMU_PRIV))
		a |= SMMU_PREP(PTE_AP1, 1);
	if (prot & IOMMU_MMIO)
		a |= SMMU_PREP(PTE_ATTRINDX, MAIR_IDX_DEV);
	else if (prot & IOMMU_CACHE)
		a |= SMMU_PREP(PTE_ATTRINDX, MAIR_IDX_CACHE);
	else
		a |= SMMU_PREP(PTE_ATTRINDX, MAIR_IDX_NC);
	a |= SMMU_PREP(PTE_SH, (prot & IOMMU_CACHE) ? SMMU_SH_ISH : SMMU_SH_OSH);
	if (prot & IOMMU_NOEXEC)
		a |= SMMU_PREP(PTE_PXN, 1) | SMMU_PREP(PTE_UXN, 1);
	return a;
}

static uint64_t make_leaf(unsigned level, uint64_t pa, uint64_t attrs)
{
	/* page descriptors (level 3) have bits[1:0] = 11, blocks 01 */
	return attrs | SMMU_PREP_ADDR(PTE_OA, pa) | SMMU_PREP(PTE_TYPE, level == 3 ? 1 : 0);
}

static uint64_t make_table(const struct smmu_pt_node *child)
{
	return SMMU_PREP(PTE_VALID, 1) | SMMU_PREP(PTE_TYPE, 1) | SMMU_PREP_ADDR(PTE_OA, child->hw.bus);
}

static void gather_add(struct pt_gather *g, uint64_t start, uint64_t size)
{
	if (!g->any || start < g->start)
		g->start = start;
	if (!g->any || start + size > g->end)
		g->end = start + size;
	g->any = true;
}

/* A table leaves the tree: its whole span needs a walk-cache invalidation before the page is reused. */
static void gather_table(struct pt_gather *g, struct smmu_pt_node *child, uint64_t start, uint64_t size)
{
	gather_add(g, start, size);
	g->tables_freed = true;
	child->free_next = g->freelist;
	g->freelist = child;
}

static void set_pte(volatile uint64_t *p, uint64_t v)
{
	smmu_write_once64(p, v);
}

static int map_one(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_pt_node *n, unsigned level,
		   uint64_t iova, uint64_t pa, unsigned target, uint64_t attrs, struct pt_gather *g)
{
	unsigned shift = lvl_shift(d, level);
	uint32_t idx = (uint32_t)(iova >> shift) & (n->entries - 1u);
	uint64_t pte = hw(n)[idx];
	struct smmu_pt_node *child;
	int ret;

	if (level == target) {
		if (SMMU_GET(pte, PTE_VALID))
			return -SMMU_EEXIST;
		set_pte(&hw(n)[idx], make_leaf(level, pa, attrs));
		n->nvalid++;
		return 0;
	}
	if (!SMMU_GET(pte, PTE_VALID)) {
		ret = node_alloc(smmu, d, level + 1, &child);
		if (ret)
			return ret;
		ret = pt_child_add(smmu, d, child);
		if (ret) {
			node_free(smmu, child);
			return ret;
		}
		smmu_wmb(smmu); /* the zeroed table before the descriptor that points to it */
		set_pte(&hw(n)[idx], make_table(child));
		n->nvalid++;
	} else if (!pte_is_table(level, pte)) {
		return -SMMU_EEXIST;
	} else {
		child = pt_child(d, level, pte);
	}
	ret = map_one(smmu, d, child, level + 1, iova, pa, target, attrs, g);
	if (ret && child->nvalid == 0) {
		/* do not leave an empty table behind a failed map */
		set_pte(&hw(n)[idx], 0);
		pt_child_del(smmu, d, child);
		n->nvalid--;
		gather_table(g, child, iova & ~((1ULL << shift) - 1u), 1ULL << shift);
	}
	return ret;
}

/* NH_VA in the range form (IDR3.RIL): NUM/SCALE chunks of the page count, as Linux does. */
static size_t tlbi_range_cmds(const struct iommu_domain *d, uint64_t start, uint64_t pages, bool leaf,
			      unsigned ttl, struct smmu_cmd *cmds, size_t max)
{
	unsigned tg = d->granule_shift;
	size_t n = 0;

	while (pages && n < max) {
		unsigned scale = smmu_ffs64(pages);
		uint64_t num = (pages >> scale) & SMMU_FIELD_MAX(CMD0_TLBI_NUM); /* odd, so never 0 */
		struct smmu_cmd c = smmu_cmd_tlbi_nh_va(d->asid, start, leaf);

		if (num == 1 && scale == 0 && !ttl) {
			/* NUM = SCALE = 0 with TTL = 0 is reserved: a single page is a plain NH_VA */
			cmds[n++] = c;
		} else {
			c.dw[0] |= SMMU_PREP(CMD0_TLBI_NUM, num - 1u) | SMMU_PREP(CMD0_TLBI_SCALE, scale);
			c.dw[1] |= SMMU_PREP(CMD1_TLBI_TG, CMD_TLBI_TG_OF(tg)) | SMMU_PREP(CMD1_TLBI_TTL, ttl);
			cmds[n++] = c;
		}
		start += (num << scale) << tg;
		pages -= num << scale;
	}
	return n;
}

/*
 * Invalidate the leaf a level-`level` walk may have cached for the block at va, and wait. With
 * RIL: one range command over the block's pages with TTL = level; without: one NH_VA at va (an
 * invalidation by any address in a block removes the block).
 */
static int tlbi_block(struct smmu_device *smmu, struct iommu_domain *d, uint64_t va, unsigned level)
{
	struct smmu_cmd cmds[2];
	size_t n = 1;

	if (!smmu->enabled)
		return 0;
	if (smmu->feat.ril)
		n = tlbi_range_cmds(d, va, 1ULL << (lvl_shift(d, level) - d->granule_shift), true, level, cmds, 2);
	else
		cmds[0] = smmu_cmd_tlbi_nh_va(d->asid, va, true);
	return smmu_cmdq_issue_sync(smmu, cmds, n);
}

/*
 * Replace the valid block at n[idx] (translating va) by a table of next-level entries with the
 * same translation, as IDR3.BBML allows (IHI 0070 §3.21.1.1-3):
 *   BBML=0: block -> invalid, TLBI of the block + SYNC, then the table (the block's range
 *           faults meanwhile: break-before-make is the only sequence level 0 allows);
 *   BBML=1: block -> same block with nT=1, TLBI of the block + SYNC, then the table;
 *   BBML=2: the table replaces the block in one store.
 * With BBML=1/2 the old block may stay cached: its level goes into the gather, whose
 * invalidation of the unmapped range (inside the block) removes it. On failure the block is
 * left as it was.
 */
static int split_block(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_pt_node *n, unsigned level,
		       uint32_t idx, uint64_t va, struct pt_gather *g)
{
	uint64_t pte = hw(n)[idx];
	uint64_t attrs = pte & ~(SMMU_MASK(PTE_OA) | SMMU_MASK(PTE_TYPE));
	uint64_t base = pte_oa(pte, lvl_shift(d, level)), sub = 1ULL << lvl_shift(d, level + 1);
	uint64_t block_va = va & ~((1ULL << lvl_shift(d, level)) - 1u);
	struct smmu_pt_node *child;
	int ret = node_alloc(smmu, d, level + 1, &child);

	if (ret)
		return ret;
	ret = pt_child_add(smmu, d, child);
	if (ret) {
		node_free(smmu, child);
		return ret;
	}
	for (uint32_t i = 0; i < child->entries; i++)
		hw(child)[i] = make_leaf(level + 1, base + i * sub, attrs);
	child->nvalid = child->entries;
	if (smmu->feat.bbml < 2) {
		set_pte(&hw(n)[idx], smmu->feat.bbml == 0 ? 0 : pte | SMMU_PREP(PTE_NT, 1));
		ret = tlbi_block(smmu, d, block_va, level); /* its wmb orders the store before the TLBI */
		if (ret) {
			/* the SYNC did not complete: the block is still the only valid state to leave */
			set_pte(&hw(n)[idx], pte);
			pt_child_del(smmu, d, child);
			node_free(smmu, child);
			return ret;
		}
	}
	if (smmu->feat.bbml != 0)
		g->cached_levels |= 1u << level; /* the (nT) block may be cached until the unmap's TLBI */
	smmu_wmb(smmu); /* the new leaves before the descriptor that exposes them */
	set_pte(&hw(n)[idx], make_table(child));
	return 0;
}

static int unmap_level(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_pt_node *n, unsigned level,
		       uint64_t iova, uint64_t end, struct pt_gather *g, uint64_t *unmapped)
{
	unsigned shift = lvl_shift(d, level);
	uint64_t esize = 1ULL << shift;
	uint64_t addr = iova;
	int ret;

	while (addr < end) {
		uint32_t idx = (uint32_t)(addr >> shift) & (n->entries - 1u);
		uint64_t eb = addr & ~(esize - 1u), ee = eb + esize;
		uint64_t cend = end < ee ? end : ee;
		uint64_t pte = hw(n)[idx];

		if (!SMMU_GET(pte, PTE_VALID)) {
			addr = cend;
			continue;
		}
		if (!pte_is_table(level, pte)) {
			if (addr == eb && cend == ee) {
				set_pte(&hw(n)[idx], 0);
				n->nvalid--;
				gather_add(g, eb, esize);
				g->cached_levels |= 1u << level;
				*unmapped += esize;
				addr = cend;
				continue;
			}
			ret = split_block(smmu, d, n, level, idx, addr, g);
			if (ret)
				return ret;
		}
		{
			struct smmu_pt_node *child = pt_child(d, level, hw(n)[idx]);

			ret = unmap_level(smmu, d, child, level + 1, addr, cend, g, unmapped);
			if (child->nvalid == 0) {
				set_pte(&hw(n)[idx], 0);
				pt_child_del(smmu, d, child);
				n->nvalid--;
				gather_table(g, child, eb, esize);
			}
			if (ret)
				return ret;
		}
		addr = cend;
	}
	return 0;
}

int smmu_tlbi_range(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t size, bool leaf,
		    int leaf_level)
{
	/* TTL (range form only): every entry to remove came from a walk at this level (1..3) */
	unsigned ttl = leaf && leaf_level >= 1 && leaf_level <= 3 ? (unsigned)leaf_level : 0u;
	struct smmu_cmd cmds[SMMU_TLBI_MAX_PAGES];
	uint64_t pages = size >> d->granule_shift;
	size_t n = 0;

	if (!smmu->enabled)
		return 0;
	if (smmu->feat.ril && pages < (1ULL << CMD_TLBI_RANGE_SCALE_LIMIT)) {
		n = tlbi_range_cmds(d, iova, pages, leaf, ttl, cmds, SMMU_TLBI_MAX_PAGES);
	} else if (pages <= SMMU_TLBI_MAX_PAGES) {
		for (uint64_t i = 0; i < pages; i++)
			cmds[n++] = smmu_cmd_tlbi_nh_va(d->asid, iova + (i << d->granule_shift), leaf);
	} else {
		cmds[n++] = smmu_cmd_tlbi_nh_asid(d->asid);
	}
	return smmu_cmdq_issue_sync(smmu, cmds, n);
}

static int gather_flush(struct smmu_device *smmu, struct iommu_domain *d, struct pt_gather *g)
{
	int ret = 0;

	if (g->any) {
		/* a TTL hint only when every entry that may be cached is from one level */
		unsigned lv = g->cached_levels;
		int level = lv && !(lv & (lv - 1u)) ? (int)smmu_ffs64(lv) : -1;

		ret = smmu_tlbi_range(smmu, d, g->start, g->end - g->start, !g->tables_freed, level);
	}
	/* only after the SYNC can no walk reach the old tables */
	while (g->freelist) {
		struct smmu_pt_node *n = g->freelist;
		g->freelist = n->free_next;
		node_free(smmu, n);
	}
	g->any = false;
	g->tables_freed = false;
	g->cached_levels = 0;
	return ret;
}

int smmu_pgtable_map(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size,
		     int prot)
{
	struct pt_gather g = {false, false, 0, 0, NULL, 0};
	uint64_t attrs = prot_to_attrs(prot), mapped = 0;
	int ret = 0;

	while (mapped < size) {
		uint64_t va = iova + mapped, oa = pa + mapped, rem = size - mapped;
		unsigned level;

		for (level = d->start_level; level < 3; level++) {
			uint64_t bs = 1ULL << lvl_shift(d, level);
			if (block_ok(d, level) && bs <= rem && !((va | oa) & (bs - 1u)))
				break;
		}
		ret = map_one(smmu, d, d->root, d->start_level, va, oa, level, attrs, &g);
		if (ret)
			break;
		mapped += 1ULL << lvl_shift(d, level);
	}
	if (ret) {
		uint64_t undone = 0;
		/* as Linux's iommu_map: undo the part that was mapped */
		if (mapped)
			unmap_level(smmu, d, d->root, d->start_level, iova, iova + mapped, &g, &undone);
		gather_flush(smmu, d, &g);
		return ret;
	}
	smmu_wmb(smmu); /* descriptors visible before any DMA the caller starts */
	return 0;
}

uint64_t smmu_pgtable_unmap(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct pt_gather g = {false, false, 0, 0, NULL, 0};
	uint64_t unmapped = 0;
	int ret = unmap_level(smmu, d, d->root, d->start_level, iova, iova + size, &g, &unmapped);

	if (ret)
		smmu_log(smmu, SMMU_LOG_ERR, "unmap 0x%llx+0x%llx: block split failed (%d)", (unsigned long long)iova,
			 (unsigned long long)size, ret);
	gather_flush(smmu, d, &g);
	return unmapped;
}

uint64_t smmu_pgtable_iova_to_phys(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova)
{
	struct smmu_pt_node *n = d->root;

	(void)smmu;
	if (!n || (d->ias < 64 && (iova >> d->ias)))
		return 0;
	for (unsigned level = d->start_level; level <= 3; level++) {
		unsigned shift = lvl_shift(d, level);
		uint32_t idx = (uint32_t)(iova >> shift) & (n->entries - 1u);
		uint64_t pte = hw(n)[idx];

		if (!SMMU_GET(pte, PTE_VALID))
			return 0;
		if (!pte_is_table(level, pte))
			return pte_oa(pte, shift) | (iova & ((1ULL << shift) - 1u));
		n = pt_child(d, level, pte);
	}
	return 0;
}
