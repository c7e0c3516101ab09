// Access permissions: the hierarchical APTable/XNTable/PXNTable restrictions, and the permission
// masks a TBU TLB entry carries so that a hit is checked without the TCU (the checks themselves,
// s1_allows and s2_allows, are in xlate.hpp).
#include "xlate.hpp"

#include <array>

namespace smmusim {

uint64_t fold_table_attrs(uint64_t leaf, uint64_t table_attrs)
{
	uint64_t eff = leaf;
	if (SMMU_GET(table_attrs, PTE_APTABLE0))
		eff &= ~SMMU_MASK(PTE_AP1);
	if (SMMU_GET(table_attrs, PTE_APTABLE1))
		eff |= SMMU_MASK(PTE_AP2);
	if (SMMU_GET(table_attrs, PTE_UXNTABLE))
		eff |= SMMU_MASK(PTE_UXN);
	if (SMMU_GET(table_attrs, PTE_PXNTABLE))
		eff |= SMMU_MASK(PTE_PXN);
	return eff;
}

namespace {

// The mask of the accesses allowed(priv, instr, write) accepts, over the eight access_bit()
// positions; an instruction write does not exist, so its bit is never set.
template <class Allowed> constexpr uint8_t access_mask(Allowed allowed)
{
	uint8_t mask = 0;
	for (unsigned b = 0; b < 8; b++) {
		const bool write = b & 1u, instr = (b >> 1) & 1u, priv = (b >> 2) & 1u;
		if (!(write && instr) && allowed(priv, instr, write))
			mask |= (uint8_t)(1u << b);
	}
	return mask;
}

constexpr std::array<uint8_t, 64> s1_masks()
{
	std::array<uint8_t, 64> t{};
	for (unsigned i = 0; i < 64; i++) {
		const uint64_t eff = SMMU_PREP(PTE_AP1, i & 1u) | SMMU_PREP(PTE_AP2, (i >> 1) & 1u) |
				     SMMU_PREP(PTE_UXN, (i >> 2) & 1u) | SMMU_PREP(PTE_PXN, (i >> 3) & 1u);
		const bool wxn = (i >> 4) & 1u, pan = (i >> 5) & 1u;
		t[i] = access_mask([&](bool priv, bool instr, bool write) { return s1_allows(eff, priv, instr, write, wxn, pan); });
	}
	return t;
}

constexpr std::array<uint8_t, 8> s2_masks()
{
	std::array<uint8_t, 8> t{};
	for (unsigned perm = 0; perm < 8; perm++)
		t[perm] = access_mask([&](bool, bool instr, bool write) { return s2_allows((uint8_t)perm, write, instr); });
	return t;
}

} // namespace

static_assert(s2_masks()[7] == 0x77, "stage 2 RWX allows every access but an instruction write (bits 3, 7)");
const std::array<uint8_t, 64> kS1AccessMask = s1_masks();
const std::array<uint8_t, 8> kS2AccessMask = s2_masks();

} // namespace smmusim
