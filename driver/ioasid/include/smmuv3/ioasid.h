/* SPDX-License-Identifier: MIT */
/*
 * I/O ASID (PASID) allocator: the semantics of Linux's drivers/iommu/ioasid.c as merged in v5.5
 * (patch 1/8 of the PASID series, see docs/data-structures.md), reshaped for a freestanding,
 * global-free driver:
 *   - every call takes an allocator object, so tests and several simulated systems never share
 *     state (Linux had one global allocator);
 *   - memory comes from a mem-ops callback pair given at init (the driver wires it to its register
 *     interface's DMA allocator); there is no malloc and no libc;
 *   - no locking and no RCU: the driver is single-threaded per device, so ioasid_set_data() takes
 *     effect at once and the caller may free the old data immediately.
 *
 * Storage: a radix tree over the 32-bit ID space, 64-way nodes, six levels. Internal nodes keep a
 * "child subtree is full" bitmap so the lowest free ID >= min is found in O(levels); leaves keep an
 * allocated bitmap and one {set, private} record per ID. Nodes are allocated on demand and freed as
 * soon as they are empty, so memory is proportional to the live IDs (dense: ~16 B per ID).
 */
#ifndef SMMUV3_IOASID_H
#define SMMUV3_IOASID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smmuv3/errno.h"

#ifndef SMMU_EAGAIN
#define SMMU_EAGAIN 11
#endif
#ifndef SMMU_EACCES
#define SMMU_EACCES 13
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t ioasid_t;
/* Failure return of ioasid_alloc(); the valid range is 0 .. 0xFFFFFFFE. */
#define INVALID_IOASID ((ioasid_t)-1)

/* A set is only a tag compared by identity (no quota, no range), as in Linux. */
struct ioasid_set {
	int dummy;
};
#define DECLARE_IOASID_SET(name) struct ioasid_set name = { 0 }

/* Memory for tree nodes and allocator records. free() receives the size given to alloc(). */
struct ioasid_mem_ops {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
};

/* Custom allocator (Linux: struct ioasid_allocator_ops). */
typedef ioasid_t (*ioasid_alloc_fn_t)(ioasid_t min, ioasid_t max, void *data);
typedef void (*ioasid_free_fn_t)(ioasid_t ioasid, void *data);
struct ioasid_allocator_ops {
	ioasid_alloc_fn_t alloc;
	ioasid_free_fn_t free;
	void *pdata;
	struct ioasid_allocator_ops *next; /* framework-private: ops sharing the same functions */
};

/* One ID space: the radix tree. Opaque; embedded so the default allocator needs no allocation. */
struct ioasid_tree {
	void *root;
	uint32_t count;
};

struct ioasid_group; /* a registered custom allocator (opaque) */

struct ioasid_allocator {
	struct ioasid_mem_ops mem;
	struct ioasid_tree default_tree;
	struct ioasid_group *groups; /* registered custom allocators, in registration order */
	struct ioasid_group *active; /* NULL: the built-in default allocator is active */
	size_t bytes;		     /* bytes currently held through mem ops */
};

/* Returns 0, or -SMMU_EINVAL if a or mem (or its alloc/free) is NULL. Allocates nothing. */
int ioasid_allocator_init(struct ioasid_allocator *a, const struct ioasid_mem_ops *mem);
/* Frees every node and record (custom free hooks are not called). The object may be re-inited. */
void ioasid_allocator_destroy(struct ioasid_allocator *a);

/*
 * Lowest free ID in [min, max] (both inclusive; max is clamped to 0xFFFFFFFE) tagged with set and
 * private_data (both may be NULL). INVALID_IOASID on any failure: min > max, range exhausted, out
 * of memory, custom allocator failure. For SMMU substreams pass min >= 1 (PASID 0 is reserved).
 * With a custom allocator active, the ID comes from its alloc hook and is recorded as [id, id];
 * if recording fails (no memory, already recorded) the hook's free is called and the allocation
 * fails, as in Linux. Unlike Linux, an ID outside [min, max] from the hook is also refused.
 */
ioasid_t ioasid_alloc(struct ioasid_allocator *a, struct ioasid_set *set, ioasid_t min, ioasid_t max,
		      void *private_data);
/* Frees id; an unknown id is ignored (Linux logs "Trying to free unknown IOASID"). */
void ioasid_free(struct ioasid_allocator *a, ioasid_t id);

/*
 * The private pointer of id (may be NULL), or an error pointer (test with IOASID_IS_ERR):
 *   IOASID_ERR_PTR(-SMMU_ENOENT)  id not allocated;
 *   IOASID_ERR_PTR(-SMMU_EACCES)  set != NULL and id belongs to another set.
 * A NULL set matches any set. If getter is given it is called on the private pointer; when it
 * returns false, find returns NULL (the object is dying: different from "not found").
 */
void *ioasid_find(struct ioasid_allocator *a, struct ioasid_set *set, ioasid_t id,
		  bool (*getter)(void *));

/* Replaces the private pointer of id. 0, or -SMMU_ENOENT if id is not allocated. */
int ioasid_set_data(struct ioasid_allocator *a, ioasid_t id, void *data);

/*
 * Registers a custom allocator. Returns:
 *   0            registered; the first one becomes active; an ops struct whose alloc/free equal
 *                those of a registered one joins it and shares its ID space;
 *   -SMMU_EINVAL ops, ops->alloc or ops->free NULL;
 *   -SMMU_EEXIST this ops pointer is already registered (Linux only checked the first ops of
 *                each group; every ops is checked here);
 *   -SMMU_EAGAIN no custom allocator yet and the default one has outstanding IDs;
 *   -SMMU_ENOMEM no memory for the allocator record.
 */
int ioasid_register_allocator(struct ioasid_allocator *a, struct ioasid_allocator_ops *ops);
/*
 * Unregisters ops. If other ops share its functions they keep the group and its IDs (the first
 * remaining ops' pdata is used from now on). If it was the last of its group, the group goes;
 * if that group was active the next registered group becomes active, or the default allocator
 * when none is left. Returns 0; -SMMU_ENOENT if ops was not registered; -SMMU_EBUSY if the group
 * still had IDs, which are dropped (Linux WARNs and leaks them).
 */
int ioasid_unregister_allocator(struct ioasid_allocator *a, struct ioasid_allocator_ops *ops);

/* Number of IDs allocated in the active allocator's space. */
size_t ioasid_count(const struct ioasid_allocator *a);
/* Bytes currently held through mem ops (0 after every ID is freed and no custom allocator). */
size_t ioasid_mem_bytes(const struct ioasid_allocator *a);

/* Linux's ERR_PTR convention for ioasid_find(). */
#define IOASID_MAX_ERRNO 4095
static inline void *IOASID_ERR_PTR(long err)
{
	return (void *)(intptr_t)err;
}
static inline bool IOASID_IS_ERR(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)-IOASID_MAX_ERRNO;
}
static inline int IOASID_PTR_ERR(const void *p)
{
	return (int)(intptr_t)p;
}

#ifdef __cplusplus
}
#endif

#endif /* SMMUV3_IOASID_H */
