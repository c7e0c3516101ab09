// Physical memory: one sparse anonymous mapping (bus address pa lives at base + pa, untouched
// pages cost nothing and read as zero). Accesses outside [0, size) are external aborts.
// DmaAllocator: the regif's deterministic DMA allocator over [dma_base, size).
#ifndef SMMUSIM_MEMORY_HPP
#define SMMUSIM_MEMORY_HPP

#include <smmusim/cache.hpp>
#include <smmusim/params.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace smmusim {

class Memory {
public:
	Memory() = default;
	~Memory();
	Memory(const Memory &) = delete;
	Memory &operator=(const Memory &) = delete;

	bool init(uint64_t size, std::string &err);
	uint64_t size() const { return size_; }
	bool in_range(uint64_t pa, uint64_t len) const { return len <= size_ && pa <= size_ - len; }
	uint8_t *ptr(uint64_t pa) const { return base_ + pa; } // only after in_range()

	// false = external abort (outside RAM); nothing is transferred then.
	bool read(uint64_t pa, void *buf, size_t len) const
	{
		if (!in_range(pa, len))
			return false;
		std::memcpy(buf, base_ + pa, len);
		return true;
	}
	bool write(uint64_t pa, const void *buf, size_t len)
	{
		if (!in_range(pa, len))
			return false;
		std::memcpy(base_ + pa, buf, len);
		return true;
	}
	bool read64(uint64_t pa, uint64_t &v) const { return read(pa, &v, 8); } // little-endian host
	// Return [pa, pa+len) to the all-zero state (cheap for large page-aligned ranges).
	void zero(uint64_t pa, uint64_t len);

private:
	uint8_t *base_ = nullptr;
	uint64_t size_ = 0;
};

// Power-of-two size classes with one free list each, carved from a bump pointer (classes under
// 4 KiB a page at a time): O(1) per call, deterministic (same call sequence gives same addresses),
// blocks naturally aligned to their class.
//
// What a new block holds is UNKNOWN to the driver (regif.h). The lenient model hands out zeros (as
// a fresh page from an OS does); strict mode (smmu.strict) hands out seeded junk that looks like
// valid SMMU structures (fill_unknown), so that a structure the SMMU reads before the driver has
// initialised it is used, and shows, instead of reading as a harmless invalid entry.
class DmaAllocator {
public:
	// The region [p.dma_base, p.mem_size); junk in strict mode, from p.seed and shaped by the
	// ID registers in p (OAS, ASID size, stall model, granules) so that it passes the SMMU's checks.
	void init(Memory *mem, const SmmuParams &p);
	// 0 and the bus address, or -ENOMEM / -EINVAL. Zeroed (lenient) or junk (strict).
	int alloc(uint64_t size, uint64_t align, uint64_t &bus);
	// Unknown or already freed addresses are ignored (software input never crashes the model).
	void free(uint64_t bus);
	// Fail every allocation after n more successes; n < 0 disables the injection.
	void fail_after(long long n) { fail_after_ = n; }
	uint64_t bytes_in_use() const { return in_use_; }
	uint64_t allocations() const { return live_; }

private:
	static constexpr uint64_t kChunk = 4096;
	static unsigned class_of(uint64_t size, uint64_t align);
	void fill_unknown(uint64_t bus, uint64_t len);
	uint64_t junk_addr(uint64_t align);
	Memory *mem_ = nullptr;
	uint64_t base_ = 0, next_ = 0, limit_ = 0, in_use_ = 0, live_ = 0;
	bool junk_ = false;
	SplitMix64 rng_;
	unsigned oas_bits_ = 48, asid_bits_ = 8, ips_ = 0, tg0_ = 0;
	bool cd_stall_ = false;
	long long fail_after_ = -1;
	std::vector<uint64_t> free_[64];
	// What is handed out, in flat tables the size of the region carved so far (not a node per
	// block: the driver allocates an object per PASID, and 2^20 PASIDs are a use case): the size
	// class of each 4 KiB page (0: not carved; kInterior: a later page of a larger block) and a
	// bit per 64-byte line that starts a live block.
	static constexpr uint8_t kInterior = 0xFF;
	void carve(uint64_t a, uint64_t chunk, unsigned c);
	std::vector<uint8_t> page_class_;
	std::vector<uint64_t> live_lines_;
};

} // namespace smmusim

#endif
