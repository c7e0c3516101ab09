// Hand-worked replacement sequences for every policy of SetAssocCache, plus geometry rules.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "smmusim/cache.hpp"

using smmusim::Fill;
using smmusim::Replacement;
using Cache = smmusim::SetAssocCache<uint64_t, int>;

namespace {

// Inserts key into set 0 and returns the evicted key (or ~0 when nothing was evicted).
uint64_t put(Cache &c, uint64_t key, uint64_t set = 0)
{
	Fill how;
	uint64_t victim = ~uint64_t{0};
	c.insert(key, set, static_cast<int>(key) * 10, &how, &victim);
	return how == Fill::Evicted ? victim : ~uint64_t{0};
}

constexpr uint64_t kNone = ~uint64_t{0};

} // namespace

TEST(CacheNames, ParseAndFormatRoundTrip)
{
	for (Replacement r : {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin,
			      Replacement::Random, Replacement::RRIP}) {
		Replacement back{};
		ASSERT_TRUE(smmusim::parse_replacement(smmusim::replacement_name(r), back));
		EXPECT_EQ(back, r);
	}
	EXPECT_STREQ(smmusim::replacement_name(Replacement::RoundRobin), "rr");
	Replacement r = Replacement::LRU;
	EXPECT_FALSE(smmusim::parse_replacement("mru", r));
	EXPECT_EQ(r, Replacement::LRU);
	EXPECT_THROW(smmusim::replacement_from_string("fifo"), std::invalid_argument);
	EXPECT_EQ(smmusim::replacement_from_string("random"), Replacement::Random);
}

TEST(CacheGeometry, ValidatesConstructorArguments)
{
	EXPECT_THROW(Cache(16, 3, Replacement::LRU), std::invalid_argument);  // 3 does not divide 16
	EXPECT_THROW(Cache(4, 8, Replacement::LRU), std::invalid_argument);   // ways > entries
	EXPECT_THROW(Cache(16, 0, static_cast<Replacement>(9)), std::invalid_argument);
	try {
		Cache c(10, 4, Replacement::LRU);
		FAIL() << "no exception";
	} catch (const std::invalid_argument &e) {
		EXPECT_NE(std::string(e.what()).find("must divide"), std::string::npos) << e.what();
	}
	Cache c(2048, 4, Replacement::Random);
	EXPECT_EQ(c.sets(), 512u);
	EXPECT_EQ(c.ways(), 4u);
	EXPECT_EQ(c.entries(), 2048u);
	EXPECT_FALSE(c.fully_associative());
}

TEST(CacheGeometry, NonPowerOfTwoSetsUseModulo)
{
	Cache c(12, 4, Replacement::LRU); // 3 sets
	EXPECT_EQ(c.sets(), 3u);
	EXPECT_EQ(c.set_of(5), 2u);
	EXPECT_EQ(c.set_of(6), 0u);
	c.insert(5, 5, 1);
	EXPECT_NE(c.lookup(5, 2), nullptr); // same set, same key
	EXPECT_EQ(c.lookup(5, 1), nullptr);
}

TEST(CacheGeometry, DisabledCacheMissesAndIgnoresInserts)
{
	Cache c(0, 4, Replacement::LRU);
	EXPECT_FALSE(c.enabled());
	Fill how = Fill::Evicted;
	EXPECT_EQ(c.insert(1, 0, 5, &how), nullptr);
	EXPECT_EQ(how, Fill::Disabled);
	EXPECT_EQ(c.lookup(1, 0), nullptr);
	EXPECT_EQ(c.stats().lookups, 1u);
	EXPECT_EQ(c.stats().misses, 1u);
	EXPECT_EQ(c.stats().fills, 0u);
	EXPECT_EQ(c.invalidate_if([](const uint64_t &, const int &) { return true; }), 0u);
	c.invalidate_all();
}

// The tag fingerprints: keys whose fingerprints collide are told apart by the key, a set's ways
// are searched past the 16 the scan reads at a time, the lowest invalid way is filled first, and
// neither the next set's ways nor the padding after the last set are ever reported.
namespace {
struct SameHash { // every key has the same fingerprint
	uint64_t k = 0;
	bool operator==(const SameHash &o) const { return k == o.k; }
	uint64_t hash() const { return 7; }
};
} // namespace

TEST(CacheGeometry, FingerprintsFindEveryWayOfWideSets)
{
	smmusim::SetAssocCache<SameHash, int> same(60, 20, Replacement::LRU); // 3 sets of 20 ways
	Cache plain(60, 20, Replacement::LRU);
	for (uint64_t set = 0; set < 3; set++)
		for (uint64_t k = 0; k < 20; k++) {
			Fill how;
			same.insert(SameHash{set * 100 + k}, set, (int)k, &how);
			EXPECT_EQ(how, Fill::Invalid);
			EXPECT_EQ(put(plain, set * 100 + k, set), kNone);
		}
	for (uint64_t set = 0; set < 3; set++)
		for (uint64_t k = 0; k < 20; k++) {
			const int *v = same.lookup(SameHash{set * 100 + k}, set);
			ASSERT_NE(v, nullptr) << set << " " << k;
			EXPECT_EQ(*v, (int)k);
			EXPECT_NE(plain.lookup(set * 100 + k, set), nullptr) << set << " " << k;
			for (uint64_t other = 1; other < 3; other++) {
				EXPECT_EQ(plain.lookup(set * 100 + k, (set + other) % 3), nullptr) << "another set's key";
				EXPECT_EQ(same.lookup(SameHash{set * 100 + k}, (set + other) % 3), nullptr) << "another set's key";
			}
		}
	// Free ways 17 and 3 of the last set: the lowest (3) is filled first, then 17, then a victim.
	ASSERT_TRUE(plain.invalidate(217, 2));
	ASSERT_TRUE(plain.invalidate(203, 2));
	EXPECT_EQ(put(plain, 999, 2), kNone);
	EXPECT_EQ(*plain.key_at(2, 3), 999u);
	EXPECT_EQ(put(plain, 998, 2), kNone);
	EXPECT_EQ(*plain.key_at(2, 17), 998u);
	EXPECT_NE(put(plain, 997, 2), kNone) << "the set is full";
	EXPECT_EQ(plain.valid_count(), 60u);
}

TEST(CacheGeometry, FullyAssociativeIgnoresSetIndex)
{
	Cache c(8, 0, Replacement::LRU);
	EXPECT_TRUE(c.fully_associative());
	EXPECT_EQ(c.ways(), 8u);
	EXPECT_EQ(c.sets(), 1u);
	for (uint64_t k = 0; k < 8; ++k)
		EXPECT_EQ(put(c, k, k * 977), kNone);
	for (uint64_t k = 0; k < 8; ++k)
		EXPECT_NE(c.lookup(k, 12345), nullptr) << k;
	EXPECT_EQ(put(c, 100, 3), 0u); // oldest of all eight
}

TEST(CacheLru, FourWayHandWorked)
{
	Cache c(4, 4, Replacement::LRU);
	for (uint64_t k : {1, 2, 3, 4})
		EXPECT_EQ(put(c, k), kNone);
	ASSERT_NE(c.lookup(1, 0), nullptr); // order now (old->new): 2 3 4 1
	ASSERT_NE(c.lookup(2, 0), nullptr); // 3 4 1 2
	EXPECT_EQ(put(c, 5), 3u);	    // 4 1 2 5
	EXPECT_EQ(put(c, 6), 4u);	    // 1 2 5 6
	ASSERT_NE(c.lookup(1, 0), nullptr); // 2 5 6 1
	EXPECT_EQ(put(c, 7), 2u);
	EXPECT_EQ(*c.lookup(7, 0), 70);
	// Re-inserting a present key updates it in place, evicting nothing.
	Fill how;
	c.insert(5, 0, 99, &how);
	EXPECT_EQ(how, Fill::Updated);
	EXPECT_EQ(*c.lookup(5, 0), 99);
	EXPECT_EQ(c.stats().evictions, 3u);
}

TEST(CachePlru, TreeBitsFourWay)
{
	Cache c(4, 4, Replacement::PLRU);
	ASSERT_TRUE(c.tree_plru());
	for (uint64_t k : {1, 2, 3, 4})
		put(c, k); // ways 0..3; every node now points left -> way 0
	EXPECT_EQ(c.predicted_victim(0), 0u);
	ASSERT_NE(c.lookup(1, 0), nullptr); // root points right, right node points left -> way 2
	EXPECT_EQ(c.predicted_victim(0), 2u);
	EXPECT_EQ(put(c, 5), 3u); // true LRU would evict 2; tree-PLRU evicts key 3 (way 2)
	// The fill touched way 2: root points left, left node points right -> way 1 (key 2).
	EXPECT_EQ(put(c, 6), 2u);
	// Touched way 1: root right, right node (last set by way 2 access) points right -> way 3.
	EXPECT_EQ(put(c, 7), 4u);
}

// Tree-PLRU against a plain model (a byte per node, the path walked on every touch), for way counts
// whose nodes the cache keeps in one word (up to 64 ways) and beyond: the same victims, in every set,
// through hits, fills of new keys, updates of present keys and invalidations.
TEST(CachePlru, TreeMatchesAReferenceTree)
{
	for (uint32_t ways : {2u, 4u, 8u, 32u, 64u, 128u}) {
		const uint32_t sets = 2;
		Cache c(ways * sets, ways, Replacement::PLRU);
		ASSERT_TRUE(c.tree_plru());
		std::vector<std::vector<uint8_t>> tree(sets, std::vector<uint8_t>(ways, 0));
		std::vector<std::vector<uint64_t>> key(sets, std::vector<uint64_t>(ways, kNone));
		auto touch = [&](uint32_t set, uint32_t way) {
			for (uint32_t node = ways + way; node > 1; node >>= 1)
				tree[set][node >> 1] = (node & 1) ? 0 : 1;
		};
		auto victim = [&](uint32_t set) {
			uint32_t node = 1;
			while (node < ways)
				node = 2 * node + tree[set][node];
			return node - ways;
		};
		uint64_t rng = 99;
		for (unsigned op = 0; op < 20000; op++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			const uint64_t k = (rng >> 33) % (3 * ways * sets);
			const uint32_t set = (uint32_t)(k % sets), what = (uint32_t)((rng >> 20) % 8);
			uint32_t at = ways;
			for (uint32_t w = 0; w < ways; w++)
				if (key[set][w] == k)
					at = w;
			if (what == 0) { // invalidate
				EXPECT_EQ(at != ways, c.invalidate(k, k));
				if (at != ways)
					key[set][at] = kNone;
			} else if (what < 4) { // lookup
				EXPECT_EQ(at != ways, c.lookup(k, k) != nullptr) << ways << " ways, op " << op;
				if (at != ways)
					touch(set, at);
			} else { // fill
				uint32_t way = at, free_way = ways;
				for (uint32_t w = ways; w-- > 0;)
					if (key[set][w] == kNone)
						free_way = w;
				const uint64_t want = at != ways || free_way != ways ? kNone : key[set][victim(set)];
				if (way == ways)
					way = free_way != ways ? free_way : victim(set);
				ASSERT_EQ(want, put(c, k, k)) << ways << " ways, op " << op;
				key[set][way] = k;
				touch(set, way);
			}
			ASSERT_EQ(victim(set), c.predicted_victim(set)) << ways << " ways, op " << op;
		}
	}
}

TEST(CachePlru, BitPlruFallbackForThreeWays)
{
	Cache c(3, 3, Replacement::PLRU);
	ASSERT_FALSE(c.tree_plru());
	for (uint64_t k : {1, 2, 3})
		put(c, k); // MRU bits: all set at the third fill -> only way 2 stays set
	EXPECT_EQ(c.predicted_victim(0), 0u);
	ASSERT_NE(c.lookup(1, 0), nullptr); // bits 1 0 1
	EXPECT_EQ(put(c, 4), 2u);	    // way 1; all set -> bits 0 1 0
	EXPECT_EQ(put(c, 5), 1u);	    // way 0
}

TEST(CacheRoundRobin, PointerIsPerSet)
{
	Cache c(4, 2, Replacement::RoundRobin); // 2 sets x 2 ways
	put(c, 0, 0);
	put(c, 2, 0);
	EXPECT_EQ(put(c, 4, 0), 0u); // set 0 pointer 0 -> 1
	put(c, 1, 1);
	put(c, 3, 1);
	// A per-cache pointer (gem5) would now say way 1; the set's own pointer says way 0.
	EXPECT_EQ(put(c, 5, 1), 1u);
	EXPECT_EQ(put(c, 6, 0), 2u); // set 0 way 1
	EXPECT_EQ(put(c, 8, 0), 4u); // set 0 wraps to way 0
	EXPECT_EQ(put(c, 7, 1), 3u); // set 1 way 1
	// Hits do not move the pointer.
	ASSERT_NE(c.lookup(5, 1), nullptr);
	EXPECT_EQ(put(c, 9, 1), 5u);
}

namespace {
std::vector<uint64_t> random_victims(uint64_t seed)
{
	Cache c(8, 8, Replacement::Random, seed);
	std::vector<uint64_t> out;
	for (uint64_t k = 0; k < 200; ++k) {
		const uint64_t v = put(c, k);
		if (v != kNone)
			out.push_back(v);
	}
	return out;
}
} // namespace

TEST(CacheRandom, DeterministicPerSeedAndDifferentAcrossSeeds)
{
	const auto a = random_victims(1);
	const auto b = random_victims(1);
	const auto d = random_victims(2);
	ASSERT_EQ(a.size(), 192u);
	EXPECT_EQ(a, b);
	EXPECT_NE(a, d);
	// The victim spread covers several ways (not stuck on one).
	Cache c(8, 8, Replacement::Random, 7);
	for (uint64_t k = 0; k < 8; ++k)
		put(c, k);
	std::vector<int> hits(8, 0);
	for (uint64_t k = 8; k < 808; ++k) {
		const uint64_t v = put(c, k);
		ASSERT_NE(v, kNone);
		// Find which way now holds k.
		for (uint32_t w = 0; w < 8; ++w)
			if (c.key_at(0, w) && *c.key_at(0, w) == k)
				++hits[w];
	}
	for (int h : hits)
		EXPECT_GT(h, 50);
}

TEST(CacheRrip, SrripAgingHandWorked)
{
	Cache c(4, 4, Replacement::RRIP);
	for (uint64_t k : {1, 2, 3, 4})
		put(c, k);		    // RRPV 2 2 2 2
	ASSERT_NE(c.lookup(1, 0), nullptr); // 0 2 2 2
	EXPECT_EQ(put(c, 5), 2u);	    // age +1: 1 3 3 3 -> way 1; then 1 2 3 3
	EXPECT_EQ(put(c, 6), 3u);	    // way 2 already 3 -> 1 2 2 3
	EXPECT_EQ(put(c, 7), 4u);	    // way 3 -> 1 2 2 2
	EXPECT_EQ(put(c, 8), 5u);	    // age +1: 2 3 3 3 -> way 1
	EXPECT_NE(c.peek(1, 0), nullptr);   // the re-referenced entry survived every scan fill
	EXPECT_EQ(put(c, 9), 6u);	    // 2 2 3 3 -> way 2
	EXPECT_EQ(put(c, 10), 7u);
	EXPECT_EQ(put(c, 11), 1u); // now the old hit entry ages out
}

TEST(CacheInvalidate, InvalidateIfAndAll)
{
	Cache c(16, 4, Replacement::LRU);
	for (uint64_t k = 0; k < 16; ++k)
		put(c, k, k);
	EXPECT_EQ(c.valid_count(), 16u);
	size_t calls = 0;
	const size_t n = c.invalidate_if([&](const uint64_t &k, const int &v) {
		++calls;
		EXPECT_EQ(v, static_cast<int>(k) * 10);
		return k % 2 == 0;
	});
	EXPECT_EQ(n, 8u);
	EXPECT_EQ(calls, 16u);
	for (uint64_t k = 0; k < 16; ++k)
		EXPECT_EQ(c.lookup(k, k) != nullptr, k % 2 == 1) << k;
	// Freed ways are refilled before anything is evicted.
	EXPECT_EQ(put(c, 100, 0), kNone);
	EXPECT_TRUE(c.invalidate(100, 0));
	EXPECT_FALSE(c.invalidate(100, 0));
	c.invalidate_all();
	EXPECT_EQ(c.valid_count(), 0u);
	EXPECT_EQ(c.lookup(1, 1), nullptr);
	EXPECT_EQ(c.stats().invalidations, 8u + 1u + 8u);
}

TEST(CacheStats, CountsLookupsHitsMissesFills)
{
	Cache c(8, 2, Replacement::LRU);
	put(c, 1, 1);
	put(c, 1, 1); // update
	c.lookup(1, 1);
	c.lookup(2, 2);
	EXPECT_EQ(c.stats().lookups, 2u);
	EXPECT_EQ(c.stats().hits, 1u);
	EXPECT_EQ(c.stats().misses, 1u);
	EXPECT_EQ(c.stats().fills, 2u);
	EXPECT_EQ(c.stats().evictions, 0u);
	EXPECT_NE(c.peek(1, 1), nullptr);
	EXPECT_EQ(c.stats().lookups, 2u); // peek is not counted
	c.reset_stats();
	EXPECT_EQ(c.stats().fills, 0u);
}

// insert_absent (the fill of a key that just missed) places, evicts and counts exactly as insert:
// every policy, a set-associative and a fully associative geometry, with invalidations mixed in.
TEST(CacheInsertAbsent, SamePlacementAsInsert)
{
	for (Replacement pol : {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin, Replacement::Random,
				Replacement::RRIP}) {
		for (uint32_t ways : {4u, 0u}) {
			Cache a(32, ways, pol, 9), b(32, ways, pol, 9);
			uint64_t x = 12345;
			for (int i = 0; i < 2000; ++i) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				const uint64_t k = (x >> 33) % 97, set = k * 7;
				if (i % 50 == 49) {
					a.invalidate(k, set);
					b.invalidate(k, set);
				}
				const bool hit_a = a.lookup(k, set) != nullptr, hit_b = b.lookup(k, set) != nullptr;
				ASSERT_EQ(hit_a, hit_b);
				if (hit_a)
					continue;
				Fill fa, fb;
				uint64_t va = kNone, vb = kNone;
				a.insert(k, set, (int)i, &fa, &va);
				b.insert_absent(k, set, (int)i, &fb, &vb);
				ASSERT_EQ(fa, fb) << i;
				ASSERT_EQ(va, vb) << i;
			}
			for (uint32_t s = 0; s < a.sets(); ++s) {
				for (uint32_t w = 0; w < a.ways(); ++w) {
					ASSERT_EQ(a.key_at(s, w) != nullptr, b.key_at(s, w) != nullptr);
					if (a.key_at(s, w)) {
						EXPECT_EQ(*a.key_at(s, w), *b.key_at(s, w));
					}
				}
			}
			EXPECT_EQ(a.stats().fills, b.stats().fills);
			EXPECT_EQ(a.stats().evictions, b.stats().evictions);
			EXPECT_GT(a.stats().evictions, 0u);
		}
	}
}

// lookup_at (a key looked up again where it was last found) hits, counts and updates the
// replacement state exactly as lookup, and misses (counting nothing) once the slot lost the key.
TEST(CacheLookupAt, SameAsLookup)
{
	for (Replacement pol : {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin, Replacement::Random,
				Replacement::RRIP}) {
		for (uint32_t ways : {4u, 3u, 0u}) {
			Cache a(24, ways, pol, 5), b(24, ways, pol, 5);
			std::vector<Cache::Slot> at(40);
			std::vector<bool> known(40, false);
			uint64_t x = 777, found_at = 0;
			for (int i = 0; i < 4000; ++i) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				const uint64_t k = (x >> 33) % 40, set = k * 5;
				if (i % 37 == 36) {
					a.invalidate(k, set);
					b.invalidate(k, set);
				}
				const int *va = a.lookup(k, set);
				const int *vb = known[k] ? b.lookup_at(k, at[k]) : nullptr;
				found_at += vb != nullptr;
				if (!vb && (vb = b.lookup(k, set)) != nullptr) {
					at[k] = b.slot_of(vb);
					known[k] = true;
				}
				ASSERT_EQ(va != nullptr, vb != nullptr) << i;
				if (va) {
					ASSERT_EQ(*va, *vb) << i;
					continue;
				}
				uint64_t ea = kNone, eb = kNone;
				a.insert(k, set, i, nullptr, &ea);
				b.insert(k, set, i, nullptr, &eb);
				ASSERT_EQ(ea, eb) << i;
			}
			EXPECT_EQ(a.stats().lookups, b.stats().lookups);
			EXPECT_EQ(a.stats().hits, b.stats().hits);
			EXPECT_EQ(a.stats().evictions, b.stats().evictions);
			EXPECT_GT(found_at, 500u);
		}
	}
}

// The count of valid entries (which lets a fill into a full cache skip the search for an invalid
// way) follows every fill, invalidation, invalidate_if and invalidate_all; a fill goes to the lowest
// invalid way of its set whenever there is one (never evicting then), and evicts only from a full set.
TEST(CacheValidCount, FollowsEveryChangeAndFillsInvalidWaysFirst)
{
	for (Replacement pol : {Replacement::LRU, Replacement::PLRU, Replacement::Random}) {
		for (uint32_t ways : {4u, 0u}) {
			Cache c(32, ways, pol, 3);
			uint64_t x = 4242;
			int full_fills = 0;
			for (int i = 0; i < 6000; ++i) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				const uint64_t k = (x >> 33) % 80, set = k * 3;
				const unsigned op = (unsigned)((x >> 20) % 100);
				if (op < 60) {
					const uint32_t s = c.set_of(set);
					uint32_t lowest_free = c.ways();
					bool present = false;
					for (uint32_t w = c.ways(); w-- > 0;) {
						if (!c.key_at(s, w))
							lowest_free = w;
						else
							present |= *c.key_at(s, w) == k;
					}
					full_fills += lowest_free == c.ways() && !present;
					Fill how;
					c.insert(k, set, i, &how);
					if (!present && lowest_free != c.ways()) {
						ASSERT_EQ(how, Fill::Invalid) << i;
						ASSERT_NE(c.key_at(s, lowest_free), nullptr);
						ASSERT_EQ(*c.key_at(s, lowest_free), k) << i;
					} else if (!present) {
						ASSERT_EQ(how, Fill::Evicted) << i;
					}
				} else if (op < 90) {
					c.invalidate(k, set);
				} else if (op < 99) {
					c.invalidate_if([&](uint64_t key, int) { return key % 7 == k % 7; });
				} else {
					c.invalidate_all();
				}
				size_t n = 0;
				for (uint32_t s = 0; s < c.sets(); ++s)
					for (uint32_t w = 0; w < c.ways(); ++w)
						n += c.key_at(s, w) != nullptr;
				ASSERT_EQ(c.valid_count(), n) << i;
			}
			EXPECT_GT(full_fills, 100) << "fills into a full set";
		}
	}
}

// lookup_scan (a lookup that does not try the way last touched first) hits, counts and updates the
// replacement state exactly as lookup: the same entries evicted afterwards, under every policy, in a
// set-associative and a fully associative cache, with keys looked up again and again in a row.
TEST(CacheLookupScan, SameAsLookup)
{
	for (Replacement pol : {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin, Replacement::Random,
				Replacement::RRIP}) {
		for (uint32_t ways : {4u, 3u, 0u}) {
			Cache a(24, ways, pol, 5), b(24, ways, pol, 5);
			uint64_t x = 31337, k = 0;
			for (int i = 0; i < 6000; ++i) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				if ((x >> 40) % 3 == 0) // else the key of the step before again
					k = (x >> 33) % 40;
				const uint64_t set = k * 5;
				if (i % 41 == 40) {
					a.invalidate(k, set);
					b.invalidate(k, set);
				}
				const int *va = a.lookup(k, set), *vb = b.lookup_scan(k, set);
				ASSERT_EQ(va != nullptr, vb != nullptr) << i;
				if (va) {
					ASSERT_EQ(*va, *vb) << i;
					continue;
				}
				uint64_t ea = kNone, eb = kNone;
				a.insert(k, set, i, nullptr, &ea);
				b.insert(k, set, i, nullptr, &eb);
				ASSERT_EQ(ea, eb) << i;
				for (uint32_t s = 0; s < a.sets(); ++s)
					ASSERT_EQ(a.predicted_victim(s), b.predicted_victim(s)) << i;
			}
			EXPECT_EQ(a.stats().lookups, b.stats().lookups);
			EXPECT_EQ(a.stats().hits, b.stats().hits);
			EXPECT_EQ(a.stats().evictions, b.stats().evictions);
			EXPECT_GT(a.stats().evictions, 100u);
			EXPECT_GT(a.stats().hits, 1000u);
		}
	}
}
