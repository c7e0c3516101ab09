// Timing building blocks of the model (docs/timing.md): every structural hazard is one of three
// resources, each answering "when can this request start?" from stored free times, so nothing
// ticks a clock and a request costs a few compares.
//
//  SlotPool     k slots held for a variable time within one transaction's timing (TBU/TCU
//               translation slots, walk slots); also a pipelined lookup structure described by
//               (latency, slots) as in gem5: a lookup holds a slot for `latency` cycles, so
//               slots = latency is one lookup per cycle.
//  SerialLink   one request per `cycles` on a shared path (TBU->TCU and TCU->TBU links) and the
//               memory channel: a calendar of busy cycles, so a request computed later for an
//               earlier cycle still finds the gaps before requests computed earlier.
//  LatencyHist  an exact latency distribution with bounded memory.
//  TopN         bounded per-StreamID / per-SubstreamID counters (SpaceSaving).
//
// Requests are granted in the order the model presents transactions (issue order). Slot pools
// grant the earliest-free slot, which is exact when requests arrive in time order and an
// approximation (documented in docs/timing.md) when a later transaction reaches a pool earlier.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <vector>

namespace smmusim {

struct SlotStats {
	uint64_t stalls = 0, stall_cycles = 0, busy_cycles = 0, max_busy = 0;
};

class SlotPool {
public:
	void init(unsigned slots)
	{
		n_ = slots ? slots : 1;
		free_.assign(n_, 0); // every slot free at cycle 0
		head_ = 0;
		last_ = 0;
		grow_ = st.max_busy >= n_ ? 0 : n_ + 1 - (unsigned)st.max_busy;
	}
	// A hold whose release comes before any other request to the pool (a translation's slots in
	// the timing of one transaction): enter(t) is the earliest cycle >= t at which a slot is
	// free, and leave(start, end) frees that slot at `end`. Occupancy (slots busy at the grant,
	// this one included) feeds max_busy. Slots are interchangeable, and no slot is held between
	// two requests, so the pool keeps the free time of every slot, in ascending order in a ring of
	// exactly n: the earliest-free slot is the first, and the slots busy at t (free after t) are
	// counted by a binary search instead of a scan of every slot.
	uint64_t enter(uint64_t t)
	{
		const uint64_t start = grant(t);
#ifndef NDEBUG
		entered_ = true;
#endif
		return start;
	}
	void leave(uint64_t start, uint64_t end)
	{
#ifndef NDEBUG
		assert(entered_ && "SlotPool: leave() without enter()");
		entered_ = false;
#endif
		place_first(end);
		st.busy_cycles += end - start;
	}
	// A pipelined lookup: holds a slot for `hold` cycles; returns when the lookup completes. A
	// lookup pipe reports its stall cycles only (tcu.cfg.stall_cycles, tcu.walk.stall_cycles):
	// a pass counts them and leaves the other statistics, the translation slots' figures, alone.
	uint64_t pass(uint64_t t, uint64_t hold)
	{
#ifndef NDEBUG
		assert(!entered_ && "SlotPool: a request during a hold taken by enter() (leave() first)");
#endif
		const uint64_t start = std::max(t, free_[head_]);
		st.stall_cycles += start - t;
		const uint64_t end = start + hold;
		place_first(end);
		return end;
	}
	unsigned size() const { return n_; }
	SlotStats st;

private:
	// The start of a request at t on the earliest-free slot, with the statistics of the grant.
	uint64_t grant(uint64_t t)
	{
#ifndef NDEBUG
		assert(!entered_ && "SlotPool: a request during a hold taken by enter() (leave() first)");
#endif
		const uint64_t start = std::max(t, free_[head_]);
		if (start > t) {
			st.stalls++;
			st.stall_cycles += start - t;
		}
		// Occupancy max(max_busy, min(busy + 1, n)) with busy = n - free_by(t) grows only when
		// free_by(t) < grow_ = n + 1 - max_busy (0 once max_busy = n; n + 1 before any grant).
		// The free times are sorted, so free_by(t) >= grow_ is one compare (at(grow_ - 1) <= t):
		// the search runs only when it grows.
		if (grow_ && (grow_ > n_ || at(grow_ - 1) > t)) {
			const unsigned busy = n_ - free_by(t);
			st.max_busy = std::min(busy + 1, n_);
			grow_ = st.max_busy == n_ ? 0 : n_ + 1 - (unsigned)st.max_busy;
		}
		return start;
	}
	// The earliest-free slot (the first) becomes free at `end`: move it into order.
	void place_first(uint64_t end)
	{
		if (end >= last_) { // the latest free time: the first becomes the last
			free_[head_] = end;
			last_ = end;
			head_ = head_ + 1 == n_ ? 0 : head_ + 1;
		} else {
			unsigned pos = 0;
			for (; pos + 1 < n_ && at(pos + 1) < end; pos++)
				at(pos) = at(pos + 1);
			at(pos) = end;
		}
	}
	uint64_t &at(unsigned i) // the i-th earliest free time, i < n_
	{
		const unsigned k = head_ + i;
		return free_[k >= n_ ? k - n_ : k];
	}
	// How many slots are free at or before t.
	unsigned free_by(uint64_t t)
	{
		if (free_[head_] > t) // none (a busy pool)
			return 0;
		if (last_ <= t) // all (an idle pool)
			return n_;
		unsigned lo = 1, hi = n_ - 1;
		while (hi - lo > 4) { // binary search down to a few, then a scan (pipes have 1..4 slots)
			const unsigned mid = (lo + hi) / 2;
			if (at(mid) <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo < hi && at(lo) <= t)
			lo++;
		return lo;
	}
	std::vector<uint64_t> free_; // the slots' free times, ascending from head_ (a ring of n_)
	unsigned n_ = 1, head_ = 0;
	uint64_t last_ = 0;  // the latest free time, at(n_ - 1)
	unsigned grow_ = 2; // n_ + 1 - st.max_busy, 0 once it is n_
#ifndef NDEBUG
	bool entered_ = false; // between enter() and leave(), when no other request may come
#endif
};

// Calendar of busy cycles in a sliding window of 2^kBits cycles. reserve(t, n) returns the first
// start >= t with n consecutive free cycles and marks them busy. A request more than 2^20 cycles
// behind the newest reservation is granted at once without being recorded (its cycles left the
// window; documented approximation for backlogs above a million cycles).
//
// The bitmap is a ring of twice the window (kRing cycles, 256 KB), so that the bits of the newest
// reservation's word from the newest on can be kept clear (they hold cycles a whole window older
// than any request looks at): the usual request, at or after the newest and within its word, then
// only sets its bits (mark_newest_word).
class SerialLink {
public:
	static constexpr unsigned kBits = 20;
	static constexpr uint64_t kWin = 1ull << kBits;
	static constexpr uint64_t kRing = 2 * kWin;

	SerialLink() : bits_(kRing / 64, 0) {}
	uint64_t reserve(uint64_t t, uint64_t n)
	{
		if (n - 1 >= kWin / 2) { // n = 0 (wraps) or above half the window: rare
			if (n == 0)
				return t;
			n = kWin / 2;
		}
		if (t >= hi_) { // fast path: nothing reserved at or after t
			if ((hi_ >> 6) == ((t + n - 1) >> 6))
				mark_newest_word(t, t + n);
			else
				mark(t, n);
			return t;
		}
		// Behind the newest and within the window, the usual request (a table walk's read between
		// earlier transactions' data accesses) is granted in t's word, as reserve_behind would:
		// for one cycle, the first free cycle of the word at or after t, before the newest; for
		// more, at t when its cycles lie in t's word and are free.
		if (n == 1) {
			uint64_t &w = word(t);
			const uint64_t f = ~w >> (t & 63);
			if (f && hi_ - t < kWin) {
				const uint64_t s = t + (uint64_t)__builtin_ctzll(f);
				if (s < hi_) {
					w |= 1ull << (s & 63);
					busy_cycles++;
					wait_cycles += s - t;
					return s;
				}
			}
		} else if (t + n <= hi_ && (t >> 6) == ((t + n - 1) >> 6) && hi_ - t <= kWin - n) {
			uint64_t &w = word(t);
			const uint64_t m = word_bits(t, t + n);
			if (!(w & m)) {
				w |= m;
				busy_cycles += n;
				return t;
			}
		}
		return reserve_behind(t, n);
	}
	uint64_t busy_cycles = 0, wait_cycles = 0;

private:
	// reserve() of a request before the newest reservation: out of line, so that the usual
	// request's path stays small enough to be inlined where the channel and links are used.
	__attribute__((noinline)) uint64_t reserve_behind(uint64_t t, uint64_t n)
	{
		if (hi_ - t > kWin - n)
			return t; // older than the window (see above)
		uint64_t s = t;
		for (;;) {
			s = next_free(s);
			if (s >= hi_) {
				break;
			}
			uint64_t run = 1;
			while (run < n && s + run < hi_ && !busy(s + run))
				run++;
			if (run == n || s + run >= hi_)
				break;
			s += run;
		}
		mark(s, n);
		wait_cycles += s - t;
		return s;
	}
	bool busy(uint64_t c) const { return (bits_[(c >> 6) & (kRing / 64 - 1)] >> (c & 63)) & 1u; }
	// The first free cycle at or after c. Cycles from hi_ on are free, whatever their bits hold
	// (those of the ring's previous lap, cleared only when a reservation reaches their word), so
	// the answer for a c before hi_ is at most hi_.
	uint64_t next_free(uint64_t c) const
	{
		const uint64_t from = c;
		while (c < hi_) {
			const uint64_t w = ~bits_[(c >> 6) & (kRing / 64 - 1)] >> (c & 63);
			if (w)
				return std::min(c + (uint64_t)__builtin_ctzll(w), hi_);
			c = (c | 63) + 1;
		}
		return std::max(from, hi_);
	}
	uint64_t &word(uint64_t c) { return bits_[(c >> 6) & (kRing / 64 - 1)]; }
	void mark(uint64_t s, uint64_t n)
	{
		const uint64_t end = s + n;
		if (end > hi_ && s >= hi_ && (hi_ >> 6) == ((end - 1) >> 6)) {
			mark_newest_word(s, end);
			return;
		}
		if (end > hi_) { // the window slides: cycles [hi_, end) and the rest of end's word are
			         // cleared (their bits held cycles of the ring's previous lap)
			if (end - hi_ >= kWin)
				std::fill(bits_.begin(), bits_.end(), 0);
			else
				span<false>(hi_, (end | 63) + 1);
			hi_ = end;
		}
		span<true>(s, end);
		busy_cycles += n;
	}
	// The usual request, at or after the newest (s >= hi_), ending in the newest's word, whose
	// bits from hi_ on are clear: it sets [s, end). When the newest then moves to the next word,
	// that word is cleared (it held cycles a ring earlier, more than a window behind).
	void mark_newest_word(uint64_t s, uint64_t end)
	{
		word(s) |= word_bits(s, end);
		busy_cycles += end - s;
		hi_ = end;
		if (!(end & 63))
			word(end) = 0;
	}
	// The bits of cycles [x, e) in x's word (0 < e - x <= 64, e at most the end of x's word).
	static uint64_t word_bits(uint64_t x, uint64_t e) { return (~0ull >> (64 - (e - x))) << (x & 63); }
	// Sets (or clears) the bits of cycles [x, end), end - x <= kRing, a word at a time.
	template <bool Set> void span(uint64_t x, uint64_t end)
	{
		while (x < end) {
			const uint64_t e = std::min(end, (x | 63) + 1); // the end of x's word
			const uint64_t m = word_bits(x, e);
			if (Set)
				word(x) |= m;
			else
				word(x) &= ~m;
			x = e;
		}
	}
	std::vector<uint64_t> bits_;
	uint64_t hi_ = 0; // one past the newest reserved cycle
};

// Latency distribution: exact unit buckets below kExact cycles, log-linear above (2^kSub buckets
// per power of two: relative error below 2^-kSub = 0.2%). Percentiles use the nearest-rank
// definition (the smallest value v with count(<= v) >= ceil(q * n)); above kExact the reported
// value is the bucket's lower bound.
class LatencyHist {
public:
	static constexpr uint64_t kExact = 4096;
	static constexpr unsigned kSub = 9;
	static constexpr unsigned kLog = 64 << kSub;
	static constexpr unsigned kFirst = 12 << kSub; // first log bucket in use: 4096 = 2^12
	static_assert(kExact == 1u << 12, "kFirst follows kExact");

	void add(uint64_t v)
	{
		n_++;
		sum_ += v;
		max_ = std::max(max_, v);
		if (v < kExact)
			exact_[v]++;
		else
			log_[log_index(v)]++;
	}
	uint64_t count() const { return n_; }
	uint64_t sum() const { return sum_; }
	uint64_t max() const { return max_; }
	// q in per-mille (500 = p50).
	uint64_t percentile(unsigned permille) const
	{
		if (!n_)
			return 0;
		const uint64_t rank = std::max<uint64_t>(1, (n_ * permille + 999) / 1000);
		uint64_t c = 0;
		for (uint64_t v = 0; v < kExact; v++)
			if ((c += exact_[v]) >= rank)
				return v;
		for (unsigned i = kFirst; i < kLog; i++)
			if ((c += log_[i]) >= rank)
				return std::min(max_, log_lower(i));
		return max_;
	}
	// Log2 summary for reports: bucket b counts values in [2^(b-1), 2^b).
	void log2_buckets(uint64_t out[65]) const
	{
		std::fill(out, out + 65, 0);
		for (uint64_t v = 0; v < kExact; v++)
			out[v ? 64 - __builtin_clzll(v) : 0] += exact_[v];
		for (unsigned i = kFirst; i < kLog; i++)
			out[64 - __builtin_clzll(log_lower(i))] += log_[i];
	}

private:
	static unsigned log_index(uint64_t v)
	{
		const unsigned e = 63 - (unsigned)__builtin_clzll(v); // >= 12
		const uint64_t m = (v >> (e - kSub)) & ((1u << kSub) - 1);
		return (e << kSub) | (unsigned)m;
	}
	static uint64_t log_lower(unsigned i)
	{
		const unsigned e = i >> kSub;
		return (1ull << e) | ((uint64_t)(i & ((1u << kSub) - 1)) << (e - kSub));
	}
	uint64_t n_ = 0, sum_ = 0, max_ = 0;
	std::vector<uint64_t> exact_ = std::vector<uint64_t>(kExact, 0);
	std::vector<uint64_t> log_ = std::vector<uint64_t>(kLog, 0);
};

// SpaceSaving top-N: N counters; a key not tracked replaces the entry with the smallest count
// (the first such entry) and inherits that count as its error bound. Any key with more than
// total/N transactions is tracked, and every tracked count is exact minus at most `err`. Fixed
// memory, no allocation after init. A transaction costs O(1), whatever the number of keys: a hash
// index finds a tracked key, and the entries holding the smallest count are kept as a bit set
// (counts grow by one, so when the last of them grows the next smallest count is one more).
struct StreamCount {
	uint64_t key = 0, transactions = 0, misses = 0, faults = 0, err = 0;
};
class TopN {
public:
	void init(unsigned n)
	{
		e_.assign(n, StreamCount());
		// At most a sixteenth full: with a key per PASID nearly every transaction probes for a new
		// key, erases one and inserts one, and at a quarter full the probe loops' lengths were
		// random enough to mispredict (3 % of the simulation thread's time at 65,536 PASIDs).
		size_t size = 2;
		while (size < 16 * (size_t)n)
			size *= 2;
		index_.assign(size, Slot());
		low_.assign((n + 63) / 64, 0);
		for (unsigned i = 0; i < n; i++)
			low_[i / 64] |= 1ull << (i % 64);
		low_count_ = n;
		min_ = 0;
		last_ = 0;
	}
	void add(uint64_t key, bool miss, bool fault)
	{
		if (e_.empty())
			return;
		if (e_[last_].key != key || !e_[last_].transactions) {
			const Slot *at = find(key);
			if (at) {
				last_ = at->entry;
			} else {
				last_ = first_low();
				StreamCount &c = e_[last_];
				if (c.transactions)
					erase(c.key);
				const uint64_t base = c.transactions;
				c = StreamCount();
				c.key = key;
				c.transactions = c.err = base;
				insert(key, last_);
			}
		}
		StreamCount &c = e_[last_];
		if (c.transactions == min_)
			grow_low(last_);
		c.transactions++;
		c.misses += miss;
		c.faults += fault;
	}
	// Tracked entries, most transactions first (ties: smaller key first).
	std::vector<StreamCount> sorted() const
	{
		std::vector<StreamCount> v;
		for (const auto &e : e_)
			if (e.transactions)
				v.push_back(e);
		std::sort(v.begin(), v.end(), [](const StreamCount &a, const StreamCount &b) {
			return a.transactions != b.transactions ? a.transactions > b.transactions : a.key < b.key;
		});
		return v;
	}

private:
	static constexpr uint32_t kNone = ~0u;
	// An index slot holds the key too: a probe reads one array, not an entry per step (with many
	// keys, say a PASID each, nearly every transaction replaces an entry: probes, erase, insert).
	struct Slot {
		uint64_t key = 0;
		uint32_t entry = kNone;
	};
	size_t home(uint64_t key) const { return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (index_.size() - 1); }
	const Slot *find(uint64_t key) const
	{
		for (size_t j = home(key);; j = (j + 1) & (index_.size() - 1)) {
			if (index_[j].entry == kNone)
				return nullptr;
			if (index_[j].key == key)
				return &index_[j];
		}
	}
	void insert(uint64_t key, uint32_t i)
	{
		size_t j = home(key);
		while (index_[j].entry != kNone)
			j = (j + 1) & (index_.size() - 1);
		index_[j].key = key;
		index_[j].entry = i;
	}
	// Linear probing without tombstones: later entries of the run move back into the hole.
	void erase(uint64_t key)
	{
		const size_t mask = index_.size() - 1;
		size_t hole = home(key);
		while (index_[hole].key != key || index_[hole].entry == kNone)
			hole = (hole + 1) & mask;
		for (size_t j = (hole + 1) & mask; index_[j].entry != kNone; j = (j + 1) & mask) {
			const size_t h = home(index_[j].key);
			if (((j - h) & mask) >= ((j - hole) & mask)) { // its home is at or before the hole
				index_[hole] = index_[j];
				hole = j;
			}
		}
		index_[hole] = Slot();
	}
	uint32_t first_low() const
	{
		size_t w = 0;
		while (!low_[w])
			w++;
		return (uint32_t)(w * 64 + (unsigned)__builtin_ctzll(low_[w]));
	}
	// Entry i, at the smallest count, is about to grow by one.
	void grow_low(uint32_t i)
	{
		low_[i / 64] &= ~(1ull << (i % 64));
		if (--low_count_)
			return;
		min_++;
		for (uint32_t k = 0; k < e_.size(); k++) { // without a branch: which entries are low is random
			const bool low = e_[k].transactions == min_ || k == i;
			low_[k / 64] |= (uint64_t)low << (k % 64);
			low_count_ += low;
		}
	}

	std::vector<StreamCount> e_;
	std::vector<Slot> index_;       // open addressing over the tracked keys, at most a sixteenth full
	std::vector<uint64_t> low_;     // bit set: the entries whose count is min_
	uint64_t min_ = 0;
	uint32_t low_count_ = 0;
	uint32_t last_ = 0;
};

} // namespace smmusim
