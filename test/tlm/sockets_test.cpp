// The TLM-2.0 component's sockets (smmusim/smmuv3_tlm.hpp, docs/tlm.md): register accesses and
// their refusals, device traffic with and without the SmmuAttrs extension, responses for bypass,
// translation, abort and a refused output address, the event queue interrupt wire, and the walk
// socket serving the engine's table reads, and two SMMUs in one platform. One platform per test (one
// elaboration per process).
#include "../../examples/tlm-platform/platform.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <string>

using namespace sc_core;
using namespace tlm;

namespace {

// The reference driver polls (it leaves IRQ_CTRL at 0); a platform that takes the event queue's
// interrupt enables it after the driver's reset, as here (IHI 0070 §6.3.20: IRQ_CTRL, IRQ_CTRLACK).
void enable_eventq_irq(const smmu_regif &r)
{
	r.write32(r.ctx, SMMU_IRQ_CTRL, (uint32_t)SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1));
	for (int n = 0; n < 1000 && !SMMU_GET(r.read32(r.ctx, SMMU_IRQ_CTRLACK), IRQ_CTRL_EVENTQ_IRQEN); n++)
		r.relax(r.ctx);
	ASSERT_TRUE(SMMU_GET(r.read32(r.ctx, SMMU_IRQ_CTRLACK), IRQ_CTRL_EVENTQ_IRQEN));
}

// One SMMU wired as a platform has it: its own RAM behind both memory sockets, a register initiator
// with the driver's port on it, a device initiator on TBU tbu, and the three interrupt wires.
struct SmmuOnRam {
	smmusim::Smmuv3Tlm smmu;
	example::Ram ram;
	tlm_utils::simple_initiator_socket<SmmuOnRam> mmio, dev;
	sc_signal<bool> irq[3];
	example::DriverPort port;

	SmmuOnRam(const std::string &name, const smmusim_config *cfg, unsigned tbu)
	    : smmu(name.c_str(), cfg), ram((name + "_ram").c_str(), 1ull << 32), mmio((name + "_mmio").c_str()),
	      dev((name + "_dev").c_str()), port(mmio, ram, smmu.params())
	{
		mmio.bind(smmu.regs);
		dev.bind(smmu.tbu[tbu]);
		smmu.data.bind(ram.socket);
		smmu.walk.bind(ram.socket);
		smmu.eventq_irq(irq[0]);
		smmu.gerror_irq(irq[1]);
		smmu.cmdsync_irq(irq[2]);
	}
};

// A platform whose CPU thread runs the test body on one SMMU (device on TBU 1); the RAM counts the
// walk socket's accesses.
struct Bench : sc_module, SmmuOnRam {
	SC_HAS_PROCESS(Bench);
	std::function<void(Bench &)> body;
	unsigned eventq_pulses = 0;

	explicit Bench(sc_module_name n) : sc_module(n), SmmuOnRam("smmu", nullptr, 1)
	{
		SC_THREAD(run);
		set_stack_size(4 << 20);
		SC_METHOD(count);
		sensitive << irq[0].posedge_event();
		dont_initialize();
	}
	void run()
	{
		body(*this);
		sc_stop();
	}
	void count() { eventq_pulses++; }

	// One register access; returns the response status.
	tlm_response_status reg(tlm_command cmd, uint64_t off, void *v, unsigned len, bool debug = false,
				unsigned char *be = nullptr)
	{
		tlm_generic_payload gp;
		gp.set_command(cmd);
		gp.set_address(off);
		gp.set_data_ptr(static_cast<unsigned char *>(v));
		gp.set_data_length(len);
		gp.set_streaming_width(len);
		gp.set_byte_enable_ptr(be);
		gp.set_byte_enable_length(be ? len : 0);
		gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
		sc_time d = SC_ZERO_TIME;
		if (debug) {
			const unsigned n = mmio->transport_dbg(gp);
			EXPECT_EQ(n, gp.is_response_ok() ? len : 0u);
		} else
			mmio->b_transport(gp, d);
		return gp.get_response_status();
	}
	// One device transaction on TBU 1; attrs may be null (no extension). Waits for the response.
	tlm_response_status dma(tlm_command cmd, uint64_t addr, void *data, unsigned len, smmusim::SmmuAttrs *attrs,
				sc_time *delay_out = nullptr)
	{
		tlm_generic_payload gp;
		gp.set_command(cmd);
		gp.set_address(addr);
		gp.set_data_ptr(static_cast<unsigned char *>(data));
		gp.set_data_length(len);
		gp.set_streaming_width(len);
		gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
		if (attrs)
			gp.set_extension(attrs);
		sc_time d = SC_ZERO_TIME;
		dev->b_transport(gp, d);
		if (attrs)
			gp.clear_extension(attrs);
		EXPECT_EQ(gp.get_address(), addr) << "the initiator gets its own address back";
		if (delay_out)
			*delay_out = d;
		wait(d);
		return gp.get_response_status();
	}
};

void run(const std::function<void(Bench &)> &body)
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	auto *b = new Bench("bench"); // SystemC modules outlive the simulation
	b->body = body;
	sc_start();
	EXPECT_EQ(sc_get_status(), SC_STOPPED) << "the test body did not finish";
}

TEST(TlmSockets, RegistersThirtyTwoAndSixtyFourBitOnBothPagesAndDebug)
{
	run([](Bench &b) {
		uint32_t idr0 = 0, dbg = 0;
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &idr0, 4), TLM_OK_RESPONSE);
		EXPECT_TRUE(SMMU_GET(idr0, IDR0_S1P));
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &dbg, 4, true), TLM_OK_RESPONSE);
		EXPECT_EQ(dbg, idr0);
		// A 64-bit register: one 64-bit access, or its two 32-bit halves.
		uint64_t base = 0x4000012340ull, rb = 0;
		uint32_t lo = 0, hi = 0;
		EXPECT_EQ(b.reg(TLM_WRITE_COMMAND, SMMU_STRTAB_BASE, &base, 8), TLM_OK_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_STRTAB_BASE, &rb, 8), TLM_OK_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_STRTAB_BASE, &lo, 4), TLM_OK_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_STRTAB_BASE + 4, &hi, 4), TLM_OK_RESPONSE);
		EXPECT_EQ(rb, (uint64_t)hi << 32 | lo);
		EXPECT_EQ(SMMU_ADDR(rb, STRTAB_BASE_ADDR), SMMU_ADDR(base, STRTAB_BASE_ADDR));
		// Page 1 (offsets from 0x10000): the event queue's CONS, written and read back.
		uint32_t cons = 0x5, back = 0;
		EXPECT_GE(SMMU_EVENTQ_CONS, 0x10000u);
		EXPECT_EQ(b.reg(TLM_WRITE_COMMAND, SMMU_EVENTQ_CONS, &cons, 4), TLM_OK_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_EVENTQ_CONS, &back, 4, true), TLM_OK_RESPONSE);
		EXPECT_EQ(back, cons);
	});
}

TEST(TlmSockets, RegisterAccessesOutsideTheArchitectureAreRefused)
{
	run([](Bench &b) {
		uint64_t v = 0;
		unsigned char be[4] = {0xFF, 0xFF, 0, 0};
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &v, 2), TLM_BURST_ERROR_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &v, 16), TLM_BURST_ERROR_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, 0x20000, &v, 4), TLM_ADDRESS_ERROR_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, 0x1FFFC, &v, 8), TLM_ADDRESS_ERROR_RESPONSE);
		// What the register file answers, as through the C API: misaligned and 64-bit accesses to
		// 32-bit registers are RAZ/WI (docs/model.md).
		v = ~0ull;
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0 + 2, &v, 4), TLM_OK_RESPONSE);
		EXPECT_EQ((uint32_t)v, 0u);
		v = ~0ull;
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &v, 8), TLM_OK_RESPONSE);
		EXPECT_EQ(v, 0u);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, SMMU_IDR0, &v, 4, false, be), TLM_BYTE_ENABLE_ERROR_RESPONSE);
		EXPECT_EQ(b.reg(TLM_READ_COMMAND, 0x20000, &v, 4, true), TLM_ADDRESS_ERROR_RESPONSE);
		tlm_generic_payload gp;
		gp.set_address(0);
		tlm_dmi dmi;
		EXPECT_FALSE(b.mmio->get_direct_mem_ptr(gp, dmi));
		EXPECT_FALSE(b.dev->get_direct_mem_ptr(gp, dmi));
	});
}

TEST(TlmSockets, DeviceTrafficWithoutExtensionUsesTheDefaultStreamAndBypassesADisabledSmmu)
{
	run([](Bench &b) {
		// SMMUEN=0 and GBPA.ABORT=0: the access bypasses at its own address, after the TBU's cycles.
		uint32_t w = 0xCAFEF00D, r = 0;
		sc_time delay;
		EXPECT_EQ(b.dma(TLM_WRITE_COMMAND, 0x5000, &w, 4, nullptr, &delay), TLM_OK_RESPONSE);
		EXPECT_GT(delay, SC_ZERO_TIME) << "the model's cycles are the annotated delay";
		ASSERT_TRUE(b.ram.mem.read(0x5000, &r, 4));
		EXPECT_EQ(r, w);
		smmusim::SmmuAttrs a;
		a.sid = 7;
		r = 0;
		EXPECT_EQ(b.dma(TLM_READ_COMMAND, 0x5000, &r, 4, &a), TLM_OK_RESPONSE);
		EXPECT_EQ(r, w);
		EXPECT_EQ(a.status, smmusim::XLATE_OK);
		EXPECT_EQ(a.pa, 0x5000u);
		EXPECT_EQ(a.done_cycle - a.issue_cycle, (uint64_t)(delay / example::kCycle));
		EXPECT_EQ(b.smmu.stat("dma.transactions"), 2u);
		EXPECT_EQ(b.smmu.stat("dma.bypass"), 2u);
		// Beyond one 4 KB page, or a debug access: refused before the engine sees them.
		unsigned char big[64] = {};
		EXPECT_EQ(b.dma(TLM_READ_COMMAND, 0x5FF0, big, 32, nullptr), TLM_BURST_ERROR_RESPONSE);
		tlm_generic_payload gp;
		gp.set_command(TLM_READ_COMMAND);
		gp.set_address(0x5000);
		gp.set_data_ptr(big);
		gp.set_data_length(4);
		EXPECT_EQ(b.dev->transport_dbg(gp), 0u);
		EXPECT_EQ(b.smmu.stat("dma.transactions"), 2u);
	});
}

TEST(TlmSockets, TranslationAbortAndRefusedOutputAddressThroughTheDriver)
{
	run([](Bench &b) {
		smmu_device *smmu;
		smmu_options opts{};
		ASSERT_EQ(smmu_probe(b.port.regif(), &opts, &smmu), 0);
		ASSERT_EQ(smmu_reset(smmu), 0);
		enable_eventq_irq(*b.port.regif());
		const uint32_t sid = 3;
		smmu_master *m;
		iommu_domain *d;
		ASSERT_EQ(iommu_probe_device(smmu, &sid, 1, &m), 0);
		ASSERT_EQ(iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &d), 0);
		ASSERT_EQ(iommu_attach_device(smmu, d, m), 0);
		ASSERT_EQ(iommu_map(smmu, d, 0x10000000, 0x40000000, 0x1000, IOMMU_READ | IOMMU_WRITE), 0);
		// Beyond the 4 GiB RAM: the table walk succeeds, the data socket refuses the output address.
		ASSERT_EQ(iommu_map(smmu, d, 0x20000000, 0x200000000ull, 0x1000, IOMMU_READ | IOMMU_WRITE), 0);
		b.smmu.set_default_stream(1, sid);
		uint64_t v = 0x1122334455667788ull, r = 0;
		EXPECT_EQ(b.dma(TLM_WRITE_COMMAND, 0x10000010, &v, 8, nullptr), TLM_OK_RESPONSE);
		ASSERT_TRUE(b.ram.mem.read(0x40000010, &r, 8));
		EXPECT_EQ(r, v) << "translated through the default StreamID";
		smmusim::SmmuAttrs a;
		a.sid = sid;
		EXPECT_EQ(b.dma(TLM_READ_COMMAND, 0x10400000, &r, 8, &a), TLM_ADDRESS_ERROR_RESPONSE);
		EXPECT_EQ(a.status, smmusim::XLATE_ABORT);
		EXPECT_EQ(a.event, EVT_F_TRANSLATION);
		EXPECT_EQ(b.dma(TLM_READ_COMMAND, 0x20000000, &r, 8, &a), TLM_ADDRESS_ERROR_RESPONSE);
		// As through the C API: an output address nothing backs is an abort without an event.
		EXPECT_EQ(a.status, smmusim::XLATE_ABORT);
		EXPECT_EQ(a.event, 0u);
		EXPECT_EQ(a.pa, 0u);
		EXPECT_EQ(b.smmu.stat("dma.abort"), 2u);
		EXPECT_EQ(b.smmu.stat("dma.ok"), 1u);
		// The F_TRANSLATION record reached the queue in memory (through the walk socket) and
		// pulsed the event queue interrupt once.
		wait(10 * example::kCycle);
		EXPECT_EQ(b.smmu.stat("events.recorded"), 1u);
		struct Seen {
			unsigned n = 0;
			uint8_t type = 0;
		} seen;
		smmu_evtq_drain(
			smmu, [](void *arg, const smmu_event *ev) {
				static_cast<Seen *>(arg)->n++;
				static_cast<Seen *>(arg)->type = ev->type;
			},
			&seen);
		EXPECT_EQ(seen.n, 1u);
		EXPECT_EQ(seen.type, EVT_F_TRANSLATION);
		EXPECT_EQ(b.smmu.stat("irq.eventq"), 1u);
		EXPECT_EQ(b.eventq_pulses, 1u);
		smmu_remove(smmu);
	});
}

// An approximately-timed initiator: nb_transport_fw(BEGIN_REQ) on a TBU socket is served by the
// simple target socket's conversion to b_transport; BEGIN_RESP arrives at the completion cycle the
// engine computed, as the LT delay says.
struct AtInitiator : sc_module {
	SC_HAS_PROCESS(AtInitiator);
	tlm_utils::simple_initiator_socket<AtInitiator> socket;
	sc_time resp_at = SC_ZERO_TIME;
	bool resp_ok = false;
	sc_event got_resp;

	explicit AtInitiator(sc_module_name n) : sc_module(n), socket("socket")
	{
		socket.register_nb_transport_bw(this, &AtInitiator::nb_transport_bw);
	}
	tlm_sync_enum nb_transport_bw(tlm_generic_payload &gp, tlm_phase &phase, sc_time &t)
	{
		EXPECT_EQ(phase, BEGIN_RESP);
		resp_at = sc_time_stamp() + t;
		resp_ok = gp.is_response_ok();
		got_resp.notify(t);
		phase = END_RESP;
		return TLM_COMPLETED;
	}
};

TEST(TlmSockets, ApproximatelyTimedInitiatorGetsTheResponseAtTheCompletionCycle)
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	auto *b = new Bench("bench");
	auto *at = new AtInitiator("at");
	at->socket.bind(b->smmu.tbu[2]);
	b->body = [at](Bench &bench) {
		uint32_t w = 0x600DF00D, r = 0;
		smmusim::SmmuAttrs a;
		a.sid = 4;
		tlm_generic_payload gp;
		gp.set_command(TLM_WRITE_COMMAND);
		gp.set_address(0x7000);
		gp.set_data_ptr(reinterpret_cast<unsigned char *>(&w));
		gp.set_data_length(4);
		gp.set_streaming_width(4);
		gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
		gp.set_extension(&a);
		tlm_phase phase = BEGIN_REQ;
		sc_time t = SC_ZERO_TIME;
		const uint64_t start = example::cycles();
		EXPECT_EQ(at->socket->nb_transport_fw(gp, phase, t), TLM_ACCEPTED);
		wait(at->got_resp);
		gp.clear_extension(&a);
		EXPECT_TRUE(at->resp_ok);
		EXPECT_EQ(a.issue_cycle, start);
		EXPECT_GT(a.done_cycle, a.issue_cycle);
		EXPECT_EQ(at->resp_at, (double)a.done_cycle * example::kCycle);
		ASSERT_TRUE(bench.ram.mem.read(0x7000, &r, 4));
		EXPECT_EQ(r, w) << "a disabled SMMU bypasses";
		EXPECT_EQ(bench.smmu.stat("dma.transactions"), 1u);
	};
	sc_start();
	EXPECT_EQ(sc_get_status(), SC_STOPPED) << "the test body did not finish";
}

// Two SMMUs in one platform, as an SoC has them (one per I/O cluster): each with its own
// configuration, memory, driver, tables, statistics and interrupt wires. Nothing may be shared
// between instances: not parameters, not caches, not counters, not the event queue's interrupt.
struct TwoSmmus : sc_module {
	SC_HAS_PROCESS(TwoSmmus);
	using Side = SmmuOnRam; // device on TBU 0
	Side a, b;
	unsigned pulses[2] = {};
	std::function<void(TwoSmmus &)> body;

	TwoSmmus(sc_module_name n, const smmusim_config *cfg_a, const smmusim_config *cfg_b)
	    : sc_module(n), a("smmu0", cfg_a, 0), b("smmu1", cfg_b, 0)
	{
		SC_THREAD(run);
		set_stack_size(4 << 20);
		SC_METHOD(count_a);
		sensitive << a.irq[0].posedge_event();
		dont_initialize();
		SC_METHOD(count_b);
		sensitive << b.irq[0].posedge_event();
		dont_initialize();
	}
	void run()
	{
		body(*this);
		sc_stop();
	}
	void count_a() { pulses[0]++; }
	void count_b() { pulses[1]++; }

	// One 8-byte device transaction with StreamID sid on a side's TBU 0.
	static tlm_response_status dma(Side &s, tlm_command cmd, uint64_t addr, uint64_t *v, uint32_t sid)
	{
		tlm_generic_payload gp;
		smmusim::SmmuAttrs attrs;
		attrs.sid = sid;
		gp.set_command(cmd);
		gp.set_address(addr);
		gp.set_data_ptr(reinterpret_cast<unsigned char *>(v));
		gp.set_data_length(8);
		gp.set_streaming_width(8);
		gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
		gp.set_extension(&attrs);
		sc_time d = SC_ZERO_TIME;
		s.dev->b_transport(gp, d);
		gp.clear_extension(&attrs);
		sc_core::wait(d);
		return gp.get_response_status();
	}
};

TEST(TlmSockets, TwoInstancesInOnePlatformShareNothing)
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	char err[256] = "";
	smmusim_config *cfg_a = smmusim_config_new(), *cfg_b = smmusim_config_new();
	ASSERT_EQ(smmusim_config_preset(cfg_b, "mmu700", err, sizeof err), 0) << err;
	auto *p = new TwoSmmus("two", cfg_a, cfg_b); // SystemC modules outlive the simulation
	smmusim_config_free(cfg_a);
	smmusim_config_free(cfg_b);
	// Each instance keeps the configuration it was built with (the presets' configuration caches
	// differ: 64 and 512 entries, docs/configuration.md).
	EXPECT_NE(p->a.smmu.params().cfg_entries, p->b.smmu.params().cfg_entries);
	EXPECT_EQ(p->b.smmu.params().cfg_entries, 512u);
	p->body = [](TwoSmmus &t) {
		// The same StreamID and IOVA on both SMMUs, mapped to different output addresses (below
		// mem.dma_base, where the drivers' tables live).
		const uint32_t sid = 3;
		const uint64_t iova = 0x10000000, pa[2] = {0x20000000, 0x30000000};
		smmu_device *dev[2];
		iommu_domain *dom[2];
		TwoSmmus::Side *side[2] = {&t.a, &t.b};
		for (int i = 0; i < 2; i++) {
			smmu_options opts{};
			smmu_master *m;
			ASSERT_EQ(smmu_probe(side[i]->port.regif(), &opts, &dev[i]), 0);
			ASSERT_EQ(smmu_reset(dev[i]), 0);
			enable_eventq_irq(*side[i]->port.regif());
			ASSERT_EQ(iommu_probe_device(dev[i], &sid, 1, &m), 0);
			ASSERT_EQ(iommu_domain_alloc(dev[i], IOMMU_DOMAIN_DMA, &dom[i]), 0);
			ASSERT_EQ(iommu_attach_device(dev[i], dom[i], m), 0);
			ASSERT_EQ(iommu_map(dev[i], dom[i], iova, pa[i], 0x1000, IOMMU_READ | IOMMU_WRITE), 0);
		}
		uint64_t v[2] = {0xA0A0A0A0A0A0A0A0ull, 0xB1B1B1B1B1B1B1B1ull}, r = 0;
		for (int i = 0; i < 2; i++)
			EXPECT_EQ(TwoSmmus::dma(*side[i], TLM_WRITE_COMMAND, iova + 8, &v[i], sid), TLM_OK_RESPONSE);
		for (int i = 0; i < 2; i++) {
			r = 0;
			ASSERT_TRUE(side[i]->ram.mem.read(pa[i] + 8, &r, 8));
			EXPECT_EQ(r, v[i]) << "SMMU " << i << " translated through its own tables into its own memory";
			r = 0;
			ASSERT_TRUE(side[i]->ram.mem.read(pa[1 - i] + 8, &r, 8));
			EXPECT_EQ(r, 0u) << "nothing reached the other SMMU's output address in memory " << i;
		}
		// A fault on the second SMMU only: its event queue and its interrupt wire, its counters.
		EXPECT_EQ(TwoSmmus::dma(t.b, TLM_READ_COMMAND, iova + 0x200000, &r, sid), TLM_ADDRESS_ERROR_RESPONSE);
		sc_core::wait(10 * example::kCycle);
		EXPECT_EQ(t.a.smmu.stat("dma.transactions"), 1u);
		EXPECT_EQ(t.b.smmu.stat("dma.transactions"), 2u);
		EXPECT_EQ(t.a.smmu.stat("dma.abort"), 0u);
		EXPECT_EQ(t.b.smmu.stat("dma.abort"), 1u);
		EXPECT_EQ(t.a.smmu.stat("events.recorded"), 0u);
		EXPECT_EQ(t.b.smmu.stat("events.recorded"), 1u);
		EXPECT_EQ(t.a.smmu.stat("irq.eventq"), 0u);
		EXPECT_EQ(t.b.smmu.stat("irq.eventq"), 1u);
		EXPECT_EQ(t.pulses[0], 0u);
		EXPECT_EQ(t.pulses[1], 1u);
		unsigned seen[2] = {};
		for (int i = 0; i < 2; i++)
			smmu_evtq_drain(
				dev[i], [](void *arg, const smmu_event *) { ++*static_cast<unsigned *>(arg); }, &seen[i]);
		EXPECT_EQ(seen[0], 0u);
		EXPECT_EQ(seen[1], 1u);
		// Both engines saw the same simulated time.
		EXPECT_EQ(t.a.smmu.now(), t.b.smmu.now());
		for (int i = 0; i < 2; i++)
			smmu_remove(dev[i]);
	};
	sc_start();
	EXPECT_EQ(sc_get_status(), SC_STOPPED) << "the test body did not finish";
}

// A walk-socket target that waits (docs/tlm.md forbids it) on its first read once armed.
struct WaitingWalk : sc_module {
	tlm_utils::simple_target_socket<WaitingWalk> socket;
	tlm_utils::simple_initiator_socket<WaitingWalk> down;
	bool armed = false;
	sc_event waiting;
	explicit WaitingWalk(sc_module_name n) : sc_module(n), socket("socket"), down("down")
	{
		socket.register_b_transport(this, &WaitingWalk::b_transport);
	}
	void b_transport(tlm_generic_payload &gp, sc_time &d)
	{
		if (armed) {
			armed = false;
			waiting.notify();
			wait(10 * example::kCycle);
		}
		down->b_transport(gp, d);
	}
};

// While the walk target waits in the middle of a translation, another thread's register access
// and device transaction are refused (a CFGI or TLBI then could drop what the translation holds);
// the translation itself completes.
struct WaitInWalk : sc_module {
	SC_HAS_PROCESS(WaitInWalk);
	smmusim::Smmuv3Tlm smmu;
	example::Ram ram;
	WaitingWalk walker;
	tlm_utils::simple_initiator_socket<WaitInWalk> mmio, dev, dev2;
	example::DriverPort port;
	tlm_response_status reg_during = TLM_INCOMPLETE_RESPONSE, dma_during = TLM_INCOMPLETE_RESPONSE,
			    dma = TLM_INCOMPLETE_RESPONSE;
	bool finished = false;

	explicit WaitInWalk(sc_module_name n)
	    : sc_module(n), smmu("smmu", nullptr), ram("ram", 1ull << 32), walker("walker"), mmio("mmio"), dev("dev"),
	      dev2("dev2"), port(mmio, ram, smmu.params())
	{
		mmio.bind(smmu.regs);
		dev.bind(smmu.tbu[1]);
		dev2.bind(smmu.tbu[0]);
		smmu.data.bind(ram.socket);
		smmu.walk.bind(walker.socket);
		walker.down.bind(ram.socket);
		SC_THREAD(cpu);
		set_stack_size(4 << 20);
		SC_THREAD(other);
	}
	static void payload(tlm_generic_payload &gp, tlm_command cmd, uint64_t addr, void *v, unsigned len)
	{
		gp.set_command(cmd);
		gp.set_address(addr);
		gp.set_data_ptr(static_cast<unsigned char *>(v));
		gp.set_data_length(len);
		gp.set_streaming_width(len);
		gp.set_response_status(TLM_INCOMPLETE_RESPONSE);
	}
	void cpu()
	{
		smmu_device *s;
		smmu_options opts{};
		const uint32_t sid = 3;
		smmu_master *m;
		iommu_domain *d;
		if (smmu_probe(port.regif(), &opts, &s) || smmu_reset(s) || iommu_probe_device(s, &sid, 1, &m) ||
		    iommu_domain_alloc(s, IOMMU_DOMAIN_DMA, &d) || iommu_attach_device(s, d, m) ||
		    iommu_map(s, d, 0x10000000, 0x40000000, 0x1000, IOMMU_READ | IOMMU_WRITE)) {
			sc_stop();
			return;
		}
		smmu.set_default_stream(1, sid);
		smmu.set_default_stream(0, sid);
		uint64_t v = 0;
		tlm_generic_payload gp;
		payload(gp, TLM_READ_COMMAND, 0x10000000, &v, 8);
		sc_time t = SC_ZERO_TIME;
		walker.armed = true; // the translation's first table read waits
		dev->b_transport(gp, t);
		dma = gp.get_response_status();
		finished = true;
		sc_stop();
	}
	void other()
	{
		wait(walker.waiting);
		uint32_t cr0 = 0;
		tlm_generic_payload r;
		payload(r, TLM_READ_COMMAND, SMMU_CR0, &cr0, 4);
		sc_time t = SC_ZERO_TIME;
		mmio->b_transport(r, t);
		reg_during = r.get_response_status();
		uint64_t v = 0;
		tlm_generic_payload gp;
		payload(gp, TLM_READ_COMMAND, 0x10000000, &v, 8);
		dev2->b_transport(gp, t);
		dma_during = gp.get_response_status();
	}
};

TEST(TlmSockets, RegisterAccessWhileTheWalkTargetWaitsIsRefused)
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	sc_report_handler::set_actions(SC_ERROR, SC_DISPLAY); // counted, not thrown
	auto *w = new WaitInWalk("wait_in_walk");
	sc_start();
	ASSERT_TRUE(w->finished) << "bring-up failed or the translation never completed";
	EXPECT_EQ(w->reg_during, TLM_GENERIC_ERROR_RESPONSE);
	EXPECT_EQ(w->dma_during, TLM_GENERIC_ERROR_RESPONSE);
	EXPECT_EQ(w->dma, TLM_OK_RESPONSE);
	EXPECT_EQ(sc_report_handler::get_count(SC_ERROR), 2);
}

} // namespace
