// The TLM-2.0 component's sockets (smmusim/smmuv3_tlm.hpp, docs/tlm.md): register accesses and
// their refusals, device traffic with and without the SmmuAttrs extension, responses for bypass,
// translation, abort and a refused output address, the event queue interrupt wire, and the walk
// socket serving the engine's table reads. One platform per test (one elaboration per process).
#include "../../examples/tlm-platform/platform.hpp"

#include <gtest/gtest.h>

extern "C" {
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

#include <functional>

using namespace sc_core;
using namespace tlm;

namespace {

// A platform whose CPU thread runs the test body; the RAM counts the walk socket's accesses.
struct Bench : sc_module {
	SC_HAS_PROCESS(Bench);
	smmusim::Smmuv3Tlm smmu;
	example::Ram ram;
	tlm_utils::simple_initiator_socket<Bench> mmio, dev;
	sc_signal<bool> irq[3];
	example::DriverPort port;
	std::function<void(Bench &)> body;
	unsigned eventq_pulses = 0;

	explicit Bench(sc_module_name n)
	    : sc_module(n), smmu("smmu"), ram("ram", 1ull << 32), mmio("mmio"), dev("dev"), port(mmio, ram, smmu.params())
	{
		mmio.bind(smmu.regs);
		dev.bind(smmu.tbu[1]);
		smmu.data.bind(ram.socket);
		smmu.walk.bind(ram.socket);
		smmu.eventq_irq(irq[0]);
		smmu.gerror_irq(irq[1]);
		smmu.cmdsync_irq(irq[2]);
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
		// pulsed the event queue interrupt once (the driver enables IRQ_CTRL.EVENTQ_IRQEN).
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
		EXPECT_EQ(b.eventq_pulses, (unsigned)b.smmu.stat("irq.eventq"));
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

} // namespace
