// An out-of-tree SystemC program built against an installed smmusim only: the TLM-2.0 SMMU between
// a DMA initiator and a memory of this program's own. It reads an ID register through the register
// socket and sends one write through a TBU socket (the SMMU is still disabled after reset, so the
// write bypasses at its own address); exit status 0 only if the bytes reach the memory.
#include <smmusim/smmuv3_tlm.hpp>
#include <smmuv3/arch.h>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdio>
#include <cstring>

using namespace sc_core;

struct Mem : sc_module {
	tlm_utils::simple_target_socket<Mem> data, walk;
	unsigned char bytes[0x10000] = {};
	explicit Mem(sc_module_name n) : sc_module(n), data("data"), walk("walk")
	{
		data.register_b_transport(this, &Mem::access);
		walk.register_b_transport(this, &Mem::access);
	}
	void access(tlm::tlm_generic_payload &gp, sc_time &)
	{
		const uint64_t a = gp.get_address();
		if (a + gp.get_data_length() > sizeof bytes) {
			gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
			return;
		}
		if (gp.is_write())
			std::memcpy(bytes + a, gp.get_data_ptr(), gp.get_data_length());
		else
			std::memcpy(gp.get_data_ptr(), bytes + a, gp.get_data_length());
		gp.set_response_status(tlm::TLM_OK_RESPONSE);
	}
};

struct Dev : sc_module {
	SC_HAS_PROCESS(Dev);
	tlm_utils::simple_initiator_socket<Dev> regs, dma;
	bool ok = false;
	explicit Dev(sc_module_name n) : sc_module(n), regs("regs"), dma("dma") { SC_THREAD(run); }
	void run()
	{
		tlm::tlm_generic_payload gp;
		uint32_t idr0 = 0;
		sc_time d = SC_ZERO_TIME;
		gp.set_read();
		gp.set_address(SMMU_IDR0);
		gp.set_data_ptr(reinterpret_cast<unsigned char *>(&idr0));
		gp.set_data_length(4);
		gp.set_streaming_width(4);
		regs->b_transport(gp, d);
		const bool reg_ok = gp.is_response_ok() && SMMU_GET(idr0, IDR0_S1P);
		char msg[] = "bypass";
		smmusim::SmmuAttrs *attrs = new smmusim::SmmuAttrs;
		attrs->sid = 1;
		tlm::tlm_generic_payload w;
		w.set_extension(attrs); // owned by the payload
		w.set_write();
		w.set_address(0x1000);
		w.set_data_ptr(reinterpret_cast<unsigned char *>(msg));
		w.set_data_length(sizeof msg);
		w.set_streaming_width(sizeof msg);
		dma->b_transport(w, d);
		wait(d);
		ok = reg_ok && w.is_response_ok() && attrs->pa == 0x1000 && d > SC_ZERO_TIME;
		std::printf("consumer_tlm: IDR0 0x%08x, write %s after %s\n", idr0, w.is_response_ok() ? "ok" : "failed",
			    d.to_string().c_str());
		sc_stop();
	}
};

int sc_main(int, char **)
{
	smmusim::Smmuv3Tlm smmu("smmu");
	Mem mem("mem");
	Dev dev("dev");
	sc_signal<bool> irq[3];
	dev.regs.bind(smmu.regs);
	dev.dma.bind(smmu.tbu[0]);
	smmu.data.bind(mem.data);
	smmu.walk.bind(mem.walk);
	smmu.eventq_irq(irq[0]);
	smmu.gerror_irq(irq[1]);
	smmu.cmdsync_irq(irq[2]);
	sc_start();
	const bool ok = dev.ok && !std::memcmp(mem.bytes + 0x1000, "bypass", 7) && smmu.stat("dma.transactions") == 1;
	std::printf("consumer_tlm: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
