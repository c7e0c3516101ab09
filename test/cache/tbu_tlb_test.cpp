// The TBU's page-size-aware TLB (every TBU's micro and main TLB): a block hits from every page
// inside it, one probe per page size present, the page-size set and the per-context counts stay
// exact through eviction, update and invalidation.
#include <gtest/gtest.h>

#include "smmusim/tlb.hpp"

using smmusim::Replacement;
using smmusim::TbuEntry;
using smmusim::TbuTlb;

namespace {
constexpr uint8_t k4K = 12, k2M = 21, k1G = 30;

TbuEntry entry(uint64_t out_base, uint8_t page_shift, uint8_t level = 3)
{
	TbuEntry e;
	e.out_base = out_base;
	e.page_shift = page_shift;
	e.level = level;
	return e;
}
} // namespace

TEST(TbuTlb, TwoMegabyteBlockHitsFromEverySubPage)
{
	TbuTlb t(2048, 4, Replacement::Random, 1); // 512 sets
	const uint64_t va = 0x4000'0000, pa = 0x8'8000'0000;
	ASSERT_NE(t.insert(3, 7, va, entry(pa, k2M, 2)), nullptr);
	// A lookup indexed by the 4 KB page number would use another set than the block's.
	const uint64_t inside = va + 0x1F'5000;
	ASSERT_NE(t.cache().set_of(TbuTlb::set_of(inside >> k4K, 3, 7)), t.cache().set_of(TbuTlb::set_of(inside >> k2M, 3, 7)));
	for (uint64_t off = 0; off < (1u << k2M); off += 0x1000) {
		unsigned probes = 9;
		const TbuEntry *e = t.lookup(3, 7, va + off + 0x18, probes);
		ASSERT_NE(e, nullptr) << std::hex << off;
		EXPECT_EQ(e->out_base, pa);
		EXPECT_EQ(e->level, 2);
		EXPECT_EQ(probes, 1u);
	}
	unsigned probes;
	EXPECT_EQ(t.lookup(3, 7, va + (1u << k2M), probes), nullptr);
	EXPECT_EQ(t.lookup(3, 7, va - 1, probes), nullptr);
	EXPECT_EQ(t.lookup(3, 8, va, probes), nullptr) << "another SubstreamID";
	EXPECT_EQ(t.lookup(4, 7, va, probes), nullptr) << "another StreamID";
}

TEST(TbuTlb, ProbesOncePerPresentPageSize)
{
	TbuTlb t(256, 4, Replacement::LRU, 1);
	unsigned probes = 9;
	EXPECT_EQ(t.lookup(1, 0, 0x1000, probes), nullptr);
	EXPECT_EQ(probes, 0u) << "nothing cached, nothing probed";
	t.insert(1, 0, 0x1000, entry(0x9000, k4K));
	t.insert(1, 0, 0x4000'0000, entry(0x4000'0000, k1G, 1));
	t.insert(1, 0, 0x20'0000, entry(0x20'0000, k2M, 2));
	EXPECT_EQ(t.present_page_shifts(), (1ull << 12) | (1ull << 21) | (1ull << 30));
	ASSERT_NE(t.lookup(1, 0, 0x1234, probes), nullptr);
	EXPECT_EQ(probes, 1u) << "4 KB probed first and hits";
	ASSERT_NE(t.lookup(1, 0, 0x20'1234, probes), nullptr);
	EXPECT_EQ(probes, 2u) << "4 KB miss, 2 MB hit";
	ASSERT_NE(t.lookup(1, 0, 0x4100'0000, probes), nullptr);
	EXPECT_EQ(probes, 3u) << "1 GB hit";
	EXPECT_EQ(t.lookup(1, 0, 0x9000'0000, probes), nullptr);
	EXPECT_EQ(probes, 3u);
	// Removing the only 1 GB entry removes a probe.
	EXPECT_EQ(t.invalidate_if([](const smmusim::TbuTag &k, const TbuEntry &) { return k.page_shift == k1G; }), 1u);
	EXPECT_EQ(t.present_page_shifts(), (1ull << 12) | (1ull << 21));
	EXPECT_EQ(t.lookup(1, 0, 0x9000'0000, probes), nullptr);
	EXPECT_EQ(probes, 2u);
}

TEST(TbuTlb, EvictionAndUpdateKeepThePageSizesAndContextsExact)
{
	TbuTlb t(1, 1, Replacement::LRU, 1);
	t.insert(1, 5, 0x20'0000, entry(0, k2M, 2));
	EXPECT_EQ(t.present_page_shifts(), 1ull << 21);
	EXPECT_TRUE(t.may_hold(1, 5));
	t.insert(2, 6, 0x1000, entry(0, k4K)); // evicts the block
	EXPECT_EQ(t.present_page_shifts(), 1ull << 12);
	EXPECT_FALSE(t.may_hold(1, 5)) << "the evicted entry's context is gone";
	EXPECT_TRUE(t.may_hold(2, 6));
	t.insert(2, 6, 0x1000, entry(0x5000, k4K)); // same key: an update, not a second entry
	unsigned probes;
	ASSERT_NE(t.lookup(2, 6, 0x1004, probes), nullptr);
	EXPECT_EQ(t.lookup(2, 6, 0x1004, probes)->out_base, 0x5000u);
	EXPECT_EQ(t.invalidate_if([](const smmusim::TbuTag &, const TbuEntry &) { return true; }), 1u)
		<< "the update left one entry";
	EXPECT_EQ(t.present_page_shifts(), 0u);
	EXPECT_FALSE(t.may_hold(2, 6));
}

TEST(TbuTlb, DisabledHoldsNothing)
{
	TbuTlb off(0, 4, Replacement::PLRU, 1);
	EXPECT_FALSE(off.enabled());
	EXPECT_EQ(off.insert(1, 0, 0, entry(0, k4K)), nullptr);
	unsigned probes = 9;
	EXPECT_EQ(off.lookup(1, 0, 0, probes), nullptr);
	EXPECT_EQ(probes, 0u);
}


// The memo of the last hit (TbuTlb::lookup) is invisible: a TLB with it and one without, given the
// same random fills, lookups and invalidations (mixed page sizes, a block over pages, a few
// contexts), return the same entries and probes, keep the same statistics and replacement state,
// and so evict the same entries, under every policy and as a micro TLB (one set) or a main TLB.
TEST(TbuTlb, RememberingTheLastHitChangesNothing)
{
	const Replacement policies[] = {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin, Replacement::Random,
					Replacement::RRIP};
	const struct {
		uint32_t entries, ways;
	} shapes[] = {{8, 0}, {32, 0}, {64, 4}};
	for (Replacement pol : policies)
		for (const auto &shape : shapes) {
			TbuTlb memo(shape.entries, shape.ways, pol, 7), plain(shape.entries, shape.ways, pol, 7, false);
			uint64_t rng = 1, fills = 0, repeats = 0, page = 0;
			uint32_t sid = 0, ssid = ~0u;
			auto next = [&] {
				rng = rng * 6364136223846793005ull + 1442695040888963407ull;
				return rng >> 24; // 40 bits
			};
			for (int step = 0; step < 20000; step++) {
				const uint64_t r = next();
				// mostly the page and context of the step before (a streaming master), else one of
				// 24 pages of 4 KB in the first 2 MB block, 4 pages in a 1 GB block, 3 StreamIDs
				if (r % 4 == 0) {
					sid = (uint32_t)(r >> 4) % 3;
					ssid = r & 0x100 ? 1u : ~0u;
					page = (r >> 8) % 8 == 0 ? 0x4000'0000 + ((r >> 12) % 4) * 0x1000 : ((r >> 12) % 24) * 0x1000;
				} else {
					repeats++;
				}
				const uint64_t va = page + ((r >> 20) & 0xFC0);
				const unsigned op = (unsigned)(next() % 100);
				if (op < 12) {
					const uint8_t shift = op < 2 ? k1G : op < 4 ? k2M : k4K;
					TbuEntry e = entry((++fills) << 30, shift, shift == k4K ? 3 : shift == k2M ? 2 : 1);
					TbuEntry *a = memo.insert(sid, ssid, va, e), *b = plain.insert(sid, ssid, va, e);
					ASSERT_EQ(a == nullptr, b == nullptr);
				} else if (op < 14) {
					auto pred = [&](const smmusim::TbuTag &k, const TbuEntry &) { return k.sid == sid; };
					ASSERT_EQ(memo.invalidate_if(pred), plain.invalidate_if(pred));
				} else {
					unsigned pa = 99, pb = 98;
					const TbuEntry *a = memo.lookup(sid, ssid, va, pa), *b = plain.lookup(sid, ssid, va, pb);
					ASSERT_EQ(a == nullptr, b == nullptr) << "step " << step;
					if (a) {
						ASSERT_EQ(a->out_base, b->out_base) << "step " << step;
						ASSERT_EQ(a->page_shift, b->page_shift);
					}
					ASSERT_EQ(pa, pb) << "step " << step;
				}
				const auto &sa = memo.cache().stats(), &sb = plain.cache().stats();
				ASSERT_EQ(sa.lookups, sb.lookups) << "step " << step;
				ASSERT_EQ(sa.hits, sb.hits);
				ASSERT_EQ(sa.misses, sb.misses);
				ASSERT_EQ(sa.evictions, sb.evictions);
				ASSERT_EQ(memo.present_page_shifts(), plain.present_page_shifts());
				for (uint32_t set = 0; set < memo.cache().sets(); set++)
					ASSERT_EQ(memo.cache().predicted_victim(set), plain.cache().predicted_victim(set)) << "step " << step;
			}
			EXPECT_GT(repeats, 10000u) << "the workload repeats pages";
		}
}

// The page sizes probed, the per-context counts and the set of every entry stay exactly what the
// entries cached imply, through fills that evict (the same or another page size and context), lookups
// and invalidations in contexts that change from one access to the next (the TLB keeps the hash of
// the last context it indexed), in a main TLB and a micro TLB.
TEST(TbuTlb, PageSizesContextsAndSetsFollowTheEntries)
{
	const struct {
		uint32_t sid, ssid;
	} ctx[] = {{0, ~0u}, {0, 1}, {1, ~0u}, {5, 7}, {5, 8}, {0x10000, 3}};
	const struct {
		uint32_t entries, ways;
	} shapes[] = {{64, 4}, {16, 0}};
	for (const auto &shape : shapes) {
		TbuTlb t(shape.entries, shape.ways, Replacement::Random, 3);
		const uint32_t sets = t.cache().sets();
		uint64_t rng = 99;
		auto next = [&] {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			return rng >> 24;
		};
		for (int step = 0; step < 5000; step++) {
			const uint64_t r = next();
			const auto &c = ctx[r % 6];
			const uint8_t shift = (r >> 3) % 5 == 0 ? k2M : k4K;
			const uint64_t va = ((r >> 8) % 64) << shift;
			const unsigned op = (unsigned)((r >> 20) % 10);
			unsigned probes;
			if (op < 6) {
				t.insert(c.sid, c.ssid, va, entry(step, shift, shift == k4K ? 3 : 2), false);
			} else if (op < 9) {
				t.lookup(c.sid, c.ssid, va, probes);
			} else {
				t.invalidate_if([&](const smmusim::TbuTag &k, const TbuEntry &) { return k.sid == c.sid; });
			}
			uint64_t shifts = 0;
			bool held[6] = {};
			for (uint32_t set = 0; set < sets; set++)
				for (uint32_t way = 0; way < t.cache().ways(); way++) {
					const smmusim::TbuTag *k = t.cache().key_at(set, way);
					if (!k)
						continue;
					shifts |= 1ull << k->page_shift;
					ASSERT_EQ(TbuTlb::set_of(k->vpn, k->sid, k->ssid) & (sets - 1), set) << "step " << step;
					for (int i = 0; i < 6; i++)
						held[i] |= k->sid == ctx[i].sid && k->ssid == ctx[i].ssid;
				}
			ASSERT_EQ(t.present_page_shifts(), shifts) << "step " << step;
			for (int i = 0; i < 6; i++)
				ASSERT_EQ(t.may_hold(ctx[i].sid, ctx[i].ssid), held[i]) << "step " << step << " context " << i;
		}
	}
}
