// The example virtual platform's hardware (docs/tlm.md): a TLM memory, DMA masters that present a
// workload's transactions on the SMMU's TBU sockets, and the bookkeeping they share.
#ifndef SMMUSIM_EXAMPLE_PLATFORM_HPP
#define SMMUSIM_EXAMPLE_PLATFORM_HPP

#include <smmuv3/regif.h>
#include <smmusim/memory.hpp>
#include <smmusim/smmuv3_tlm.hpp>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

namespace example {

const sc_core::sc_time kCycle(1, sc_core::SC_NS); // one SMMU cycle
inline uint64_t cycles() { return (uint64_t)(sc_core::sc_time_stamp() / kCycle); }

// Physical memory as a TLM target: one socket that any number of initiators bind (the SMMU's data
// and walk sockets here). Backed by one sparse mapping (smmusim::Memory), so a 64 TiB physical
// space costs only the pages touched. Accesses outside it get TLM_ADDRESS_ERROR_RESPONSE.
struct Ram : sc_core::sc_module {
	tlm_utils::multi_passthrough_target_socket<Ram> socket;
	smmusim::Memory mem;

	Ram(sc_core::sc_module_name name, uint64_t size) : sc_module(name), socket("socket")
	{
		std::string err;
		if (!mem.init(size, err))
			SC_REPORT_FATAL("example/Ram", err.c_str());
		socket.register_b_transport(this, &Ram::b_transport);
		socket.register_transport_dbg(this, &Ram::transport_dbg);
	}
	bool access(tlm::tlm_generic_payload &gp)
	{
		const uint64_t a = gp.get_address();
		const unsigned len = gp.get_data_length();
		bool ok = false;
		if (gp.get_byte_enable_ptr()) {
			gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
			return false;
		}
		if (gp.is_read())
			ok = mem.read(a, gp.get_data_ptr(), len);
		else if (gp.is_write())
			ok = mem.write(a, gp.get_data_ptr(), len);
		else
			ok = true;
		gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
		return ok;
	}
	void b_transport(int, tlm::tlm_generic_payload &gp, sc_core::sc_time &) { access(gp); }
	unsigned transport_dbg(int, tlm::tlm_generic_payload &gp) { return access(gp) ? gp.get_data_length() : 0; }
};

// The C reference driver's register interface (smmuv3/regif.h) on this platform: MMIO as
// b_transport on a socket bound to the SMMU's register socket, DMA-coherent memory from the
// platform's RAM (the CPU and the SMMU see the same bytes), relax() as simulated time. The driver
// must run in an SC_THREAD.
class DriverPort {
public:
	DriverPort(tlm::tlm_initiator_socket<> &mmio, Ram &ram, const smmusim::Params &p)
	    : mmio_(mmio), ram_(ram), relax_(p.relax_cycles), read_rt_(p.reg_read_cycles)
	{
		alloc_.init(&ram.mem, p);
		regif_.ctx = this;
		regif_.read32 = [](void *c, uint32_t off) { uint32_t v = 0; self(c).access(false, off, &v, 4); return v; };
		regif_.write32 = [](void *c, uint32_t off, uint32_t v) { self(c).access(true, off, &v, 4); };
		regif_.read64 = [](void *c, uint32_t off) { uint64_t v = 0; self(c).access(false, off, &v, 8); return v; };
		regif_.write64 = [](void *c, uint32_t off, uint64_t v) { self(c).access(true, off, &v, 8); };
		regif_.dma_alloc = [](void *c, size_t size, size_t align, smmu_dma_buf *b) { return self(c).alloc(size, align, b); };
		regif_.dma_free = [](void *c, const smmu_dma_buf *b) { if (b) self(c).alloc_.free(b->bus); };
		regif_.rmb = regif_.wmb = regif_.mb = [](void *) {}; // the platform performs accesses in order
		regif_.relax = [](void *c) { idle(self(c).relax_); };
	}
	const smmu_regif *regif() const { return &regif_; }
	// Whether reads take their round trip (smmusim_reg_read_timing of the C API); the previous.
	bool reads_timed(bool on) { return std::exchange(timed_, on); }

	// Let `n` cycles pass, then the SMMU's activity of the cycle reached, so that software sees
	// it (the C API's smmusim_run settles the last cycle the same way).
	static void idle(uint64_t n)
	{
		if (n)
			sc_core::wait((double)n * kCycle);
		sc_core::wait(sc_core::SC_ZERO_TIME);
	}

private:
	static DriverPort &self(void *c) { return *static_cast<DriverPort *>(c); }
	// A read costs the MMIO round trip (smmu.reg_read_cycles), sampled half-way, as on the C API's
	// platform; writes are posted.
	void access(bool write, uint32_t off, void *v, unsigned len)
	{
		const uint64_t rt = !write && timed_ ? read_rt_ : 0;
		if (rt)
			idle(rt / 2);
		gp_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
		gp_.set_address(off);
		gp_.set_data_ptr(static_cast<unsigned char *>(v));
		gp_.set_data_length(len);
		gp_.set_streaming_width(len);
		gp_.set_byte_enable_ptr(nullptr);
		gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
		mmio_->b_transport(gp_, delay);
		if (!gp_.is_response_ok())
			SC_REPORT_ERROR("example/DriverPort", "register access refused");
		if (delay > sc_core::SC_ZERO_TIME)
			sc_core::wait(delay);
		if (rt)
			idle(rt - rt / 2);
	}
	int alloc(size_t size, size_t align, smmu_dma_buf *b)
	{
		uint64_t bus = 0;
		if (!b)
			return -EINVAL;
		const int r = alloc_.alloc(size, align ? align : 1, bus);
		if (r)
			return r;
		b->cpu = ram_.mem.ptr(bus);
		b->bus = bus;
		b->size = size;
		return 0;
	}

	tlm::tlm_initiator_socket<> &mmio_;
	Ram &ram_;
	smmusim::DmaAllocator alloc_;
	uint64_t relax_, read_rt_;
	bool timed_ = true;
	smmu_regif regif_{};
	tlm::tlm_generic_payload gp_;
};

// One DMA of the workload.
struct Dma {
	uint64_t at, seq; // issue cycle, position in the workload
	uint32_t sid, ssid, size;
	bool ssv, write, priv, instr;
	uint64_t addr;
};

// What the masters share: the workload's order (a DMA is presented after every DMA before it in
// the workload, so two masters issuing in one cycle keep the workload's order, as the C API
// presents them) and the completions, by cycle, for the software that waits for them.
struct Traffic {
	uint64_t next_seq = 0, submitted = 0, collected = 0, ok = 0, aborts = 0, razwi = 0;
	sc_core::sc_event turn;
	std::priority_queue<std::pair<uint64_t, uint8_t>, std::vector<std::pair<uint64_t, uint8_t>>,
			    std::greater<std::pair<uint64_t, uint8_t>>>
		done; // (completion cycle, status) of presented DMAs not yet collected

	// Count the DMAs complete by now.
	void collect()
	{
		const uint64_t n = cycles();
		while (!done.empty() && done.top().first <= n) {
			const uint8_t s = done.top().second;
			done.pop();
			collected++;
			(s == smmusim::XLATE_OK ? ok : s == smmusim::XLATE_ABORT ? aborts : razwi)++;
		}
	}
	uint64_t outstanding() const { return submitted - collected; } // after collect()
};

// A traffic-generating DMA master: presents its queue of DMAs at their cycles on its socket (bound
// to one TBU socket of the SMMU), with the StreamID and SubstreamID in an SmmuAttrs extension. It
// does not wait for one to complete before presenting the next (an LT initiator that keeps many
// transactions in flight): b_transport's annotated delay is the completion time it records.
struct DmaMaster : sc_core::sc_module {
	SC_HAS_PROCESS(DmaMaster);
	tlm_utils::simple_initiator_socket<DmaMaster> socket;

	DmaMaster(sc_core::sc_module_name name, Traffic &t) : sc_module(name), socket("socket"), traffic_(t)
	{
		attrs_ = new smmusim::SmmuAttrs;
		gp_.set_extension(attrs_); // the payload owns it
		SC_THREAD(run);
	}
	void push(const Dma &d)
	{
		queue_.push_back(d);
		queued_.notify(sc_core::SC_ZERO_TIME);
	}
	size_t queued() const { return queue_.size(); }

private:
	void run()
	{
		for (;;) {
			while (queue_.empty())
				wait(queued_);
			const Dma d = queue_.front();
			queue_.pop_front();
			while (traffic_.next_seq != d.seq)
				wait(traffic_.turn);
			const uint64_t n = cycles();
			if (d.at > n)
				wait((double)(d.at - n) * kCycle);
			wait(sc_core::SC_ZERO_TIME); // after the SMMU's own activity of this cycle
			present(d);
			traffic_.next_seq++;
			traffic_.turn.notify(sc_core::SC_ZERO_TIME);
		}
	}
	void present(const Dma &d)
	{
		gp_.set_command(d.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
		gp_.set_address(d.addr);
		gp_.set_data_ptr(buf_);
		gp_.set_data_length(d.size);
		gp_.set_streaming_width(d.size);
		gp_.set_byte_enable_ptr(nullptr);
		gp_.set_dmi_allowed(false);
		gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		attrs_->sid = d.sid;
		attrs_->ssv = d.ssv;
		attrs_->ssid = d.ssid;
		attrs_->priv = d.priv;
		attrs_->instr = d.instr;
		sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
		socket->b_transport(gp_, delay);
		traffic_.done.push({cycles() + (uint64_t)(delay / kCycle), attrs_->status});
	}

	Traffic &traffic_;
	std::deque<Dma> queue_;
	sc_core::sc_event queued_;
	tlm::tlm_generic_payload gp_;
	smmusim::SmmuAttrs *attrs_;
	unsigned char buf_[4096] = {};
};

} // namespace example

#endif
