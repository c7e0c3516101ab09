/* SPDX-License-Identifier: MIT */
/* Linux-style devices (masters), domains, attach/detach and map/unmap. */
#include "internal.h"

/* ---- ASIDs: a bitmap of 2^asid_bits, ASID 0 reserved ---------------------------------------- */

static int asid_alloc(struct smmu_device *smmu, uint16_t *out)
{
	uint8_t *map = smmu->asid_map.cpu;
	uint32_t n = 1u << smmu->feat.asid_bits;

	for (uint32_t a = 1; a < n; a++) {
		if (!(map[a >> 3] & (1u << (a & 7)))) {
			map[a >> 3] |= (uint8_t)(1u << (a & 7));
			*out = (uint16_t)a;
			return 0;
		}
	}
	return -SMMU_ENOSPC;
}

static void asid_free(struct smmu_device *smmu, uint16_t asid)
{
	uint8_t *map = smmu->asid_map.cpu;

	if (asid)
		map[asid >> 3] &= (uint8_t)~(1u << (asid & 7));
}

/* ---- Masters ------------------------------------------------------------------------------ */

static struct smmu_master *sid_owner(struct smmu_device *smmu, uint32_t sid)
{
	for (struct smmu_master *m = smmu->masters; m; m = m->next)
		for (uint32_t i = 0; i < m->num_sids; i++)
			if (m->sids[i] == sid)
				return m;
	return NULL;
}

static int master_write_stes(struct smmu_device *smmu, struct smmu_master *m, const uint64_t *ste)
{
	int ret = 0;

	for (uint32_t i = 0; i < m->num_sids; i++) {
		int r = smmu_ste_write(smmu, m->sids[i], ste);
		if (r && !ret)
			ret = r;
	}
	return ret;
}

int iommu_probe_device(struct smmu_device *smmu, const uint32_t *sids, size_t nsids, struct smmu_master **out)
{
	struct smmu_dma_buf self;
	struct smmu_master *m;
	int ret;

	if (!smmu || !sids || !out || nsids == 0 || nsids > SMMU_MAX_MASTER_SIDS)
		return -SMMU_EINVAL;
	*out = NULL;
	for (size_t i = 0; i < nsids; i++) {
		if ((uint64_t)sids[i] >= smmu_strtab_num_sids(smmu))
			return -SMMU_ERANGE;
		if (sid_owner(smmu, sids[i]))
			return -SMMU_EEXIST;
		for (size_t j = 0; j < i; j++)
			if (sids[j] == sids[i])
				return -SMMU_EINVAL;
	}
	ret = smmu_alloc(smmu, sizeof(*m), sizeof(void *), &self);
	if (ret)
		return ret;
	m = self.cpu;
	m->self = self;
	m->num_sids = (uint32_t)nsids;
	for (size_t i = 0; i < nsids; i++)
		m->sids[i] = sids[i];
	/*
	 * Level-2 stream tables are allocated here, so attach never allocates for the stream table.
	 * Tables allocated for an earlier SID stay if a later one fails: they are shared, hold only
	 * abort STEs and are freed with the stream table.
	 */
	for (size_t i = 0; i < nsids; i++) {
		ret = smmu_strtab_prepare(smmu, sids[i]);
		if (ret) {
			smmu_free(smmu, &m->self);
			return ret;
		}
	}
	{
		uint64_t abort[STE_DWORDS];
		smmu_ste_make_abort(&smmu->feat, abort);
		ret = master_write_stes(smmu, m, abort);
		if (ret) {
			smmu_free(smmu, &m->self);
			return ret;
		}
	}
	m->next = smmu->masters;
	smmu->masters = m;
	*out = m;
	return 0;
}

unsigned iommu_master_ssid_bits(const struct smmu_master *master)
{
	return master->ssid_bits;
}

void iommu_release_device(struct smmu_device *smmu, struct smmu_master *master)
{
	struct smmu_master **pp;

	if (!smmu || !master)
		return;
	if (master->domain)
		iommu_detach_device(smmu, master->domain, master);
	smmu_cdtab_free(smmu, &master->cdtab);
	for (pp = &smmu->masters; *pp; pp = &(*pp)->next) {
		if (*pp == master) {
			*pp = master->next;
			break;
		}
	}
	smmu_free(smmu, &master->self);
}

/* ---- Domains ------------------------------------------------------------------------------- */

int iommu_domain_alloc(struct smmu_device *smmu, unsigned type, struct iommu_domain **out)
{
	struct iommu_domain_params p = {type, 0, 0};
	return iommu_domain_alloc_params(smmu, &p, out);
}

int iommu_domain_alloc_params(struct smmu_device *smmu, const struct iommu_domain_params *p,
			      struct iommu_domain **out)
{
	const struct smmu_features *f;
	struct smmu_dma_buf self;
	struct iommu_domain *d;
	unsigned shift = 0;
	int ret;

	if (!smmu || !p || !out)
		return -SMMU_EINVAL;
	*out = NULL;
	f = &smmu->feat;
	if (p->type != IOMMU_DOMAIN_BLOCKED && p->type != IOMMU_DOMAIN_IDENTITY && p->type != IOMMU_DOMAIN_UNMANAGED &&
	    p->type != IOMMU_DOMAIN_DMA)
		return -SMMU_EINVAL;
	if (p->type & __IOMMU_DOMAIN_PAGING) {
		switch (p->granule) {
		case 0:
			shift = f->gran4k ? 12 : f->gran16k ? 14 : 16;
			break;
		case 4096:
			shift = 12;
			break;
		case 16384:
			shift = 14;
			break;
		case 65536:
			shift = 16;
			break;
		default:
			return -SMMU_EINVAL;
		}
		if ((shift == 12 && !f->gran4k) || (shift == 14 && !f->gran16k) || (shift == 16 && !f->gran64k))
			return -SMMU_EOPNOTSUPP;
		if (p->ias && (p->ias < 32 || p->ias > 48))
			return -SMMU_EINVAL;
	}
	ret = smmu_alloc(smmu, sizeof(*d), sizeof(void *), &self);
	if (ret)
		return ret;
	d = self.cpu;
	d->self = self;
	d->type = p->type;
	if (p->type & __IOMMU_DOMAIN_PAGING) {
		d->granule_shift = shift;
		d->ias = p->ias ? p->ias : 48;
		ret = asid_alloc(smmu, &d->asid);
		if (ret)
			goto fail;
		ret = smmu_pgtable_init(smmu, d);
		if (ret) {
			asid_free(smmu, d->asid);
			goto fail;
		}
	}
	d->link.next = smmu->domains;
	smmu->domains = d;
	*out = d;
	return 0;
fail:
	smmu_free(smmu, &d->self);
	return ret;
}

void iommu_domain_free(struct smmu_device *smmu, struct iommu_domain *d)
{
	struct iommu_domain **pp;

	if (!smmu || !d)
		return;
	while (d->masters)
		iommu_detach_device(smmu, d, d->masters);
	if (d->type & __IOMMU_DOMAIN_PAGING) {
		/* the ASID may be reused and the table pages too: nothing may stay in the TLB */
		iommu_flush_iotlb_all(smmu, d);
		smmu_pgtable_free(smmu, d);
		asid_free(smmu, d->asid);
	}
	for (pp = &smmu->domains; *pp; pp = &(*pp)->link.next) {
		if (*pp == d) {
			*pp = d->link.next;
			break;
		}
	}
	smmu_free(smmu, &d->self);
}

unsigned iommu_domain_type(const struct iommu_domain *d)
{
	return d->type;
}

uint16_t iommu_domain_asid(const struct iommu_domain *d)
{
	return d->asid;
}

uint64_t iommu_domain_pgsize_bitmap(const struct iommu_domain *d)
{
	return d->pgsize_bitmap;
}

uint64_t iommu_domain_ttb(const struct iommu_domain *d)
{
	return smmu_pgtable_ttb(d);
}

int iommu_flush_iotlb_all(struct smmu_device *smmu, struct iommu_domain *d)
{
	struct smmu_cmd c;

	if (!(d->type & __IOMMU_DOMAIN_PAGING) || !smmu->enabled)
		return 0;
	c = smmu_cmd_tlbi_nh_asid(d->asid);
	return smmu_cmdq_issue_sync(smmu, &c, 1);
}

/* ---- Attach / detach ------------------------------------------------------------------------ */

int iommu_attach_device(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m)
{
	uint64_t ste[STE_DWORDS];
	bool new_cdtab = false;
	int ret;

	if (!smmu || !d || !m)
		return -SMMU_EINVAL;
	if (m->domain == d)
		return 0;
	if (m->domain)
		return -SMMU_EBUSY; /* Linux's core refuses a second non-default domain */

	if (d->type & __IOMMU_DOMAIN_PAGING) {
		uint64_t cd[CD_DWORDS], zero[CD_DWORDS] = {0};

		if (!m->cdtab.valid) {
			ret = smmu_cdtab_alloc(smmu, &m->cdtab, m->ssid_bits);
			if (ret)
				return ret;
			new_cdtab = true;
		}
		/* CD 0 first: an STE is only made to point at a valid CD */
		smmu_cd_make_s1(&smmu->feat, d, cd);
		ret = smmu_cdtab_write_cd(smmu, m, 0, cd);
		if (ret)
			goto undo_cd;
		smmu_ste_make_cdtable(&smmu->feat, m->cdtab.l1.bus, m->cdtab.s1fmt, m->cdtab.s1cdmax, STE_S1DSS_SSID0,
				      ste);
		ret = master_write_stes(smmu, m, ste);
		if (ret) {
			uint64_t abort[STE_DWORDS];
			smmu_ste_make_abort(&smmu->feat, abort);
			master_write_stes(smmu, m, abort);
			goto undo_cd;
		}
		goto attached;
undo_cd:
		smmu_cdtab_write_cd(smmu, m, 0, zero);
		if (new_cdtab)
			smmu_cdtab_free(smmu, &m->cdtab);
		return ret;
	} else if (d->type == IOMMU_DOMAIN_IDENTITY) {
		smmu_ste_make_bypass(&smmu->feat, ste);
		ret = master_write_stes(smmu, m, ste);
	} else {
		smmu_ste_make_abort(&smmu->feat, ste);
		ret = master_write_stes(smmu, m, ste);
	}
	if (ret) {
		smmu_ste_make_abort(&smmu->feat, ste);
		master_write_stes(smmu, m, ste);
		return ret;
	}
attached:
	m->domain = d;
	m->dom_next = d->masters;
	d->masters = m;
	return 0;
}

void iommu_detach_device(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m)
{
	uint64_t ste[STE_DWORDS];
	struct smmu_master **pp;

	if (!smmu || !d || !m || m->domain != d)
		return;
	smmu_ste_make_abort(&smmu->feat, ste);
	master_write_stes(smmu, m, ste);
	if (d->type & __IOMMU_DOMAIN_PAGING) {
		uint64_t zero[CD_DWORDS] = {0};
		smmu_cdtab_write_cd(smmu, m, 0, zero);
	}
	for (pp = &d->masters; *pp; pp = &(*pp)->dom_next) {
		if (*pp == m) {
			*pp = m->dom_next;
			break;
		}
	}
	m->domain = NULL;
	m->dom_next = NULL;
}

/* ---- Map / unmap ---------------------------------------------------------------------------- */

static uint64_t oa_limit(const struct smmu_device *smmu)
{
	unsigned bits = smmu->feat.oas_bits > 48 ? 48 : smmu->feat.oas_bits;
	return 1ULL << bits;
}

int iommu_map(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t paddr, size_t size, int prot)
{
	uint64_t gmask;

	if (!smmu || !d || !(d->type & __IOMMU_DOMAIN_PAGING))
		return -SMMU_EINVAL;
	gmask = (1ULL << d->granule_shift) - 1u;
	if (!size || ((iova | paddr | (uint64_t)size) & gmask))
		return -SMMU_EINVAL;
	if (iova + size < iova || iova + size > (1ULL << d->ias) || paddr + size < paddr ||
	    paddr + size > oa_limit(smmu))
		return -SMMU_ERANGE;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;
	return smmu_pgtable_map(smmu, d, iova, paddr, size, prot);
}

size_t iommu_unmap(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, size_t size)
{
	uint64_t gmask;

	if (!smmu || !d || !(d->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	gmask = (1ULL << d->granule_shift) - 1u;
	if (!size || ((iova | (uint64_t)size) & gmask) || iova + size < iova || iova + size > (1ULL << d->ias))
		return 0;
	return (size_t)smmu_pgtable_unmap(smmu, d, iova, size);
}

uint64_t iommu_iova_to_phys(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova)
{
	if (!smmu || !d)
		return 0;
	if (d->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (!(d->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	return smmu_pgtable_iova_to_phys(smmu, d, iova);
}

void smmu_iommu_teardown(struct smmu_device *smmu)
{
	while (smmu->domains)
		iommu_domain_free(smmu, smmu->domains);
	while (smmu->masters)
		iommu_release_device(smmu, smmu->masters);
}
