// Parsed configuration of one simulated platform: every field comes from the registry in
// src/config.cpp (one table: key, type, default, doc), see docs/configuration.md.
#ifndef SMMUSIM_PARAMS_HPP
#define SMMUSIM_PARAMS_HPP

#include <cstdint>
#include <string>

struct smmusim_config;

namespace smmusim {

struct SmmuParams {
	// No defaults here on purpose: the registry in src/config.cpp is the one place that knows them,
	// and smmu_params_from_config() sets every field (a value-initialised SmmuParams{} is all zero).
	// smmu.*: ID register contents (what software discovers) and register/command timing.
	unsigned sidsize, ssidsize, cmdqs, eventqs;
	bool s2p, cd2l, asid16, vmid16, msi, sev, ril, had;
	bool gran4k, gran16k, gran64k;
	unsigned st_level;    // IDR0.ST_LEVEL encoding
	unsigned bbml;        // IDR3.BBML: break-before-make level 0, 1 or 2
	unsigned oas;         // IDR5.OAS encoding
	unsigned stall_model; // IDR0.STALL_MODEL encoding
	unsigned ack_delay;   // CR0ACK / IRQ_CTRLACK / GBPA.Update delay
	unsigned cmd_cycles;  // fetch + execute of a simple command
	unsigned cmd_inv_cycles; // extra cycles of a TLB/config invalidation
	unsigned cmd_sync_cycles; // extra cycles of a CMD_SYNC (completion signal)
	unsigned cmd_inv_search_rate; // entries an invalidation searches per cycle, 0 = a constant cost
	unsigned relax_cycles;
	unsigned reg_read_cycles; // MMIO read round trip of the register interface (regif read32/read64)
	bool log;
	bool strict;       // smmu.strict: the least forgiving behaviour IHI 0070 allows (docs/model.md)
	bool timed;        // model.timing: timed, or functional (translation only, latency 0)
	unsigned stats_top_n; // per-StreamID / per-SubstreamID entries kept in the statistics

	// mem.*
	uint64_t mem_size;
	uint64_t dma_base; // the DMA allocator's region starts here
	bool stores_at_barriers; // mem.store_visibility = barrier: CPU stores to DMA memory reach it at wmb/mb only
	unsigned mem_latency;
	unsigned mem_bytes_per_cycle; // channel width: an access of b bytes holds it ceil(b/width) cycles
	unsigned mem_data_latency;    // the DMA data access (mem_latency: descriptor and table reads)
	uint64_t slc_size;            // system-level cache bytes (64-byte lines), 0 = none
	unsigned slc_ways, slc_latency;
	bool slc_data;                // DMA data is looked up in the system-level cache too

	// tbu.*
	unsigned tbu_count;
	unsigned utlb_entries, utlb_latency, utlb_slots;
	std::string utlb_policy;
	unsigned mtlb_entries, mtlb_ways, mtlb_latency, mtlb_slots;
	std::string mtlb_policy;
	unsigned link_to_tcu, link_to_tbu, link_cycles;
	unsigned tbu_xlate_slots;

	// tcu.*
	unsigned cfg_entries, cfg_ways, cfg_latency, cfg_slots;
	bool cfg_cache_l1;
	std::string cfg_policy;
	unsigned walk_entries, walk_ways, walk_latency, walk_slots;
	bool walk_per_level;
	unsigned walk_l0_entries, walk_l1_entries, walk_l2_entries, walk_l3_entries;         // stage 1
	unsigned walk_s2l0_entries, walk_s2l1_entries, walk_s2l2_entries, walk_s2l3_entries; // stage 2
	std::string walk_policy;
	unsigned tcu_xlate_slots, ptw_slots;
	unsigned ctw_slots; // configuration walks at once; 0 = no limit
	uint64_t seed;

	// Driver policy read by the replay tool (the model ignores them).
	std::string cd_layout, st_layout;
};

// Fill p from cfg (NULL = defaults); false with a message for a value the model cannot honour.
bool smmu_params_from_config(const smmusim_config *cfg, SmmuParams &p, std::string &err);

} // namespace smmusim

#endif
