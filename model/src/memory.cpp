#include <smmusim/memory.hpp>

#include <sys/mman.h>

#include <cerrno>

namespace smmusim {

Memory::~Memory()
{
	if (base_)
		munmap(base_, size_);
}

bool Memory::init(uint64_t size, std::string &err)
{
	void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		err = "mem.size: cannot reserve " + std::to_string(size) + " bytes of address space";
		return false;
	}
	base_ = static_cast<uint8_t *>(p);
	size_ = size;
	return true;
}

void Memory::zero(uint64_t pa, uint64_t len)
{
	if (!in_range(pa, len))
		return;
	const uint64_t page = 4096;
	uint64_t lo = (pa + page - 1) & ~(page - 1), hi = (pa + len) & ~(page - 1);
	if (len >= 64 * 1024 && hi > lo) {
		// MADV_DONTNEED on a private anonymous mapping gives fresh zero pages and frees RSS.
		std::memset(base_ + pa, 0, lo - pa);
		madvise(base_ + lo, hi - lo, MADV_DONTNEED);
		std::memset(base_ + hi, 0, pa + len - hi);
	} else {
		std::memset(base_ + pa, 0, len);
	}
}

void DmaAllocator::init(Memory *mem, uint64_t base, uint64_t limit)
{
	mem_ = mem;
	next_ = base ? base : 4096; // never hand out bus address 0
	limit_ = limit;
}

unsigned DmaAllocator::class_of(uint64_t size, uint64_t align)
{
	uint64_t n = size > align ? size : align;
	if (n < 64)
		n = 64; // one cache line: tables and queues need at least this alignment anyway
	unsigned c = 63 - __builtin_clzll(n);
	if ((1ull << c) < n)
		c++;
	return c;
}

int DmaAllocator::alloc(uint64_t size, uint64_t align, uint64_t &bus)
{
	if (size == 0 || (align & (align - 1)) || size > (1ull << 46) || align > (1ull << 46))
		return -EINVAL;
	if (fail_after_ == 0)
		return -ENOMEM;
	unsigned c = class_of(size, align);
	uint64_t block = 1ull << c;
	if (free_[c].empty()) {
		// Blocks under a page are carved from a page of their own class, so small objects (page
		// table bookkeeping, links) share pages instead of each taking a page between two tables.
		const uint64_t chunk = block < kChunk ? kChunk : block;
		uint64_t a = (next_ + chunk - 1) & ~(chunk - 1);
		if (a < next_ || a > limit_ || limit_ - a < chunk)
			return -ENOMEM;
		next_ = a + chunk;
		for (uint64_t off = chunk; off > 0; off -= block) // lowest address handed out first
			free_[c].push_back(a + off - block);
	}
	bus = free_[c].back();
	free_[c].pop_back();
	mem_->zero(bus, block);
	if (fail_after_ > 0)
		fail_after_--;
	in_use_ += block;
	live_++;
	live_class_.emplace(bus, (uint8_t)c);
	return 0;
}

void DmaAllocator::free(uint64_t bus)
{
	auto it = live_class_.find(bus);
	if (it == live_class_.end())
		return;
	unsigned c = it->second;
	live_class_.erase(it);
	free_[c].push_back(bus);
	in_use_ -= 1ull << c;
	live_--;
}

} // namespace smmusim
