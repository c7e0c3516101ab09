// Randomized isolation (conformance): many devices, each with its own stage-1 domain and mappings,
// issue DMAs through smmusim_dma (random addresses inside and outside their mappings, reads,
// writes, privileged and instruction accesses) while the driver maps, unmaps, detaches and
// re-attaches in between. An ORACLE independent of the model (std::map of what the driver was
// asked to map, with permissions) predicts every outcome:
//   * a DMA that translates lands exactly at oracle PA (checked by pa and by the bytes moved);
//   * no DMA ever reaches memory outside the current mappings of its own domain: the whole data
//     pool and an identity-escape canary region are compared with a shadow copy;
//   * every DMA that does not translate produces the right event, read back in order through the
//     driver's event queue (smmu_evtq_drain): F_TRANSLATION for unmapped addresses (IHI 0070 §7.3.13),
//     F_PERMISSION for a write to read-only, unprivileged access to a privileged page, or an
//     instruction fetch from an execute-never page (IHI 0070 §13.4.1), C_BAD_STREAMID for a StreamID
//     whose level-2 stream table does not exist (IHI 0070 §5.1, §7.3.3), none for an abort STE (IHI 0070 §5.2,
//     STE.Config).
// Half of the devices also have SubstreamIDs with PASIDs attached to their own domains (compiled in
// when driver/include/smmuv3/iommu.h declares iommu_attach_device_pasid).
//
// Deterministic: fixed seed, overridable with SMMUSIM_ISOLATION_SEED; the number of DMAs of the
// long case can be overridden with SMMUSIM_ISOLATION_DMAS.
#include <gtest/gtest.h>

#include "strict_mode.hpp"

// The isolation suite runs against the strict model (docs/model.md "Strict mode"); CMake sets this.
static_assert(SMMUSIM_TEST_STRICT == 1, "the isolation test is compiled for the strict model");

extern "C" {
#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr uint64_t PAGE = 4096;
constexpr unsigned NP = 64;                 // pages in each domain's IOVA window and frame pool
constexpr uint64_t WIN = 0x10000000;        // IOVA window, the same in every domain
constexpr uint64_t POOL = 0x40000000 - (64ull << 20); // data frames, below the DMA allocator (1 GiB)
constexpr uint64_t CANARY = WIN;            // PA == IOVA: catches an identity (bypass) escape
constexpr uint64_t BLOCK = 2ull << 20;      // 2 MB: a level-2 block with the 4 KB granule
constexpr uint64_t BWIN = 0x80000000;       // block window (IOVA), the same in every domain
constexpr uint64_t BPOOL = 0x100000000ull;  // one 2 MB-aligned block of frames per device

uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = std::getenv(name);
	return (v && *v) ? std::strtoull(v, nullptr, 0) : dflt;
}

constexpr uint32_t NO_SID = 0xFFFFFFFFu;

struct Mapping {
	uint64_t pa;
	int prot;
};

struct ExpectedEvent {
	uint8_t type;
	uint32_t sid;
	uint64_t addr;
	bool rnw, pnu, ind, ssv;
	uint32_t ssid;
	uint64_t dma_index;
};

// One translation context: a device's RID (ssid 0) or one of its PASIDs, with its own domain.
struct Device {
	uint32_t sid;
	uint32_t sid2 = NO_SID; // a second StreamID of the same device (one CD table, two STEs), or NO_SID
	uint32_t ssid = 0;     // 0: the RID context (DMAs without SubstreamID)
	unsigned owner = 0;    // index in dev_ of the RID context of this device
	unsigned ssid_bits = 0;// RID context: the device's SubstreamID bits (S1CDMax)
	unsigned gp = 1;       // the domain's granule in 4 KB pages (1, 4 or 16)
	smmu_master *master = nullptr;
	iommu_domain *domain = nullptr;
	bool attached = false;
	unsigned index; // pool slot (== index in dev_)
	std::map<uint64_t, Mapping> oracle; // iova page -> mapping
	std::map<uint64_t, uint64_t> last_pa; // iova page -> the frame it was last mapped to (kept after unmap)
	std::set<uint32_t> cd_leaves;       // RID context: 2-level CD leaves the driver has written
};

struct Params {
	bool two_level;
	uint64_t dmas;
	unsigned devices;
	std::vector<std::pair<const char *, const char *>> model_cfg; // extra smmusim settings
	unsigned pasids_per_device = 0; // > 0: every other device gets PASIDs with their own domains
	bool mixed_granules = false;    // contexts cycle through 4 KB, 16 KB and 64 KB granules
};

class Isolation {
public:
	explicit Isolation(const Params &p) : p_(p), seed_(env_u64("SMMUSIM_ISOLATION_SEED", 0x5eed1234)), rng_(seed_) {}
	~Isolation() { smmusim_system_down(&sys_); }

	void run()
	{
		std::printf("isolation: seed 0x%llx (override with SMMUSIM_ISOLATION_SEED), %llu DMAs, %u devices, %u PASIDs "
			    "per PASID-capable device, %s stream table, %s model\n",
			    (unsigned long long)seed_, (unsigned long long)p_.dmas, p_.devices, p_.pasids_per_device,
			    p_.two_level ? "2-level" : "linear", runs_strict() ? "strict" : "lenient");
		auto t0 = std::chrono::steady_clock::now();
		ASSERT_NO_FATAL_FAILURE(setup());
		for (uint64_t i = 0; i < p_.dmas; i++) {
			ASSERT_NO_FATAL_FAILURE(one_dma(i)) << "seed 0x" << std::hex << seed_;
			// the event queue holds 128 records (driver default): drain well before it can overflow
			if (pending_.size() >= 48 || (i % 64) == 63) {
				ASSERT_NO_FATAL_FAILURE(drain());
			}
			if (i % 97 == 96) {
				ASSERT_NO_FATAL_FAILURE(churn_map());
			}
			if (i % 1999 == 1998) {
				ASSERT_NO_FATAL_FAILURE(churn_attach());
			}
			if (i % 200000 == 199999) {
				ASSERT_NO_FATAL_FAILURE(check_memory());
			}
		}
		ASSERT_NO_FATAL_FAILURE(drain());
		ASSERT_NO_FATAL_FAILURE(check_memory());
		const smmu_stats *st = smmu_get_stats(smmu_);
		EXPECT_EQ(0u, st->evtq_overflows) << "event queue overflowed: drain more often";
		EXPECT_EQ(0u, st->cmd_errors);
		EXPECT_EQ(p_.dmas, smmusim_stat(sim_, "dma.transactions") - dma_stat0_) << "every DMA went through the model";
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		std::printf("isolation: %llu DMAs (%llu translated, %llu faulted with an event, %llu silent aborts), "
			    "%llu maps (%llu 2 MB blocks), %llu unmaps (%llu splitting a block), %llu attach changes, %.1f s\n",
			    (unsigned long long)p_.dmas, (unsigned long long)n_ok_, (unsigned long long)n_events_,
			    (unsigned long long)n_silent_, (unsigned long long)n_map_, (unsigned long long)n_block_maps_,
			    (unsigned long long)n_unmap_, (unsigned long long)n_block_splits_,
			    (unsigned long long)n_attach_, s);
		std::printf("isolation: events:");
		for (unsigned t = 0; t < 256; t++)
			if (n_evt_type_[t])
				std::printf(" %s %llu", smmu_event_name((uint8_t)t), (unsigned long long)n_evt_type_[t]);
		std::printf("; %llu DMAs with a SubstreamID translated, %zu contexts (domains allocated with 4/16/64 KB granules: %u/%u/%u); "
			    "%llu domains replaced (%llu reusing the freed ASID); %llu maps moving a page to another frame\n",
			    (unsigned long long)n_pasid_ok_, dev_.size(), n_granule_[0], n_granule_[1], n_granule_[2],
			    (unsigned long long)n_replaced_, (unsigned long long)n_asid_reused_, (unsigned long long)n_remaps_);
		// Each outcome class must really have been exercised.
		EXPECT_GT(n_ok_, p_.dmas / 6);
		EXPECT_GT(n_evt_type_[EVT_F_TRANSLATION], 0u);
		EXPECT_GT(n_evt_type_[EVT_F_PERMISSION], 0u);
		EXPECT_GT(n_silent_, 0u);
		EXPECT_GT(n_block_splits_, 0u);
		EXPECT_GT(n_remaps_, 0u);
		EXPECT_GT(n_asid_reused_, 0u) << "a freed ASID given to a new domain (IHI 0070 §3.21)";
		if (runs_strict()) { // the strict model's caching really was in play
			EXPECT_GT(smmusim_stat(sim_, "strict.prefetches"), 0u);
			EXPECT_GT(smmusim_stat(sim_, "strict.tlb_hits"), 0u);
		}
		EXPECT_GT(n_evt_type_[EVT_C_BAD_STREAMID], 0u);
		if (p_.pasids_per_device) {
			EXPECT_GT(n_pasid_ok_, 0u);
			EXPECT_GT(n_evt_type_[EVT_C_BAD_CD], 0u);
			EXPECT_GT(n_evt_type_[EVT_C_BAD_SUBSTREAMID], 0u);
			EXPECT_GT(n_evt_type_[EVT_F_STREAM_DISABLED], 0u);
		}
	}

private:
	Params p_;
	uint64_t seed_;
	std::mt19937_64 rng_;
	smmusim_system sys_{}; // the one bring-up (bringup/); sim_ and smmu_ mirror it
	smmusim_platform *sim_ = nullptr;
	smmu_device *smmu_ = nullptr;
	std::vector<Device> dev_;
	std::vector<uint8_t> shadow_pool_, shadow_canary_, shadow_bpool_;
	std::deque<ExpectedEvent> pending_;
	std::vector<smmu_event> drained_;
	uint64_t dma_stat0_ = 0, n_ok_ = 0, n_events_ = 0, n_silent_ = 0, n_map_ = 0, n_unmap_ = 0, n_attach_ = 0;
	uint64_t n_evt_type_[256] = {};
	uint64_t n_block_maps_ = 0, n_block_splits_ = 0, n_pasid_ok_ = 0;
	unsigned n_granule_[3] = {};
	uint64_t n_replaced_ = 0, n_asid_reused_ = 0, n_remaps_ = 0;
	std::vector<uint32_t> stray_sids_;

	uint64_t rnd(uint64_t n) { return n ? rng_() % n : 0; }
	// Strict unless the whole run is overridden (SMMUSIM_STRICT=0, or the mutant catalogue's lenient
	// pass through SMMUSIM_CONFIG_OVERRIDE).
	static bool runs_strict()
	{
		const char *ov = std::getenv("SMMUSIM_CONFIG_OVERRIDE");
		return std::string(test_strict_value()) == "1" && !(ov && *ov);
	}
	bool chance(unsigned percent) { return rnd(100) < percent; }
	uint64_t frame(const Device &d, unsigned f) const { return POOL + ((uint64_t)d.index * NP + f) * PAGE; }

	void setup()
	{
		smmusim_config *c = smmusim_config_new();
		char err[256];
		auto set = [&](const char *k, const char *v) { ASSERT_EQ(0, smmusim_config_set(c, k, v, err, sizeof err)) << err; };
		if (p_.two_level) {
			set("smmu.sidsize", "16"); // > 8: the driver uses a 2-level table with SPLIT 8 (IHI 0070 §3.3.1)
		} else {
			set("smmu.st_level", "linear");
			set("smmu.sidsize", "6"); // the model allows a linear-only SMMU below 7 SID bits
		}
		set("smmu.strict", test_strict_value()); // a case's model_cfg may override it
		for (auto &kv : p_.model_cfg)
			set(kv.first, kv.second);
		int rc = smmusim_system_up(&sys_, c, err, sizeof err);
		smmusim_config_free(c);
		sim_ = sys_.sim;
		smmu_ = sys_.smmu;
		ASSERT_EQ(0, rc) << err;
		ASSERT_EQ(p_.two_level, smmu_strtab_is_2lvl(smmu_));

		// StreamIDs: spread over several level-2 tables (2-level) or the linear table.
		std::vector<uint32_t> sids;
		for (unsigned i = 0; i < p_.devices; i++) {
			uint32_t sid = p_.two_level ? (uint32_t)((i % 5) * 0x300 + 0x40 + i * 7) : (uint32_t)(3 + i * 3);
			sids.push_back(sid);
		}
		// StreamIDs nobody owns: in an allocated level-2 table (abort STE, no event), in a level-2
		// table never allocated (C_BAD_STREAMID), beyond the table (C_BAD_STREAMID).
		if (p_.two_level)
			stray_sids_ = {0x42, 0x341, 0x5000, 0xff00, 0x10000};
		else
			stray_sids_ = {1, 2, 62, 64, 0x1234};

		for (unsigned i = 0; i < p_.devices; i++) {
			Device d;
			d.sid = sids[i];
			d.index = d.owner = i;
			if (i % 3 == 2)
				d.sid2 = d.sid + 1; // a device with two StreamIDs
			unsigned pasid_bits = (p_.pasids_per_device && i % 2 == 0) ? (i % 4 == 0 ? 12 : 4) : 0;
			ASSERT_NO_FATAL_FAILURE(probe(d, pasid_bits));
			ASSERT_NO_FATAL_FAILURE(alloc_domain(d));
			ASSERT_EQ(0, iommu_attach_device(smmu_, d.domain, d.master));
			d.attached = true;
			d.cd_leaves.insert(0);
			dev_.push_back(d);
		}
		ASSERT_NO_FATAL_FAILURE(add_pasids());
		// Random initial memory contents (pool and canary), mirrored in the shadows.
		shadow_pool_.resize((size_t)dev_.size() * NP * PAGE);
		shadow_bpool_.assign((size_t)p_.devices * BLOCK, 0); // the model's RAM starts zeroed
		shadow_canary_.resize(NP * PAGE);
		for (auto &b : shadow_pool_)
			b = (uint8_t)rng_();
		for (auto &b : shadow_canary_)
			b = (uint8_t)rng_();
		ASSERT_EQ(0, smmusim_mem_write(sim_, POOL, shadow_pool_.data(), shadow_pool_.size()));
		ASSERT_EQ(0, smmusim_mem_write(sim_, CANARY, shadow_canary_.data(), shadow_canary_.size()));
		// Half of each window mapped to start with.
		for (auto &d : dev_) {
			for (unsigned k = 0; k < NP / 2; k++) {
				ASSERT_NO_FATAL_FAILURE(map_one(d));
			}
		}
		// Every fourth 4 KB-granule device starts with a 2 MB block already split by an unmap.
		for (auto &d : dev_) {
			if (d.ssid == 0 && d.gp == 1 && d.index % 4 == 0) {
				ASSERT_NO_FATAL_FAILURE(churn_block(d));
				ASSERT_NO_FATAL_FAILURE(churn_block(d, true));
			}
		}
		dma_stat0_ = smmusim_stat(sim_, "dma.transactions");
	}

	// A paging domain for context d: 4 KB granule, or cycling 4/16/64 KB with mixed_granules.
	void alloc_domain(Device &d)
	{
		static const uint32_t granules[] = {4096, 16384, 65536};
		iommu_domain_params prm{};
		prm.type = IOMMU_DOMAIN_UNMANAGED;
		prm.granule = p_.mixed_granules ? granules[d.index % 3] : 4096;
		d.gp = prm.granule / PAGE;
		ASSERT_EQ(0, iommu_domain_alloc_params(smmu_, &prm, &d.domain)) << "granule " << prm.granule;
		n_granule_[d.gp == 1 ? 0 : d.gp == 4 ? 1 : 2]++;
	}

	void probe(Device &d, unsigned pasid_bits)
	{
#ifdef ISOLATION_PASID
		if (pasid_bits) {
			iommu_device_desc desc{};
			uint32_t sids[2] = {d.sid, d.sid2};
			desc.sids = sids;
			desc.nsids = d.sid2 == NO_SID ? 1 : 2;
			desc.pasid_num_bits = pasid_bits;
			ASSERT_EQ(0, iommu_probe_device_ex(smmu_, &desc, &d.master)) << "sid " << d.sid;
			d.ssid_bits = iommu_master_ssid_bits(d.master);
			ASSERT_EQ(pasid_bits, d.ssid_bits);
			return;
		}
#else
		ASSERT_EQ(0u, pasid_bits) << "PASIDs need iommu_attach_device_pasid";
#endif
		uint32_t sids[2] = {d.sid, d.sid2};
		ASSERT_EQ(0, iommu_probe_device(smmu_, sids, d.sid2 == NO_SID ? 1 : 2, &d.master)) << "sid " << d.sid;
	}

	// PASID contexts, each with its own domain, on the devices that have SubstreamID bits.
	void add_pasids()
	{
#ifdef ISOLATION_PASID
		unsigned nrid = (unsigned)dev_.size();
		for (unsigned r = 0; r < nrid; r++) {
			unsigned bits = dev_[r].ssid_bits;
			if (!bits)
				continue;
			std::set<uint32_t> used;
			for (unsigned k = 0; k < p_.pasids_per_device; k++) {
				uint32_t pasid;
				do
					pasid = 1 + (uint32_t)rnd((1u << bits) - 1); // never 0 (IOMMU_NO_PASID)
				while (used.count(pasid));
				used.insert(pasid);
				Device c;
				c.sid = dev_[r].sid;
				c.sid2 = dev_[r].sid2;
				c.ssid = pasid;
				c.owner = r;
				c.master = dev_[r].master;
				c.index = (unsigned)dev_.size();
				ASSERT_NO_FATAL_FAILURE(alloc_domain(c));
				ASSERT_EQ(0, iommu_attach_device_pasid(smmu_, c.domain, c.master, pasid)) << "pasid " << pasid;
				c.attached = true;
				dev_[r].cd_leaves.insert(pasid >> 10);
				dev_.push_back(c);
			}
		}
#endif
	}

	unsigned pasids_attached(unsigned rid) const
	{
		unsigned n = 0;
		for (const auto &c : dev_)
			n += c.owner == rid && c.ssid && c.attached;
		return n;
	}

	int random_prot()
	{
		static const int prots[] = {IOMMU_READ | IOMMU_WRITE,
					    IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE,
					    IOMMU_READ,
					    IOMMU_READ | IOMMU_CACHE | IOMMU_NOEXEC,
					    IOMMU_READ | IOMMU_WRITE | IOMMU_NOEXEC,
					    IOMMU_READ | IOMMU_WRITE | IOMMU_PRIV,
					    IOMMU_READ | IOMMU_PRIV | IOMMU_NOEXEC};
		return prots[rnd(sizeof prots / sizeof prots[0])];
	}

	// Map 1..4 consecutive free pages of the window to random frames of the device's own pool.
	// Map 1..4 (16/64 KB granule: 1..2) free granules of the window, in 4 KB oracle pages.
	void map_one(Device &d)
	{
		unsigned gp = d.gp;
		unsigned first = (unsigned)rnd(NP / gp) * gp, n = gp * (1 + (unsigned)rnd(gp == 1 ? 4 : 2));
		if (first + n > NP)
			n = NP - first;
		for (unsigned k = 0; k < n; k++)
			if (d.oracle.count(WIN + (first + k) * PAGE)) {
				n = k / gp * gp; // stop at the first mapped granule
				break;
			}
		if (n == 0)
			return;
		int prot = random_prot();
		// contiguous frames, granule-aligned, so that one iommu_map call covers the whole run
		unsigned f = (unsigned)rnd((NP - n) / gp + 1) * gp;
		uint64_t iova = WIN + first * PAGE;
		ASSERT_EQ(0, iommu_map(smmu_, d.domain, iova, frame(d, f), n * PAGE, prot)) << "sid " << d.sid;
		bool remap = false; // a page that translated to another frame before: a stale TLB entry would show
		for (unsigned k = 0; k < n; k++) {
			d.oracle[iova + k * PAGE] = Mapping{frame(d, f + k), prot};
			auto [it, fresh] = d.last_pa.try_emplace(iova + k * PAGE, frame(d, f + k));
			remap |= !fresh && it->second != frame(d, f + k);
			it->second = frame(d, f + k);
		}
		n_remaps_ += remap;
		n_map_++;
	}

	void unmap_range(Device &d)
	{
		unsigned gp = d.gp;
		unsigned first = (unsigned)rnd(NP / gp) * gp, n = gp * (1 + (unsigned)rnd(gp == 1 ? 6 : 2));
		if (first + n > NP)
			n = NP - first;
		uint64_t iova = WIN + first * PAGE, expect = 0;
		for (unsigned k = 0; k < n; k++)
			expect += d.oracle.erase(iova + k * PAGE) * PAGE;
		if (expect == 0)
			return; // Linux's unmap of nothing: not a case for this test
		size_t got = iommu_unmap(smmu_, d.domain, iova, n * PAGE);
		ASSERT_EQ(expect, got) << "iommu_unmap of [0x" << std::hex << iova << ", +0x" << n * PAGE << ") sid " << d.sid;
		n_unmap_++;
	}

	unsigned mapped_in(const Device &d, uint64_t base, uint64_t len) const
	{
		auto a = d.oracle.lower_bound(base), b = d.oracle.lower_bound(base + len);
		return (unsigned)std::distance(a, b);
	}

	// The block window: map all 2 MB at once (the driver uses a level-2 block), or unmap a few
	// pages of it (the driver splits the block, IHI 0070 §3.21.1), or unmap all of it.
	void churn_block(Device &d, bool force_split = false)
	{
		unsigned n = mapped_in(d, BWIN, BLOCK);
		if (n == 0) {
			int prot = random_prot();
			uint64_t pa = BPOOL + (uint64_t)d.index * BLOCK;
			ASSERT_EQ(0, iommu_map(smmu_, d.domain, BWIN, pa, BLOCK, prot)) << "2 MB block, sid " << d.sid;
			for (uint64_t o = 0; o < BLOCK; o += PAGE)
				d.oracle[BWIN + o] = Mapping{pa + o, prot};
			n_map_++;
			n_block_maps_++;
			return;
		}
		uint64_t iova = BWIN, len = BLOCK;
		if (force_split || chance(80)) {
			iova = BWIN + rnd(BLOCK / PAGE) * PAGE;
			len = std::min<uint64_t>((1 + rnd(6)) * PAGE, BWIN + BLOCK - iova);
		}
		uint64_t expect = 0;
		for (uint64_t o = 0; o < len; o += PAGE)
			expect += d.oracle.erase(iova + o) * PAGE;
		if (len < BLOCK && n == BLOCK / PAGE)
			n_block_splits_++;
		size_t got = iommu_unmap(smmu_, d.domain, iova, len);
		ASSERT_EQ(expect, got) << "iommu_unmap in the block window [0x" << std::hex << iova << ", +0x" << len << ") sid "
				       << std::dec << d.sid;
		n_unmap_++;
	}

	void churn_map()
	{
		Device &d = dev_[rnd(dev_.size())];
		if (d.index < p_.devices && d.gp == 1 && chance(15))
			return churn_block(d); // block pool: 4 KB-granule RID contexts only
		unsigned n = mapped_in(d, WIN, NP * PAGE);
		if (n > NP * 7 / 8 || (n > NP / 2 && chance(40)))
			unmap_range(d);
		else
			map_one(d);
	}

	void set_attached(Device &d, bool on)
	{
		if (d.ssid == 0) {
			if (on) {
				ASSERT_EQ(0, iommu_attach_device(smmu_, d.domain, d.master)) << "sid " << d.sid;
				d.cd_leaves.insert(0);
			} else {
				iommu_detach_device(smmu_, d.domain, d.master);
			}
		} else {
#ifdef ISOLATION_PASID
			if (on) {
				ASSERT_EQ(0, iommu_attach_device_pasid(smmu_, d.domain, d.master, d.ssid)) << "pasid " << d.ssid;
				dev_[d.owner].cd_leaves.insert(d.ssid >> 10);
			} else {
				iommu_detach_device_pasid(smmu_, d.domain, d.master, d.ssid);
			}
#endif
		}
		d.attached = on;
		n_attach_++;
	}

	// IHI 0070 §3.21 ("ASID reused"): detach, free the domain (its ASID goes back to the allocator), then
	// give the context a new domain with new mappings, most likely with the same ASID. A TLB entry
	// left from the old domain would now translate to the old frames.
	void replace_domain(Device &d)
	{
		if (d.attached) {
			ASSERT_NO_FATAL_FAILURE(set_attached(d, false));
		}
		uint16_t old_asid = iommu_domain_asid(d.domain);
		iommu_domain_free(smmu_, d.domain);
		d.domain = nullptr;
		d.oracle.clear();
		ASSERT_NO_FATAL_FAILURE(alloc_domain(d));
		n_asid_reused_ += iommu_domain_asid(d.domain) == old_asid;
		n_replaced_++;
		for (unsigned k = 0; k < NP / 2; k++) {
			ASSERT_NO_FATAL_FAILURE(map_one(d));
		}
		ASSERT_NO_FATAL_FAILURE(set_attached(d, true));
	}

	void churn_attach()
	{
		Device &d = dev_[rnd(dev_.size())];
		if (chance(40))
			return replace_domain(d);
		ASSERT_NO_FATAL_FAILURE(set_attached(d, !d.attached));
		// keep most contexts attached: re-attach every other detached one
		for (auto &o : dev_)
			if (!o.attached && &o != &d && chance(50)) {
				ASSERT_NO_FATAL_FAILURE(set_attached(o, true));
			}
	}

	// IHI 0070 §13.4.1: permission of one access on a mapping made with IOMMU_* prot (the bits
	// Linux's drivers/iommu/io-pgtable-arm.c sets).
	static bool permitted(int prot, bool write, bool priv, bool instr)
	{
		bool ap2_ro = !(prot & IOMMU_WRITE), ap1_el0 = !(prot & IOMMU_PRIV), xn = (prot & IOMMU_NOEXEC) != 0;
		if (!priv && !ap1_el0 && !instr)
			return false; // EL0 data access needs AP[1]; EL0 execution depends on UXN alone (execute-only pages)
		if (write && ap2_ro)
			return false;
		if (instr) {
			if (xn)
				return false;
			if (priv && ap1_el0 && !ap2_ro) // privileged execute of an EL0-writable page
				return false;
		}
		return true;
	}

	void one_dma(uint64_t i)
	{
		struct smmusim_dma q {};
		bool stray = chance(2);
		Device *d = stray ? nullptr : &dev_[rnd(dev_.size())];
		q.sid = stray ? stray_sids_[rnd(stray_sids_.size())] : d->sid;
		if (d && d->sid2 != NO_SID && chance(50))
			q.sid = d->sid2; // IHI 0070 §3.21: every SID using the CD table must see each CD change
		if (d) {
			q.ssv = d->ssid != 0;
			q.ssid = d->ssid;
			const Device &rid = dev_[d->owner];
			if (rid.ssid_bits && chance(4)) {
				// any SubstreamID of a PASID-capable device, attached or not, or beyond S1CDMax
				q.ssv = true;
				q.ssid = (uint32_t)rnd((1u << rid.ssid_bits) + 8);
				if (q.ssid == 0 && !rid.attached)
					q.ssid = 1u << rid.ssid_bits; // (SSID 0 with a blocked RID: not specified here)
				d = &dev_[d->owner];
				for (auto &c : dev_)
					if (c.owner == rid.index && c.ssid == q.ssid && q.ssid)
						d = &c;
			}
		}
		q.port = (uint32_t)(q.sid % 4);
		unsigned where = (unsigned)rnd(100);
		if (where < 12)
			q.addr = BWIN + rnd(BLOCK); // the block window
		else if (where < 88)
			q.addr = WIN + rnd(NP * PAGE); // the window: mapped or not
		else if (where < 96)
			q.addr = rnd(1ull << 48); // anywhere in the 48-bit input range
		else if (where < 98)
			q.addr = WIN + NP * PAGE + rnd(16 * PAGE); // just past the window
		else
			q.addr = (1ull << 48) + rnd(1ull << 40); // beyond T0SZ=16: F_TRANSLATION (IHI 0070 §3.4)
		static const uint32_t sizes[] = {1, 4, 8, 8, 16, 64};
		q.size = sizes[rnd(6)];
		q.addr &= ~(uint64_t)(q.size - 1);
		q.write = chance(40);
		q.priv = chance(10);
		q.instr = !q.write && chance(8);

		uint8_t wbuf[64], rbuf[64];
		for (unsigned k = 0; k < q.size; k++)
			wbuf[k] = (uint8_t)rng_();
		std::memset(rbuf, 0xEE, sizeof rbuf);
		smmusim_dma_result r{};
		ASSERT_EQ(0, smmusim_dma(sim_, &q, q.write ? wbuf : rbuf, &r));

		// ---- oracle
		enum { OK, SILENT, EVENT } kind;
		uint8_t evt = 0;
		uint64_t pa = 0;
		if (stray) {
			bool have_l2 = smmu_ste_ptr(smmu_, q.sid) != nullptr;
			bool in_range = q.sid < smmu_strtab_num_sids(smmu_);
			if (in_range && have_l2) {
				kind = SILENT; // abort STE (IHI 0070 §5.2, STE.Config)
			} else {
				kind = EVENT; // IHI 0070 §3.3.1, §5.1: out of range or no level-2 table, RECINVSID set by the driver
				evt = EVT_C_BAD_STREAMID;
			}
		} else if (!dev_[d->owner].attached && !pasids_attached(d->owner)) {
			kind = SILENT; // RID blocked and no PASID: abort STE, no event (IHI 0070 §5.2)
		} else if (!q.ssv && !dev_[d->owner].attached) {
			kind = EVENT; // RID blocked, PASIDs live: S1DSS=terminate (IHI 0070 §3.3.2)
			evt = EVT_F_STREAM_DISABLED;
		} else if (q.ssv && q.ssid == 0) {
			kind = EVENT; // S1DSS=SSID0: SSID 0 traffic is terminated (IHI 0070 §3.3.2)
			evt = EVT_F_STREAM_DISABLED;
		} else if (q.ssv && (q.ssid >= (1u << dev_[d->owner].ssid_bits) ||
				     (dev_[d->owner].ssid_bits > 10 && !dev_[d->owner].cd_leaves.count(q.ssid >> 10)))) {
			kind = EVENT; // beyond S1CDMax, or its L1CD was never made valid (IHI 0070 §5.3, §3.3.2)
			evt = EVT_C_BAD_SUBSTREAMID;
		} else if (q.ssv && (d->ssid != q.ssid || !d->attached)) {
			kind = EVENT; // a PASID with no domain: its CD is invalid (IHI 0070 §5.4.2, §3.3.2)
			evt = EVT_C_BAD_CD;
		} else {
			auto it = d->oracle.find(q.addr & ~(PAGE - 1));
			if (it == d->oracle.end()) {
				kind = EVENT;
				evt = EVT_F_TRANSLATION;
			} else if (!permitted(it->second.prot, q.write, q.priv, q.instr)) {
				kind = EVENT;
				evt = EVT_F_PERMISSION;
			} else {
				kind = OK;
				pa = it->second.pa + (q.addr & (PAGE - 1));
			}
		}

		std::string what = describe(q, i);
		if (kind == OK) {
			n_ok_++;
			n_pasid_ok_ += q.ssv;
			ASSERT_EQ(SMMUSIM_DMA_OK, r.status) << what << " event 0x" << std::hex << (unsigned)r.event;
			ASSERT_EQ(pa, r.pa) << what;
			ASSERT_EQ(0, r.event) << what;
			uint8_t *sh = shadow_at(pa, q.size);
			ASSERT_NE(nullptr, sh) << what << ": oracle PA outside the pools";
			if (q.write)
				std::memcpy(sh, wbuf, q.size);
			else
				ASSERT_EQ(0, std::memcmp(sh, rbuf, q.size)) << what << ": read data";
		} else {
			ASSERT_EQ(SMMUSIM_DMA_ABORT, r.status) << what << " pa 0x" << std::hex << r.pa;
			if (kind == SILENT) {
				n_silent_++;
				ASSERT_EQ(0, r.event) << what;
			} else {
				n_events_++;
				n_evt_type_[evt]++;
				ASSERT_EQ(evt, r.event) << what;
				ASSERT_TRUE(r.event_recorded) << what;
				pending_.push_back(ExpectedEvent{evt, q.sid, q.addr, !q.write, q.priv, q.instr, q.ssv, q.ssid, i});
			}
		}
	}

	uint8_t *shadow_at(uint64_t pa, uint32_t size)
	{
		if (pa >= POOL && pa + size <= POOL + shadow_pool_.size())
			return &shadow_pool_[pa - POOL];
		if (pa >= BPOOL && pa + size <= BPOOL + shadow_bpool_.size())
			return &shadow_bpool_[pa - BPOOL];
		return nullptr;
	}

	static std::string describe(const struct smmusim_dma &q, uint64_t i)
	{
		char b[200];
		std::snprintf(b, sizeof b, "DMA #%llu sid 0x%x ssid %s0x%x addr 0x%llx size %u %s%s%s", (unsigned long long)i,
			      q.sid, q.ssv ? "" : "(none) ", q.ssid, (unsigned long long)q.addr, q.size, q.write ? "write" : "read",
			      q.priv ? " priv" : "", q.instr ? " instr" : "");
		return b;
	}

	void drain()
	{
		drained_.clear();
		int n = smmu_evtq_drain(
			smmu_, [](void *arg, const smmu_event *ev) { static_cast<Isolation *>(arg)->drained_.push_back(*ev); },
			this);
		ASSERT_GE(n, 0);
		ASSERT_EQ(pending_.size(), drained_.size()) << "events drained vs expected (first expected from DMA #"
							     << (pending_.empty() ? 0 : pending_.front().dma_index) << ")";
		for (const smmu_event &ev : drained_) {
			ExpectedEvent e = pending_.front();
			pending_.pop_front();
			std::string ctx = "event for DMA #" + std::to_string(e.dma_index);
			ASSERT_EQ(e.type, ev.type) << ctx << " (" << smmu_event_name(ev.type) << ")";
			ASSERT_EQ(e.sid, ev.sid) << ctx;
			if (e.type == EVT_F_TRANSLATION || e.type == EVT_F_PERMISSION) {
				ASSERT_EQ(e.addr, ev.input_addr) << ctx;
				ASSERT_EQ(e.rnw, ev.rnw) << ctx;
				ASSERT_EQ(e.pnu, ev.pnu) << ctx << " PnU (STE.PRIVCFG = incoming, IHI 0070 §7.3)";
				ASSERT_EQ(e.ssv, ev.ssv) << ctx << " SSV (IHI 0070 §7.3)";
				if (e.ssv) {
					ASSERT_EQ(e.ssid, ev.ssid) << ctx << " SubstreamID (IHI 0070 §7.3)";
				}
				ASSERT_EQ(e.ind, ev.ind) << ctx << " InD (STE.INSTCFG = incoming, IHI 0070 §7.3)";
				ASSERT_FALSE(ev.s2) << ctx;
				ASSERT_EQ(EVT_CLASS_IN, ev.class_) << ctx;
				ASSERT_FALSE(ev.stall) << ctx;
			}
		}
	}

	void check_memory()
	{
		std::vector<uint8_t> now(shadow_pool_.size());
		ASSERT_EQ(0, smmusim_mem_read(sim_, POOL, now.data(), now.size()));
		if (now != shadow_pool_) {
			size_t k = 0;
			while (now[k] == shadow_pool_[k])
				k++;
			FAIL() << "data pool differs from the oracle's shadow at PA 0x" << std::hex << POOL + k
			       << " (frame of device slot " << std::dec << k / (NP * PAGE) << "): a DMA escaped its mappings";
		}
		std::vector<uint8_t> bnow(shadow_bpool_.size());
		ASSERT_EQ(0, smmusim_mem_read(sim_, BPOOL, bnow.data(), bnow.size()));
		if (bnow != shadow_bpool_) {
			size_t k = 0;
			while (bnow[k] == shadow_bpool_[k])
				k++;
			FAIL() << "block pool differs from the oracle's shadow at PA 0x" << std::hex << BPOOL + k
			       << ": a DMA escaped its mappings";
		}
		std::vector<uint8_t> can(shadow_canary_.size());
		ASSERT_EQ(0, smmusim_mem_read(sim_, CANARY, can.data(), can.size()));
		ASSERT_TRUE(can == shadow_canary_) << "identity-mapped canary changed: a DMA bypassed translation";
	}
};

#ifdef ISOLATION_PASID
constexpr unsigned kPasids = 3; // PASID contexts per PASID-capable device
#else
constexpr unsigned kPasids = 0; // a driver without iommu_attach_device_pasid: devices only
#endif

#ifdef ISOLATION_LONG
// IHI 0070 §3.3.1, §5.1, §5.2, §3.3.2, §5.3, §5.4, §13.4.1, §7.3.12-§7.3.16, §3.21: long randomized run, 2-level stream table (label
// slow); with PASIDs when the driver supports attaching domains to them.
TEST(Isolation, DmaNeverEscapesItsDomainAndFaultsAreReported)
{
	Isolation t(Params{true, env_u64("SMMUSIM_ISOLATION_DMAS", 1000000), 24, {}, kPasids, true});
	t.run();
}
#else
// IHI 0070 §3.3.1, §5.1, §5.2, §13.4.1, §7.3.12-§7.3.16, §3.21: the same rules, short (20k DMAs), 2-level stream table.
TEST(IsolationShort, DmaNeverEscapesItsDomainTwoLevelStreamTable)
{
	Isolation t(Params{true, 20000, 16, {}});
	t.run();
}
// IHI 0070 §3.3.1, §5.2, §13.4.1, §7.3.12-§7.3.16, §3.21: the same rules, short (20k DMAs), linear stream table.
TEST(IsolationShort, DmaNeverEscapesItsDomainLinearStreamTable)
{
	Isolation t(Params{false, 20000, 16, {}});
	t.run();
}
#ifdef ISOLATION_PASID
// IHI 0070 §3.3.2, §5.3, §5.4, §7.3: short run with PASIDs (linear and 2-level CD tables, C_BAD_CD,
// C_BAD_SUBSTREAMID, F_STREAM_DISABLED), 2-level stream table.
TEST(IsolationShort, DmaNeverEscapesItsDomainWithPasids)
{
	Isolation t(Params{true, 20000, 16, {}, kPasids});
	t.run();
}
#endif
// IHI 0070 §3.4, §5.4, §3.21: the same rules with domains cycling through 4, 16 and 64 KB granules
TEST(IsolationShort, DmaNeverEscapesItsDomainMixedGranules)
{
	Isolation t(Params{true, 20000, 16, {}, kPasids, true});
	t.run();
}
// IHI 0070 §3.21, §3.5.1: the same rules (with PASIDs) when the driver's stores reach the SMMU only at
// its write barriers and the event records reach the driver only at its read barriers
// (mem.store_visibility = barrier, docs/model.md).
TEST(IsolationShort, DmaNeverEscapesItsDomainStoresAtBarriers)
{
	Isolation t(Params{true, 20000, 16, {{"mem.store_visibility", "barrier"}}, kPasids});
	t.run();
}
// IHI 0070 §16.2, §3.21: the same rules with tiny TLBs, walk and configuration caches (constant
// evictions and refills), 2-level stream table with L1 descriptors cached.
TEST(IsolationShort, DmaNeverEscapesItsDomainTinyCaches)
{
	Isolation t(Params{true, 20000, 16,
			   {{"tbu.utlb.entries", "2"},
			    {"tbu.mtlb.entries", "8"},
			    {"tbu.mtlb.ways", "2"},
			    {"tcu.walk.entries", "4"},
			    {"tcu.walk.ways", "2"},
			    {"tcu.cfg.entries", "4"},
			    {"tcu.cfg.ways", "2"},
			    {"tcu.cfg.cache_l1", "1"}}});
	t.run();
}
#endif

} // namespace
