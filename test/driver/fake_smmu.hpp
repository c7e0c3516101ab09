// A register-level fake SMMU for driver unit tests that need no simulation: ID registers the
// test chooses, CR0/GBPA/IRQ acknowledges (optionally stuck), a command queue consumer that runs
// when the driver relaxes (so a full queue really makes the producer wait), command errors for
// unknown opcodes, an event queue the test can fill (and overflow), host memory as "bus" memory
// (bus address == CPU address), allocation-failure injection and leak accounting. With tracing on
// it records, in order, every register access, barrier and executed command (FakeOp), so tests can
// check where the driver puts its barriers and what memory held when a command ran (on_exec).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include <smmuv3/arch.h>
#include <smmuv3/regif.h>
}

struct FakeCmd {
	uint64_t dw0, dw1;
	uint8_t opcode() const { return (uint8_t)(dw0 & 0xff); }
};

// One step of what the driver did, in order: a register access, a barrier, a command the fake
// executed, a dma_free, or a mark the test put in (e.g. from an event callback).
struct FakeOp {
	enum Kind { READ, WRITE, RMB, WMB, MB, EXEC, FREE, MARK } kind;
	uint32_t off;   // READ/WRITE: register offset; EXEC: opcode; MARK: the test's tag
	uint64_t val;   // READ/WRITE: the value
};

class FakeSmmu {
public:
	uint32_t idr[6] = {};
	uint32_t iidr = 0x4830043B, aidr = 0x1;
	uint32_t cr0 = 0, cr0ack = 0, cr1 = 0, cr2 = 0, gbpa = GBPA_RESET_VALUE, irq_ctrl = 0, irq_ctrlack = 0;
	uint32_t gerror = 0, gerrorn = 0, strtab_cfg = 0;
	uint64_t strtab_base = 0, cmdq_base = 0, evtq_base = 0;
	uint32_t cmdq_prod = 0, cmdq_cons = 0, cmdq_err = 0;
	uint32_t evtq_prod = 0, evtq_cons = 0;

	bool cr0_stuck = false, gbpa_stuck = false, cmdq_stuck = false;
	unsigned consume_per_relax = 8;
	long long fail_alloc_at = -1; // fail the Nth dma_alloc (0-based), -1 never
	long long alloc_calls = 0;
	std::map<void *, size_t> live;
	std::vector<FakeCmd> executed;
	std::vector<std::string> logs;
	uint64_t relaxes = 0;
	bool bad_opcode_abort = false; // report CERROR_ABT instead of ILL (one time)
	unsigned abt_once_at = ~0u;    // index in executed where an ABT is reported once
	unsigned rmbs = 0, wmbs = 0, mbs = 0;
	bool tracing = false;          // append every access, barrier and command to trace
	std::vector<FakeOp> trace;
	std::function<void(const FakeCmd &)> on_exec; // called as each command executes

	FakeSmmu()
	{
		// A typical MMU-600-like SMMU: S1+S2, AArch64, 2-level tables, CD2L, ASID16, 16 SID bits.
		idr[0] = (uint32_t)(SMMU_PREP(IDR0_S1P, 1) | SMMU_PREP(IDR0_S2P, 1) | SMMU_PREP(IDR0_TTF, IDR0_TTF_AARCH64) |
				    SMMU_PREP(IDR0_COHACC, 1) | SMMU_PREP(IDR0_ASID16, 1) | SMMU_PREP(IDR0_CD2L, 1) |
				    SMMU_PREP(IDR0_TTENDIAN, IDR0_TTENDIAN_LE) |
				    SMMU_PREP(IDR0_STALL_MODEL, IDR0_STALL_MODEL_TERMINATE) |
				    SMMU_PREP(IDR0_ST_LEVEL, IDR0_ST_LEVEL_2LVL));
		idr[1] = (uint32_t)(SMMU_PREP(IDR1_SIDSIZE, 16) | SMMU_PREP(IDR1_SSIDSIZE, 20) | SMMU_PREP(IDR1_CMDQS, 8) |
				    SMMU_PREP(IDR1_EVENTQS, 7) | SMMU_PREP(IDR1_ATTR_TYPES_OVR, 1));
		idr[3] = 0;
		idr[5] = (uint32_t)(SMMU_PREP(IDR5_OAS, SMMU_OAS_48) | SMMU_PREP(IDR5_GRAN4K, 1) |
				    SMMU_PREP(IDR5_GRAN16K, 1) | SMMU_PREP(IDR5_GRAN64K, 1));
		regif_.ctx = this;
		regif_.read32 = [](void *c, uint32_t off) {
			FakeSmmu *f = static_cast<FakeSmmu *>(c);
			uint32_t v = f->read32(off);
			f->record(FakeOp::READ, off, v);
			return v;
		};
		regif_.write32 = [](void *c, uint32_t off, uint32_t v) {
			FakeSmmu *f = static_cast<FakeSmmu *>(c);
			f->record(FakeOp::WRITE, off, v);
			f->write32(off, v);
		};
		regif_.read64 = [](void *c, uint32_t off) {
			FakeSmmu *f = static_cast<FakeSmmu *>(c);
			uint64_t v = f->read64(off);
			f->record(FakeOp::READ, off, v);
			return v;
		};
		regif_.write64 = [](void *c, uint32_t off, uint64_t v) {
			FakeSmmu *f = static_cast<FakeSmmu *>(c);
			f->record(FakeOp::WRITE, off, v);
			f->write64(off, v);
		};
		regif_.dma_alloc = [](void *c, size_t size, size_t align, struct smmu_dma_buf *buf) {
			return static_cast<FakeSmmu *>(c)->alloc(size, align, buf);
		};
		regif_.dma_free = [](void *c, const struct smmu_dma_buf *buf) { static_cast<FakeSmmu *>(c)->free(buf); };
		regif_.rmb = [](void *c) { static_cast<FakeSmmu *>(c)->barrier(FakeOp::RMB); };
		regif_.wmb = [](void *c) { static_cast<FakeSmmu *>(c)->barrier(FakeOp::WMB); };
		regif_.mb = [](void *c) { static_cast<FakeSmmu *>(c)->barrier(FakeOp::MB); };
		regif_.relax = [](void *c) { static_cast<FakeSmmu *>(c)->relax(); };
		regif_.log = [](void *c, enum smmu_log_level, const char *msg) {
			static_cast<FakeSmmu *>(c)->logs.emplace_back(msg);
		};
	}
	~FakeSmmu()
	{
		for (auto &kv : live)
			std::free(kv.first);
	}
	const struct smmu_regif *regif() const { return &regif_; }

	uint32_t cmdq_log2() const { return (uint32_t)SMMU_GET(cmdq_base, Q_BASE_LOG2SIZE); }
	uint32_t evtq_log2() const { return (uint32_t)SMMU_GET(evtq_base, Q_BASE_LOG2SIZE); }

	// Put an event record into the event queue, as the SMMU would (or count an overflow).
	bool push_event(const uint64_t rec[4])
	{
		uint32_t qs = evtq_log2(), mask = (2u << qs) - 1, size = 1u << qs;
		uint32_t p = evtq_prod & mask, c = evtq_cons & mask;
		if ((p & (size - 1)) == (c & (size - 1)) && (p & size) != (c & size)) {
			// full: overflow, toggled only if none is outstanding
			if ((evtq_prod >> 31) == (evtq_cons >> 31))
				evtq_prod ^= 1u << 31;
			return false;
		}
		uint64_t *q = (uint64_t *)(uintptr_t)(SMMU_GET(evtq_base, Q_BASE_ADDR) << 5);
		std::memcpy(q + (p & (size - 1)) * 4, rec, 32);
		evtq_prod = (evtq_prod & (1u << 31)) | ((p + 1) & mask);
		return true;
	}

	void record(FakeOp::Kind k, uint32_t off, uint64_t val)
	{
		if (tracing)
			trace.push_back(FakeOp{k, off, val});
	}
	void mark(uint32_t tag) { record(FakeOp::MARK, tag, 0); }
	void barrier(FakeOp::Kind k)
	{
		(k == FakeOp::RMB ? rmbs : k == FakeOp::WMB ? wmbs : mbs)++;
		record(k, 0, 0);
	}

	size_t count_opcode(uint8_t op) const
	{
		size_t n = 0;
		for (auto &c : executed)
			n += c.opcode() == op;
		return n;
	}

	uint32_t read32(uint32_t off)
	{
		switch (off) {
		case SMMU_IDR0: case SMMU_IDR1: case SMMU_IDR2: case SMMU_IDR3: case SMMU_IDR4: case SMMU_IDR5:
			return idr[off / 4];
		case SMMU_IIDR: return iidr;
		case SMMU_AIDR: return aidr;
		case SMMU_CR0: return cr0;
		case SMMU_CR0ACK: return cr0ack;
		case SMMU_CR1: return cr1;
		case SMMU_CR2: return cr2;
		case SMMU_GBPA: return gbpa;
		case SMMU_IRQ_CTRL: return irq_ctrl;
		case SMMU_IRQ_CTRLACK: return irq_ctrlack;
		case SMMU_GERROR: return gerror;
		case SMMU_GERRORN: return gerrorn;
		case SMMU_STRTAB_BASE_CFG: return strtab_cfg;
		case SMMU_CMDQ_PROD: return cmdq_prod;
		case SMMU_CMDQ_CONS: return cmdq_cons | (uint32_t)SMMU_PREP(CMDQ_CONS_ERR, cmdq_err);
		case SMMU_EVENTQ_PROD: return evtq_prod;
		case SMMU_EVENTQ_CONS: return evtq_cons;
		default: return 0;
		}
	}
	void write32(uint32_t off, uint32_t v)
	{
		switch (off) {
		case SMMU_CR0: cr0 = v; if (!cr0_stuck) cr0ack = v; break;
		case SMMU_CR1: cr1 = v; break;
		case SMMU_CR2: cr2 = v; break;
		case SMMU_GBPA: gbpa = gbpa_stuck ? v : (v & ~(uint32_t)SMMU_MASK(GBPA_UPDATE)); break;
		case SMMU_IRQ_CTRL: irq_ctrl = irq_ctrlack = v; break;
		case SMMU_GERRORN: gerrorn = v; break;
		case SMMU_STRTAB_BASE_CFG: strtab_cfg = v; break;
		case SMMU_CMDQ_PROD: cmdq_prod = v; break;
		case SMMU_CMDQ_CONS: cmdq_cons = v; break;
		case SMMU_EVENTQ_PROD: evtq_prod = v; break;
		case SMMU_EVENTQ_CONS: evtq_cons = v; break;
		default: break;
		}
	}
	uint64_t read64(uint32_t off)
	{
		switch (off) {
		case SMMU_STRTAB_BASE: return strtab_base;
		case SMMU_CMDQ_BASE: return cmdq_base;
		case SMMU_EVENTQ_BASE: return evtq_base;
		default: return read32(off) | ((uint64_t)read32(off + 4) << 32);
		}
	}
	void write64(uint32_t off, uint64_t v)
	{
		switch (off) {
		case SMMU_STRTAB_BASE: strtab_base = v; break;
		case SMMU_CMDQ_BASE: cmdq_base = v; break;
		case SMMU_EVENTQ_BASE: evtq_base = v; break;
		default: write32(off, (uint32_t)v); write32(off + 4, (uint32_t)(v >> 32)); break;
		}
	}

	int alloc(size_t size, size_t align, struct smmu_dma_buf *buf)
	{
		long long n = alloc_calls++;
		if (fail_alloc_at >= 0 && n == fail_alloc_at)
			return -12;
		if (align < 16)
			align = 16;
		size_t sz = (size + align - 1) / align * align;
		void *p = std::aligned_alloc(align, sz);
		if (!p)
			return -12;
		// contents UNKNOWN (regif.h): a byte pattern no structure's invalid encoding has, so that
		// the driver's tests see whatever it hands to the SMMU without initialising it
		std::memset(p, 0xA5, sz);
		live[p] = size;
		buf->cpu = p;
		buf->bus = (uint64_t)(uintptr_t)p;
		buf->size = size;
		return 0;
	}
	void free(const struct smmu_dma_buf *buf)
	{
		record(FakeOp::FREE, 0, buf->bus);
		auto it = live.find(buf->cpu);
		if (it == live.end()) {
			double_frees++;
			return;
		}
		std::free(buf->cpu);
		live.erase(it);
	}
	int double_frees = 0;

	void relax()
	{
		relaxes++;
		consume(consume_per_relax);
	}

	// Consume up to n commands, as the SMMU would.
	void consume(unsigned n)
	{
		if (!(cr0ack & SMMU_MASK(CR0_CMDQEN)) || cmdq_stuck)
			return;
		if ((gerror ^ gerrorn) & SMMU_MASK(GERROR_CMDQ_ERR))
			return;
		uint32_t qs = cmdq_log2(), mask = (2u << qs) - 1, size = 1u << qs;
		const uint64_t *q = (const uint64_t *)(uintptr_t)(SMMU_GET(cmdq_base, Q_BASE_ADDR) << 5);
		while (n-- && ((cmdq_prod ^ cmdq_cons) & mask)) {
			uint32_t i = cmdq_cons & (size - 1);
			FakeCmd c{q[2 * i], q[2 * i + 1]};
			uint32_t err = 0;
			if (!valid_opcode(c.opcode()))
				err = CERROR_ILL;
			if (executed.size() == abt_once_at) {
				err = CERROR_ABT;
				abt_once_at = ~0u;
			}
			if (err) {
				cmdq_err = err;
				gerror ^= (uint32_t)SMMU_MASK(GERROR_CMDQ_ERR);
				return;
			}
			executed.push_back(c);
			record(FakeOp::EXEC, c.opcode(), executed.size() - 1);
			if (on_exec)
				on_exec(c);
			cmdq_cons = (cmdq_cons + 1) & mask;
		}
	}
	static bool valid_opcode(uint8_t op)
	{
		switch (op) {
		case CMD_PREFETCH_CONFIG: case CMD_PREFETCH_ADDR: case CMD_CFGI_STE: case CMD_CFGI_STE_RANGE:
		case CMD_CFGI_CD: case CMD_CFGI_CD_ALL: case CMD_TLBI_NH_ALL: case CMD_TLBI_NH_ASID: case CMD_TLBI_NH_VA:
		case CMD_TLBI_NH_VAA: case CMD_TLBI_S12_VMALL: case CMD_TLBI_S2_IPA: case CMD_TLBI_NSNH_ALL:
		case CMD_SYNC:
			return true;
		default:
			return false;
		}
	}

private:
	struct smmu_regif regif_ = {};
};

// Software walk of a stage-1 table in host memory (bus == CPU address): the output address, or
// ~0 when the walk faults. Checks the descriptors, not the driver's shadow bookkeeping.
inline uint64_t soft_walk(uint64_t ttb, unsigned granule_shift, unsigned ias, uint64_t iova, uint64_t *pte_out = nullptr)
{
	unsigned bpl = granule_shift - 3;
	unsigned levels = (ias - granule_shift + bpl - 1) / bpl;
	unsigned start = 4 - levels;
	uint64_t table = ttb;
	for (unsigned l = start; l <= 3; l++) {
		unsigned shift = granule_shift + (3 - l) * bpl;
		unsigned bits = l == start ? ias - shift : bpl;
		uint64_t idx = (iova >> shift) & ((1ULL << bits) - 1);
		uint64_t pte = ((const uint64_t *)(uintptr_t)table)[idx];
		if (!(pte & 1))
			return ~0ULL;
		bool is_table = l < 3 && (pte & 2);
		if (!is_table) {
			if (l == 3 && !(pte & 2))
				return ~0ULL;
			if (pte_out)
				*pte_out = pte;
			uint64_t oa = (SMMU_GET(pte, PTE_OA) << 12) & ~((1ULL << shift) - 1);
			return oa | (iova & ((1ULL << shift) - 1));
		}
		table = SMMU_GET(pte, PTE_OA) << 12;
	}
	return ~0ULL;
}
