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

/*
 * A modelled PCIe function: its PASID and ATS capabilities and their Enable bits. The caller owns
 * it (it stands for config space); the driver writes the Enable bits and appends each change to
 * log[] so a test can check the order (PASID is enabled before ATS and disabled after it: PCIe
 * leaves a PASID Enable change undefined while ATS Enable is set).
 */
enum iommu_pci_op { IOMMU_PCI_PASID_ON = 1, IOMMU_PCI_PASID_OFF, IOMMU_PCI_ATS_ON, IOMMU_PCI_ATS_OFF };
#define IOMMU_PCI_LOG_MAX 8
struct iommu_pci_function {
	/* capability (read-only for the driver) */
	bool pasid_cap;          /* PASID Extended Capability present */
	uint8_t max_pasid_width; /* its Max PASID Width, 1..20 */
	bool tlp_prefix;         /* End-End TLP Prefix supported on the whole path */
	bool is_vf;              /* a VF: PASID only when the PF already enabled it */
	bool pf_pasid_enabled;
	/* control (written by the driver, or by the test to provoke -EBUSY) */
	bool pasid_enabled;
	bool ats_enabled;
	unsigned nlog;
	enum iommu_pci_op log[IOMMU_PCI_LOG_MAX];
};

/*
 * What firmware and the bus say about a device (Linux's fwspec + pci_dev). nsids 1..16.
 * pasid_num_bits: the platform "pasid-num-bits" property (0: no substreams). pci: a PCIe function,
 * or NULL; if it has a PASID capability, PASID is enabled here (Linux patch 8) and the width comes
 * from it instead. The device's SSID bits are min(that width, IDR1.SSIDSIZE), at most 10 without
 * IDR0.CD2L. A PCI PASID failure is logged and the device is added without substreams (as Linux).
 */
struct iommu_device_desc {
	const uint32_t *sids;
	size_t nsids;
	uint32_t pasid_num_bits;
	struct iommu_pci_function *pci;
};
int iommu_probe_device_ex(struct smmu_device *smmu, const struct iommu_device_desc *desc, struct smmu_master **out);

/* SubstreamID bits this device may use (STE.S1CDMax of its CD table). */
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

/* ---- PASIDs: auxiliary domains (2019 series, patch 6) and PASID attach (its successor) -------- */
/*
 * SSID 0 is never handed out (IOMMU_NO_PASID): with S1DSS = SSID0, CD 0 holds the RID's domain and
 * traffic carrying SSID 0 is terminated. docs/pasid.md has the rules and where they come from.
 */
#define IOMMU_NO_PASID 0u
#define IOMMU_PASID_INVALID 0xFFFFFFFFu

enum iommu_dev_features { IOMMU_DEV_FEAT_AUX = 0, IOMMU_DEV_FEAT_SVA = 1 };

/* True if the device can use the feature (AUX: it has SSID bits). */
bool iommu_dev_has_feature(const struct smmu_master *master, enum iommu_dev_features feat);
/* AUX: -ENODEV (no SSIDs), -EBUSY (already enabled); other features -EINVAL. */
int iommu_dev_enable_feature(struct smmu_device *smmu, struct smmu_master *master, enum iommu_dev_features feat);
/* AUX: -EINVAL (not enabled), -EBUSY (aux domains still attached: the v1 TODO, decided here). */
int iommu_dev_disable_feature(struct smmu_device *smmu, struct smmu_master *master, enum iommu_dev_features feat);
bool iommu_dev_feature_enabled(const struct smmu_master *master, enum iommu_dev_features feat);

/*
 * Attach a stage-1 paging domain to the device "in auxiliary mode": on the domain's first aux
 * attach it gets one PASID from the SMMU's I/O ASID allocator, lowest free in [1, 2^ssid_bits - 1];
 * its CD is written at that SSID in the device's CD table. -EINVAL: AUX not enabled, no primary
 * (parent) domain, domain or parent not stage 1, domain attached normally or by PASID, PASID space
 * exhausted, a different parent than the domain's first; -EBUSY: already aux-attached to this
 * device; -E2BIG: the PASID exceeds this device's S1CDMax; -ENOMEM.
 */
int iommu_aux_attach_device(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master);
/* Clear the CD (nothing if not aux-attached). The PASID stays with the domain until it is freed. */
void iommu_aux_detach_device(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master);
/* The domain's PASID, or -EINVAL if it has none yet. */
int iommu_aux_get_pasid(const struct iommu_domain *domain, const struct smmu_master *master);

/*
 * Linux's replacement (v6.2+): the caller chooses the PASID (see iommu_alloc_global_pasid) and
 * the same domain may serve several PASIDs and devices. -EINVAL: pasid 0 or >= 2^ssid_bits, not a
 * stage-1 paging domain, an aux domain; -EBUSY: the PASID is in use on this device; -ENOMEM.
 * With an identity or blocked (or no) RID domain the STE becomes a CD table with S1DSS = bypass
 * or terminate; it returns to a plain bypass or abort STE when the last PASID goes.
 */
int iommu_attach_device_pasid(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master,
			      uint32_t pasid);
void iommu_detach_device_pasid(struct smmu_device *smmu, struct iommu_domain *domain, struct smmu_master *master,
			       uint32_t pasid);
/* The domain attached at pasid on the device, or NULL. */
struct iommu_domain *iommu_get_domain_for_dev_pasid(struct smmu_device *smmu, struct smmu_master *master,
						    uint32_t pasid);
/* Lowest free PASID in [1, 2^ssid_bits(master) - 1] from the SMMU's allocator, or IOMMU_PASID_INVALID. */
uint32_t iommu_alloc_global_pasid(struct smmu_device *smmu, const struct smmu_master *master);
void iommu_free_global_pasid(struct smmu_device *smmu, uint32_t pasid);
/* PASIDs (aux + attach) in use on the device. */
unsigned iommu_master_num_pasids(const struct smmu_master *master);

#ifdef __cplusplus
}
#endif

#endif /* SMMUV3_IOMMU_H */
