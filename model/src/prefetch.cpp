// Host-cache hints. With many live PASIDs nearly every transaction misses the configuration cache
// and reads its CD from megabytes of CD tables in simulated memory: a host cache miss on which the
// simulation waits. The platform knows the transactions queued behind the one it presents, so it
// starts those loads early (smmusim_platform::work_until). A hint only loads host memory: no
// statistic, cache or replacement state, trace point or simulated cycle moves, so results are
// identical with or without it.
#include "xlate.hpp"

#include <cstring>

namespace smmusim {

// The CD that CD index ssid of StreamID sid's STE selects, located as find_ste and find_cd locate
// it (IHI 0070 §3.3.2, §3.4.3) but from the tables in memory, without the configuration cache (a
// lookup there would cost more than the hint saves when the CD is cached): nothing when a table
// is out of reach, the STE is not stage 1 alone (a nested CD pointer is an IPA) or ssid is beyond
// S1CDMax (the transaction faults with nothing to fetch).
void Smmu::prefetch_cd(uint32_t sid, uint32_t ssid) const
{
	if (!ram_ || !p_.ssidsize)
		return;
	auto dword = [this](uint64_t pa, uint64_t &v) {
		if (!ram_->in_range(pa, sizeof(v)))
			return false;
		std::memcpy(&v, ram_->ptr(pa), sizeof(v));
		return true;
	};
	const unsigned log2size = std::min((unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_LOG2SIZE), p_.sidsize);
	if ((uint64_t)sid >> log2size)
		return;
	uint64_t ste_pa = SMMU_ADDR(strtab_base_, STRTAB_BASE_ADDR) + (uint64_t)sid * STE_SIZE, ste0;
	if (p_.st_level && SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_FMT) == STRTAB_FMT_2LVL) {
		const unsigned split = strtab_split(strtab_base_cfg_);
		uint64_t l1;
		if (!dword(SMMU_ADDR(strtab_base_, STRTAB_BASE_ADDR) + (uint64_t)(sid >> split) * L1STD_SIZE, l1) ||
		    !l1std_ste_addr(l1, sid, split, ste_pa))
			return;
	}
	if (!dword(ste_pa, ste0) || !SMMU_GET(ste0, STE0_V) || SMMU_GET(ste0, STE0_CONFIG) != STE_CONFIG_S1_TRANS)
		return;
	const unsigned cdmax = (unsigned)SMMU_GET(ste0, STE0_S1CDMAX);
	if (!cdmax || (ssid >> cdmax))
		return;
	const uint64_t ctx = SMMU_ADDR(ste0, STE0_S1CONTEXTPTR);
	const unsigned s1fmt = (unsigned)SMMU_GET(ste0, STE0_S1FMT);
	uint64_t cd_pa = ctx + (uint64_t)ssid * CD_SIZE;
	if (s1fmt == STE_S1FMT_4K_L2 || s1fmt == STE_S1FMT_64K_L2) {
		const unsigned split = cd_split(s1fmt);
		uint64_t l1;
		if (!dword(ctx + (uint64_t)(ssid >> split) * L1CD_SIZE, l1) || !SMMU_GET(l1, L1CD_V))
			return;
		cd_pa = l2_cd_addr(l1cd_l2_base(l1, split), split, ssid);
	}
	if (ram_->in_range(cd_pa, CD_SIZE))
		__builtin_prefetch(ram_->ptr(cd_pa));
}

} // namespace smmusim
