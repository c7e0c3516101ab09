// Access permissions: the stage-1 check on a VMSAv8-64 leaf (AP, UXN/PXN, WXN, PAN, and the
// hierarchical APTable/XNTable/PXNTable restrictions), and the permission masks a TBU TLB entry
// carries so that a hit is checked without the TCU.
#include "xlate.hpp"

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

bool s1_allows(uint64_t d, bool priv, bool instr, bool write, bool wxn, bool pan)
{
	const bool ap1 = SMMU_GET(d, PTE_AP1), ap2 = SMMU_GET(d, PTE_AP2);
	const bool uxn = SMMU_GET(d, PTE_UXN), pxn = SMMU_GET(d, PTE_PXN);
	if (!priv && !ap1)
		return false;
	if (write && ap2)
		return false;
	if (priv && pan && ap1 && !instr)
		return false;
	if (instr) {
		const bool el0_writable = ap1 && !ap2, priv_writable = !ap2;
		if (priv && (pxn || el0_writable || (wxn && priv_writable)))
			return false;
		if (!priv && (uxn || (wxn && el0_writable)))
			return false;
	}
	return true;
}

namespace {

// The mask of the accesses allowed(priv, instr, write) accepts, over the eight access_bit()
// positions; an instruction write does not exist, so its bit is never set.
template <class Allowed> uint8_t access_mask(Allowed &&allowed)
{
	uint8_t mask = 0;
	for (unsigned b = 0; b < 8; b++) {
		const bool write = b & 1u, instr = (b >> 1) & 1u, priv = (b >> 2) & 1u;
		if (!(write && instr) && allowed(priv, instr, write))
			mask |= (uint8_t)(1u << b);
	}
	return mask;
}

} // namespace

uint8_t s1_access_mask(uint64_t eff, bool wxn, bool pan)
{
	return access_mask([&](bool priv, bool instr, bool write) { return s1_allows(eff, priv, instr, write, wxn, pan); });
}

uint8_t s2_access_mask(uint8_t s2perm)
{
	return access_mask([&](bool, bool instr, bool write) { return s2_allows(s2perm, write, instr); });
}

} // namespace smmusim
