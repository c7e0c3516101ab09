// Fuzz target: the model against anything software can write. The input is a small program of
// register writes (pointers biased into a table window so that deep paths are reached), writes of
// table/queue memory in that window, DMAs, and time steps. The model must never crash, hang or
// abort (architecture: malformed input gets the defined response); every DMA must complete.
// One platform per process (SystemC elaborates once); the SMMU is disabled between inputs.
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" {
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
}

#include "fuzz.h"

namespace {

constexpr uint64_t kWindow = 0x10000000; // below the driver allocator's base (mem.dma_base, 1 GiB)
constexpr uint64_t kWindowMask = 0xFFFFF;

smmusim_platform *sim;
const smmu_regif *regif;

struct Program {
	const uint8_t *p;
	size_t n;
	bool more() const { return n > 0; }
	uint64_t bytes(unsigned k)
	{
		uint64_t v = 0;
		for (unsigned i = 0; i < k && n; i++, p++, n--)
			v |= (uint64_t)*p << (8 * i);
		return v;
	}
	// A value that is, half of the time, an address inside the window plus low control bits.
	uint64_t biased()
	{
		uint8_t mode = (uint8_t)bytes(1);
		uint64_t v = bytes(8);
		if (mode & 1)
			return kWindow + (v & kWindowMask & ~0x3Full) + (v >> 56 & 0x3F) + ((uint64_t)(mode >> 1) << 59);
		return v;
	}
};

void init_once()
{
	if (sim)
		return;
	char err[256];
	smmusim_config *cfg = smmusim_config_new();
	if (smmusim_config_set(cfg, "smmu.sidsize", "12", err, sizeof err) != 0 ||
	    smmusim_config_set(cfg, "mem.size", "2G", err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_model: %s\n", err);
		abort();
	}
	sim = smmusim_create(cfg, err, sizeof err);
	smmusim_config_free(cfg);
	if (!sim) {
		fprintf(stderr, "fuzz_model: %s\n", err);
		abort();
	}
	regif = smmusim_regif(sim);
	// SMMUSIM_FUZZ_STATS=1: how deep did the inputs get (translations, faults, commands)?
	if (getenv("SMMUSIM_FUZZ_STATS"))
		atexit([] {
			const char *names[] = {"dma.transactions", "dma.ok", "dma.faults", "events.F_TRANSLATION",
					       "events.C_BAD_STE", "events.C_BAD_CD", "events.F_PERMISSION",
					       "cmdq.commands", "cmdq.errors"};
			for (const char *n : names)
				fprintf(stderr, "fuzz_model: %s = %llu\n", n, (unsigned long long)smmusim_stat(sim, n));
			fprintf(stderr, "fuzz_model: CR0ACK %#x CMDQ_PROD %#x CMDQ_CONS %#x GERROR %#x\n",
				regif->read32(regif->ctx, SMMU_CR0ACK), regif->read32(regif->ctx, SMMU_CMDQ_PROD),
				regif->read32(regif->ctx, SMMU_CMDQ_CONS), regif->read32(regif->ctx, SMMU_GERROR));
		});
}

// Back to a disabled SMMU with acknowledged errors, so inputs do not depend on each other much.
void quiesce()
{
	regif->write32(regif->ctx, SMMU_CR0, 0);
	regif->write32(regif->ctx, SMMU_IRQ_CTRL, 0);
	smmusim_run(sim, 64);
	regif->write32(regif->ctx, SMMU_GERRORN, regif->read32(regif->ctx, SMMU_GERROR));
	smmusim_run(sim, 64);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	quiesce();
	Program prog{data, size};
	unsigned ops = 0;
	while (prog.more() && ops++ < 4096) {
		// Every field is read into a local first: argument evaluation order is unspecified.
		switch (prog.bytes(1) % 7) {
		case 0: {
			const uint32_t off = (uint32_t)(prog.bytes(2) << 2) & 0x1FFFC;
			const uint32_t v = (uint32_t)prog.bytes(4);
			regif->write32(regif->ctx, off, v);
			break;
		}
		case 1: {
			const uint32_t off = (uint32_t)(prog.bytes(2) << 3) & 0x1FFF8;
			const uint64_t v = prog.biased();
			regif->write64(regif->ctx, off, v);
			break;
		}
		case 2: {
			const uint64_t addr = kWindow + (prog.bytes(4) & kWindowMask & ~7ull);
			const uint64_t v = prog.biased();
			smmusim_mem_write(sim, addr, &v, sizeof v);
			break;
		}
		case 3: {
			struct smmusim_dma req{};
			uint8_t flags = (uint8_t)prog.bytes(1);
			req.sid = (uint32_t)prog.bytes(2) & 0x1FFF; // some beyond SIDSIZE 12
			req.ssv = flags & 1;
			req.ssid = (uint32_t)prog.bytes(3) & 0xFFFFF;
			req.addr = (flags & 2) ? prog.bytes(8) : (prog.bytes(4) & ~0x3Full);
			req.size = 1 + (uint32_t)(prog.bytes(1) & 63);
			req.addr &= ~(uint64_t)(req.size > 1 ? 63 : 0); // stays inside one 4 KB page
			req.write = flags & 4;
			req.priv = flags & 8;
			req.instr = (flags & 16) && !req.write;
			uint8_t buf[64] = {};
			struct smmusim_dma_result res;
			if (smmusim_dma(sim, &req, buf, &res) != 0) {
				fprintf(stderr, "fuzz_model: a well-formed DMA was refused\n");
				abort();
			}
			break;
		}
		case 4:
			smmusim_run(sim, prog.bytes(1) * 8);
			break;
		case 5:
			(void)regif->read32(regif->ctx, (uint32_t)(prog.bytes(2) << 2) & 0x1FFFC);
			break;
		default: // a command straight into the window (where a biased CMDQ_BASE points)
		{
			const uint64_t addr = kWindow + (prog.bytes(3) & kWindowMask & ~15ull);
			uint64_t cmd[2];
			cmd[0] = prog.bytes(8);
			cmd[1] = prog.biased();
			smmusim_mem_write(sim, addr, cmd, sizeof cmd);
			break;
		}
		}
	}
	smmusim_run(sim, 256);
	return 0;
}

// A seed that brings the SMMU up properly (linear stream table, queues, a bypass STE, a stage-1
// STE whose CD points at a one-level table) and issues traffic, so mutations start from deep paths.
extern "C" size_t fuzz_builtin_seeds(const uint8_t ***seeds, const size_t **sizes)
{
	static std::vector<uint8_t> s;
	auto put = [](uint64_t v, unsigned k) {
		for (unsigned i = 0; i < k; i++)
			s.push_back((uint8_t)(v >> (8 * i)));
	};
	auto w32 = [&](uint32_t off, uint32_t v) { put(0, 1); put(off >> 2, 2); put(v, 4); };
	auto w64 = [&](uint32_t off, uint64_t v) { put(1, 1); put(off >> 3, 2); put(0, 1); put(v, 8); };
	auto mem = [&](uint64_t addr, uint64_t v) { put(2, 1); put(addr - kWindow, 4); put(0, 1); put(v, 8); };
	auto dma = [&](uint32_t sid, uint64_t addr, bool write) {
		put(3, 1); put(write ? 4 : 0, 1); put(sid, 2); put(0, 3); put(addr, 4); put(63, 1);
	};
	const uint64_t st = kWindow, cmdq = kWindow + 0x80000, evtq = kWindow + 0x90000, cd = kWindow + 0xA0000,
		       pt = kWindow + 0xB0000;
	w64(SMMU_STRTAB_BASE, st);
	w32(SMMU_STRTAB_BASE_CFG, 6); // linear, 64 STEs
	w64(SMMU_CMDQ_BASE, cmdq | 5);
	w64(SMMU_EVENTQ_BASE, evtq | 5);
	w32(SMMU_CR0, 0xC);
	put(4, 1); put(4, 1);
	mem(st + 1 * 64, SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_BYPASS));
	mem(st + 2 * 64, SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_S1_TRANS) | cd);
	mem(cd, SMMU_PREP(CD0_V, 1) | SMMU_PREP(CD0_T0SZ, 25) | SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_AA64, 1) |
		    SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) | SMMU_PREP(CD0_IPS, 5));
	mem(cd + 8, pt);
	mem(pt, (pt + 0x1000) | 3);              // level 1 table descriptor
	mem(pt + 0x1000, (pt + 0x2000) | 3);     // level 2
	mem(pt + 0x2000, 0x20000000ull | 0x743); // level 3 page, AF, AP1
	mem(cmdq, SMMU_PREP(CMD0_OPCODE, CMD_CFGI_STE_RANGE));
	mem(cmdq + 8, SMMU_PREP(CMD1_RANGE, CMD_CFGI_ALL_RANGE));
	w32(SMMU_CMDQ_PROD, 1);
	w32(SMMU_CR0, 0xD);
	put(4, 1); put(8, 1);
	dma(1, 0x1000, false);
	dma(2, 0x0, true);
	dma(2, 0x5000, false); // unmapped: F_TRANSLATION
	dma(3, 0x0, false);    // invalid STE: C_BAD_STE
	static const uint8_t *sp[1];
	static size_t sz[1];
	sp[0] = s.data();
	sz[0] = s.size();
	*seeds = sp;
	*sizes = sz;
	return 1;
}
