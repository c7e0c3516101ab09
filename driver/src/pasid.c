/* SPDX-License-Identifier: MIT */
/*
 * PASIDs: auxiliary domains (the 2019 series, patch 6) and PASID attach (Linux's replacement,
 * v6.2+), on one mechanism: a link {master, domain, PASID} whose CD sits at SSID = PASID in the
 * master's CD table. docs/pasid.md lists which rule comes from where.
 */
#include "internal.h"

static bool is_s1_paging(const struct iommu_domain *d)
{
	return d && (d->type & __IOMMU_DOMAIN_PAGING);
}

static struct smmu_pasid_link *link_find(struct smmu_master *m, uint32_t pasid)
{
	void *p;

	if (!m->num_pasids)
		return NULL;
	p = ioasid_find(&m->pasid_map, NULL, pasid, NULL);
	return IOASID_IS_ERR(p) ? NULL : p;
}

static int link_add(struct smmu_device *smmu, struct smmu_master *m, struct iommu_domain *d, uint32_t pasid,
		    bool aux, struct smmu_pasid_link **out)
{
	struct smmu_dma_buf self;
	struct smmu_pasid_link *l;
	int ret = smmu_alloc(smmu, sizeof(*l), sizeof(void *), &self);

	if (ret)
		return ret;
	l = self.cpu;
	l->self = self;
	/* the per-master map is an I/O ASID allocator asked for exactly [pasid, pasid] */
	if (ioasid_alloc(&m->pasid_map, NULL, pasid, pasid, l) != pasid) {
		smmu_free(smmu, &l->self);
		return -SMMU_ENOMEM; /* the caller checked the PASID was free */
	}
	l->master = m;
	l->domain = d;
	l->pasid = pasid;
	l->aux = aux;
	l->m_next = m->pasid_links;
	if (l->m_next)
		l->m_next->m_prev = l;
	m->pasid_links = l;
	l->d_next = d->pasid_links;
	if (l->d_next)
		l->d_next->d_prev = l;
	d->pasid_links = l;
	d->num_pasid_links++;
	m->num_pasids++;
	if (aux) {
		m->num_aux++;
		d->num_aux_links++;
	}
	*out = l;
	return 0;
}

static void link_del(struct smmu_device *smmu, struct smmu_pasid_link *l)
{
	struct smmu_master *m = l->master;
	struct iommu_domain *d = l->domain;

	if (l->m_prev)
		l->m_prev->m_next = l->m_next;
	else
		m->pasid_links = l->m_next;
	if (l->m_next)
		l->m_next->m_prev = l->m_prev;
	if (l->d_prev)
		l->d_prev->d_next = l->d_next;
	else
		d->pasid_links = l->d_next;
	if (l->d_next)
		l->d_next->d_prev = l->d_prev;
	d->num_pasid_links--;
	m->num_pasids--;
	if (l->aux) {
		m->num_aux--;
		d->num_aux_links--;
	}
	ioasid_free(&m->pasid_map, l->pasid);
	smmu_free(smmu, &l->self);
}

/*
 * Install d at SSID pasid of m: CD table and leaf first (allocation happens here, in the attach
 * path, as Linux since v6.10), then the link, the CD (fresh CD: words 1-3, CFGI_CD + SYNC, word 0
 * with V, CFGI_CD + SYNC) and finally the STE if it must become a CD table. Unwinds on failure.
 */
static int pasid_install(struct smmu_device *smmu, struct smmu_master *m, struct iommu_domain *d, uint32_t pasid,
			 bool aux)
{
	uint64_t cd[CD_DWORDS], zero[CD_DWORDS] = {0};
	struct smmu_pasid_link *l = NULL;
	bool new_cdtab = !m->cdtab.valid;
	int ret;

	ret = smmu_master_ensure_cdtab(smmu, m);
	if (ret)
		return ret;
	ret = smmu_cdtab_prepare(smmu, m, pasid);
	if (ret)
		goto undo_table;
	ret = link_add(smmu, m, d, pasid, aux, &l);
	if (ret)
		goto undo_table;
	smmu_cd_make_s1(&smmu->feat, d, cd);
	ret = smmu_cdtab_write_cd(smmu, m, pasid, cd); /* the v1 patch ignored this result */
	if (ret)
		goto undo_link;
	ret = smmu_master_update_ste(smmu, m);
	if (ret)
		goto undo_cd;
	return 0;
undo_cd:
	smmu_cdtab_write_cd(smmu, m, pasid, zero);
undo_link:
	link_del(smmu, l);
	smmu_master_update_ste(smmu, m);
undo_table:
	if (new_cdtab)
		smmu_master_maybe_free_cdtab(smmu, m);
	return ret;
}

/* Clear the CD (word 0 = 0, CFGI_CD + SYNC, then the other words), drop the link, fix the STE. */
static void pasid_remove(struct smmu_device *smmu, struct smmu_pasid_link *l)
{
	uint64_t zero[CD_DWORDS] = {0};
	struct smmu_master *m = l->master;

	smmu_cdtab_write_cd(smmu, m, l->pasid, zero);
	link_del(smmu, l);
	/* the last PASID of an identity/blocked RID: back to a plain bypass or abort STE */
	smmu_master_update_ste(smmu, m);
}

/* ---- Device features ------------------------------------------------------------------------ */

bool iommu_dev_has_feature(const struct smmu_master *m, enum iommu_dev_features feat)
{
	return m && feat == IOMMU_DEV_FEAT_AUX && m->ssid_bits != 0;
}

int iommu_dev_enable_feature(struct smmu_device *smmu, struct smmu_master *m, enum iommu_dev_features feat)
{
	if (!smmu || !m || feat != IOMMU_DEV_FEAT_AUX)
		return -SMMU_EINVAL;
	if (!iommu_dev_has_feature(m, feat))
		return -SMMU_ENODEV;
	if (m->aux_enabled)
		return -SMMU_EBUSY;
	m->aux_enabled = true;
	return 0;
}

int iommu_dev_disable_feature(struct smmu_device *smmu, struct smmu_master *m, enum iommu_dev_features feat)
{
	if (!smmu || !m || feat != IOMMU_DEV_FEAT_AUX)
		return -SMMU_EINVAL;
	if (!m->aux_enabled)
		return -SMMU_EINVAL;
	/* v1 left this as a TODO (review finding): refuse rather than strand attached aux domains */
	if (m->num_aux)
		return -SMMU_EBUSY;
	m->aux_enabled = false;
	return 0;
}

bool iommu_dev_feature_enabled(const struct smmu_master *m, enum iommu_dev_features feat)
{
	return m && feat == IOMMU_DEV_FEAT_AUX && m->aux_enabled;
}

/* ---- Auxiliary domains (v1 patch 6 rules) ---------------------------------------------------- */

int iommu_aux_attach_device(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m)
{
	bool first;
	int ret;

	if (!smmu || !d || !m)
		return -SMMU_EINVAL;
	if (!m->aux_enabled || !m->domain)
		return -SMMU_EINVAL; /* AUX not enabled; no primary ("parent") domain */
	if (!is_s1_paging(d) || !is_s1_paging(m->domain))
		return -SMMU_EINVAL; /* the aux context is a stage-1 CD, and so is the parent's */
	if (d->masters)
		return -SMMU_EINVAL; /* used as a normal domain: "cannot attach domain in auxiliary mode" */
	if (d->num_pasid_links != d->num_aux_links)
		return -SMMU_EINVAL; /* attached by PASID: not an aux domain */
	first = d->aux_pasid == 0;
	if (!first && d->aux_parent && d->aux_parent != m->domain)
		return -SMMU_EINVAL; /* single parent */
	if (!first) {
		if ((uint64_t)d->aux_pasid >= (1ULL << m->ssid_bits))
			return -SMMU_E2BIG;
		if (link_find(m, d->aux_pasid))
			return -SMMU_EBUSY;
	} else {
		ioasid_t id = ioasid_alloc(&smmu->pasids, &smmu->aux_set, 1, (ioasid_t)((1u << m->ssid_bits) - 1u), d);

		if (id == INVALID_IOASID)
			return -SMMU_EINVAL; /* v1 returned -EINVAL for an exhausted PASID space */
		if (link_find(m, id)) {
			/* taken on this device by a caller-chosen PASID attach */
			ioasid_free(&smmu->pasids, id);
			return -SMMU_EBUSY;
		}
		d->aux_pasid = id;
		smmu_domain_set_aux_parent(d, m->domain);
	}
	ret = pasid_install(smmu, m, d, d->aux_pasid, true);
	if (ret && first) {
		/* v1: a failed first attach rolls back everything, the PASID too */
		ioasid_free(&smmu->pasids, d->aux_pasid);
		d->aux_pasid = 0;
		smmu_domain_set_aux_parent(d, NULL);
	}
	return ret;
}

void iommu_aux_detach_device(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m)
{
	struct smmu_pasid_link *l;

	if (!smmu || !d || !m || !d->aux_pasid)
		return;
	l = link_find(m, d->aux_pasid);
	if (l && l->domain == d && l->aux)
		pasid_remove(smmu, l);
}

int iommu_aux_get_pasid(const struct iommu_domain *d, const struct smmu_master *m)
{
	(void)m; /* one PASID per aux domain, whatever the device */
	if (!d || !d->aux_pasid)
		return -SMMU_EINVAL;
	return (int)d->aux_pasid;
}

/* ---- PASID attach (Linux v6.2+ set_dev_pasid) ------------------------------------------------ */

int iommu_attach_device_pasid(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m,
			      uint32_t pasid)
{
	if (!smmu || !d || !m)
		return -SMMU_EINVAL;
	if (pasid == IOMMU_NO_PASID || (uint64_t)pasid >= (1ULL << m->ssid_bits) || !m->ssid_bits)
		return -SMMU_EINVAL; /* the core's max_pasids check; PASID 0 is the RID */
	if (!is_s1_paging(d) || d->aux_pasid)
		return -SMMU_EINVAL;
	if (link_find(m, pasid))
		return -SMMU_EBUSY;
	return pasid_install(smmu, m, d, pasid, false);
}

void iommu_detach_device_pasid(struct smmu_device *smmu, struct iommu_domain *d, struct smmu_master *m,
			       uint32_t pasid)
{
	struct smmu_pasid_link *l;

	if (!smmu || !d || !m)
		return;
	l = link_find(m, pasid);
	if (l && l->domain == d && !l->aux)
		pasid_remove(smmu, l);
}

struct iommu_domain *iommu_get_domain_for_dev_pasid(struct smmu_device *smmu, struct smmu_master *m, uint32_t pasid)
{
	struct smmu_pasid_link *l;

	if (!smmu || !m)
		return NULL;
	l = link_find(m, pasid);
	return l ? l->domain : NULL;
}

uint32_t iommu_alloc_global_pasid(struct smmu_device *smmu, const struct smmu_master *m)
{
	if (!smmu || !m || !m->ssid_bits)
		return IOMMU_PASID_INVALID;
	return ioasid_alloc(&smmu->pasids, &smmu->global_set, 1, (ioasid_t)((1u << m->ssid_bits) - 1u), NULL);
}

void iommu_free_global_pasid(struct smmu_device *smmu, uint32_t pasid)
{
	/* only what iommu_alloc_global_pasid handed out: aux PASIDs belong to their domains */
	if (smmu && !IOASID_IS_ERR(ioasid_find(&smmu->pasids, &smmu->global_set, pasid, NULL)))
		ioasid_free(&smmu->pasids, pasid);
}

unsigned iommu_master_num_pasids(const struct smmu_master *m)
{
	return m ? m->num_pasids : 0;
}

/* ---- Teardown --------------------------------------------------------------------------------- */

/*
 * Release of a master: the links go without clearing each CD, since the STE then becomes abort
 * (its CFGI_STE + SYNC invalidates every CD cached through it) before the table is freed.
 */
void smmu_pasid_release_master(struct smmu_device *smmu, struct smmu_master *m)
{
	while (m->pasid_links)
		link_del(smmu, m->pasid_links);
	smmu_master_update_ste(smmu, m);
}

/* Domain free: every CD that names it is cleared; an aux domain gives its PASID back. */
void smmu_pasid_release_domain(struct smmu_device *smmu, struct iommu_domain *d)
{
	while (d->pasid_links)
		pasid_remove(smmu, d->pasid_links);
	if (d->aux_pasid) {
		ioasid_free(&smmu->pasids, d->aux_pasid);
		d->aux_pasid = 0;
		smmu_domain_set_aux_parent(d, NULL);
	}
}
