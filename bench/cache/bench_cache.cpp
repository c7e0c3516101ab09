// Lookups per second of the generic cache and the TBU TLB, per replacement policy, for a hit-heavy
// stream (working set fits) and a miss-heavy stream (working set 16x the capacity, every miss
// fills). Usage: bench-cache [lookups]  (default 20M per row).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "smmusim/tlb.hpp"

using namespace smmusim;

namespace {

struct Key {
	uint64_t vpn;
	uint32_t ctx;
	bool operator==(const Key &o) const noexcept { return vpn == o.vpn && ctx == o.ctx; }
};

// Address stream precomputed so generating it is not timed.
std::vector<uint64_t> stream(size_t n, uint64_t pages, uint64_t seed)
{
	SplitMix64 rng(seed);
	std::vector<uint64_t> v(n);
	for (auto &x : v)
		x = rng.next() % pages;
	return v;
}

double run_cache(Replacement pol, const std::vector<uint64_t> &s, size_t total, double *hit_rate)
{
	SetAssocCache<Key, uint64_t> c(2048, 4, pol, 42);
	const auto t0 = std::chrono::steady_clock::now();
	uint64_t sink = 0;
	for (size_t i = 0; i < total; ++i) {
		const uint64_t vpn = s[i & (s.size() - 1)];
		const Key k{vpn, 7};
		if (const uint64_t *v = c.lookup(k, vpn))
			sink += *v;
		else
			c.insert(k, vpn, vpn << 12);
	}
	const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	*hit_rate = double(c.stats().hits) / double(c.stats().lookups);
	if (sink == 1)
		std::puts("");
	return double(total) / secs;
}

double run_tlb(Replacement pol, const std::vector<uint64_t> &s, size_t total, double *hit_rate)
{
	TbuTlb t(2048, 4, pol, 42); // the TBU main TLB's structure (tbu.mtlb)
	// Two page sizes present, as with a mix of 4 KB pages and 2 MB blocks: two probes per miss.
	TbuEntry block;
	block.out_base = uint64_t{1} << 40;
	block.page_shift = 21;
	t.insert(1, 0, uint64_t{1} << 40, block);
	TbuEntry page;
	page.page_shift = 12;
	uint64_t hits = 0;
	const auto t0 = std::chrono::steady_clock::now();
	uint64_t sink = 0;
	for (size_t i = 0; i < total; ++i) {
		const uint64_t va = s[i & (s.size() - 1)] << 12;
		unsigned probes;
		if (const TbuEntry *e = t.lookup(1, 0, va, probes)) {
			sink += e->out_base + probes;
			hits++;
		} else {
			page.out_base = va;
			t.insert(1, 0, va, page);
		}
	}
	const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	*hit_rate = double(hits) / double(total);
	if (sink == 1)
		std::puts("");
	return double(total) / secs;
}

} // namespace

int main(int argc, char **argv)
{
	const size_t total = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 20'000'000;
	const size_t len = size_t{1} << 20;
	const auto hit_stream = stream(len, 1024, 1);	   // 1024 pages in a 2048-entry cache
	const auto miss_stream = stream(len, 32768, 2);	   // 16x the capacity
	std::printf("# 2048 entries, 4-way, %zu lookups per row\n", total);
	std::printf("%-10s %-8s %-12s %14s %8s\n", "structure", "policy", "stream", "lookups/s", "hit%");
	for (Replacement pol : {Replacement::LRU, Replacement::PLRU, Replacement::RoundRobin,
				Replacement::Random, Replacement::RRIP}) {
		double hr;
		double r = run_cache(pol, hit_stream, total, &hr);
		std::printf("%-10s %-8s %-12s %14.0f %7.1f%%\n", "cache", replacement_name(pol), "hit-heavy", r, 100 * hr);
		r = run_cache(pol, miss_stream, total, &hr);
		std::printf("%-10s %-8s %-12s %14.0f %7.1f%%\n", "cache", replacement_name(pol), "miss-heavy", r, 100 * hr);
		r = run_tlb(pol, hit_stream, total, &hr);
		std::printf("%-10s %-8s %-12s %14.0f %7.1f%%\n", "tlb", replacement_name(pol), "hit-heavy", r, 100 * hr);
		r = run_tlb(pol, miss_stream, total, &hr);
		std::printf("%-10s %-8s %-12s %14.0f %7.1f%%\n", "tlb", replacement_name(pol), "miss-heavy", r, 100 * hr);
	}
	return 0;
}
