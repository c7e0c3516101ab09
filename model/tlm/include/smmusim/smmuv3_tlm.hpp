// smmusim::Smmuv3Tlm: the SMMUv3 model as a TLM-2.0 component that drops into any SystemC
// platform (docs/tlm.md). It wraps the same engine (smmusim::Smmu: TBUs, TCU, caches, timing,
// statistics) the C API drives; only the transport differs.
//
//   regs        target socket: SMMU register pages 0 and 1 (offsets 0 .. 0x1FFFF), 32- and 64-bit
//               accesses, b_transport and transport_dbg; DMI refused.
//   tbu[i]      one target socket per TBU (config tbu.count; unused ones may stay unbound) for
//               device traffic: generic payload
//               plus an optional SmmuAttrs extension (StreamID, SubstreamID, privileged,
//               instruction). Loosely timed: b_transport returns the model's completion time as
//               annotated delay. transport_dbg and DMI are refused.
//   data        initiator socket: the translated device accesses, at their output address.
//   walk        initiator socket: the SMMU's own reads and writes (stream/CD tables, translation
//               tables, command queue, event queue, MSIs).
//   eventq_irq, gerror_irq, cmdsync_irq: wired interrupt outputs, a one-cycle pulse each; ports
//               like sc_out<bool> (bind an sc_signal<bool>) that may stay unbound.
//
// One SMMU clock cycle is one SystemC nanosecond (as in the C API).
#ifndef SMMUSIM_SMMUV3_TLM_HPP
#define SMMUSIM_SMMUV3_TLM_HPP

#include <smmusim/memport.hpp>
#include <smmusim/smmu.hpp>
#include <smmusim/smmusim.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace smmusim {

// What a device transaction carries besides the generic payload (IHI 0070 §3.2, §3.3: StreamID,
// SubstreamID; §13.1.2 PnU and InD attributes). A payload without it is presented with the TBU
// socket's default StreamID (set_default_stream, else 0), no SubstreamID, unprivileged, data.
// After b_transport the SMMU fills the outputs, whether or not the transaction succeeded.
struct SmmuAttrs : tlm::tlm_extension<SmmuAttrs> {
	// inputs
	uint32_t sid = 0;   // StreamID
	bool ssv = false;   // SubstreamID valid
	uint32_t ssid = 0;  // SubstreamID (20 bits), used when ssv
	bool priv = false;  // privileged (PnU = 1)
	bool instr = false; // instruction fetch (InD = 1); ignored for writes
	// outputs
	uint8_t status = XLATE_OK; // XLATE_OK, XLATE_ABORT or XLATE_RAZWI
	uint64_t pa = 0;           // output address when status == XLATE_OK
	uint8_t event = 0;         // event type raised for this transaction (recorded or not), 0 if none
	uint64_t issue_cycle = 0, done_cycle = 0;

	tlm::tlm_extension_base *clone() const override { return new SmmuAttrs(*this); }
	void copy_from(const tlm::tlm_extension_base &o) override { *this = static_cast<const SmmuAttrs &>(o); }
};

class Smmuv3Tlm : public sc_core::sc_module, private IrqSink {
public:
	SC_HAS_PROCESS(Smmuv3Tlm);
	using TargetSocket = tlm_utils::simple_target_socket_tagged_optional<Smmuv3Tlm>;
	using IrqOut = sc_core::sc_port<sc_core::sc_signal_inout_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

	tlm_utils::simple_target_socket<Smmuv3Tlm> regs;
	sc_core::sc_vector<TargetSocket> tbu;
	tlm_utils::simple_initiator_socket<Smmuv3Tlm> data;
	tlm_utils::simple_initiator_socket<Smmuv3Tlm> walk;
	IrqOut eventq_irq, gerror_irq, cmdsync_irq;

	// cfg: the C API's configuration (smmusim_config_*), nullptr for the defaults. The mem.* keys
	// other than mem.latency and mem.bytes_per_cycle do not apply: memory is the platform's.
	// An invalid configuration is an SC_REPORT_ERROR (an exception under the default handler).
	Smmuv3Tlm(sc_core::sc_module_name name, const smmusim_config *cfg = nullptr);

	// StreamID of payloads without SmmuAttrs that arrive on tbu[port].
	void set_default_stream(unsigned port, uint32_t sid);

	uint64_t now() const; // current SMMU cycle
	// Statistics, the same names and reports as the C API (smmusim_stat, _stats_json, _stats_text).
	uint64_t stat(const char *name);
	int stats_json(FILE *out);
	int stats_text(FILE *out);
	Smmu &engine() { return engine_; }
	const Params &params() const { return p_; }

private:
	// The engine's own accesses as b_transport calls on the walk socket.
	class WalkPort final : public MemPort {
	public:
		explicit WalkPort(tlm_utils::simple_initiator_socket<Smmuv3Tlm> &s) : socket_(s) {}
		bool read(uint64_t pa, void *buf, size_t len) override;
		bool write(uint64_t pa, const void *buf, size_t len) override;

	private:
		bool access(tlm::tlm_command cmd, uint64_t pa, void *buf, size_t len);
		tlm_utils::simple_initiator_socket<Smmuv3Tlm> &socket_;
		tlm::tlm_generic_payload gp_;
	};
	struct PendingRecord {
		uint64_t cycle, seq;
		uint64_t ev[4];
		bool operator>(const PendingRecord &o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
	};

	void reg_b_transport(tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
	unsigned reg_transport_dbg(tlm::tlm_generic_payload &trans);
	bool reg_access(tlm::tlm_generic_payload &trans);
	void tbu_b_transport(int port, tlm::tlm_generic_payload &trans, sc_core::sc_time &delay);
	unsigned tbu_transport_dbg(int port, tlm::tlm_generic_payload &trans);
	void forward(tlm::tlm_generic_payload &trans, uint64_t pa);
	void event_method();
	void irq_method();
	void irq(Irq which) override;

	static Params load_params(const smmusim_config *cfg);
	Params p_;
	WalkPort walk_port_;
	Smmu engine_; // a child module
	std::vector<uint32_t> default_sid_;
	uint64_t last_issue_ = 0, seq_ = 0;
	bool in_engine_ = false; // re-entry means a walk-socket target waited (docs/tlm.md)
	std::vector<PendingRecord> records_; // min-heap: event records due at their detection cycle
	sc_core::sc_event record_ev_, irq_ev_;
	bool irq_raise_[3] = {};
	uint64_t irq_low_at_[3] = {};
};

} // namespace smmusim

#endif
