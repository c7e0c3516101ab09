// The timing building blocks (model/include/smmusim/timing.hpp) on their own.
#include <smmusim/timing.hpp>

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

TEST(TimingParts, SlotPoolGrantsEarliestFree)
{
	smmusim::SlotPool p;
	p.init(2);
	unsigned a, b, c;
	EXPECT_EQ(10u, p.acquire(10, a));
	EXPECT_EQ(10u, p.acquire(10, b));
	p.release(a, 10, 50);
	p.release(b, 10, 40);
	EXPECT_EQ(40u, p.acquire(20, c));
	EXPECT_EQ(b, c);
	EXPECT_EQ(1u, p.st.stalls);
	EXPECT_EQ(20u, p.st.stall_cycles);
	EXPECT_EQ(2u, p.st.max_busy);
}

} // namespace
