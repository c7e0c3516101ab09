// Shared by the update-sequence conformance tests (test/sequences).
//
// 1. An INDEPENDENT statement of the "used bits" rule (IHI 0070 §3.21.3: a field may change in place
//    only within one single-copy-atomic 64-bit word; Linux's arm_smmu_get_ste_used/get_cd_used in
//    drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c), written with raw bit positions from the layouts
//    of IHI 0070 §5.2 (STE) and §5.4 (CD), deliberately NOT through
//    smmuv3/arch.h or the driver, so a wrong mask in either cannot hide itself.
// 2. A recorder for smmu_entry_ops::sync that snapshots the live entry at every sync, and a
//    checker that every state the SMMU could observe is legal.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include <smmuv3/smmu.h>
}

namespace seq {

using Entry = std::array<uint64_t, 8>;

constexpr uint64_t bits(unsigned hi, unsigned lo)
{
	return ((hi == 63) ? ~0ULL : ((1ULL << (hi + 1)) - 1)) & ~((1ULL << lo) - 1);
}

// IHI 0070 §5.2, §3.21.3: the STE fields the SMMU reads, given the entry's own V/Config/S1DSS.
inline void ref_ste_used(const uint64_t *ste, uint64_t *used)
{
	for (int i = 0; i < 8; i++)
		used[i] = 0;
	used[0] = bits(0, 0); // V
	if (!(ste[0] & 1))
		return;
	used[0] |= bits(3, 1); // Config
	unsigned cfg = (unsigned)((ste[0] >> 1) & 7);
	bool s1 = cfg == 5 || cfg == 7, s2 = cfg == 6 || cfg == 7;
	if (cfg == 4)
		used[1] |= bits(45, 44); // bypass: SHCFG
	if (s1) {
		used[0] |= bits(5, 4) | bits(55, 6) | bits(63, 59); // S1Fmt, S1ContextPtr, S1CDMax
		used[1] |= bits(1, 0) | bits(3, 2) | bits(5, 4) | bits(7, 6); // S1DSS, S1CIR, S1COR, S1CSH
		used[1] |= bits(27, 27) | bits(31, 30) | bits(29, 28) | bits(19, 19); // S1STALLD, STRW, EATS, MEV
		used[2] |= bits(15, 0); // S2VMID
		if ((ste[1] & 3) == 1)
			used[1] |= bits(45, 44); // SHCFG when S1DSS = bypass
	}
	if (s2) {
		used[1] |= bits(25, 25) | bits(29, 28) | bits(45, 44) | bits(19, 19); // S2FWB, EATS, SHCFG, MEV
		used[2] |= bits(15, 0) | bits(50, 32); // S2VMID, VTCR group (S2T0SZ..S2PS)
		used[2] |= bits(51, 51) | bits(52, 52) | bits(54, 54) | bits(57, 57) | bits(58, 58); // AA64 ENDI PTW S2S S2R
		used[3] |= bits(55, 4); // S2TTB
	}
}

// IHI 0070 §5.4, §3.21.3: a valid CD is used in full, except the TTB0 walk fields when EPD0 = 1.
inline void ref_cd_used(const uint64_t *cd, uint64_t *used)
{
	for (int i = 0; i < 8; i++)
		used[i] = 0;
	used[0] = bits(31, 31); // V
	if (!(cd[0] & bits(31, 31)))
		return;
	for (int i = 0; i < 8; i++)
		used[i] = ~0ULL;
	if (cd[0] & bits(14, 14)) { // EPD0
		used[0] &= ~(bits(5, 0) | bits(7, 6) | bits(9, 8) | bits(11, 10) | bits(13, 12)); // T0SZ TG0 IR0 OR0 SH0
		used[1] &= ~bits(55, 4); // TTB0
	}
}

inline bool ref_valid(bool is_ste, const uint64_t *e) { return is_ste ? (e[0] & 1) : (e[0] & bits(31, 31)); }

inline std::string hex(const uint64_t *e)
{
	std::ostringstream o;
	o << std::hex;
	for (int i = 0; i < 8; i++)
		o << (i ? " " : "") << e[i];
	return o.str();
}

using UsedFn = void (*)(const uint64_t *, uint64_t *);

// "m means the same as x" in the bits m uses (Linux's criterion, IHI 0070 §3.21.3).
inline bool same_in_used(UsedFn used_fn, const uint64_t *m, const uint64_t *x)
{
	uint64_t u[8];
	used_fn(m, u);
	for (int i = 0; i < 8; i++)
		if ((m[i] & u[i]) != (x[i] & u[i]))
			return false;
	return true;
}

// A state the SMMU may observe is legal when it is invalid (V=0) or means the start or the target
// configuration, under BOTH the driver's used-bits function and the independent one.
inline std::string illegal_reason(bool is_ste, const uint64_t *m, const uint64_t *start, const uint64_t *target)
{
	if (!ref_valid(is_ste, m))
		return "";
	UsedFn drv = is_ste ? smmu_ste_get_used : smmu_cd_get_used;
	UsedFn ref = is_ste ? ref_ste_used : ref_cd_used;
	std::string r;
	if (!same_in_used(drv, m, start) && !same_in_used(drv, m, target))
		r += "neither start nor target in the driver's used bits; ";
	if (!same_in_used(ref, m, start) && !same_in_used(ref, m, target))
		r += "neither start nor target in the reference used bits (IHI 0070 §3.21.3); ";
	return r;
}

// Records the live entry at every sync; optionally runs a probe (DMAs) before and after.
struct Recorder {
	bool is_ste = true;
	uint64_t *live = nullptr;
	Entry start{}, target{};
	std::vector<Entry> at_sync;
	std::function<void(unsigned step, bool after_sync)> probe; // may be empty
	std::function<void()> hw_sync;                             // CFGI + CMD_SYNC on a real SMMU, may be empty

	static void sync(void *arg)
	{
		auto *r = static_cast<Recorder *>(arg);
		Entry e;
		std::memcpy(e.data(), r->live, sizeof(e));
		r->at_sync.push_back(e);
		unsigned step = (unsigned)r->at_sync.size();
		if (r->probe)
			r->probe(step, false); // memory already written, caches maybe stale
		if (r->hw_sync)
			r->hw_sync();
		if (r->probe)
			r->probe(step, true);
	}
};

struct Result {
	bool returned_breaking = false;
	unsigned syncs = 0;
	bool invalid_seen = false; // some sync saw V=0 (Linux's "invalid entry written")
};

// Check every recorded step: at the sync and in every torn mix of the words changed since the
// previous sync (the SMMU reads 64-bit words in any order, IHI 0070 §16.2, §3.21.3).
inline void check_states(const Recorder &rec, Result &res)
{
	Entry prev = rec.start;
	unsigned step = 0;
	for (const Entry &cur : rec.at_sync) {
		step++;
		if (!ref_valid(rec.is_ste, cur.data()))
			res.invalid_seen = true;
		std::vector<int> changed;
		for (int i = 0; i < 8; i++)
			if (prev[i] != cur[i])
				changed.push_back(i);
		EXPECT_FALSE(changed.empty()) << "sync " << step << " without any change (a sync follows a write, IHI 0070 §3.21.3)";
		for (uint32_t mask = 0; mask < (1u << changed.size()); mask++) {
			Entry m = prev;
			for (size_t b = 0; b < changed.size(); b++)
				if (mask & (1u << b))
					m[changed[b]] = cur[changed[b]];
			std::string why = illegal_reason(rec.is_ste, m.data(), rec.start.data(), rec.target.data());
			EXPECT_EQ("", why) << "sync " << step << (mask + 1 == (1u << changed.size()) ? " (entry at the sync)"
												 : " (torn read)")
					   << ": " << hex(m.data()) << "\n  start  " << hex(rec.start.data())
					   << "\n  target " << hex(rec.target.data());
		}
		prev = cur;
	}
	res.syncs = (unsigned)rec.at_sync.size();
}

// Run the driver's smmu_entry_write from start to target on `live` with a recording sync.
inline Result run_update(bool is_ste, uint64_t *live, const Entry &start, const Entry &target, Recorder &rec)
{
	static const smmu_entry_ops ste_ops = {8, smmu_ste_get_used, Recorder::sync};
	static const smmu_entry_ops cd_ops = {8, smmu_cd_get_used, Recorder::sync};
	rec.is_ste = is_ste;
	rec.live = live;
	rec.start = start;
	rec.target = target;
	rec.at_sync.clear();
	std::memcpy(live, start.data(), sizeof(Entry));
	Result res;
	res.returned_breaking = smmu_entry_write(is_ste ? &ste_ops : &cd_ops, &rec, live, target.data());
	check_states(rec, res);
	EXPECT_EQ(0, std::memcmp(live, target.data(), sizeof(Entry)))
		<< "final entry differs from the target:\n  " << hex(live) << "\n  " << hex(target.data());
	return res;
}

} // namespace seq
