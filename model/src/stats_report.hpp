// The engine's statistics by name, as JSON and as the human-readable report: one implementation
// (platform_stats.cpp) behind both the C API (smmusim_stat, smmusim_stats_json, smmusim_stats_text)
// and the TLM-2.0 component (Smmuv3Tlm::stat, stats_json, stats_text).
#ifndef SMMUSIM_STATS_REPORT_HPP
#define SMMUSIM_STATS_REPORT_HPP

#include <smmusim/smmu.hpp>

#include <cstdint>
#include <cstdio>

namespace smmusim {

uint64_t engine_stat(Smmu &smmu, const char *name); // 0 for an unknown name
// dma_bytes: the platform's DMA allocator figure, or nullptr when the platform has none.
int engine_stats_json(Smmu &smmu, FILE *out, const uint64_t *dma_bytes);
int engine_stats_text(Smmu &smmu, FILE *out);

} // namespace smmusim

#endif
