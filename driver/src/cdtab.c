/* SPDX-License-Identifier: MIT */
/*
 * Context-descriptor tables, owned by a master (as Linux since v6.7). Linear (S1Fmt=0) up to
 * 1024 CDs or without CD2L, otherwise 2-level with 64 KB leaves (S1Fmt=2) allocated on first use.
 * This issue uses ssid_bits = 0 (one CD, S1CDMax = 0); the same code serves many SSIDs.
 */
#include "internal.h"

#define CD_LINEAR_MAX_BITS 10u /* Linux's CTXDESC_LINEAR_CDMAX */

static size_t leaf_bytes(void)
{
	return (size_t)CD_SIZE << CD_SPLIT_64K;
}

int smmu_cdtab_alloc(struct smmu_device *smmu, struct smmu_cdtab *cdtab, uint8_t ssid_bits)
{
	int ret;

	smmu_memset(cdtab, 0, sizeof(*cdtab));
	if (ssid_bits > smmu->feat.ssid_bits)
		return -SMMU_EINVAL;
	if (!smmu->feat.cd2l && ssid_bits > CD_LINEAR_MAX_BITS)
		ssid_bits = CD_LINEAR_MAX_BITS;
	cdtab->s1cdmax = ssid_bits;
	if (ssid_bits <= CD_LINEAR_MAX_BITS) {
		size_t bytes = (size_t)CD_SIZE << ssid_bits;

		cdtab->s1fmt = STE_S1FMT_LINEAR;
		ret = smmu_alloc(smmu, bytes, bytes, &cdtab->l1);
		if (ret)
			return ret;
	} else {
		size_t bytes;

		cdtab->s1fmt = STE_S1FMT_64K_L2;
		cdtab->num_l1 = 1u << (ssid_bits - CD_SPLIT_64K);
		bytes = (size_t)cdtab->num_l1 * L1CD_SIZE;
		ret = smmu_alloc(smmu, bytes, bytes < 64 ? 64 : bytes, &cdtab->l1);
		if (ret)
			return ret;
		ret = smmu_alloc(smmu, (size_t)cdtab->num_l1 * sizeof(void *), sizeof(void *), &cdtab->l2_ptrs);
		if (ret) {
			smmu_free(smmu, &cdtab->l1);
			return ret;
		}
	}
	cdtab->valid = true;
	return 0;
}

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
			struct smmu_dma_buf b = {leaves[i], SMMU_GET(l1[i], L1CD_L2PTR) << 12, leaf_bytes()};
			smmu_free(smmu, &b);
		}
		smmu_free(smmu, &cdtab->l2_ptrs);
	}
	smmu_free(smmu, &cdtab->l1);
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

/* The CD slot for ssid, allocating (and publishing) its leaf when needed. */
static int cd_ptr(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid, uint64_t **out)
{
	struct smmu_cdtab *t = &master->cdtab;
	void **leaves;
	uint32_t idx;
	struct smmu_dma_buf leaf;
	int ret;

	if (!t->valid)
		return -SMMU_EINVAL;
	if ((uint64_t)ssid >= (1ULL << t->s1cdmax))
		return -SMMU_E2BIG;
	if (t->s1fmt == STE_S1FMT_LINEAR) {
		*out = (uint64_t *)t->l1.cpu + (size_t)ssid * CD_DWORDS;
		return 0;
	}
	idx = ssid >> CD_SPLIT_64K;
	leaves = t->l2_ptrs.cpu;
	if (!leaves[idx]) {
		ret = smmu_alloc(smmu, leaf_bytes(), leaf_bytes(), &leaf);
		if (ret)
			return ret;
		leaves[idx] = leaf.cpu;
		smmu_wmb(smmu);
		smmu_write_once64((volatile uint64_t *)t->l1.cpu + idx,
				  SMMU_PREP(L1CD_V, 1) | SMMU_PREP(L1CD_L2PTR, leaf.bus >> 12));
		/* an invalid L1CD may be cached */
		ret = cd_invalidate(smmu, master, ssid, false);
		if (ret)
			return ret;
	}
	*out = (uint64_t *)leaves[idx] + (size_t)(ssid & ((1u << CD_SPLIT_64K) - 1u)) * CD_DWORDS;
	return 0;
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
	uint64_t *cd;
	int ret = cd_ptr(smmu, master, ssid, &cd);

	if (ret)
		return ret;
	if (smmu_entry_write(&ops, &ctx, cd, target))
		smmu->stats.entry_breaking++;
	return ctx.ret;
}

void smmu_cd_make_s1(const struct smmu_features *f, const struct iommu_domain *d, uint64_t *cd)
{
	unsigned tg0 = d->granule_shift == 16 ? CD_TG0_64K : d->granule_shift == 14 ? CD_TG0_16K : CD_TG0_4K;
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
	cd[1] = SMMU_PREP(CD1_TTB0, smmu_pgtable_ttb(d) >> 4);
	cd[3] = SMMU_MAIR_LINUX;
}
