/* SPDX-License-Identifier: MIT */
/*
 * The STE/CD update algorithm (architecture 8.3, "used bits"), STE builders, and the stream table
 * (linear or 2-level with lazily allocated level-2 tables).
 */
#include "internal.h"

#define ENTRY_MAX_DWORDS 8u

/* Write dwords [start, start+len) of target that differ; sync once if anything changed. */
static bool entry_set(const struct smmu_entry_ops *ops, void *arg, uint64_t *entry, const uint64_t *target,
		      unsigned start, unsigned len)
{
	bool changed = false;

	for (unsigned i = start; i < start + len; i++) {
		if (entry[i] != target[i]) {
			smmu_write_once64((volatile uint64_t *)&entry[i], target[i]);
			changed = true;
		}
	}
	if (changed)
		ops->sync(arg);
	return changed;
}

bool smmu_entry_write(const struct smmu_entry_ops *ops, void *arg, uint64_t *entry, const uint64_t *target)
{
	uint64_t cur_used[ENTRY_MAX_DWORDS], target_used[ENTRY_MAX_DWORDS], unused_update[ENTRY_MAX_DWORDS];
	unsigned n = ops->num_dwords, ndiff = 0, critical = 0;

	ops->get_used(entry, cur_used);
	ops->get_used(target, target_used);
	for (unsigned i = 0; i < n; i++) {
		/* bits the current configuration ignores may take their target value right away */
		unused_update[i] = (entry[i] & cur_used[i]) | (target[i] & ~cur_used[i]);
		/* a word whose target-used bits still differ needs a live change */
		if ((unused_update[i] & target_used[i]) != target[i]) {
			ndiff++;
			critical = i;
		}
	}
	if (ndiff == 1) {
		/* hitless: prepare the unused bits, flip the one critical word, then tidy up */
		unused_update[critical] = entry[critical];
		entry_set(ops, arg, entry, unused_update, 0, n);
		entry_set(ops, arg, entry, target, critical, 1);
		entry_set(ops, arg, entry, target, 0, n);
		return false;
	}
	if (ndiff > 1) {
		/* no intermediate state is safe: go through V=0 (word 0 all zero) */
		unused_update[0] = 0;
		entry_set(ops, arg, entry, unused_update, 0, 1);
		entry_set(ops, arg, entry, target, 1, n - 1);
		entry_set(ops, arg, entry, target, 0, 1);
		return true;
	}
	/* no used bit changes; only unused bits may differ */
	entry_set(ops, arg, entry, target, 0, n);
	return false;
}

void smmu_ste_get_used(const uint64_t *ste, uint64_t *used)
{
	unsigned cfg;

	for (unsigned i = 0; i < STE_DWORDS; i++)
		used[i] = 0;
	used[0] = SMMU_MASK(STE0_V);
	if (!SMMU_GET(ste[0], STE0_V))
		return;
	used[0] |= SMMU_MASK(STE0_CONFIG);
	cfg = (unsigned)SMMU_GET(ste[0], STE0_CONFIG);
	if (cfg == STE_CONFIG_BYPASS)
		used[1] |= SMMU_MASK(STE1_SHCFG);
	if (cfg == STE_CONFIG_S1_TRANS || cfg == STE_CONFIG_NESTED) {
		used[0] |= SMMU_MASK(STE0_S1FMT) | SMMU_MASK(STE0_S1CONTEXTPTR) | SMMU_MASK(STE0_S1CDMAX);
		used[1] |= SMMU_MASK(STE1_S1DSS) | SMMU_MASK(STE1_S1CIR) | SMMU_MASK(STE1_S1COR) | SMMU_MASK(STE1_S1CSH) |
			   SMMU_MASK(STE1_S1STALLD) | SMMU_MASK(STE1_STRW) | SMMU_MASK(STE1_EATS) | SMMU_MASK(STE1_MEV);
		used[2] |= SMMU_MASK(STE2_S2VMID);
		if (SMMU_GET(ste[1], STE1_S1DSS) == STE_S1DSS_BYPASS)
			used[1] |= SMMU_MASK(STE1_SHCFG);
	}
	if (cfg == STE_CONFIG_S2_TRANS || cfg == STE_CONFIG_NESTED) {
		used[1] |= SMMU_MASK(STE1_EATS) | SMMU_MASK(STE1_SHCFG) | SMMU_MASK(STE1_MEV) | SMMU_MASK(STE1_S2FWB);
		used[2] |= SMMU_MASK(STE2_S2VMID) | SMMU_MASK(STE2_S2T0SZ) | SMMU_MASK(STE2_S2SL0) | SMMU_MASK(STE2_S2IR0) |
			   SMMU_MASK(STE2_S2OR0) | SMMU_MASK(STE2_S2SH0) | SMMU_MASK(STE2_S2TG) | SMMU_MASK(STE2_S2PS) |
			   SMMU_MASK(STE2_S2AA64) | SMMU_MASK(STE2_S2ENDI) | SMMU_MASK(STE2_S2PTW) | SMMU_MASK(STE2_S2S) |
			   SMMU_MASK(STE2_S2R);
		used[3] |= SMMU_MASK(STE3_S2TTB);
	}
}

void smmu_cd_get_used(const uint64_t *cd, uint64_t *used)
{
	for (unsigned i = 0; i < CD_DWORDS; i++)
		used[i] = 0;
	used[0] = SMMU_MASK(CD0_V);
	if (!SMMU_GET(cd[0], CD0_V))
		return;
	for (unsigned i = 0; i < CD_DWORDS; i++)
		used[i] = ~0ULL;
	/* with EPD0 the SMMU never walks TTB0, so its walk parameters are free to change */
	if (SMMU_GET(cd[0], CD0_EPD0)) {
		used[0] &= ~(SMMU_MASK(CD0_T0SZ) | SMMU_MASK(CD0_TG0) | SMMU_MASK(CD0_IR0) | SMMU_MASK(CD0_OR0) |
			     SMMU_MASK(CD0_SH0));
		used[1] &= ~SMMU_MASK(CD1_TTB0);
	}
}

void smmu_ste_make_abort(const struct smmu_features *f, uint64_t *ste)
{
	(void)f;
	for (unsigned i = 0; i < STE_DWORDS; i++)
		ste[i] = 0;
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_ABORT);
}

void smmu_ste_make_bypass(const struct smmu_features *f, uint64_t *ste)
{
	for (unsigned i = 0; i < STE_DWORDS; i++)
		ste[i] = 0;
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_BYPASS);
	/* SHCFG is RES0 unless the overrides exist */
	if (f->attr_types_ovr)
		ste[1] = SMMU_PREP(STE1_SHCFG, STE_SHCFG_INCOMING);
}

void smmu_ste_make_cdtable(const struct smmu_features *f, uint64_t cdtab_bus, uint8_t s1fmt, uint8_t s1cdmax,
			   uint8_t s1dss, uint64_t *ste)
{
	for (unsigned i = 0; i < STE_DWORDS; i++)
		ste[i] = 0;
	ste[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1_TRANS) | SMMU_PREP(STE0_S1FMT, s1fmt) |
		 SMMU_PREP_ADDR(STE0_S1CONTEXTPTR, cdtab_bus) | SMMU_PREP(STE0_S1CDMAX, s1cdmax);
	ste[1] = SMMU_PREP(STE1_S1DSS, s1dss) | SMMU_PREP(STE1_S1CIR, SMMU_WALK_WBWA) |
		 SMMU_PREP(STE1_S1COR, SMMU_WALK_WBWA) | SMMU_PREP(STE1_S1CSH, SMMU_SH_ISH) |
		 SMMU_PREP(STE1_STRW, STE_STRW_NSEL1);
	/* the SMMU can stall but our masters cannot; S1STALLD is ILLEGAL unless STALL_MODEL allows both */
	if (f->stall_model == IDR0_STALL_MODEL_BOTH)
		ste[1] |= SMMU_PREP(STE1_S1STALLD, 1);
	if (s1dss == STE_S1DSS_BYPASS && f->attr_types_ovr)
		ste[1] |= SMMU_PREP(STE1_SHCFG, STE_SHCFG_INCOMING);
}

/* ---- Stream table ------------------------------------------------------------------------ */

static void ste_init_abort(struct smmu_device *smmu, uint64_t *stes, size_t n)
{
	uint64_t abort[STE_DWORDS];

	smmu_ste_make_abort(&smmu->feat, abort);
	for (size_t i = 0; i < n; i++)
		smmu_memcpy(&stes[i * STE_DWORDS], abort, sizeof(abort));
}

int smmu_strtab_alloc(struct smmu_device *smmu)
{
	const struct smmu_features *f = &smmu->feat;
	bool two = f->st_2lvl && !smmu->opts.force_linear_strtab && (f->sid_bits > 8 || smmu->opts.force_2lvl_strtab);
	int ret;

	if (two) {
		uint32_t split = smmu->opts.strtab_split ? smmu->opts.strtab_split : 8;
		uint32_t log2 = f->sid_bits;
		size_t l1_bytes;

		if (split != 6 && split != 8 && split != 10)
			return -SMMU_EINVAL;
		/* bound the L1 table as Linux does (2^17 descriptors, 1 MB) */
		if (log2 > split + 17)
			log2 = split + 17;
		smmu->strtab_split = split;
		smmu->strtab_log2size = log2;
		smmu->num_l1 = log2 > split ? 1u << (log2 - split) : 1u;
		l1_bytes = (size_t)smmu->num_l1 * L1STD_SIZE;
		ret = smmu_alloc_kind(smmu, SMMU_MEM_STRTAB, l1_bytes, l1_bytes < 64 ? 64 : l1_bytes, &smmu->strtab);
		if (ret)
			return ret;
		smmu_memset(smmu->strtab.cpu, 0, l1_bytes); /* every L1STD invalid (Span 0) */
		ret = smmu_alloc(smmu, (size_t)smmu->num_l1 * sizeof(void *), sizeof(void *), &smmu->l2_ptrs);
		if (ret) {
			smmu_free_kind(smmu, SMMU_MEM_STRTAB, &smmu->strtab);
			return ret;
		}
		smmu->strtab_2lvl = true;
		return 0;
	}
	{
		uint32_t log2 = f->sid_bits;
		size_t bytes = (size_t)STE_SIZE << log2;

		ret = smmu_alloc_kind(smmu, SMMU_MEM_STRTAB, bytes, bytes, &smmu->strtab);
		if (ret)
			return ret;
		smmu->strtab_2lvl = false;
		smmu->strtab_log2size = log2;
		ste_init_abort(smmu, smmu->strtab.cpu, (size_t)1 << log2);
	}
	return 0;
}

static size_t l2_bytes(const struct smmu_device *smmu)
{
	return (size_t)STE_SIZE << smmu->strtab_split;
}

void smmu_strtab_free(struct smmu_device *smmu)
{
	if (smmu->strtab_2lvl && smmu->l2_ptrs.cpu) {
		void **l2 = smmu->l2_ptrs.cpu;
		uint64_t *l1 = smmu->strtab.cpu;

		for (uint32_t i = 0; i < smmu->num_l1; i++) {
			if (!l2[i])
				continue;
			struct smmu_dma_buf b = {l2[i], SMMU_ADDR(l1[i], L1STD_L2PTR), l2_bytes(smmu)};
			smmu_free_kind(smmu, SMMU_MEM_STRTAB, &b);
			l2[i] = NULL;
		}
		smmu_free(smmu, &smmu->l2_ptrs);
	}
	smmu_free_kind(smmu, SMMU_MEM_STRTAB, &smmu->strtab);
}

uint64_t smmu_strtab_base_value(const struct smmu_device *smmu)
{
	return SMMU_PREP(STRTAB_BASE_RA, 1) | SMMU_PREP_ADDR(STRTAB_BASE_ADDR, smmu->strtab.bus);
}

uint32_t smmu_strtab_cfg_value(const struct smmu_device *smmu)
{
	uint64_t v = SMMU_PREP(STRTAB_BASE_CFG_LOG2SIZE, smmu->strtab_log2size);

	if (smmu->strtab_2lvl)
		v |= SMMU_PREP(STRTAB_BASE_CFG_FMT, STRTAB_FMT_2LVL) | SMMU_PREP(STRTAB_BASE_CFG_SPLIT, smmu->strtab_split);
	else
		v |= SMMU_PREP(STRTAB_BASE_CFG_FMT, STRTAB_FMT_LINEAR);
	return (uint32_t)v;
}

uint64_t smmu_strtab_num_sids(const struct smmu_device *smmu)
{
	return 1ULL << smmu->strtab_log2size;
}

bool smmu_strtab_is_2lvl(const struct smmu_device *smmu)
{
	return smmu->strtab_2lvl;
}

static bool sid_in_range(const struct smmu_device *smmu, uint32_t sid)
{
	return (uint64_t)sid < smmu_strtab_num_sids(smmu);
}

int smmu_strtab_prepare(struct smmu_device *smmu, uint32_t sid)
{
	struct smmu_dma_buf l2;
	void **ptrs;
	uint32_t l1idx;
	uint64_t l1std;
	int ret;

	if (!sid_in_range(smmu, sid))
		return -SMMU_ERANGE;
	if (!smmu->strtab_2lvl)
		return 0;
	l1idx = sid >> smmu->strtab_split;
	ptrs = smmu->l2_ptrs.cpu;
	if (ptrs[l1idx])
		return 0;
	ret = smmu_alloc_kind(smmu, SMMU_MEM_STRTAB, l2_bytes(smmu), l2_bytes(smmu), &l2);
	if (ret)
		return ret;
	ste_init_abort(smmu, l2.cpu, (size_t)1 << smmu->strtab_split);
	ptrs[l1idx] = l2.cpu;
	l1std = SMMU_PREP(L1STD_SPAN, smmu->strtab_split + 1) | SMMU_PREP_ADDR(L1STD_L2PTR, l2.bus);
	smmu_wmb(smmu); /* the level-2 STEs before the descriptor that exposes them */
	smmu_write_once64((volatile uint64_t *)smmu->strtab.cpu + l1idx, l1std);
	if (smmu->enabled) {
		/* an invalid L1STD may have been cached: Leaf=0 invalidates it */
		struct smmu_cmd c = smmu_cmd_cfgi_ste(sid, false);
		ret = smmu_cmdq_issue_sync(smmu, &c, 1);
		if (ret == -SMMU_ETIMEDOUT)
			return ret;
	}
	return 0;
}

const uint64_t *smmu_ste_ptr(struct smmu_device *smmu, uint32_t sid)
{
	if (!sid_in_range(smmu, sid))
		return NULL;
	if (!smmu->strtab_2lvl)
		return (const uint64_t *)smmu->strtab.cpu + (size_t)sid * STE_DWORDS;
	{
		void **ptrs = smmu->l2_ptrs.cpu;
		uint64_t *l2 = ptrs[sid >> smmu->strtab_split];
		if (!l2)
			return NULL;
		return l2 + (size_t)(sid & ((1u << smmu->strtab_split) - 1u)) * STE_DWORDS;
	}
}

struct ste_sync_ctx {
	struct smmu_device *smmu;
	uint32_t sid;
	int ret;
};

static void ste_sync(void *arg)
{
	struct ste_sync_ctx *c = arg;
	struct smmu_device *smmu = c->smmu;

	smmu->stats.entry_syncs++;
	smmu_wmb(smmu);
	if (smmu->enabled) {
		struct smmu_cmd cmd = smmu_cmd_cfgi_ste(c->sid, true);
		int ret = smmu_cmdq_issue_sync(smmu, &cmd, 1);
		if (ret && !c->ret)
			c->ret = ret;
	}
}

int smmu_ste_write(struct smmu_device *smmu, uint32_t sid, const uint64_t *target)
{
	static const struct smmu_entry_ops ops = {STE_DWORDS, smmu_ste_get_used, ste_sync};
	struct ste_sync_ctx ctx = {smmu, sid, 0};
	uint64_t *ste;
	int ret = smmu_strtab_prepare(smmu, sid);

	if (ret)
		return ret;
	ste = (uint64_t *)smmu_ste_ptr(smmu, sid);
	if (smmu_entry_write(&ops, &ctx, ste, target))
		smmu->stats.entry_breaking++;
	return ctx.ret;
}
