// Parsed configuration of one simulated platform: every field comes from the registry in
// src/config.cpp (one table: key, type, default, doc), see docs/configuration.md.
// Global namespace on purpose: the C API's type `smmusim` (smmusim.h) cannot coexist with the
// C++ namespace smmusim in one translation unit, and config.cpp needs both this and smmusim.h.
#ifndef SMMUSIM_PARAMS_HPP
#define SMMUSIM_PARAMS_HPP

#include <cstdint>
#include <string>

struct smmusim_config;

struct SmmuParams {
	// smmu.*: ID register contents (what software discovers) and register/command timing.
	unsigned sidsize = 24, ssidsize = 20, cmdqs = 19, eventqs = 19;
	bool s2p = false, cd2l = true, asid16 = true, vmid16 = true, msi = true, sev = true, ril = true, had = true;
	bool gran4k = true, gran16k = true, gran64k = true;
	unsigned st_level = 1;    // IDR0.ST_LEVEL encoding
	unsigned oas = 5;         // IDR5.OAS encoding
	unsigned stall_model = 1; // IDR0.STALL_MODEL encoding
	unsigned ack_delay = 4;   // CR0ACK / IRQ_CTRLACK / GBPA.Update delay
	unsigned cmd_cycles = 4;  // fetch + execute of a simple command
	unsigned cmd_inv_cycles = 8; // extra cycles of a TLB/config invalidation
	unsigned cmd_sync_cycles = 2; // extra cycles of a CMD_SYNC (completion signal)
	unsigned relax_cycles = 16;
	bool log = false;
	bool timed = true;        // model.timing: timed, or functional (translation only, latency 0)
	unsigned stats_top_n = 64; // per-StreamID / per-SubstreamID entries kept in the statistics

	// mem.*
	uint64_t mem_size = 16ull << 30;
	uint64_t dma_base = 1ull << 30; // the DMA allocator's region starts here
	unsigned mem_latency = 100;
	unsigned mem_bytes_per_cycle = 64; // channel width: an access of b bytes holds it ceil(b/width) cycles

	// tbu.*
	unsigned tbu_count = 4;
	unsigned utlb_entries = 32, utlb_latency = 1, utlb_slots = 1;
	std::string utlb_policy = "plru";
	unsigned mtlb_entries = 2048, mtlb_ways = 4, mtlb_latency = 3, mtlb_slots = 3;
	std::string mtlb_policy = "random";
	unsigned link_to_tcu = 8, link_to_tbu = 8, link_cycles = 1;
	unsigned tbu_xlate_slots = 16;

	// tcu.*
	unsigned cfg_entries = 64, cfg_ways = 4, cfg_latency = 3, cfg_slots = 3;
	bool cfg_cache_l1 = false;
	std::string cfg_policy = "rr";
	unsigned walk_entries = 512, walk_ways = 4, walk_latency = 4, walk_slots = 4;
	bool walk_per_level = true;
	unsigned walk_l0_entries = 16, walk_l1_entries = 64, walk_l2_entries = 256;
	std::string walk_policy = "rr";
	unsigned tcu_xlate_slots = 64, ptw_slots = 16;
	uint64_t seed = 1;

	// Driver policy read by the replay tool (the model ignores them).
	std::string cd_layout = "auto", st_layout = "auto";
};

// Fill p from cfg (NULL = defaults); false with a message for a value the model cannot honour.
bool smmu_params_from_config(const smmusim_config *cfg, SmmuParams &p, std::string &err);

#endif
