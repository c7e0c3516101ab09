/* SPDX-License-Identifier: MIT */
#ifndef SMMUSIM_BENCH_PLATFORM_H
#define SMMUSIM_BENCH_PLATFORM_H

#include <smmusim/smmusim.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>

#include "bench.h"
#include "smmusim/workload.h"

struct bench_platform {
	smmusim_config *cfg;
	smmusim_platform *sim;
	struct smmu_device *smmu;
	char err[600];
};

/* Configuration from "KEY=VALUE" strings, platform, driver probe + reset. Returns SMMUSIM_EXIT_*. */
int bench_platform_open(struct bench_platform *p, const char *const *sets, size_t nsets, enum smmu_cd_layout layout);
/* The same from a named preset (NULL: the defaults), then the "KEY=VALUE" strings. */
int bench_platform_open_preset(struct bench_platform *p, const char *preset, const char *const *sets, size_t nsets,
			       enum smmu_cd_layout layout);
/* The same from a configuration the caller built; the platform owns (and frees) cfg. */
int bench_platform_open_cfg(struct bench_platform *p, smmusim_config *cfg, enum smmu_cd_layout layout);
void bench_platform_close(struct bench_platform *p);
uint64_t bench_stat(const struct bench_platform *p, const char *name);
/* Drain the event queue as an interrupt handler on a CPU of its own would: its register reads
 * take no simulated time (they do not hold the devices' DMA back). */
void bench_evtq_drain(struct bench_platform *p);

/* The generator of `smmusim gen` (smmusim/workload.h), so a seed means the same thing everywhere. */
static inline uint64_t bench_rand(uint64_t *s)
{
	return smmusim_splitmix64(s);
}

#endif
