/* SPDX-License-Identifier: MIT */
/* Linux-style devices (masters), domains, attach/detach and map/unmap. */
#include "internal.h"

/* ---- ASIDs: a bitmap of 2^asid_bits, ASID 0 reserved ---------------------------------------- */

/* Lowest free ASID, as before, but searched from asid_low: allocating N domains costs O(N). */
static int asid_alloc(struct smmu_device *smmu, uint16_t *out)
{
	uint8_t *map = smmu->asid_map.cpu;
	uint32_t n = 1u << smmu->feat.asid_bits;

	for (uint32_t a = smmu->asid_low > 1 ? smmu->asid_low : 1; a < n; a++) {
		if (map[a >> 3] == 0xFF) {
			a |= 7; /* a full byte: skip its ASIDs */
			continue;
		}
		if (!(map[a >> 3] & (1u << (a & 7)))) {
			map[a >> 3] |= (uint8_t)(1u << (a & 7));
			*out = (uint16_t)a;
			smmu->asid_low = a + 1;
			return 0;
		}
	}
	smmu->asid_low = n;
	return -SMMU_ENOSPC;
}

static void asid_free(struct smmu_device *smmu, uint16_t asid)
{
	uint8_t *map = smmu->asid_map.cpu;

	if (!asid)
		return;
	map[asid >> 3] &= (uint8_t)~(1u << (asid & 7));
	if (asid < smmu->asid_low)
		smmu->asid_low = asid;
}

/* ---- Masters ------------------------------------------------------------------------------ */

/* ---- O(1) list links (internal.h) ---------------------------------------------------------- */

#define LIST_ADD(head, e, next, pprev)                                                                             \
	do {                                                                                                       \
		(e)->next = *(head);                                                                               \
		if ((e)->next)                                                                                     \
			(e)->next->pprev = &(e)->next;                                                             \
		*(head) = (e);                                                                                     \
		(e)->pprev = (head);                                                                               \
	} while (0)

#define LIST_DEL(e, next, pprev)                                                                                   \
	do {                                                                                                       \
		if ((e)->pprev) {                                                                                  \
			*(e)->pprev = (e)->next;                                                                   \
			if ((e)->next)                                                                             \
				(e)->next->pprev = (e)->pprev;                                                     \
		}                                                                                                  \
		(e)->next = NULL;                                                                                  \
		(e)->pprev = NULL;                                                                                 \
	} while (0)

/* Set (or clear, parent NULL) the primary domain an aux domain was first attached under. */
void smmu_domain_set_aux_parent(struct iommu_domain *d, struct iommu_domain *parent)
{
	LIST_DEL(d, aux_sib_next, aux_sib_pprev);
	d->aux_parent = parent;
	if (parent)
		LIST_ADD(&parent->aux_children, d, aux_sib_next, aux_sib_pprev);
}

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

/* ---- PCI PASID (Linux patch 8) ---------------------------------------------------------- */

static void pci_log(struct iommu_pci_function *pci, enum iommu_pci_op op)
{
	if (pci->nlog < IOMMU_PCI_LOG_MAX)
		pci->log[pci->nlog++] = op;
}

/* The PCI core's pci_enable_pasid() rules; the width on success. */
static int pci_enable_pasid(struct iommu_pci_function *pci, unsigned *width)
{
	if (!pci->pasid_cap || pci->max_pasid_width == 0 || pci->max_pasid_width > SMMU_MAX_SSID_BITS)
		return -SMMU_EINVAL;
	if (pci->is_vf) {
		/* a VF uses its PF's PASID Enable */
		if (!pci->pf_pasid_enabled)
			return -SMMU_EINVAL;
		*width = pci->max_pasid_width;
		return 0;
	}
	if (pci->pasid_enabled)
		return -SMMU_EBUSY;
	if (!pci->tlp_prefix)
		return -SMMU_EINVAL;
	/* PCIe leaves a PASID Enable change undefined while ATS Enable is set: PASID comes first */
	if (pci->ats_enabled)
		return -SMMU_EBUSY;
	pci->pasid_enabled = true;
	pci_log(pci, IOMMU_PCI_PASID_ON);
	*width = pci->max_pasid_width;
	return 0;
}

/* Disable in the reverse order of enable: ATS (if anyone enabled it) before PASID. */
static void master_disable_pasid(struct smmu_master *m)
{
	struct iommu_pci_function *pci = m->pci;

	if (!pci)
		return;
	if (!pci->is_vf) {
		if (pci->ats_enabled) {
			pci->ats_enabled = false;
			pci_log(pci, IOMMU_PCI_ATS_OFF);
		}
		pci->pasid_enabled = false;
		pci_log(pci, IOMMU_PCI_PASID_OFF);
	}
	m->pci = NULL;
	m->ssid_bits = 0; /* Eric Auger's v1 review: reset, so nothing keeps a stale width */
}

/* ---- STE of a master: one place decides it from the RID domain and the PASIDs in use --------- */

int smmu_master_update_ste(struct smmu_device *smmu, struct smmu_master *m)
{
	uint64_t ste[STE_DWORDS];
	struct iommu_domain *d = m->domain;
	const struct smmu_cdtab *t = &m->cdtab;

	if (d && (d->type & __IOMMU_DOMAIN_PAGING)) {
		/* CD 0 holds the RID's domain; SSID 0 itself is never handed out */
		smmu_ste_make_cdtable(&smmu->feat, t->l1.bus, t->s1fmt, t->s1cdmax, STE_S1DSS_SSID0, ste);
	} else if (m->num_pasids) {
		/* PASIDs need a CD table: the RID's traffic bypasses stage 1 (identity) or is terminated */
		uint8_t s1dss = d && d->type == IOMMU_DOMAIN_IDENTITY ? STE_S1DSS_BYPASS : STE_S1DSS_TERMINATE;
		smmu_ste_make_cdtable(&smmu->feat, t->l1.bus, t->s1fmt, t->s1cdmax, s1dss, ste);
	} else if (d && d->type == IOMMU_DOMAIN_IDENTITY) {
		smmu_ste_make_bypass(&smmu->feat, ste);
	} else {
		smmu_ste_make_abort(&smmu->feat, ste);
	}
	return master_write_stes(smmu, m, ste);
}

int smmu_master_ensure_cdtab(struct smmu_device *smmu, struct smmu_master *m)
{
	if (m->cdtab.valid)
		return 0;
	return smmu_cdtab_alloc(smmu, &m->cdtab, m->ssid_bits);
}

/* Free the CD table once nothing uses it and no STE points at it any more. */
void smmu_master_maybe_free_cdtab(struct smmu_device *smmu, struct smmu_master *m)
{
	if (m->num_pasids || (m->domain && (m->domain->type & __IOMMU_DOMAIN_PAGING)))
		return;
	smmu_cdtab_free(smmu, &m->cdtab);
}

/* ---- Masters (Linux patch 7: every failure unwinds everything it did) ---------------------- */

int iommu_probe_device(struct smmu_device *smmu, const uint32_t *sids, size_t nsids, struct smmu_master **out)
{
	struct iommu_device_desc desc = {sids, nsids, 0, NULL};

	return iommu_probe_device_ex(smmu, &desc, out);
}

int iommu_probe_device_ex(struct smmu_device *smmu, const struct iommu_device_desc *desc, struct smmu_master **out)
{
	struct smmu_dma_buf self;
	struct smmu_master *m;
	const uint32_t *sids;
	size_t nsids;
	unsigned bits;
	int ret;

	if (!smmu || !desc || !desc->sids || !out || desc->nsids == 0 || desc->nsids > SMMU_MAX_MASTER_SIDS)
		return -SMMU_EINVAL;
	sids = desc->sids;
	nsids = desc->nsids;
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
	smmu_ioasid_init(smmu, &m->pasid_map);
	/*
	 * Level-2 stream tables are allocated here, so attach never allocates for the stream table.
	 * Tables allocated for an earlier SID stay if a later one fails: they are shared, hold only
	 * abort STEs and are freed with the stream table (as Linux patch 7).
	 */
	for (size_t i = 0; i < nsids; i++) {
		ret = smmu_strtab_prepare(smmu, sids[i]);
		if (ret)
			goto fail;
	}
	/* SSID bits: the platform property, or the PCI PASID capability once PASID is enabled */
	bits = desc->pasid_num_bits;
	if (desc->pci && desc->pci->pasid_cap) {
		unsigned width = 0;

		ret = pci_enable_pasid(desc->pci, &width);
		if (ret) {
			/* as Linux: logged, and the device works without substreams */
			smmu_log(smmu, SMMU_LOG_WARN, "sid 0x%x: failed to enable PASID (%d)", sids[0], ret);
			bits = 0;
		} else {
			m->pci = desc->pci;
			bits = width;
		}
	}
	if (bits > smmu->feat.ssid_bits)
		bits = smmu->feat.ssid_bits;
	if (!smmu->feat.cd2l && bits > 10)
		bits = 10; /* 1024 CDs: the largest linear table Linux allocates */
	m->ssid_bits = (uint8_t)bits;
	{
		uint64_t abort[STE_DWORDS];
		smmu_ste_make_abort(&smmu->feat, abort);
		ret = master_write_stes(smmu, m, abort);
		if (ret)
			goto fail;
	}
	LIST_ADD(&smmu->masters, m, next, pprev);
	*out = m;
	return 0;
fail:
	master_disable_pasid(m);
	ioasid_allocator_destroy(&m->pasid_map);
	smmu_free(smmu, &m->self);
	return ret;
}

unsigned iommu_master_ssid_bits(const struct smmu_master *master)
{
	return master->ssid_bits;
}

void iommu_release_device(struct smmu_device *smmu, struct smmu_master *master)
{
	if (!smmu || !master)
		return;
	if (master->domain)
		iommu_detach_device(smmu, master->domain, master);
	smmu_pasid_release_master(smmu, master);
	smmu_cdtab_free(smmu, &master->cdtab);
	master_disable_pasid(master);
	LIST_DEL(master, next, pprev);
	ioasid_allocator_destroy(&master->pasid_map);
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
			shift = f->gran4k ? SMMU_GRANULE_4K : f->gran16k ? SMMU_GRANULE_16K : SMMU_GRANULE_64K;
			break;
		case 1u << SMMU_GRANULE_4K:
			shift = SMMU_GRANULE_4K;
			break;
		case 1u << SMMU_GRANULE_16K:
			shift = SMMU_GRANULE_16K;
			break;
		case 1u << SMMU_GRANULE_64K:
			shift = SMMU_GRANULE_64K;
			break;
		default:
			return -SMMU_EINVAL;
		}
		if ((shift == SMMU_GRANULE_4K && !f->gran4k) || (shift == SMMU_GRANULE_16K && !f->gran16k) ||
		    (shift == SMMU_GRANULE_64K && !f->gran64k))
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
	LIST_ADD(&smmu->domains, d, link.next, link.pprev);
	*out = d;
	return 0;
fail:
	smmu_free(smmu, &d->self);
	return ret;
}

void iommu_domain_free(struct smmu_device *smmu, struct iommu_domain *d)
{
	if (!smmu || !d)
		return;
	while (d->masters)
		iommu_detach_device(smmu, d, d->masters);
	smmu_pasid_release_domain(smmu, d);
	while (d->aux_children)
		smmu_domain_set_aux_parent(d->aux_children, NULL); /* a later aux attach may name any parent */
	if (d->type & __IOMMU_DOMAIN_PAGING) {
		/* the ASID may be reused and the table pages too: nothing may stay in the TLB */
		iommu_flush_iotlb_all(smmu, d);
		smmu_pgtable_free(smmu, d);
		asid_free(smmu, d->asid);
	}
	LIST_DEL(d, link.next, link.pprev);
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
	bool new_cdtab = false;
	int ret;

	if (!smmu || !d || !m)
		return -SMMU_EINVAL;
	if (m->domain == d)
		return 0;
	if (m->domain)
		return -SMMU_EBUSY; /* Linux's core refuses a second non-default domain */
	if (d->aux_pasid)
		return -SMMU_EINVAL; /* v1: an aux domain stays aux ("cannot attach auxiliary domain") */

	if (d->type & __IOMMU_DOMAIN_PAGING) {
		uint64_t cd[CD_DWORDS];

		new_cdtab = !m->cdtab.valid;
		ret = smmu_master_ensure_cdtab(smmu, m);
		if (ret)
			return ret;
		/* CD 0 first: an STE is only made to point at a valid CD */
		smmu_cd_make_s1(&smmu->feat, d, cd);
		ret = smmu_cdtab_write_cd(smmu, m, 0, cd);
		if (ret)
			goto undo_cd;
	}
	m->domain = d;
	LIST_ADD(&d->masters, m, dom_next, dom_pprev);
	ret = smmu_master_update_ste(smmu, m);
	if (!ret)
		return 0;
	LIST_DEL(m, dom_next, dom_pprev);
	m->domain = NULL;
	smmu_master_update_ste(smmu, m);
undo_cd:
	if (d->type & __IOMMU_DOMAIN_PAGING) {
		uint64_t zero[CD_DWORDS] = {0};
		smmu_cdtab_write_cd(smmu, m, 0, zero);
	}
	if (new_cdtab)
		smmu_master_maybe_free_cdtab(smmu, m);
	return ret;
}

void iommu_detach_device(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m)
{
	if (!smmu || !d || !m || m->domain != d)
		return;
	LIST_DEL(m, dom_next, dom_pprev);
	m->domain = NULL;
	/* abort, or a CD table terminating non-SSID traffic while PASIDs stay in use */
	smmu_master_update_ste(smmu, m);
	if (d->type & __IOMMU_DOMAIN_PAGING) {
		uint64_t zero[CD_DWORDS] = {0};
		smmu_cdtab_write_cd(smmu, m, 0, zero);
	}
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
