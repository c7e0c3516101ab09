// Test harness for the model suites: drives a simulation ONLY through the register interface
// and physical memory, as software would (hand-built tables, commands written into the queue).
// Never uses the driver. One Sim per test (one SystemC simulation per process).
#pragma once

#include <smmusim/smmusim.h>
#include <strict_mode.hpp>
#include <smmuv3/arch.h>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace th {

// Physical layout used by the tests (all below the DMA allocator's region at 1 GiB).
constexpr uint64_t CMDQ = 0x100000, EVTQ = 0x200000, STRTAB = 0x400000, CDTAB = 0x800000;
constexpr uint64_t PT_POOL = 0x1000000, DATA = 0x10000000;

// Leaf attributes used by map(): AF, unprivileged access allowed, non-global, inner shareable.
constexpr uint64_t PTE_RW = SMMU_PREP(PTE_AF, 1) | SMMU_PREP(PTE_AP1, 1) | SMMU_PREP(PTE_NG, 1) |
			    SMMU_PREP(PTE_SH, 3) | SMMU_PREP(PTE_ATTRINDX, MAIR_IDX_CACHE);

struct Sim {
	smmusim_platform *sim = nullptr;
	const smmu_regif *ri = nullptr;
	unsigned cmdq_log2 = 8, evtq_log2 = 6;
	uint64_t pt_next = PT_POOL;

	Sim() : Sim(std::vector<std::pair<std::string, std::string>>{}) {}
	explicit Sim(std::initializer_list<std::pair<const char *, const char *>> cfg)
	    : Sim(std::vector<std::pair<std::string, std::string>>(cfg.begin(), cfg.end()))
	{
	}
	explicit Sim(std::vector<std::pair<std::string, std::string>> cfg)
	{
		smmusim_config *c = smmusim_config_new();
		char err[256];
		cfg.insert(cfg.begin(), {"smmu.strict", test_strict_value()}); // the test's own setting wins
		// The test's register reads observe the model without taking simulated time (the driver
		// suites keep the preset's MMIO round trip; a test that measures it sets its own).
		cfg.insert(cfg.begin(), {"smmu.reg_read_cycles", "0"});
		for (auto &kv : cfg) {
			EXPECT_EQ(0, smmusim_config_set(c, kv.first.c_str(), kv.second.c_str(), err, sizeof err)) << err;
		}
		sim = smmusim_create(c, err, sizeof err);
		smmusim_config_free(c);
		if (!sim)
			ADD_FAILURE() << "smmusim_create: " << err;
		else
			ri = smmusim_regif(sim);
	}
	~Sim() { smmusim_destroy(sim); }

	uint32_t r32(uint32_t off) { return ri->read32(ri->ctx, off); }
	void w32(uint32_t off, uint32_t v) { ri->write32(ri->ctx, off, v); }
	uint64_t r64(uint32_t off) { return ri->read64(ri->ctx, off); }
	void w64(uint32_t off, uint64_t v) { ri->write64(ri->ctx, off, v); }
	void relax() { ri->relax(ri->ctx); }
	void run(uint64_t n) { smmusim_run(sim, n); }
	uint64_t now() { return smmusim_now(sim); }
	uint64_t stat(const char *n) { return smmusim_stat(sim, n); }

	void m64(uint64_t pa, uint64_t v) { ASSERT_EQ(0, smmusim_mem_write(sim, pa, &v, 8)); }
	uint64_t m64(uint64_t pa)
	{
		uint64_t v = 0;
		EXPECT_EQ(0, smmusim_mem_read(sim, pa, &v, 8));
		return v;
	}
	void mwrite(uint64_t pa, const uint64_t *dw, unsigned n)
	{
		for (unsigned i = 0; i < n; i++)
			m64(pa + 8 * i, dw[i]);
	}

	// Poll a register with relax() until (reg & mask) == want; false after `tries`.
	bool poll(uint32_t off, uint32_t mask, uint32_t want, int tries = 1000)
	{
		for (int i = 0; i < tries; i++) {
			if ((r32(off) & mask) == want)
				return true;
			relax();
		}
		return false;
	}

	bool set_cr0(uint32_t v)
	{
		w32(SMMU_CR0, v);
		return poll(SMMU_CR0ACK, 0xFFFFFFFFu, v);
	}

	// Queues + stream table, then CMDQEN|EVENTQEN|SMMUEN. fmt: linear (log2size) or 2-level.
	void boot(unsigned st_log2 = 8, unsigned fmt = STRTAB_FMT_LINEAR, unsigned split = 8, bool recinvsid = true,
		  bool smmuen = true)
	{
		w64(SMMU_CMDQ_BASE, CMDQ | cmdq_log2);
		w32(SMMU_CMDQ_PROD, 0);
		w32(SMMU_CMDQ_CONS, 0);
		w64(SMMU_EVENTQ_BASE, EVTQ | evtq_log2);
		w32(SMMU_EVENTQ_PROD, 0);
		w32(SMMU_EVENTQ_CONS, 0);
		w64(SMMU_STRTAB_BASE, STRTAB);
		w32(SMMU_STRTAB_BASE_CFG, (uint32_t)(SMMU_PREP(STRTAB_BASE_CFG_LOG2SIZE, st_log2) |
						     SMMU_PREP(STRTAB_BASE_CFG_SPLIT, split) | SMMU_PREP(STRTAB_BASE_CFG_FMT, fmt)));
		w32(SMMU_CR2, recinvsid ? (uint32_t)SMMU_PREP(CR2_RECINVSID, 1) : 0);
		uint32_t cr0 = (uint32_t)(SMMU_PREP(CR0_CMDQEN, 1) | SMMU_PREP(CR0_EVENTQEN, 1));
		ASSERT_TRUE(set_cr0(cr0));
		if (smmuen) {
			ASSERT_TRUE(set_cr0(cr0 | (uint32_t)SMMU_PREP(CR0_SMMUEN, 1)));
		}
	}

	// ---- command queue
	uint32_t qmask(unsigned log2) { return (2u << log2) - 1; }
	void cmd(uint64_t d0, uint64_t d1 = 0)
	{
		uint32_t prod = r32(SMMU_CMDQ_PROD);
		uint64_t a = CMDQ + (uint64_t)(prod & ((1u << cmdq_log2) - 1)) * CMD_SIZE;
		m64(a, d0);
		m64(a + 8, d1);
		w32(SMMU_CMDQ_PROD, (prod + 1) & qmask(cmdq_log2));
	}
	// Wait until CONS reaches PROD or an error stops consumption.
	bool drain(int tries = 2000)
	{
		for (int i = 0; i < tries; i++) {
			uint32_t p = r32(SMMU_CMDQ_PROD) & qmask(cmdq_log2), c = r32(SMMU_CMDQ_CONS) & qmask(cmdq_log2);
			if (p == c)
				return true;
			if ((r32(SMMU_GERROR) ^ r32(SMMU_GERRORN)) & 1u)
				return false;
			relax();
		}
		return false;
	}
	bool sync()
	{
		cmd(SMMU_PREP(CMD0_OPCODE, CMD_SYNC));
		return drain();
	}
	void cfgi_ste(uint32_t sid, bool leaf = true)
	{
		cmd(SMMU_PREP(CMD0_OPCODE, CMD_CFGI_STE) | SMMU_PREP(CMD0_SID, sid), SMMU_PREP(CMD1_LEAF, leaf));
	}
	void cfgi_all() { cmd(SMMU_PREP(CMD0_OPCODE, CMD_CFGI_STE_RANGE), SMMU_PREP(CMD1_RANGE, CMD_CFGI_ALL_RANGE)); }
	uint8_t cons_err() { return (uint8_t)SMMU_GET(r32(SMMU_CMDQ_CONS), CMDQ_CONS_ERR); }
	bool cmdq_err_active() { return ((r32(SMMU_GERROR) ^ r32(SMMU_GERRORN)) & 1u) != 0; }

	// ---- event queue
	bool pop_event(uint64_t ev[4])
	{
		uint32_t prod = r32(SMMU_EVENTQ_PROD), cons = r32(SMMU_EVENTQ_CONS);
		uint32_t m = qmask(evtq_log2);
		if ((prod & m) == (cons & m))
			return false;
		uint64_t a = EVTQ + (uint64_t)(cons & ((1u << evtq_log2) - 1)) * EVT_SIZE;
		for (int i = 0; i < 4; i++)
			ev[i] = m64(a + 8 * i);
		w32(SMMU_EVENTQ_CONS, (cons & (uint32_t)SMMU_MASK(Q_OVFLG)) | ((cons + 1) & m));
		return true;
	}
	unsigned event_count()
	{
		uint32_t m = qmask(evtq_log2);
		return ((r32(SMMU_EVENTQ_PROD) & m) - (r32(SMMU_EVENTQ_CONS) & m)) & m;
	}

	// ---- structures
	void ste(uint32_t sid, uint64_t d0, uint64_t d1 = 0, uint64_t base = STRTAB)
	{
		uint64_t dw[8] = {d0, d1, 0, 0, 0, 0, 0, 0};
		mwrite(base + (uint64_t)sid * STE_SIZE, dw, 8);
	}
	static uint64_t ste0_s1(uint64_t ctx, unsigned cdmax = 0, unsigned fmt = STE_S1FMT_LINEAR)
	{
		return SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1_TRANS) | SMMU_PREP(STE0_S1FMT, fmt) |
		       (ctx & SMMU_MASK(STE0_S1CONTEXTPTR)) | SMMU_PREP(STE0_S1CDMAX, cdmax);
	}
	static uint64_t ste0_cfg(unsigned config) { return SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, config); }
	// A 4 KB-granule, 48-bit CD with TTB0 = ttb (A=1, R=1: abort and record faults).
	static uint64_t cd0(uint16_t asid, unsigned t0sz = 16, unsigned tg0 = CD_TG0_4K)
	{
		return SMMU_PREP(CD0_T0SZ, t0sz) | SMMU_PREP(CD0_TG0, tg0) | SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_V, 1) |
		       SMMU_PREP(CD0_IPS, SMMU_OAS_48) | SMMU_PREP(CD0_AA64, 1) | SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) |
		       SMMU_PREP(CD0_ASID, asid);
	}
	void cd(uint64_t pa, uint64_t d0, uint64_t ttb0)
	{
		uint64_t dw[8] = {d0, ttb0 & SMMU_MASK(CD1_TTB0), 0, SMMU_MAIR_LINUX, 0, 0, 0, 0};
		mwrite(pa, dw, 8);
	}

	// ---- page tables (4 KB granule, 4 levels from level 0, T0SZ=16)
	uint64_t new_table(uint64_t bytes = 4096)
	{
		pt_next = (pt_next + bytes - 1) & ~(bytes - 1);
		uint64_t t = pt_next;
		pt_next += bytes;
		return t;
	}
	// Map one 4 KB page (or, with leaf_level 1/2, a block) va -> pa in the table at ttb.
	void map(uint64_t ttb, uint64_t va, uint64_t pa, uint64_t attrs = PTE_RW, unsigned leaf_level = 3,
		 uint64_t table_attrs = 0)
	{
		uint64_t table = ttb;
		for (unsigned l = 0; l < leaf_level; l++) {
			uint64_t a = table + ((va >> (39 - 9 * l)) & 511) * 8;
			uint64_t d = m64(a);
			if (!(d & 1)) {
				d = new_table() | 3 | table_attrs;
				m64(a, d);
			}
			table = d & SMMU_MASK(PTE_OA);
		}
		uint64_t a = table + ((va >> (39 - 9 * leaf_level)) & 511) * 8;
		m64(a, (pa & SMMU_MASK(PTE_OA)) | attrs | (leaf_level == 3 ? 3 : 1));
	}
	// Address of the level-`level` descriptor for va (after map()).
	uint64_t pte_addr(uint64_t ttb, uint64_t va, unsigned level)
	{
		uint64_t table = ttb;
		for (unsigned l = 0; l < level; l++)
			table = m64(table + ((va >> (39 - 9 * l)) & 511) * 8) & SMMU_MASK(PTE_OA);
		return table + ((va >> (39 - 9 * level)) & 511) * 8;
	}

	// ---- DMA
	smmusim_dma_result dma(uint32_t sid, uint64_t addr, bool write = false, void *data = nullptr, uint32_t size = 4,
			       bool ssv = false, uint32_t ssid = 0, bool priv = false, bool instr = false, uint32_t port = 0)
	{
		struct smmusim_dma d = {};
		d.port = port;
		d.sid = sid;
		d.ssv = ssv;
		d.ssid = ssid;
		d.addr = addr;
		d.size = size;
		d.write = write;
		d.priv = priv;
		d.instr = instr;
		smmusim_dma_result r = {};
		EXPECT_EQ(0, smmusim_dma(sim, &d, data, &r));
		return r;
	}
	smmusim_dma_result dma_ssid(uint32_t sid, uint32_t ssid, uint64_t addr)
	{
		return dma(sid, addr, false, nullptr, 4, true, ssid);
	}

	// A ready stage-1 stream: STE sid -> single CD at CDTAB + 64*sid -> fresh 4 KB tables.
	uint64_t s1_stream(uint32_t sid, uint16_t asid)
	{
		uint64_t ttb = new_table();
		uint64_t cdpa = CDTAB + 64ull * sid;
		cd(cdpa, cd0(asid), ttb);
		ste(sid, ste0_s1(cdpa));
		return ttb;
	}
};

// Latency of one transaction in cycles, as the timing tests and the budget table count it.
inline uint64_t lat(const smmusim_dma_result &r) { return r.done_cycle - r.issue_cycle; }

// Field accessors for event records.
inline unsigned ev_type(const uint64_t ev[4]) { return (unsigned)SMMU_GET(ev[0], EVT0_TYPE); }
inline uint32_t ev_sid(const uint64_t ev[4]) { return (uint32_t)SMMU_GET(ev[0], EVT0_SID); }

// What body writes to the file descriptor it is given, run in a child process: one SystemC
// simulation per process, so a test that compares two simulations runs each in its own child.
// "child failed" when the child's test assertions failed or it did not exit.
inline std::string output_of_child(const std::function<void(int fd)> &body)
{
	int p[2];
	if (pipe(p) != 0)
		return "pipe failed";
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		body(p[1]);
		_exit(::testing::Test::HasFailure() ? 1 : 0);
	}
	close(p[1]);
	std::string out;
	char buf[4096];
	ssize_t r;
	while ((r = read(p[0], buf, sizeof buf)) > 0)
		out.append(buf, (size_t)r);
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return "child failed";
	return out;
}

} // namespace th
