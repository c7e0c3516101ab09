// The timing building blocks (model/include/smmusim/timing.hpp) on their own.
#include <smmusim/timing.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(TimingParts, HistogramIsExactBelow4096)
{
	smmusim::LatencyHist h;
	for (uint64_t v = 1; v <= 1000; v++)
		h.add(v);
	EXPECT_EQ(500u, h.percentile(500));
	EXPECT_EQ(900u, h.percentile(900));
	EXPECT_EQ(990u, h.percentile(990));
	EXPECT_EQ(1000u, h.max());
	h.add(100000);
	const uint64_t p = h.percentile(1000);
	EXPECT_LE(p, 100000u);
	EXPECT_GE(p, 100000u - 100000u / 512) << "log-linear buckets above 4096: < 0.2% low";
}

// Nearest rank: the smallest value with count(<= v) >= ceil(q * n). With 3 samples, p50 is rank
// ceil(1.5) = 2 (the middle one); rounding the rank down would report the smallest.
TEST(TimingParts, PercentileRankRoundsUp)
{
	smmusim::LatencyHist h;
	for (uint64_t v : {30u, 10u, 20u})
		h.add(v);
	EXPECT_EQ(20u, h.percentile(500));
	EXPECT_EQ(30u, h.percentile(990)) << "rank ceil(2.97) = 3";
	EXPECT_EQ(10u, h.percentile(333)) << "rank ceil(0.999) = 1";
	EXPECT_EQ(20u, h.percentile(334)) << "rank ceil(1.002) = 2";
	EXPECT_EQ(10u, h.percentile(0)) << "rank at least 1";
	EXPECT_EQ(0u, smmusim::LatencyHist().percentile(500)) << "no samples";
}

TEST(TimingParts, SerialLinkFillsGapsAndSlides)
{
	smmusim::SerialLink l;
	EXPECT_EQ(100u, l.reserve(100, 1));
	EXPECT_EQ(101u, l.reserve(100, 1));
	EXPECT_EQ(10u, l.reserve(10, 5)) << "an earlier request uses the gap before";
	EXPECT_EQ(102u, l.reserve(98, 3)) << "98..100 is not free for 3 cycles: the first gap of 3 starts at 102";
	EXPECT_EQ(15u, l.reserve(12, 1));
	const uint64_t far = 10'000'000;
	EXPECT_EQ(far, l.reserve(far, 2));
	EXPECT_EQ(far + 2, l.reserve(far, 1));
	EXPECT_EQ(far - 1, l.reserve(far - 1, 1));
	EXPECT_EQ(1000u, l.reserve(1000, 1)) << "far behind the window: granted at once";
	EXPECT_EQ(far + 3, l.reserve(far - 1, 4)) << "far-1..far+2 is busy: the first 4 free cycles start at far+3";
}

// A request more than the window behind the newest is granted at once and not recorded: the cycles
// a ring later, which share its bits, stay free (one cycle, and several in a word).
TEST(TimingParts, SerialLinkRecordsNothingBehindTheWindow)
{
	constexpr uint64_t ring = smmusim::SerialLink::kRing;
	smmusim::SerialLink l;
	EXPECT_EQ(ring + 100, l.reserve(ring + 100, 1));
	EXPECT_EQ(50u, l.reserve(50, 1));
	EXPECT_EQ(60u, l.reserve(60, 4));
	EXPECT_EQ(ring + 50, l.reserve(ring + 50, 1)) << "cycle 50 was not recorded in its bit";
	EXPECT_EQ(ring + 60, l.reserve(ring + 60, 4)) << "cycles 60..63 were not recorded in their bits";
	EXPECT_EQ(0u, l.wait_cycles);
}

// A request less than the window behind the newest still finds every cycle reserved in the window,
// after the newest has moved on by nearly a window into new words, whose bits (and those of the
// rest of the newest's word) the calendar clears when the newest reaches them: through the update
// of the newest's word (a request in it, ending on a word boundary), and through a request
// further ahead.
TEST(TimingParts, SerialLinkKeepsTheWholeWindow)
{
	constexpr uint64_t win = smmusim::SerialLink::kWin;
	smmusim::SerialLink l;
	EXPECT_EQ(100u, l.reserve(100, 1));
	EXPECT_EQ(130u, l.reserve(130, 3));
	EXPECT_EQ(win + 60, l.reserve(win + 60, 1)) << "ahead, past the newest's word";
	EXPECT_EQ(win + 63, l.reserve(win + 63, 1)) << "in the newest's word, up to the next word";
	EXPECT_EQ(101u, l.reserve(100, 1)) << "cycle 100 is still busy: win - 36 cycles behind the newest";
	EXPECT_EQ(133u, l.reserve(130, 1)) << "cycles 130..132 too";
	EXPECT_EQ(win + 64, l.reserve(win + 63, 1));

	smmusim::SerialLink m;
	EXPECT_EQ(100u, m.reserve(100, 1));
	EXPECT_EQ(win + 63, m.reserve(win + 63, 1)) << "ahead, past the newest's word";
	EXPECT_EQ(101u, m.reserve(100, 1)) << "cycle 100 is still busy: win - 36 cycles behind the newest";
}

// The edges of reserve's clamps: a request for 0 cycles takes none; one above half the window holds
// half the window; the oldest cycle of the window (the newest minus 2^20 - n) is still recorded, one
// cycle older is not.
TEST(TimingParts, SerialLinkEdgesOfTheWindow)
{
	constexpr uint64_t win = smmusim::SerialLink::kWin;
	{
		smmusim::SerialLink l;
		EXPECT_EQ(7u, l.reserve(7, 0));
		EXPECT_EQ(0u, l.busy_cycles);
		EXPECT_EQ(7u, l.reserve(7, 1)) << "a request for no cycles held none";
	}
	{
		smmusim::SerialLink l;
		EXPECT_EQ(0u, l.reserve(0, win));
		EXPECT_EQ(win / 2, l.busy_cycles) << "held half the window";
		EXPECT_EQ(win / 2, l.reserve(0, 1)) << "the next free cycle follows the half window";
	}
	{
		smmusim::SerialLink l;
		EXPECT_EQ(win + 99, l.reserve(win + 99, 1)); // the newest: one past it is win + 100
		EXPECT_EQ(100u, l.reserve(100, 1));
		EXPECT_EQ(100u, l.reserve(100, 1)) << "exactly 2^20 behind: granted, not recorded";
		EXPECT_EQ(101u, l.reserve(101, 1));
		EXPECT_EQ(102u, l.reserve(101, 1)) << "2^20 - 1 behind: recorded";
		EXPECT_EQ(104u, l.reserve(104, 4)) << "2^20 - 4 behind, four cycles";
		EXPECT_EQ(108u, l.reserve(104, 4)) << "2^20 - 4 behind: recorded (104..107)";
		EXPECT_EQ(103u, l.reserve(103, 4)) << "2^20 - 3 behind, four cycles: granted, not recorded";
		EXPECT_EQ(5u, l.wait_cycles);
	}
}

// Random requests (1 to 200 cycles, within the window, in and out of time order) against a plain
// calendar of every cycle: the same starts, waits and busy cycles, whether a request fits in one
// 64-cycle word of the bitmap or spans several.
TEST(TimingParts, SerialLinkMatchesACalendar)
{
	smmusim::SerialLink l;
	std::vector<bool> busy(1u << 19, false);
	uint64_t rng = 5, t = 0, waits = 0, busy_cycles = 0;
	for (unsigned op = 0; op < 20000; op++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		t += (rng >> 33) % 24;
		const uint64_t at = t - std::min<uint64_t>(t, (rng >> 20) % 400); // up to 400 cycles back
		const uint64_t n = (rng >> 45) % 8 == 0 ? 1 + (rng >> 50) % 200 : 1 + (rng >> 50) % 3;
		uint64_t s = at;
		for (uint64_t run = 0; run < n; s++)
			run = busy[s] ? 0 : run + 1;
		s -= n;
		for (uint64_t c = s; c < s + n; c++)
			busy[c] = true;
		waits += s - at;
		busy_cycles += n;
		ASSERT_EQ(s, l.reserve(at, n)) << "op " << op << ": " << n << " cycles at " << at;
	}
	EXPECT_EQ(waits, l.wait_cycles);
	EXPECT_EQ(busy_cycles, l.busy_cycles);
	EXPECT_LT(t, (1u << 19) - 1000) << "the requests stayed inside the calendar";
}

// The same past the calendar's ring wrap, where the bits from the newest reservation's word on still
// hold the previous lap's: requests mostly at or just after the newest (DMA data, the one-word
// update of SerialLink::mark), some behind it into the gaps, some ahead past the newest's word.
TEST(TimingParts, SerialLinkMatchesACalendarPastTheWrap)
{
	smmusim::SerialLink l;
	std::set<uint64_t> busy;
	uint64_t newest = 0, x = 5, waited = 0, held = 0;
	for (int i = 0; i < 200000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		const uint64_t r = x >> 24;
		const uint64_t n = 1 + (r % 5 == 0 ? (r >> 4) % 100 : (r >> 4) % 3);
		uint64_t t = newest + (r >> 12) % 4;
		if (r % 7 == 0)
			t = newest > 300 ? newest - (r >> 12) % 300 : 0; // behind: into the gaps
		else if (r % 97 == 0)
			t = newest + 64 + (r >> 12) % 5000; // ahead, past the newest's word
		uint64_t s = t;
		for (uint64_t k = s; k < s + n; k++)
			if (busy.count(k)) {
				s = k + 1;
				k = s - 1;
			}
		for (uint64_t k = s; k < s + n; k++)
			busy.insert(k);
		newest = std::max(newest, s + n);
		waited += s - t;
		held += n;
		ASSERT_EQ(s, l.reserve(t, n)) << "request " << i << " at " << t << " for " << n;
	}
	EXPECT_EQ(waited, l.wait_cycles);
	EXPECT_EQ(held, l.busy_cycles);
	EXPECT_GT(newest, 2 * smmusim::SerialLink::kRing) << "the requests went past the ring's wrap, twice";
}

TEST(TimingParts, TopNBoundedWithManySubstreams)
{
	smmusim::TopN t;
	t.init(8);
	for (uint64_t i = 0; i < (1u << 20); i++) {
		t.add(i, false, false); // 2^20 distinct PASIDs, once each
		if (i % 4 == 0)
			t.add(7777777, true, false); // one heavy hitter: a quarter of the traffic
	}
	auto v = t.sorted();
	ASSERT_EQ(8u, v.size());
	EXPECT_EQ(7777777u, v[0].key);
	EXPECT_GE(v[0].transactions, (1u << 18));
	EXPECT_LE(v[0].transactions - v[0].err, (1u << 18));
	EXPECT_EQ(1u << 18, v[0].misses) << "counts after tracking starts are exact";
}

// The counting rule TopN implements, written as the plain scan it replaced: the tracked key, else
// the first entry with the smallest count.
struct ScanTopN {
	std::vector<smmusim::StreamCount> e;
	void add(uint64_t key, bool miss)
	{
		smmusim::StreamCount *c = nullptr;
		size_t low = 0;
		for (size_t i = 0; i < e.size() && !c; i++) {
			if (e[i].transactions && e[i].key == key)
				c = &e[i];
			else if (e[i].transactions < e[low].transactions)
				low = i;
		}
		if (!c) {
			c = &e[low];
			const uint64_t base = c->transactions;
			*c = smmusim::StreamCount();
			c->key = key;
			c->transactions = c->err = base;
		}
		c->transactions++;
		c->misses += miss;
	}
};

TEST(TimingParts, TopNCountsAsTheScanDoes)
{
	{
		// a new key takes the first entry with the smallest count: a, then b, go; c stays
		smmusim::TopN t;
		t.init(3);
		for (uint64_t k : {0xa, 0xb, 0xc, 0xd, 0xe})
			t.add(k, false, false);
		const auto v = t.sorted();
		ASSERT_EQ(3u, v.size());
		EXPECT_EQ(0xdu, v[0].key);
		EXPECT_EQ(0xeu, v[1].key);
		EXPECT_EQ(0xcu, v[2].key);
		EXPECT_EQ(1u, v[1].err);
	}
	for (unsigned n : {1u, 3u, 8u, 64u, 65u, 130u}) {
		for (uint64_t keys : {4ull, 64ull, 1000ull, 1ull << 20}) {
			smmusim::TopN t;
			t.init(n);
			ScanTopN ref;
			ref.e.assign(n, smmusim::StreamCount());
			uint64_t x = n * 1000003ull + keys;
			for (unsigned i = 0; i < 20000; i++) {
				x = x * 6364136223846793005ull + 1442695040888963407ull;
				// skewed: a quarter of the traffic to a few keys, so counts spread apart
				const uint64_t r = x >> 33, key = (r & 3) ? r % keys : r % 5;
				t.add(key, r & 8, false);
				ref.add(key, r & 8);
			}
			std::vector<smmusim::StreamCount> want;
			for (const auto &e : ref.e)
				if (e.transactions)
					want.push_back(e);
			std::sort(want.begin(), want.end(), [](const auto &a, const auto &b) {
				return a.transactions != b.transactions ? a.transactions > b.transactions : a.key < b.key;
			});
			const auto got = t.sorted();
			ASSERT_EQ(want.size(), got.size()) << n << " counters, " << keys << " keys";
			for (size_t i = 0; i < got.size(); i++) {
				EXPECT_EQ(want[i].key, got[i].key) << n << " counters, " << keys << " keys, rank " << i;
				EXPECT_EQ(want[i].transactions, got[i].transactions) << n << " counters, " << keys << " keys";
				EXPECT_EQ(want[i].misses, got[i].misses) << n << " counters, " << keys << " keys";
				EXPECT_EQ(want[i].err, got[i].err) << n << " counters, " << keys << " keys";
			}
		}
	}
}

TEST(TimingParts, SlotPoolGrantsEarliestFree)
{
	smmusim::SlotPool p;
	p.init(2);
	uint64_t s = p.enter(10);
	EXPECT_EQ(10u, s);
	p.leave(s, 50);
	s = p.enter(10);
	EXPECT_EQ(10u, s) << "the other slot, still free at 0";
	p.leave(s, 40);
	s = p.enter(20);
	EXPECT_EQ(40u, s) << "the slot that frees first";
	p.leave(s, 45);
	EXPECT_EQ(45u, p.enter(42)) << "then the one freed at 45, before the one free at 50";
	EXPECT_EQ(2u, p.st.stalls);
	EXPECT_EQ(23u, p.st.stall_cycles);
	EXPECT_EQ(2u, p.st.max_busy);
}

#ifndef NDEBUG
// enter()/leave() is a hold with no other request to the pool in between (Smmu::timing): a debug
// build stops a request that comes between them instead of granting from a stale first slot.
TEST(TimingPartsDeathTest, SlotPoolRequestDuringAHold)
{
	smmusim::SlotPool p;
	p.init(4);
	const uint64_t s = p.enter(10);
	EXPECT_DEATH(p.pass(12, 1), "during a hold");
	EXPECT_DEATH(p.enter(12), "during a hold");
	p.leave(s, 20);
	EXPECT_EQ(11u, p.pass(10, 1)) << "after leave(), requests are granted again (a free slot at 10)";
	EXPECT_DEATH(p.leave(10, 11), "without enter");
}
#endif

// Every grant's statistics against a plain model of the pool (the free time of each slot, scanned
// whole): the earliest-free start, stalls, and max_busy, the occupancy at the grant with this
// request, which the pool keeps without a scan while it cannot grow, and the busy cycles. Pools of
// 1 to 70 slots (the pipes have a few, the TCU many), with pipelined passes and enter/leave (a
// hold released before the next request) mixed, holds ending before, among and after the other
// slots' free times; a pass counts its stall cycles only (a lookup pipe's one statistic) but
// occupies its slot as a hold.
TEST(TimingParts, SlotPoolStatisticsMatchAScan)
{
	uint64_t rng = 12345;
	auto next = [&rng] {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		return rng >> 33;
	};
	for (unsigned n : {1u, 2u, 3u, 4u, 5u, 16u, 17u, 64u, 70u}) {
		smmusim::SlotPool p;
		p.init(n);
		std::vector<uint64_t> free_at(n, 0);
		uint64_t t = 0, stalls = 0, stall_cycles = 0, max_busy = 0, busy_cycles = 0;
		for (unsigned op = 0; op < 20000; op++) {
			t += next() % 4;
			const bool is_pass = next() % 3 == 0;
			const auto first = std::min_element(free_at.begin(), free_at.end());
			const uint64_t start = std::max(t, *first);
			const uint64_t busy = (uint64_t)std::count_if(free_at.begin(), free_at.end(),
								      [&](uint64_t f) { return f > t; });
			stall_cycles += start - t;
			if (!is_pass) {
				stalls += start > t;
				max_busy = std::max<uint64_t>(max_busy, std::min<uint64_t>(busy + 1, n));
			}
			const uint64_t hold = 1 + next() % (3 * n);
			if (is_pass) {
				ASSERT_EQ(start + hold, p.pass(t, hold)) << n << " slots, op " << op;
			} else {
				ASSERT_EQ(start, p.enter(t)) << n << " slots, op " << op;
				p.leave(start, start + hold);
				busy_cycles += hold;
			}
			*first = start + hold;
			ASSERT_EQ(stalls, p.st.stalls) << n << " slots, op " << op;
			ASSERT_EQ(stall_cycles, p.st.stall_cycles) << n << " slots, op " << op;
			ASSERT_EQ(max_busy, p.st.max_busy) << n << " slots, op " << op;
			ASSERT_EQ(busy_cycles, p.st.busy_cycles) << n << " slots, op " << op;
		}
		EXPECT_EQ(n, p.st.max_busy) << n << " slots: the workload fills the pool";
	}
}

} // namespace
