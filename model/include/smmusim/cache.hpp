// One generic set-associative cache for every TLB and cache of the model (micro TLB, main TLB,
// configuration cache, walk caches). gem5 copy-pasted one class per structure and got the
// replacement details wrong in each (shared round-robin pointer, LRU stamps that start at the
// victim end); here there is one implementation with the policy as a parameter.
//
// Hot-path rules: all storage is allocated in the constructor (flat arrays, one slot per way);
// lookup and insert never allocate; the tag compare is a tight loop over one set.
// Determinism: the Random policy uses its own splitmix64 stream seeded by the constructor, so a
// run is reproducible for a given (configuration, seed) and independent of other caches.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace smmusim {

enum class Replacement : uint8_t { LRU, PLRU, RoundRobin, Random, RRIP };

// Names used in configuration files and on the command line.
inline const char *replacement_name(Replacement r) noexcept
{
	switch (r) {
	case Replacement::LRU: return "lru";
	case Replacement::PLRU: return "plru";
	case Replacement::RoundRobin: return "rr";
	case Replacement::Random: return "random";
	case Replacement::RRIP: return "rrip";
	}
	return "?";
}

// Returns false (and leaves out untouched) for an unknown name.
inline bool parse_replacement(std::string_view name, Replacement &out) noexcept
{
	static constexpr struct { const char *name; Replacement r; } table[] = {
		{"lru", Replacement::LRU},	    {"plru", Replacement::PLRU},
		{"rr", Replacement::RoundRobin},   {"roundrobin", Replacement::RoundRobin},
		{"round-robin", Replacement::RoundRobin}, {"random", Replacement::Random},
		{"rand", Replacement::Random},	    {"rrip", Replacement::RRIP},
		{"srrip", Replacement::RRIP},
	};
	for (const auto &e : table) {
		if (name == e.name) {
			out = e.r;
			return true;
		}
	}
	return false;
}

// Throwing variant for configuration loaders (the model turns the message into a config error).
inline Replacement replacement_from_string(std::string_view name)
{
	Replacement r{};
	if (!parse_replacement(name, r))
		throw std::invalid_argument("unknown replacement policy '" + std::string(name) +
					    "' (expected lru, plru, rr, random or rrip)");
	return r;
}

struct CacheStats {
	uint64_t lookups = 0;
	uint64_t hits = 0;
	uint64_t misses = 0;
	uint64_t fills = 0;	    // inserts that stored an entry (including same-key updates)
	uint64_t evictions = 0;	    // valid entries of another key displaced by a fill
	uint64_t invalidations = 0; // valid entries removed by invalidate*/invalidate_all
};

// How insert() placed the entry.
enum class Fill : uint8_t { Disabled, Updated, Invalid, Evicted };

// Set-index hash for context tags (StreamID, SubstreamID, ASID...): the cache reduces set
// indices to their low bits, so context numbers that differ only in higher bits (PASIDs at a
// stride) must be mixed down first. The splitmix64 finalizer: every input bit reaches every
// output bit. Address bits are XORed in unmixed so that consecutive pages use consecutive sets.
inline uint64_t set_hash(uint64_t x) noexcept
{
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

// Small deterministic PRNG (splitmix64): one per cache so caches do not perturb each other.
struct SplitMix64 {
	uint64_t state;
	explicit SplitMix64(uint64_t seed = 1) noexcept : state(seed) {}
	uint64_t next() noexcept
	{
		uint64_t z = (state += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		return z ^ (z >> 31);
	}
};

// A key type's hash() (or an integral key's value) gives each way a one-byte tag fingerprint, so
// that a lookup compares one byte per way, eight ways at a time, and whole keys only where the
// fingerprint matches. A key type without hash() gets the same fingerprint for every key.
template <typename K, typename = void> struct CacheKeyHashed : std::false_type {};
template <typename K>
struct CacheKeyHashed<K, std::void_t<decltype(std::declval<const K &>().hash())>> : std::true_type {};

// Key needs operator==; Key and Value need to be copy-assignable and default-constructible.
// set_index arguments are reduced to the set count by the cache (mask for a power of two,
// modulo otherwise), so callers pass e.g. "VA >> page_shift" and never see the geometry.
//
// Policies (an invalid way, lowest index first, is always filled before any policy runs):
//  LRU        64-bit use stamp per way, set on fill and on hit; victim = oldest stamp.
//  PLRU       tree-PLRU (ways-1 bits per set) when ways is a power of two. Otherwise falls back
//             to bit-PLRU (one MRU bit per way; when all are set the others are cleared), which
//             works for any way count.
//  RoundRobin one pointer PER SET (gem5 shared one per cache); the pointer names the next victim
//             and advances only when the policy evicts.
//  Random     victim = splitmix64() % ways, from the cache's own seeded stream.
//  RRIP       SRRIP with 2-bit RRPV: fill at 2 (long re-reference), hit sets 0; victim = first way
//             with RRPV 3, aging every way of the set by (3 - max RRPV) when none has 3.
template <typename Key, typename Value>
class SetAssocCache {
public:
	// entries == 0: the cache is disabled (lookups miss, inserts do nothing).
	// ways == 0: fully associative (one set of `entries` ways).
	SetAssocCache(uint32_t entries, uint32_t ways, Replacement policy, uint64_t seed = 1)
	    : entries_(entries), policy_(policy), seed_(seed), rng_(seed)
	{
		if (entries == 0) {
			ways_ = ways;
			sets_ = 0;
			return;
		}
		if (ways == 0)
			ways = entries;
		if (ways > entries)
			throw std::invalid_argument("cache: ways (" + std::to_string(ways) +
						    ") exceed entries (" + std::to_string(entries) + ")");
		if (entries % ways != 0)
			throw std::invalid_argument("cache: ways (" + std::to_string(ways) +
						    ") must divide entries (" + std::to_string(entries) + ")");
		if (ways > (1u << 16))
			throw std::invalid_argument("cache: at most 65536 ways per set (got " +
						    std::to_string(ways) + ")");
		if (static_cast<unsigned>(policy) > static_cast<unsigned>(Replacement::RRIP))
			throw std::invalid_argument("cache: invalid replacement policy");
		ways_ = ways;
		sets_ = entries / ways;
		set_pow2_ = (sets_ & (sets_ - 1)) == 0;
		set_mask_ = sets_ - 1;
		tree_plru_ = (ways_ & (ways_ - 1)) == 0;
		keys_.resize(entries);
		values_.resize(entries);
		fp_.assign(entries + kFpPad, 0); // the last set is also read 16 ways at a time
		invalid_ = entries;
		meta_.assign(entries, 0);
		last_.assign(sets_, kNoWay);
		if (policy_ == Replacement::RoundRobin)
			rr_.assign(sets_, 0);
		if (policy_ == Replacement::PLRU && tree_plru_ && ways_ <= 64) {
			tree_word_.assign(sets_, 0);
			path_nodes_.assign(ways_, 0);
			path_away_.assign(ways_, 0);
			for (uint32_t w = 0; w < ways_; ++w)
				for (uint32_t node = ways_ + w; node > 1; node >>= 1) {
					path_nodes_[w] |= uint64_t{1} << (node >> 1);
					if (!(node & 1)) // a left child: its parent points right, away from it
						path_away_[w] |= uint64_t{1} << (node >> 1);
				}
		} else if (policy_ == Replacement::PLRU && tree_plru_) {
			tree_.assign(static_cast<size_t>(sets_) * ways_, 0); // node 0 unused, 1..ways-1
		}
	}

	// --- geometry -------------------------------------------------------------------------
	bool enabled() const noexcept { return entries_ != 0; }
	uint32_t entries() const noexcept { return entries_; }
	uint32_t ways() const noexcept { return ways_; }
	uint32_t sets() const noexcept { return sets_; }
	bool fully_associative() const noexcept { return entries_ != 0 && sets_ == 1; }
	Replacement policy() const noexcept { return policy_; }
	uint64_t seed() const noexcept { return seed_; }
	// True when PLRU runs as a real tree (ways a power of two), false for the bit-PLRU fallback.
	bool tree_plru() const noexcept { return tree_plru_; }
	uint32_t set_of(uint64_t set_index) const noexcept
	{
		return set_pow2_ ? static_cast<uint32_t>(set_index & set_mask_)
				 : static_cast<uint32_t>(set_index % sets_);
	}

	// --- statistics -----------------------------------------------------------------------
	const CacheStats &stats() const noexcept { return stats_; }
	void reset_stats() noexcept { stats_ = CacheStats{}; }
	size_t valid_count() const noexcept { return entries_ - invalid_; }

	// --- access ---------------------------------------------------------------------------
	// Exact-key lookup. A hit updates the replacement state; counted in stats. A key is in a set
	// at most once (insert replaces it), so the way last touched in the set is tried first: a
	// TLB hit by a streaming master then costs one compare instead of a scan of the ways.
	Value *lookup(const Key &key, uint64_t set_index) { return lookup_in<true>(key, set_index); }
	// lookup() without trying the way last touched first: for a caller that already knows the key
	// is not the one it last found (TbuTlb remembers its last hit itself).
	Value *lookup_scan(const Key &key, uint64_t set_index) { return lookup_in<false>(key, set_index); }

private:
	template <bool kLastFirst>
	__attribute__((always_inline)) Value *lookup_in(const Key &key, uint64_t set_index)
	{
		++stats_.lookups;
		if (entries_ == 0) {
			++stats_.misses;
			return nullptr;
		}
		const uint32_t set = set_of(set_index);
		const size_t base = static_cast<size_t>(set) * ways_;
		const uint8_t fp = fingerprint(key);
		const uint32_t h = kLastFirst ? last_[set] : kNoWay;
		if (h != kNoWay && fp_[base + h] == fp && keys_[base + h] == key) {
			++stats_.hits;
			if (policy_ != Replacement::PLRU) // tree-PLRU and bit-PLRU: touching it again changes nothing
				touch(set, h);
			return &values_[base + h];
		}
		const uint32_t w = find(base, fp, key);
		if (w != ways_) {
			++stats_.hits;
			touch(set, w);
			return &values_[base + w];
		}
		++stats_.misses;
		return nullptr;
	}

public:
	// Where a value is stored: its set and way (for lookup_at).
	struct Slot {
		uint32_t set = ~0u, way = 0;
	};
	Slot slot_of(const Value *v) const noexcept
	{
		const size_t i = static_cast<size_t>(v - values_.data());
		return Slot{static_cast<uint32_t>(i / ways_), static_cast<uint32_t>(i % ways_)};
	}
	// lookup() of a key its caller saw stored at `at` (slot_of what a lookup returned): while that
	// slot still holds the key (a key is stored once, so there is no other), the same hit,
	// statistics and replacement update, without the set index's hash or the scan of the set;
	// otherwise nullptr and nothing counted (the caller then looks the key up).
	Value *lookup_at(const Key &key, Slot at)
	{
		if (at.set >= sets_)
			return nullptr;
		const size_t i = static_cast<size_t>(at.set) * ways_ + at.way;
		if (!fp_[i] || !(keys_[i] == key))
			return nullptr;
		++stats_.lookups;
		++stats_.hits;
		touch(at.set, at.way); // as lookup(); PLRU's touch of the way touched last changes nothing
		return &values_[i];
	}

	// lookup() of a key its caller knows to be in the way last touched in its set (touched by a
	// hit, with nothing filled or invalidated since), after `misses` lookups that missed: the same
	// statistics and replacement update as those lookups, without the tag compares. A TLB that
	// remembers its last hit (TbuTlb) uses it.
	Value *hit_last(uint64_t set_index, uint64_t misses = 0)
	{
		stats_.lookups += misses + 1;
		stats_.misses += misses;
		++stats_.hits;
		const uint32_t set = set_of(set_index);
		const uint32_t h = last_[set];
		if (policy_ != Replacement::PLRU) // as lookup(): a hit on the way last touched
			touch(set, h);
		return &values_[static_cast<size_t>(set) * ways_ + h];
	}

	// The value in the way last touched in the set (what hit_last returns), without side effects.
	const Value *last_touched(uint64_t set_index) const
	{
		const uint32_t set = set_of(set_index);
		const uint32_t h = last_[set];
		return h == kNoWay ? nullptr : &values_[static_cast<size_t>(set) * ways_ + h];
	}

	// Lookup with a custom match (e.g. a TLB tag where global entries ignore the ASID). The
	// first valid way of the set for which match(key) is true hits.
	template <class Match>
	Value *lookup_if(uint64_t set_index, Match &&match)
	{
		if (entries_ == 0) {
			++stats_.lookups;
			++stats_.misses;
			return nullptr;
		}
		++stats_.lookups;
		const uint32_t set = set_of(set_index);
		const size_t base = static_cast<size_t>(set) * ways_;
		for (uint32_t w = 0; w < ways_; ++w) {
			if (fp_[base + w] && match(keys_[base + w])) {
				++stats_.hits;
				touch(set, w);
				return &values_[base + w];
			}
		}
		++stats_.misses;
		return nullptr;
	}

	// Lookup without side effects (no stats, no replacement update): for checks such as
	// "is the prefetch target already cached" that the hardware would not count.
	const Value *peek(const Key &key, uint64_t set_index) const
	{
		if (entries_ == 0)
			return nullptr;
		const size_t base = static_cast<size_t>(set_of(set_index)) * ways_;
		const uint32_t w = find(base, fingerprint(key), key);
		return w != ways_ ? &values_[base + w] : nullptr;
	}

	// Fill. Replaces the entry of the same key if present, else the lowest invalid way, else
	// the policy's victim. Returns the stored value (nullptr when disabled). `how` reports the
	// placement; on Fill::Evicted the displaced key/value are copied to victim_key/victim_value
	// when given (a TLB uses this to keep per-page-size occupancy counts).
	Value *insert(const Key &key, uint64_t set_index, const Value &value, Fill *how = nullptr,
		      Key *victim_key = nullptr, Value *victim_value = nullptr)
	{
		return place<false>(key, set_index, value, how, victim_key, victim_value);
	}
	// insert() of a key its caller knows is absent (it just missed in a lookup, and nothing was
	// filled since): the same placement, statistics and replacement update, without the scan of
	// the set for the key.
	Value *insert_absent(const Key &key, uint64_t set_index, const Value &value, Fill *how = nullptr,
			     Key *victim_key = nullptr, Value *victim_value = nullptr)
	{
		assert(!peek(key, set_index) && "insert_absent of a cached key");
		return place<true>(key, set_index, value, how, victim_key, victim_value);
	}

	// Removes the exact key from its set. Returns true if it was present.
	bool invalidate(const Key &key, uint64_t set_index)
	{
		if (entries_ == 0)
			return false;
		const size_t base = static_cast<size_t>(set_of(set_index)) * ways_;
		const uint32_t w = find(base, fingerprint(key), key);
		if (w == ways_)
			return false;
		fp_[base + w] = 0;
		++invalid_;
		++stats_.invalidations;
		return true;
	}

	// Invalidates every valid entry for which pred(key, value) is true; returns how many.
	// pred is called exactly once per valid entry, so it may keep side-effect bookkeeping.
	template <class Pred>
	size_t invalidate_if(Pred &&pred)
	{
		size_t n = 0;
		for (size_t i = 0; i < entries_; ++i) {
			if (fp_[i] && pred(static_cast<const Key &>(keys_[i]), static_cast<const Value &>(values_[i]))) {
				fp_[i] = 0;
				++n;
			}
		}
		invalid_ += n;
		stats_.invalidations += n;
		return n;
	}

	// Visits every valid entry (read-only): f(const Key&, const Value&).
	template <class F>
	void for_each(F &&f) const
	{
		for (size_t i = 0; i < entries_; ++i)
			if (fp_[i])
				f(keys_[i], values_[i]);
	}

	// Drops every entry and resets the replacement state (not the PRNG stream, not the stats).
	void invalidate_all() noexcept
	{
		size_t n = 0;
		for (auto &v : fp_) {
			n += v != 0;
			v = 0;
		}
		invalid_ = entries_;
		stats_.invalidations += n;
		for (auto &m : meta_)
			m = 0;
		for (auto &p : rr_)
			p = 0;
		for (auto &t : tree_)
			t = 0;
		for (auto &t : tree_word_)
			t = 0;
		for (auto &l : last_)
			l = kNoWay; // the replacement state is reset: no way counts as touched last
		clock_ = 0;
	}

	// Test/diagnostic access to one way (nullptr if invalid).
	const Key *key_at(uint32_t set, uint32_t way) const noexcept
	{
		const size_t i = static_cast<size_t>(set) * ways_ + way;
		return (set < sets_ && way < ways_ && fp_[i]) ? &keys_[i] : nullptr;
	}
	// The way the policy would evict next from a full set (no side effects except for Random,
	// which would consume a PRNG draw, so Random returns ways() here).
	uint32_t predicted_victim(uint64_t set_index) const noexcept
	{
		if (entries_ == 0 || policy_ == Replacement::Random)
			return ways_;
		if (policy_ == Replacement::RRIP) {
			// Without aging: the first way holding the maximum RRPV.
			const size_t base = static_cast<size_t>(set_of(set_index)) * ways_;
			uint32_t best = 0;
			for (uint32_t w = 1; w < ways_; ++w)
				if (meta_[base + w] > meta_[base + best])
					best = w;
			return best;
		}
		if (policy_ == Replacement::RoundRobin)
			return rr_[set_of(set_index)];
		return victim_pure(set_of(set_index));
	}

private:
	// insert() and insert_absent(): kAbsent skips the search of the set for the key.
	template <bool kAbsent>
	Value *place(const Key &key, uint64_t set_index, const Value &value, Fill *how, Key *victim_key, Value *victim_value)
	{
		if (entries_ == 0) {
			if (how)
				*how = Fill::Disabled;
			return nullptr;
		}
		const uint32_t set = set_of(set_index);
		const size_t base = static_cast<size_t>(set) * ways_;
		const uint8_t fp = fingerprint(key);
		uint32_t way = kAbsent ? ways_ : find(base, fp, key);
		// The lowest invalid way; a full cache (the steady state) has none in any set.
		const uint32_t free_way = way == ways_ && invalid_ ? next_byte(base, 0, 0) : ways_;
		Fill f;
		if (way != ways_) {
			f = Fill::Updated;
		} else if (free_way != ways_) {
			way = free_way;
			f = Fill::Invalid;
			--invalid_;
		} else {
			way = victim(set);
			f = Fill::Evicted;
			++stats_.evictions;
			if (victim_key)
				*victim_key = keys_[base + way];
			if (victim_value)
				*victim_value = values_[base + way];
		}
		++stats_.fills;
		keys_[base + way] = key;
		values_[base + way] = value;
		fp_[base + way] = fp;
		filled(set, way, f == Fill::Updated);
		if (how)
			*how = f;
		return &values_[base + way];
	}

	// The tag byte of a valid way: bit 7 set (0 marks an invalid way), bits 6:0 from the key's hash.
	static uint8_t fingerprint(const Key &key) noexcept
	{
		uint64_t h = 0;
		if constexpr (CacheKeyHashed<Key>::value)
			h = key.hash();
		else if constexpr (std::is_integral_v<Key>)
			h = static_cast<uint64_t>(key);
		return static_cast<uint8_t>(0x80u | ((h * 0x9E3779B97F4A7C15ull) >> 57));
	}
	// The first way w >= from of the set at `base` whose tag byte is b, or ways_: 16 ways per step
	// with SSE2, else 8 per step (a zero-byte search in a 64-bit word, whose lowest flagged byte is
	// always a real match). Bytes past the set (the next set's, or padding) are never reported.
	uint32_t next_byte(size_t base, uint32_t from, uint8_t b) const noexcept
	{
#if defined(__SSE2__)
		const __m128i needle = _mm_set1_epi8(static_cast<char>(b));
		for (uint32_t w = from; w < ways_; w += 16) {
			const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i *>(&fp_[base + w]));
			const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, needle)));
			if (m) {
				const uint32_t found = w + static_cast<uint32_t>(__builtin_ctz(m));
				return found < ways_ ? found : ways_;
			}
		}
#else
		constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
		for (uint32_t w = from; w < ways_; w += 8) {
			uint64_t x;
			std::memcpy(&x, &fp_[base + w], 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			x = __builtin_bswap64(x);
#endif
			x ^= kOnes * b;
			const uint64_t z = (x - kOnes) & ~x & kHigh;
			if (z) {
				const uint32_t found = w + static_cast<uint32_t>(__builtin_ctzll(z) >> 3);
				return found < ways_ ? found : ways_;
			}
		}
#endif
		return ways_;
	}
	// The way of the set at `base` holding key (fingerprint fp), or ways_.
	uint32_t find(size_t base, uint8_t fp, const Key &key) const noexcept
	{
		for (uint32_t w = next_byte(base, 0, fp); w != ways_; w = next_byte(base, w + 1, fp))
			if (keys_[base + w] == key)
				return w;
		return ways_;
	}

	void touch(uint32_t set, uint32_t way) noexcept
	{
		last_[set] = way;
		const size_t i = static_cast<size_t>(set) * ways_ + way;
		switch (policy_) {
		case Replacement::LRU: meta_[i] = ++clock_; break;
		case Replacement::PLRU: plru_touch(set, way); break;
		case Replacement::RRIP: meta_[i] = 0; break;
		case Replacement::RoundRobin:
		case Replacement::Random: break;
		}
	}

	void filled(uint32_t set, uint32_t way, bool update) noexcept
	{
		last_[set] = way;
		const size_t i = static_cast<size_t>(set) * ways_ + way;
		switch (policy_) {
		case Replacement::LRU: meta_[i] = ++clock_; break;
		case Replacement::PLRU: plru_touch(set, way); break;
		// An update of a present key behaves like a hit; a new entry starts at "long".
		case Replacement::RRIP: meta_[i] = update ? 0 : 2; break;
		case Replacement::RoundRobin:
		case Replacement::Random: break;
		}
	}

	void plru_touch(uint32_t set, uint32_t way) noexcept
	{
		const size_t base = static_cast<size_t>(set) * ways_;
		if (tree_plru_) {
			// Heap-ordered nodes 1..ways-1; each bit points towards the less recently used
			// half (0 = left, 1 = right), so an access points every node on its path away.
			if (!tree_word_.empty()) { // the set's nodes in one word: one and-or with the path
				uint64_t &t = tree_word_[set];
				t = (t & ~path_nodes_[way]) | path_away_[way];
				return;
			}
			uint32_t node = ways_ + way;
			while (node > 1) {
				const uint32_t parent = node >> 1;
				tree_[base + parent] = (node & 1) ? 0 : 1;
				node = parent;
			}
			return;
		}
		meta_[base + way] = 1;
		for (uint32_t w = 0; w < ways_; ++w)
			if (!meta_[base + w])
				return;
		for (uint32_t w = 0; w < ways_; ++w)
			meta_[base + w] = (w == way);
	}

	// Victim selection for LRU and PLRU (no state change).
	uint32_t victim_pure(uint32_t set) const noexcept
	{
		const size_t base = static_cast<size_t>(set) * ways_;
		if (policy_ == Replacement::LRU) {
			uint32_t best = 0;
			for (uint32_t w = 1; w < ways_; ++w)
				if (meta_[base + w] < meta_[base + best])
					best = w;
			return best;
		}
		if (tree_plru_) {
			uint32_t node = 1;
			if (!tree_word_.empty()) {
				const uint64_t t = tree_word_[set];
				while (node < ways_)
					node = 2 * node + static_cast<uint32_t>((t >> node) & 1);
			} else {
				while (node < ways_)
					node = 2 * node + tree_[base + node];
			}
			return node - ways_;
		}
		for (uint32_t w = 0; w < ways_; ++w)
			if (!meta_[base + w])
				return w;
		return 0;
	}

	uint32_t victim(uint32_t set) noexcept
	{
		const size_t base = static_cast<size_t>(set) * ways_;
		switch (policy_) {
		case Replacement::LRU:
		case Replacement::PLRU: return victim_pure(set);
		case Replacement::RoundRobin: {
			const uint32_t w = rr_[set];
			rr_[set] = (w + 1 == ways_) ? 0 : w + 1;
			return w;
		}
		case Replacement::Random: {
			const uint64_t r = rng_.next();
			return static_cast<uint32_t>(tree_plru_ ? r & (ways_ - 1) : r % ways_); // a mask for 2^n ways
		}
		case Replacement::RRIP: {
			uint64_t max = 0;
			for (uint32_t w = 0; w < ways_; ++w) {
				if (meta_[base + w] == 3)
					return w;
				if (meta_[base + w] > max)
					max = meta_[base + w];
			}
			// Equivalent to aging the set until some way reaches 3.
			const uint64_t age = 3 - max;
			uint32_t first = ways_;
			for (uint32_t w = 0; w < ways_; ++w) {
				meta_[base + w] += age;
				if (first == ways_ && meta_[base + w] == 3)
					first = w;
			}
			return first;
		}
		}
		return 0;
	}

	uint32_t entries_;
	uint32_t ways_ = 0;
	uint32_t sets_ = 0;
	uint32_t set_mask_ = 0;
	bool set_pow2_ = true;
	bool tree_plru_ = true;
	Replacement policy_;
	uint64_t seed_;
	SplitMix64 rng_;
	uint64_t clock_ = 0;
	std::vector<Key> keys_;
	std::vector<Value> values_;
	static constexpr size_t kFpPad = 16;
	std::vector<uint8_t> fp_;     // per way: 0 invalid, else the key's fingerprint (then kFpPad bytes of 0)
	std::vector<uint64_t> meta_;  // LRU stamp, RRPV or bit-PLRU MRU bit, per way
	std::vector<uint32_t> rr_;    // round-robin pointer per set
	std::vector<uint8_t> tree_;   // tree-PLRU node bits, ways slots per set (more than 64 ways)
	// Tree-PLRU up to 64 ways: per set one word, bit n = node n; per way the nodes on its path
	// and the values they take when it is touched (pointing away from it).
	std::vector<uint64_t> tree_word_, path_nodes_, path_away_;
	// Per set, the way the replacement state was last updated for (hit or fill), or kNoWay.
	static constexpr uint32_t kNoWay = ~0u;
	std::vector<uint32_t> last_;
	size_t invalid_ = 0; // invalid ways (fp_ bytes 0)
	CacheStats stats_;
};

} // namespace smmusim
