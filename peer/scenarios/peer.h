/* SPDX-License-Identifier: MIT */
/*
 * The peer scenarios' view of a platform: the driver's register interface plus what a test needs
 * beyond it, namely DMA masters with StreamIDs and a console. Two backends implement it: QEMU's
 * `virt` machine with its SMMUv3 and `edu` PCI devices (peer/qemu-virt/), and the SystemC model
 * through the smmusim C API (peer/model/). The scenarios (scenarios.c) are the same C code on both.
 *
 * A DMA master behaves as QEMU's `edu` device: it has a 4 KB buffer and moves bytes between that
 * buffer and a bus address, and it does not report a faulting transfer (the SMMU's event queue does).
 */
#ifndef PEER_PEER_H
#define PEER_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmuv3/regif.h>

#define PEER_MAX_DEVS 2
/* Largest transfer: QEMU 7.2's edu stops QEMU on one that reaches the end of its 4 KB buffer. */
#define PEER_DMA_MAX 2048u

struct peer_platform {
	const char *name; /* "qemu-virt" or "model": printed, never used to change behaviour */
	const struct smmu_regif *regif;
	unsigned ndevs;
	uint32_t sid[PEER_MAX_DEVS]; /* StreamID of each DMA master */
	void *ctx;
	/*
	 * Master dev moves len bytes (1..PEER_DMA_MAX) between its buffer (from offset 0) and bus
	 * address addr: to_mem = true writes memory (a write on the bus, RnW = 0), false reads it into
	 * the buffer (RnW = 1). Returns when the transfer is over, whatever its outcome.
	 */
	void (*dma)(void *ctx, unsigned dev, uint64_t addr, uint32_t len, bool to_mem);
	/* One line of output, without the newline. */
	void (*puts)(void *ctx, const char *line);
};

/* The scenario groups; each runs on a freshly started SMMU (a new QEMU, a new model process). */
struct peer_group {
	const char *name;
	const char *what;
	void (*run)(const struct peer_platform *plat);
};
extern const struct peer_group peer_groups[];
extern const unsigned peer_num_groups;

/* Run the named group, framed by BEGIN/END lines. Returns 0, or -1 for an unknown name. */
int peer_run_group(const struct peer_platform *plat, const char *group);

#endif /* PEER_PEER_H */
