/* SPDX-License-Identifier: MIT */
/*
 * Linux-style IOMMU API on top of the SMMUv3 driver: devices (masters) identified by StreamIDs,
 * domains (identity, blocked, stage-1 paging), attach/detach, map/unmap/iova_to_phys.
 * Names, flags and negative errno returns follow Linux; unlike Linux, every call takes the SMMU
 * device object first (the driver has no globals), and allocation functions return an errno and
 * the object through an out parameter.
 */
#ifndef SMMUV3_IOMMU_H
#define SMMUV3_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmuv3/smmu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Mapping permissions and attributes (Linux values). */
#define IOMMU_READ (1 << 0)
#define IOMMU_WRITE (1 << 1)
#define IOMMU_CACHE (1 << 2)  /* Normal write-back, inner shareable */
#define IOMMU_NOEXEC (1 << 3) /* PXN + UXN */
#define IOMMU_MMIO (1 << 4)   /* Device-nGnRE */
#define IOMMU_PRIV (1 << 5)   /* privileged-only (no AP[1]) */

/* Domain types (Linux values). */
#define __IOMMU_DOMAIN_PAGING (1U << 0)
#define __IOMMU_DOMAIN_DMA_API (1U << 1)
#define __IOMMU_DOMAIN_PT (1U << 2)
#define IOMMU_DOMAIN_BLOCKED (0U)
#define IOMMU_DOMAIN_IDENTITY (__IOMMU_DOMAIN_PT)
#define IOMMU_DOMAIN_UNMANAGED (__IOMMU_DOMAIN_PAGING)
#define IOMMU_DOMAIN_DMA (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_DMA_API)

struct iommu_domain;
struct smmu_master; /* a device: one or more StreamIDs (Linux's arm_smmu_master) */

/* ---- Devices ----------------------------------------------------------------------------------- */

/*
 * Add a device with nsids StreamIDs (1..16). Level-2 stream tables are allocated as needed and
 * every STE is written as abort (the device is blocked until a domain is attached).
 * -EINVAL (no SIDs, too many), -ERANGE (SID beyond the stream table), -EEXIST (SID already owned
 * by another device), -ENOMEM, -ETIMEDOUT. On failure nothing is left allocated or written.
 */
int iommu_probe_device(struct smmu_device *smmu, const uint32_t *sids, size_t nsids, struct smmu_master **out);
/* Detach (STEs to abort) and free the device. */
void iommu_release_device(struct smmu_device *smmu, struct smmu_master *master);

/* SubstreamID bits this device may use (0 in this issue; PASID support comes with issue 4). */
unsigned iommu_master_ssid_bits(const struct smmu_master *master);

/* ---- Domains ----------------------------------------------------------------------------------- */

struct iommu_domain_params {
	unsigned type;       /* IOMMU_DOMAIN_* */
	uint32_t granule;    /* paging: 4096, 16384 or 65536; 0 = 4 KB if offered, else the smallest */
	uint32_t ias;        /* paging: input address bits, 32..48; 0 = 48 */
};

/* -EINVAL (bad type/granule/ias), -EOPNOTSUPP (granule not offered), -ENOSPC (ASIDs exhausted), -ENOMEM. */
int iommu_domain_alloc(struct smmu_device *smmu, unsigned type, struct iommu_domain **out);
int iommu_domain_alloc_params(struct smmu_device *smmu, const struct iommu_domain_params *p, struct iommu_domain **out);
/* Detaches any device still attached, unmaps everything (TLBI_NH_ASID + SYNC), frees the ASID. */
void iommu_domain_free(struct smmu_device *smmu, struct iommu_domain *domain);

unsigned iommu_domain_type(const struct iommu_domain *domain);
/* The stage-1 ASID of a paging domain (0 for other types). */
uint16_t iommu_domain_asid(const struct iommu_domain *domain);
/* Supported page/block sizes of a paging domain (Linux's pgsize_bitmap). */
uint64_t iommu_domain_pgsize_bitmap(const struct iommu_domain *domain);
/* Bus address of the top-level table (TTB0), 0 for non-paging domains. */
uint64_t iommu_domain_ttb(const struct iommu_domain *domain);

/*
 * Attach: the device's STEs become bypass (IDENTITY), abort (BLOCKED) or stage-1 through the
 * device's CD table (paging; CD 0 holds the domain's ASID and TTB0). -EBUSY if the device is
 * attached to another domain (detach first), 0 if already attached to this one, -ENOMEM.
 */
int iommu_attach_device(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master);
/* Back to blocked (abort STE); the CD is cleared with CFGI_CD + SYNC. */
void iommu_detach_device(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master);

/*
 * Map [iova, iova + size) to paddr with IOMMU_* prot. iova, paddr and size must be aligned to the
 * domain's granule (-EINVAL); iova must fit the input range and paddr the output size (-ERANGE).
 * Uses blocks where alignment allows. -EEXIST if any part is already mapped (nothing is changed).
 * No invalidation (faults are never cached). On -ENOMEM the partial mapping is undone.
 * prot without IOMMU_READ or IOMMU_WRITE maps nothing and returns 0 (as Linux).
 */
int iommu_map(struct smmu_device *smmu, struct iommu_domain *domain, uint64_t iova, uint64_t paddr, size_t size,
	      int prot);
/*
 * Unmap whatever is mapped in [iova, iova + size) (splitting blocks that straddle the edges), free
 * empty tables, and invalidate: TLBI_NH_VA (range form with IDR3.RIL, leaf unless tables were freed)
 * or TLBI_NH_ASID above 128 pages, then CMD_SYNC. Returns the bytes unmapped, 0 on bad arguments
 * or when a block split cannot allocate its table.
 */
size_t iommu_unmap(struct smmu_device *smmu, struct iommu_domain *domain, uint64_t iova, size_t size);
/* The output address for iova, or 0 when it is not mapped (IDENTITY: iova itself). */
uint64_t iommu_iova_to_phys(struct smmu_device *smmu, struct iommu_domain *domain, uint64_t iova);

/* Invalidate the whole domain's TLB entries (TLBI_NH_ASID + SYNC). */
int iommu_flush_iotlb_all(struct smmu_device *smmu, struct iommu_domain *domain);

#ifdef __cplusplus
}
#endif

#endif /* SMMUV3_IOMMU_H */
