/* SPDX-License-Identifier: MIT */
/* Driver-private structures shared by the driver's source files. */
#ifndef SMMUV3_INTERNAL_H
#define SMMUV3_INTERNAL_H

#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
#include <smmuv3/ioasid.h>

#define SMMU_DEFAULT_POLL_LIMIT 1000000u
#define SMMU_MAX_MASTER_SIDS 16u
/* Above this many pages an unmap invalidates the whole ASID (as Linux's CMDQ_MAX_TLBI_OPS idea). */
#define SMMU_TLBI_MAX_PAGES 128u

/* One circular queue (command or event): index + wrap flag, as the registers hold them. */
struct smmu_queue {
	struct smmu_dma_buf mem;
	uint32_t log2size;
	uint32_t ent_dwords;
	uint32_t prod; /* shadow of PROD.WR (index + wrap) */
	uint32_t cons; /* shadow of CONS.RD */
	uint32_t prod_reg, cons_reg;
	uint32_t base_reg;
};

/* A CD table: linear (S1Fmt 0) or 2-level (S1Fmt 1/2) with lazily allocated leaves. */
struct smmu_cdtab {
	bool valid;
	uint8_t s1fmt;
	uint8_t s1cdmax;       /* log2 number of CDs (0: one CD) */
	uint8_t split;         /* 2-level: SSID bits indexing a leaf (6 or 10) */
	struct smmu_dma_buf l1; /* the linear table, or the L1CD table */
	uint32_t num_l1;
	struct smmu_dma_buf l2_ptrs; /* 2-level: CPU pointers of the leaves (void *[num_l1]) */
};

/* Memory kinds for smmu_get_mem_usage(). */
enum smmu_mem_kind { SMMU_MEM_OBJECT, SMMU_MEM_STRTAB, SMMU_MEM_CD_L1, SMMU_MEM_CD_LEAF, SMMU_MEM_PGTABLE,
		     SMMU_MEM_QUEUE, SMMU_MEM_KINDS };

/* One PASID of a master bound to a domain (aux attach or PASID attach): on two lists. */
struct smmu_pasid_link {
	struct smmu_dma_buf self;
	struct smmu_master *master;
	struct iommu_domain *domain;
	uint32_t pasid;
	bool aux;
	struct smmu_pasid_link *m_prev, *m_next; /* the master's PASIDs */
	struct smmu_pasid_link *d_prev, *d_next; /* the domain's PASID links */
};

/*
 * Lists are doubly linked through a pointer to the previous element's next field (or to the
 * head): unlinking is O(1), so teardown is linear in what was created.
 */
struct smmu_master {
	struct smmu_dma_buf self;
	struct smmu_master *next, **pprev;         /* on the SMMU's list */
	struct smmu_master *dom_next, **dom_pprev; /* on the domain's list */
	struct iommu_domain *domain;
	uint32_t num_sids;
	uint32_t sids[SMMU_MAX_MASTER_SIDS];
	uint8_t ssid_bits;
	struct smmu_cdtab cdtab;
	struct iommu_pci_function *pci; /* PCI function whose PASID we enabled, else NULL */
	bool aux_enabled;
	uint32_t num_pasids;            /* links on pasid_links */
	uint32_t num_aux;
	struct smmu_pasid_link *pasid_links;
	struct ioasid_allocator pasid_map; /* PASID -> link (the allocator used as an exact-ID map) */
};

struct smmu_pt_node; /* page-table node, pgtable.c */

struct iommu_domain {
	struct smmu_dma_buf self;
	struct smmu_domain_link {
		struct iommu_domain *next, **pprev;
	} link;
	unsigned type;
	uint16_t asid;
	struct smmu_master *masters;
	/* stage-1 paging */
	uint32_t granule_shift; /* 12, 14, 16 */
	uint32_t ias;
	uint32_t start_level;
	uint64_t pgsize_bitmap;
	struct smmu_pt_node *root;
	/* the other tables: next-level table bus address -> its node (pgtable.c; open addressing) */
	struct smmu_dma_buf pt_nodes;
	uint32_t pt_nodes_size, pt_nodes_used;
	/* PASIDs */
	struct smmu_pasid_link *pasid_links;
	uint32_t num_pasid_links, num_aux_links; /* on pasid_links, and of them made by aux attach */
	uint32_t aux_pasid;              /* 0: none (the domain has never been aux-attached) */
	struct iommu_domain *aux_parent; /* the primary domain of its first aux attach */
	struct iommu_domain *aux_children;                 /* domains whose aux_parent this is */
	struct iommu_domain *aux_sib_next, **aux_sib_pprev; /* on the aux_parent's aux_children */
};

struct smmu_device {
	struct smmu_dma_buf self;
	struct smmu_regif regif;
	struct smmu_options opts;
	struct smmu_features feat;
	struct smmu_stats stats;

	struct smmu_queue cmdq;
	struct smmu_queue evtq;
	uint32_t gerrorn;  /* last value written to GERRORN */
	/*
	 * Entries the cmdq_issue call in progress has written (0 outside one): a command error is
	 * that call's only when CONS stopped on one of them.
	 */
	uint32_t cmdq_own;
	bool cmd_error_seen; /* set by the error handler for the call in progress, checked by it */

	/* Stream table */
	bool strtab_2lvl;
	uint32_t strtab_log2size;
	uint32_t strtab_split;
	struct smmu_dma_buf strtab; /* linear STEs or L1STDs */
	uint32_t num_l1;
	struct smmu_dma_buf l2_ptrs; /* 2-level: CPU pointers of level-2 tables (void *[num_l1]) */

	/* ASID allocator: bitmap of 2^asid_bits bits; ASID 0 reserved */
	struct smmu_dma_buf asid_map;
	uint32_t asid_low; /* no ASID below this is free: the lowest-free search starts here */

	struct smmu_master *masters;
	struct iommu_domain *domains;
	bool enabled;

	/* PASIDs: the I/O ASID allocator (one global space, as Linux); aux PASIDs are tagged aux_set */
	struct ioasid_allocator pasids;
	struct ioasid_set aux_set, global_set;

	uint64_t mem_live[SMMU_MEM_KINDS];
	struct smmu_mem_usage mem_peak;
};

/* util.c */
void smmu_memset(void *p, int c, size_t n);
void smmu_memcpy(void *d, const void *s, size_t n);
/* The driver's own objects (never read by the SMMU), zeroed. */
int smmu_alloc(struct smmu_device *smmu, size_t size, size_t align, struct smmu_dma_buf *buf);
void smmu_free(struct smmu_device *smmu, struct smmu_dma_buf *buf);
/*
 * Memory the SMMU reads (tables, queues), counted under kind (smmu_alloc/smmu_free count as
 * SMMU_MEM_OBJECT). Free with the same kind. The contents are UNKNOWN (regif.h): the caller
 * initialises every entry the SMMU may read before it publishes the memory (and orders that with
 * wmb), since the SMMU may fetch and cache any valid-looking structure it can reach.
 */
int smmu_alloc_kind(struct smmu_device *smmu, enum smmu_mem_kind kind, size_t size, size_t align,
		    struct smmu_dma_buf *buf);
void smmu_free_kind(struct smmu_device *smmu, enum smmu_mem_kind kind, struct smmu_dma_buf *buf);
/* An I/O ASID allocator whose memory comes from smmu_alloc. */
void smmu_ioasid_init(struct smmu_device *smmu, struct ioasid_allocator *a);
uint64_t smmu_read_once64(const volatile uint64_t *p);
void smmu_write_once64(volatile uint64_t *p, uint64_t v);
static inline uint32_t smmu_read32(struct smmu_device *s, uint32_t off)
{
	return s->regif.read32(s->regif.ctx, off);
}
static inline void smmu_write32(struct smmu_device *s, uint32_t off, uint32_t v)
{
	s->regif.write32(s->regif.ctx, off, v);
}
static inline uint64_t smmu_read64(struct smmu_device *s, uint32_t off)
{
	return s->regif.read64(s->regif.ctx, off);
}
static inline void smmu_write64(struct smmu_device *s, uint32_t off, uint64_t v)
{
	s->regif.write64(s->regif.ctx, off, v);
}
/* The barriers of regif.h (probe refuses a regif without them). */
static inline void smmu_rmb(struct smmu_device *s)
{
	s->regif.rmb(s->regif.ctx);
}
static inline void smmu_wmb(struct smmu_device *s)
{
	s->regif.wmb(s->regif.ctx);
}
static inline void smmu_mb(struct smmu_device *s)
{
	s->regif.mb(s->regif.ctx);
}
static inline void smmu_relax(struct smmu_device *s)
{
	if (s->regif.relax)
		s->regif.relax(s->regif.ctx);
}
static inline unsigned smmu_ilog2(uint64_t v)
{
	unsigned r = 0;
	while (v >>= 1)
		r++;
	return r;
}
static inline unsigned smmu_ffs64(uint64_t v) /* index of the lowest set bit, v != 0 */
{
	unsigned r = 0;
	while (!(v & 1)) {
		v >>= 1;
		r++;
	}
	return r;
}

/* queue.c */
int smmu_queue_alloc(struct smmu_device *smmu, struct smmu_queue *q, uint32_t log2size, uint32_t ent_dwords,
		     uint32_t base_reg, uint32_t prod_reg, uint32_t cons_reg);
void smmu_queue_free(struct smmu_device *smmu, struct smmu_queue *q);
uint64_t smmu_queue_base_value(const struct smmu_queue *q);

/* strtab.c */
int smmu_strtab_alloc(struct smmu_device *smmu);
void smmu_strtab_free(struct smmu_device *smmu);
uint64_t smmu_strtab_base_value(const struct smmu_device *smmu);
uint32_t smmu_strtab_cfg_value(const struct smmu_device *smmu);

/* cdtab.c */
int smmu_cdtab_alloc(struct smmu_device *smmu, struct smmu_cdtab *cdtab, uint8_t ssid_bits);
/* Make sure the leaf holding ssid exists and is published (L1CD + CFGI_CD leaf=0 + SYNC). */
int smmu_cdtab_prepare(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid);
void smmu_cdtab_free(struct smmu_device *smmu, struct smmu_cdtab *cdtab);
int smmu_cdtab_write_cd(struct smmu_device *smmu, struct smmu_master *master, uint32_t ssid, const uint64_t *target);
void smmu_cd_make_s1(const struct smmu_features *f, const struct iommu_domain *d, uint64_t *cd);

/* pgtable.c */
int smmu_pgtable_init(struct smmu_device *smmu, struct iommu_domain *d);
void smmu_pgtable_free(struct smmu_device *smmu, struct iommu_domain *d);
int smmu_pgtable_map(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size,
		     int prot);
uint64_t smmu_pgtable_unmap(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t size);
uint64_t smmu_pgtable_iova_to_phys(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova);
uint64_t smmu_pgtable_ttb(const struct iommu_domain *d);

/* iommu.c */
void smmu_iommu_teardown(struct smmu_device *smmu);
void smmu_domain_set_aux_parent(struct iommu_domain *d, struct iommu_domain *parent);
int smmu_master_update_ste(struct smmu_device *smmu, struct smmu_master *m);
int smmu_master_ensure_cdtab(struct smmu_device *smmu, struct smmu_master *m);
void smmu_master_maybe_free_cdtab(struct smmu_device *smmu, struct smmu_master *m);

/* pasid.c */
void smmu_pasid_release_master(struct smmu_device *smmu, struct smmu_master *m);
void smmu_pasid_release_domain(struct smmu_device *smmu, struct iommu_domain *d);

/* tlb.c-like helpers in pgtable.c */
int smmu_tlbi_range(struct smmu_device *smmu, struct iommu_domain *d, uint64_t iova, uint64_t size, bool leaf,
		    int leaf_level);

#endif /* SMMUV3_INTERNAL_H */
