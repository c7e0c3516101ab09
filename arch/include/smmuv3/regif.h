/* SPDX-License-Identifier: MIT */
/*
 * The abstract register interface: everything the driver may ask of the platform it runs on.
 * The simulator implements it on top of the SystemC model (model/src/platform.cpp); a bare-metal
 * port implements it with MMIO pointers and a page allocator. Nothing else reaches the driver.
 */
#ifndef SMMUV3_REGIF_H
#define SMMUV3_REGIF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A DMA-coherent buffer: the CPU view and the bus address the SMMU uses for the same bytes. */
struct smmu_dma_buf {
	void *cpu;
	uint64_t bus;
	size_t size;
};

enum smmu_log_level { SMMU_LOG_ERR = 0, SMMU_LOG_WARN = 1, SMMU_LOG_INFO = 2, SMMU_LOG_DEBUG = 3 };

struct smmu_regif {
	void *ctx; /* passed back to every hook */

	/* MMIO at a byte offset from the SMMU base (page 1 registers are at 0x10000 + offset). */
	uint32_t (*read32)(void *ctx, uint32_t off);
	void (*write32)(void *ctx, uint32_t off, uint32_t val);
	uint64_t (*read64)(void *ctx, uint32_t off);
	void (*write64)(void *ctx, uint32_t off, uint64_t val);

	/*
	 * Allocate size bytes of DMA-coherent memory aligned to align (a power of two) in both the
	 * CPU and the bus view. Returns 0 and fills *buf, or a negative errno (-ENOMEM). The
	 * contents are UNKNOWN (not all allocators zero): the driver initialises everything it
	 * hands to the SMMU before it publishes it, since the SMMU may fetch and cache any valid
	 * structure it can reach (IHI 0070 §3.21); the simulator's strict mode hands out junk
	 * that looks like valid structures. This is the only allocator the driver uses, for its
	 * own bookkeeping too.
	 */
	int (*dma_alloc)(void *ctx, size_t size, size_t align, struct smmu_dma_buf *buf);
	void (*dma_free)(void *ctx, const struct smmu_dma_buf *buf);

	/*
	 * Barriers between the CPU's accesses to DMA memory (tables, queues) and to the SMMU's
	 * registers, as the SMMU observes them. All three are required; a platform whose CPU and
	 * SMMU see accesses in program order makes them empty functions (the simulator does by
	 * default; with mem.store_visibility = barrier its CPU stores and SMMU writes cross only
	 * at them).
	 *
	 *   rmb: every read before it (memory or MMIO) is performed before any read after it.
	 *        The driver reads EVENTQ_PROD, then rmb, then the records PROD says are valid.
	 *        (Linux: rmb()/dma_rmb(); AArch64: DMB OSHLD.)
	 *   wmb: every memory write before it is observable by the SMMU before any write after
	 *        it (memory or MMIO). The driver fills a table, then wmb, then writes the
	 *        descriptor that points at it; writes commands, then wmb, then CMDQ_PROD.
	 *        (Linux: wmb(); AArch64: DSB ST, or DMB OSHST when MMIO is Device-nGnRE.)
	 *   mb:  every read and write before it is performed before any read or write after it.
	 *        The driver reads event records, then mb, then writes EVENTQ_CONS (a read
	 *        ordered before a write, which wmb does not give); and after it has seen a
	 *        CMD_SYNC complete (a CMDQ_CONS read), mb, then rewrites or frees memory the SMMU
	 *        was reading. (Linux: mb(); AArch64: DSB SY, or DMB OSH.)
	 */
	void (*rmb)(void *ctx);
	void (*wmb)(void *ctx);
	void (*mb)(void *ctx);

	/* Called in every polling loop: advances simulated time, or is a cpu_relax on hardware. */
	void (*relax)(void *ctx);

	/* Optional (may be NULL): one formatted line, without a trailing newline. */
	void (*log)(void *ctx, enum smmu_log_level level, const char *msg);
};

#ifdef __cplusplus
}
#endif

#endif /* SMMUV3_REGIF_H */
