#include <smmusim/memory.hpp>

#include <smmuv3/arch.h>

#include <sys/mman.h>

#include <algorithm>
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

void DmaAllocator::init(Memory *mem, const SmmuParams &p)
{
	mem_ = mem;
	base_ = next_ = p.dma_base ? p.dma_base : 4096; // never hand out bus address 0
	page_class_.clear();
	live_lines_.clear();
	limit_ = p.mem_size;
	junk_ = p.strict;
	rng_ = SplitMix64(p.seed + 400); // a stream of its own: the SMMU's seeded choices do not move
	oas_bits_ = smmu_oas_bits(p.oas);
	ips_ = std::min(p.oas, (unsigned)SMMU_OAS_48);
	asid_bits_ = SMMU_ASID_BITS(p.asid16);
	cd_stall_ = p.stall_model == IDR0_STALL_MODEL_FORCED;
	tg0_ = p.gran4k ? CD_TG0_4K : p.gran64k ? CD_TG0_64K : CD_TG0_16K;
}

// An address the junk points at: anywhere the allocator has handed out (the driver's live tables
// included), aligned to align, below the OAS.
uint64_t DmaAllocator::junk_addr(uint64_t align)
{
	const uint64_t lo = (base_ + align - 1) & ~(align - 1);
	const uint64_t hi = oas_bits_ < 64 ? std::min<uint64_t>(next_, 1ull << oas_bits_) : next_;
	if (hi <= lo + align)
		return lo;
	return lo + rng_.next() % ((hi - lo) / align) * align;
}

// Strict mode's UNKNOWN contents: every 64-byte line is, by the seed, one of
//   * an STE (IHI 0070 §5.2): V = 1, bypass (a stream reaching all memory) or stage 1 through a
//     one-CD table of junk;
//   * a CD (§5.4) that passes every check the SMMU makes (AArch64, TxSZ, granule, IPS, ASID size,
//     stall model), with TTB0 pointing at junk or at the driver's own tables;
//   * eight descriptors valid at every level: table (levels 0-2) or page (level 3) with AF = 1
//     and EL0 read/write access, read as L1CD they are V = 1, as L1STD Span = 3 or 7.
// Read as anything, a line the driver has not initialised is then rarely invalid: what the SMMU
// fetches from it translates, or faults other than as an invalid structure would.
void DmaAllocator::fill_unknown(uint64_t bus, uint64_t len)
{
	uint64_t *p = reinterpret_cast<uint64_t *>(mem_->ptr(bus));
	for (uint64_t off = 0; off + 64 <= len; off += 64, p += 8) {
		const uint64_t r = rng_.next();
		uint64_t line[8] = {};
		switch (r & 3u) {
		case 0:
			if ((r >> 2) & 1u) {
				line[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_BYPASS);
			} else {
				line[0] = SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1_TRANS) |
					  SMMU_PREP_ADDR(STE0_S1CONTEXTPTR, junk_addr(64));
			}
			break;
		case 1:
			line[0] = SMMU_PREP(CD0_T0SZ, 16 + (r >> 2) % 10) | SMMU_PREP(CD0_TG0, tg0_) |
				  SMMU_PREP(CD0_IR0, SMMU_WALK_WBWA) | SMMU_PREP(CD0_OR0, SMMU_WALK_WBWA) |
				  SMMU_PREP(CD0_SH0, SMMU_SH_ISH) | SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_V, 1) |
				  SMMU_PREP(CD0_IPS, ips_) | SMMU_PREP(CD0_AA64, 1) | SMMU_PREP(CD0_S, cd_stall_) |
				  SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) | SMMU_PREP(CD0_ASET, 1) |
				  SMMU_PREP(CD0_ASID, (r >> 16) & SMMU_ID_MASK(asid_bits_));
			line[1] = SMMU_PREP_ADDR(CD1_TTB0, junk_addr(64 * 1024)); // aligned for every granule
			line[3] = SMMU_MAIR_LINUX;
			break;
		default:
			for (unsigned i = 0; i < 8; i++)
				line[i] = SMMU_PREP_ADDR(PTE_OA, junk_addr(4096)) | SMMU_PREP(PTE_VALID, 1) |
					  SMMU_PREP(PTE_TYPE, 1) | SMMU_PREP(PTE_ATTRINDX, (r >> (2 + i)) & 1u) |
					  SMMU_PREP(PTE_AP1, 1) | SMMU_PREP(PTE_SH, SMMU_SH_ISH) | SMMU_PREP(PTE_AF, 1);
			break;
		}
		std::memcpy(p, line, sizeof(line));
	}
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
		carve(a, chunk, c);
		for (uint64_t off = chunk; off > 0; off -= block) // lowest address handed out first
			free_[c].push_back(a + off - block);
	}
	bus = free_[c].back();
	free_[c].pop_back();
	if (junk_)
		fill_unknown(bus, block);
	else
		mem_->zero(bus, block);
	if (fail_after_ > 0)
		fail_after_--;
	in_use_ += block;
	live_++;
	const uint64_t line = (bus >> 6) - (base_ >> 6);
	live_lines_[line / 64] |= 1ull << (line % 64);
	return 0;
}

// Pages [a, a + chunk) now hold blocks of class c (a and chunk are multiples of 4 KiB); the tables
// grow to cover them. Indices count from base_'s page and line.
void DmaAllocator::carve(uint64_t a, uint64_t chunk, unsigned c)
{
	const uint64_t first = (a >> 12) - (base_ >> 12), pages = chunk >> 12;
	if (page_class_.size() < first + pages)
		page_class_.resize(first + pages, 0);
	for (uint64_t i = 0; i < pages; i++)
		page_class_[first + i] = i ? kInterior : (uint8_t)c;
	const uint64_t lines = ((a + chunk) >> 6) - (base_ >> 6);
	if (live_lines_.size() < (lines + 63) / 64)
		live_lines_.resize((lines + 63) / 64, 0);
}

void DmaAllocator::free(uint64_t bus)
{
	if (bus < base_ || bus >= next_)
		return;
	const uint64_t page = (bus >> 12) - (base_ >> 12), line = (bus >> 6) - (base_ >> 6);
	const unsigned c = page < page_class_.size() ? page_class_[page] : 0;
	if (c == 0 || c == kInterior || (bus & ((1ull << c) - 1)))
		return; // not the start of a block
	uint64_t &word = live_lines_[line / 64];
	if (!(word & (1ull << (line % 64))))
		return; // not handed out, or already freed
	word &= ~(1ull << (line % 64));
	free_[c].push_back(bus);
	in_use_ -= 1ull << c;
	live_--;
}

} // namespace smmusim
