// The simulated platform behind the C API (smmusim.h): memory, the DMA allocator, the SMMU model,
// the master ports that present transactions (synchronously, or at a given cycle for trace
// replay) and the register interface handed to a driver. Private to the model library: platform.cpp
// implements the platform and its C API, platform_stats.cpp its statistics reports.
#ifndef SMMUSIM_PLATFORM_HPP
#define SMMUSIM_PLATFORM_HPP

#include <smmusim/memory.hpp>
#include <smmusim/params.hpp>
#include <smmusim/smmu.hpp>
#include <smmusim/smmusim.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace smmusim {

// A min-queue for items that mostly arrive in order: a ring FIFO takes every item not smaller
// than the newest, a heap the rest; top/pop merge the two. Submissions (by issue cycle) and
// completions (by done cycle: hits all take the same latency) are in order almost always, so
// pushes and pops are O(1) instead of O(log n).
template <class T> struct OrderedQueue {
	std::vector<T> ring = std::vector<T>(1024);
	size_t head = 0, count = 0, mask = 1023; // mask = ring.size() - 1 (a power of two)
	std::vector<T> heap; // out-of-order items (min-heap)
	size_t size() const { return count + heap.size(); }
	bool empty() const { return !size(); }
	void push(const T &p)
	{
		next() = p;
		commit();
	}
	// push() in two steps, for an item built in place: next() is the ring's place after the
	// newest (valid until the next change to the queue), commit() queues what was written there.
	T &next()
	{
		if (count > mask) { // full: grow (amortised, not per transaction)
			std::vector<T> r(ring.size() * 2);
			for (size_t i = 0; i < count; i++)
				r[i] = ring[(head + i) & mask];
			ring.swap(r);
			head = 0;
			mask = ring.size() - 1;
		}
		return ring[(head + count) & mask];
	}
	void commit()
	{
		const T &p = ring[(head + count) & mask];
		if (count && ring[(head + count - 1) & mask] > p) {
			heap.push_back(p);
			std::push_heap(heap.begin(), heap.end(), std::greater<T>());
			return;
		}
		count++;
	}
	const T *top() const
	{
		const T *a = count ? &ring[head] : nullptr;
		const T *b = heap.empty() ? nullptr : &heap.front();
		return !a ? b : !b ? a : (*a > *b ? b : a);
	}
	void pop(const T *top) // top: what top() returned (non-null), so the choice is not made again
	{
		if (top == &ring[head]) {
			head = (head + 1) & mask;
			count--;
		} else {
			std::pop_heap(heap.begin(), heap.end(), std::greater<T>());
			heap.pop_back();
		}
	}
	template <class F> void for_each(F &&f) const
	{
		for (size_t i = 0; i < count; i++)
			f(ring[(head + i) & mask]);
		for (const T &x : heap)
			f(x);
	}
};

// Submitted transactions wait in issue order (at, seq); txn.issue = at.
struct Pending {
	uint64_t at, seq;
	Txn txn;
	bool operator>(const Pending &o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// A submitted transaction's completion, in the completion queue by (done, seq), with its result.
// A result that an event record written later must still reach (event_recorded) lives in a slot
// of a pool (reused through a free list) instead, as a synchronous DMA's does.
struct Done {
	static constexpr uint32_t kInline = ~0u; // slot: none, the result is res
	uint64_t done, seq;
	uint32_t slot;
	DmaResult res;
	bool operator>(const Done &o) const { return done != o.done ? done > o.done : seq > o.seq; }
};
struct EventRef {
	uint64_t cycle, seq;
	uint64_t ev[4];
	uint32_t slot;
	bool operator>(const EventRef &o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
};

// The CPU's copy of one regif DMA block under mem.store_visibility = barrier: the driver reads and
// writes `cpu`; `seen` is the block as memory and the CPU last agreed on it, so a barrier moves only
// what one side changed since.
struct CpuView {
	uint64_t bus = 0;
	size_t words = 0;
	std::unique_ptr<uint64_t[]> cpu, seen;
};
} // namespace smmusim

struct smmusim_platform {
	smmusim::Params p;
	smmusim::Memory mem;
	smmusim::DmaAllocator alloc;
	smmusim::Smmu *smmu = nullptr; // SystemC modules cannot be deleted after elaboration: they stay
	smmusim::OrderedQueue<smmusim::Pending> pending;
	std::vector<smmusim::DmaResult> results;
	std::vector<uint32_t> free_slots;
	smmusim::OrderedQueue<smmusim::Done> done;
	std::vector<smmusim::EventRef> events; // min-heap: event records waiting for their detection cycle
	uint64_t seq = 0;
	smmu_regif regif{}; // what a driver reaches this platform through (ctx = this)
	bool log = false;   // forward the driver's log messages to stderr
	bool reads_timed = true; // register reads cost smmu.reg_read_cycles (smmusim_reg_read_timing)
	// SystemC's next activity (cycle) as run() last found it; 0: not known, since a register write
	// may have notified an event. Until then run() needs no look at SystemC's queue.
	uint64_t sc_due = 0;
	std::map<uint64_t, smmusim::CpuView> views; // by bus address; only with p.stores_at_barriers
	// CD hints (work_until): mem.reads.cd when the last one was given, and how many were given
	// (a host figure for the tests, not a statistic).
	uint64_t cd_reads_hinted = ~0ull, cd_hints = 0;

	// SystemC's clock in cycles as of the last sc_start: only the platform calls sc_start (its
	// sc_advance), so now() needs no call into SystemC nor a division (Smmu::now, per DMA submit).
	uint64_t sc_now = 0;

	uint64_t now() const
	{
		assert(sc_now + smmu->ahead == smmu->now());
		return sc_now + smmu->ahead;
	}
	void sc_advance(const sc_core::sc_time &t); // sc_start(t), then sc_now
	void run(uint64_t cycles);
	size_t outstanding() const;

	void publish_stores(); // wmb: the CPU's stores since the last barrier reach memory
	void observe_writes(); // rmb: what the SMMU wrote since the last barrier reaches the CPU

	uint32_t new_slot();
	uint32_t present_now(const smmusim::Txn &t, void *data); // its result in a slot (smmusim_dma)
	void present(const smmusim::Txn &t);                   // its result in the completion queue
	void queue_event(const smmusim::PendingEvent &pev, uint64_t seq, uint32_t slot);
	void work_until(uint64_t limit, uint64_t last);
	uint64_t next_work() const // the cycle of our next transaction or event record (~0: none)
	{
		const smmusim::Pending *pd = pending.top();
		return std::min(pd ? pd->at : ~0ull, events.empty() ? ~0ull : events.front().cycle);
	}
};

#endif
