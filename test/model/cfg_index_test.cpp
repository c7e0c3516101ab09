// The configuration cache's set index (CfgKey::set_index): dense PASID blocks must not conflict,
// and PASIDs at a stride (how the layout study spreads them over the SSID space) must spread over
// the sets instead of piling into one.
#include <smmusim/cache.hpp>
#include <smmusim/smmu.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace {

// The fullest set when PASIDs start, start+stride, ... (count of them) use a cache of `sets`.
unsigned fullest_set(uint32_t start, uint32_t stride, unsigned count, unsigned sets, uint32_t sid = 0)
{
	smmusim::SetAssocCache<smmusim::CfgKey, int> cache(sets * 4, 4, smmusim::Replacement::LRU);
	std::vector<unsigned> per_set(sets);
	for (unsigned k = 0; k < count; k++) {
		smmusim::CfgKey key;
		key.sid = sid;
		key.index = start + k * stride;
		key.kind = smmusim::CFG_CD;
		per_set[cache.set_of(key.set_index(cache.sets()))]++;
	}
	return *std::max_element(per_set.begin(), per_set.end());
}

// With a power-of-two set count the index is computed with masks and shifts instead of divisions:
// the same sets as the formula with them, for every kind, StreamID and index width.
TEST(CfgCacheIndex, PowerOfTwoSetsMatchTheDivisions)
{
	uint64_t rng = 7;
	for (uint32_t sets : {1u, 2u, 16u, 64u, 1024u, 1u << 20})
		for (unsigned i = 0; i < 2000; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			smmusim::CfgKey key;
			key.sid = (uint32_t)(rng >> 40);
			key.index = (uint32_t)(rng >> 12) >> (i % 32);
			key.kind = (uint8_t)(i % smmusim::CFG_KINDS);
			const uint64_t x = key.index;
			const uint64_t want =
				((x % sets) ^ smmusim::set_hash((x / sets) << 40 ^ (uint64_t)key.sid << 8 ^ key.kind)) % sets;
			ASSERT_EQ(want, key.set_index(sets)) << sets << " sets, index " << key.index;
		}
}

TEST(CfgCacheIndex, DensePasidBlocksAreConflictFree)
{
	for (unsigned sets : {16u, 64u, 256u, 1024u})
		for (uint32_t base : {0u, 1024u, 0x7FC00u}) {
			EXPECT_EQ(fullest_set(base, 1, sets, sets), 1u) << sets << " sets from PASID " << base;
			EXPECT_EQ(fullest_set(base, 1, sets, sets, 7), 1u) << "StreamID 7";
		}
}

TEST(CfgCacheIndex, StridedPasidsSpreadOverTheSets)
{
	// The strides of the layout study: k = (2^20 - 1) / N, and the power-of-two strides.
	struct Case { uint32_t stride; unsigned count; };
	for (Case c : {Case{0xFFFF, 16}, Case{0xFFF, 256}, Case{1023, 1024}, Case{64, 16}, Case{64, 1024},
		       Case{4096, 256}, Case{65536, 16}, Case{16, 16}, Case{2, 64}}) {
		// 16 sets of a 64-entry cache: an even spread puts count/16 in each; a random hash rarely
		// puts more than twice that (plus a little for tiny counts) in the fullest set.
		const unsigned even = std::max(1u, c.count / 16);
		EXPECT_LE(fullest_set(1 * c.stride, c.stride, c.count, 16), 2 * even + 2)
			<< "stride " << c.stride << ", " << c.count << " PASIDs";
	}
}

} // namespace
