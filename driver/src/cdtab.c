/* SPDX-License-Identifier: MIT */
/*
 * Context-descriptor tables, owned by a master (as Linux since v6.7): linear (S1Fmt 0), or
 * 2-level with 4 KB (S1Fmt 1, split 6) or 64 KB (S1Fmt 2, split 10) leaves allocated on first use.
 * smmu_options.cd_layout picks the layout; AUTO is Linux's rule (docs/pasid.md).
 */
#include "internal.h"

#define CD_LINEAR_MAX_BITS 10u /* Linux's CTXDESC_LINEAR_CDMAX: 64 KB of CDs */

static size_t leaf_bytes(const struct smmu_cdtab *t)
{
	return (size_t)CD_SIZE << t->split;
}

int smmu_cdtab_alloc(struct smmu_device *smmu, struct smmu_cdtab *cdtab, uint8_t ssid_bits)
{
	enum smmu_cd_layout layout = smmu->opts.cd_layout;
	int ret;

	smmu_memset(cdtab, 0, sizeof(*cdtab));
	if (ssid_bits > smmu->feat.ssid_bits)
		return -SMMU_EINVAL;
	if (!smmu->feat.cd2l && ssid_bits > CD_LINEAR_MAX_BITS)
		ssid_bits = CD_LINEAR_MAX_BITS;
	if (layout == SMMU_CD_LAYOUT_AUTO)
		layout = (!smmu->feat.cd2l || ssid_bits <= CD_LINEAR_MAX_BITS) ? SMMU_CD_LAYOUT_LINEAR
										  : SMMU_CD_LAYOUT_2L_64K;
	/* with S1CDMax = 0 the SMMU ignores S1Fmt and reads one CD */
	if (ssid_bits == 0)
		layout = SMMU_CD_LAYOUT_LINEAR;
	cdtab->s1cdmax = ssid_bits;
	if (layout == SMMU_CD_LAYOUT_LINEAR) {
		size_t bytes = (size_t)CD_SIZE << ssid_bits;

		cdtab->s1fmt = STE_S1FMT_LINEAR;
		/* a linear table is aligned to its size (S1ContextPtr[S1CDMax+5:6] RES0) */
		ret = smmu_alloc_kind(smmu, SMMU_MEM_CD_L1, bytes, bytes, &cdtab->l1);
		if (ret)
			return ret;
		smmu_memset(cdtab->l1.cpu, 0, bytes); /* every CD invalid */
	} else {
		size_t bytes;

		cdtab->s1fmt = layout == SMMU_CD_LAYOUT_2L_4K ? STE_S1FMT_4K_L2 : STE_S1FMT_64K_L2;
		cdtab->split = layout == SMMU_CD_LAYOUT_2L_4K ? CD_SPLIT_4K : CD_SPLIT_64K;
		cdtab->num_l1 = ssid_bits > cdtab->split ? 1u << (ssid_bits - cdtab->split) : 1u;
		bytes = (size_t)cdtab->num_l1 * L1CD_SIZE;
		ret = smmu_alloc_kind(smmu, SMMU_MEM_CD_L1, bytes, bytes < 64 ? 64 : bytes, &cdtab->l1);
		if (ret)
			return ret;
		smmu_memset(cdtab->l1.cpu, 0, bytes); /* every L1CD invalid */
		ret = smmu_alloc(smmu, (size_t)cdtab->num_l1 * sizeof(void *), sizeof(void *), &cdtab->l2_ptrs);
		if (ret) {
			smmu_free_kind(smmu, SMMU_MEM_CD_L1, &cdtab->l1);
			return ret;
		}
	}
	cdtab->valid = true;
	return 0;
}

/* Leaves are freed only with the whole table (as Linux): never while a STE may point at it. */
void smmu_cdtab_free(struct smmu_device *smmu, struct smmu_cdtab *cdtab)
{
	if (!cdtab->valid)
		return;
	if (cdtab->l2_ptrs.cpu) {
		void **leaves = cdtab->l2_ptrs.cpu;
		uint64_t *l1 = cdtab->l1.cpu;

		for (uint32_t i = 0; i < cdtab->num_l1; i++) {
			if (!leaves[i])
				continue;
			struct smmu_dma_buf b = {leaves[i], SMMU_ADDR(l1[i], L1CD_L2PTR), leaf_bytes(cdtab)};
			smmu_free_kind(smmu, SMMU_MEM_CD_LEAF, &b);
		}
		smmu_free(smmu, &cdtab->l2_ptrs);
	}
	smmu_free_kind(smmu, SMMU_MEM_CD_L1, &cdtab->l1);
	cdtab->valid = false;
}

/* Invalidate what the master's StreamIDs may have cached of the CD (or L1CD) for ssid, then SYNC. */
static int cd_invalidate(struct smmu_device *smmu, const struct smmu_master *master, uint32_t ssid, bool leaf)
{
	struct smmu_cmd cmds[SMMU_MAX_MASTER_SIDS];

	if (!smmu->enabled)
		return 0;
	for (uint32_t i = 0; i < master->num_sids; i++)
		cmds[i] = smmu_cmd_cfgi_cd(master->sids[i], ssid, leaf);
	return smmu_cmdq_issue_sync(smmu, cmds, master->num_sids);
}

/*
 * The CD slot for ssid. With alloc, a missing leaf is allocated and published: L1CD store, then
 * CFGI_CD(Leaf=0) + SYNC, since an invalid L1CD may be cached. Without alloc, *out is NULL when
 * the leaf does not exist (the CD is then already invalid).
 */
static int cd_ptr(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid, bool alloc, uint64_t **out)
{
	struct smmu_cdtab *t = &master->cdtab;
	void **leaves;
	uint32_t idx;
	struct smmu_dma_buf leaf;
	int ret;

	*out = NULL;
	if (!t->valid)
		return -SMMU_EINVAL;
	if ((uint64_t)ssid >= (1ULL << t->s1cdmax))
		return -SMMU_E2BIG;
	if (t->s1fmt == STE_S1FMT_LINEAR) {
		*out = (uint64_t *)t->l1.cpu + (size_t)ssid * CD_DWORDS;
		return 0;
	}
	idx = ssid >> t->split;
	leaves = t->l2_ptrs.cpu;
	if (!leaves[idx]) {
		if (!alloc)
			return 0;
		/* leaves are aligned to their size: L2Ptr[15:12] are RES0 for 64 KB leaves */
		ret = smmu_alloc_kind(smmu, SMMU_MEM_CD_LEAF, leaf_bytes(t), leaf_bytes(t), &leaf);
		if (ret)
			return ret;
		/* every CD of the leaf invalid before the L1CD exposes it (IHI 0070 §3.21: from then on the
		 * SMMU may fetch and cache any CD in it, for SubstreamIDs nobody attached too) */
		smmu_memset(leaf.cpu, 0, leaf_bytes(t));
		leaves[idx] = leaf.cpu;
		smmu_wmb(smmu);
		smmu_write_once64((volatile uint64_t *)t->l1.cpu + idx,
				  SMMU_PREP(L1CD_V, 1) | SMMU_PREP_ADDR(L1CD_L2PTR, leaf.bus));
		ret = cd_invalidate(smmu, master, ssid, false);
		if (ret)
			return ret;
	}
	*out = (uint64_t *)leaves[idx] + (size_t)(ssid & ((1u << t->split) - 1u)) * CD_DWORDS;
	return 0;
}

int smmu_cdtab_prepare(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid)
{
	uint64_t *cd;

	return cd_ptr(smmu, master, ssid, true, &cd);
}

struct cd_sync_ctx {
	struct smmu_device *smmu;
	const struct smmu_master *master;
	uint32_t ssid;
	int ret;
};

static void cd_sync(void *arg)
{
	struct cd_sync_ctx *c = arg;
	int ret;

	c->smmu->stats.entry_syncs++;
	smmu_wmb(c->smmu);
	ret = cd_invalidate(c->smmu, c->master, c->ssid, true);
	if (ret && !c->ret)
		c->ret = ret;
}

int smmu_cdtab_write_cd(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid, const uint64_t *target)
{
	static const struct smmu_entry_ops ops = {CD_DWORDS, smmu_cd_get_used, cd_sync};
	struct cd_sync_ctx ctx = {smmu, master, ssid, 0};
	bool clearing = !SMMU_GET(target[0], CD0_V);
	uint64_t *cd;
	/* clearing never allocates: a CD in a missing leaf is invalid already */
	int ret = cd_ptr(smmu, master, ssid, !clearing, &cd);

	if (ret || !cd)
		return ret;
	if (smmu_entry_write(&ops, &ctx, cd, target))
		smmu->stats.entry_breaking++;
	return ctx.ret;
}

void smmu_cd_make_s1(const struct smmu_features *f, const struct iommu_domain *d, uint64_t *cd)
{
	unsigned tg0 = d->granule_shift == SMMU_GRANULE_64K ? CD_TG0_64K : d->granule_shift == SMMU_GRANULE_16K ? CD_TG0_16K : CD_TG0_4K;
	unsigned ips = f->oas_enc > SMMU_OAS_48 ? SMMU_OAS_48 : f->oas_enc; /* our descriptors hold 48-bit OAs */
	unsigned walk = f->cohacc ? SMMU_WALK_WBWA : SMMU_WALK_NC;

	for (unsigned i = 0; i < CD_DWORDS; i++)
		cd[i] = 0;
	cd[0] = SMMU_PREP(CD0_T0SZ, 64u - d->ias) | SMMU_PREP(CD0_TG0, tg0) | SMMU_PREP(CD0_IR0, walk) |
		SMMU_PREP(CD0_OR0, walk) | SMMU_PREP(CD0_SH0, f->cohacc ? SMMU_SH_ISH : SMMU_SH_OSH) |
		SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_V, 1) | SMMU_PREP(CD0_IPS, ips) | SMMU_PREP(CD0_AA64, 1) |
		SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) | SMMU_PREP(CD0_ASET, 1) | SMMU_PREP(CD0_ASID, d->asid);
	if (f->stall_model == IDR0_STALL_MODEL_FORCED)
		cd[0] |= SMMU_PREP(CD0_S, 1);
	cd[1] = SMMU_PREP_ADDR(CD1_TTB0, smmu_pgtable_ttb(d));
	cd[3] = SMMU_MAIR_LINUX;
}
