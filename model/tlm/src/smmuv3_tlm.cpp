// smmusim::Smmuv3Tlm (smmusim/smmuv3_tlm.hpp, docs/tlm.md): TLM-2.0 transport around the engine.
#include <smmusim/smmuv3_tlm.hpp>

#include "stats_report.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>

using namespace sc_core;
using namespace tlm;

namespace smmusim {

namespace {
const char *const kMsgType = "smmusim/Smmuv3Tlm";
const sc_time kCycle(1, SC_NS);
constexpr uint64_t kRegSpace = 0x20000; // register pages 0 and 1

// Cycles in a (non-negative) SystemC duration, rounded up: an access annotated to happen within a
// cycle is presented at the end of that cycle.
uint64_t cycles_ceil(const sc_time &t)
{
	const sc_dt::uint64 c = kCycle.value();
	return (uint64_t)((t.value() + c - 1) / c);
}
} // namespace

// ---- The walk socket as the engine's memory port -------------------------------------------------

bool Smmuv3Tlm::WalkPort::access(tlm_command cmd, uint64_t pa, void *buf, size_t len)
{
	gp_.set_command(cmd);
	gp_.set_address(pa);
	gp_.set_data_ptr(static_cast<unsigned char *>(buf));
	gp_.set_data_length((unsigned)len);
	gp_.set_streaming_width((unsigned)len);
	gp_.set_byte_enable_ptr(nullptr);
	gp_.set_byte_enable_length(0);
	gp_.set_dmi_allowed(false);
	gp_.set_response_status(TLM_INCOMPLETE_RESPONSE);
	// The model times its own accesses (mem.latency, mem.bytes_per_cycle): the target's annotated
	// delay is not added (docs/tlm.md). The engine may call from an SC_METHOD (the command queue),
	// so the target must not wait().
	sc_time delay = SC_ZERO_TIME;
	socket_->b_transport(gp_, delay);
	return gp_.is_response_ok();
}

bool Smmuv3Tlm::WalkPort::read(uint64_t pa, void *buf, size_t len) { return access(TLM_READ_COMMAND, pa, buf, len); }

bool Smmuv3Tlm::WalkPort::write(uint64_t pa, const void *buf, size_t len)
{
	return access(TLM_WRITE_COMMAND, pa, const_cast<void *>(buf), len); // a write leaves the buffer as it is
}

// ---- Construction --------------------------------------------------------------------------------

Params Smmuv3Tlm::load_params(const smmusim_config *cfg)
{
	Params p;
	std::string err;
	if (!smmu_params_from_config(cfg, p, err)) {
		SC_REPORT_ERROR(kMsgType, ("invalid configuration: " + err).c_str());
		smmu_params_from_config(nullptr, p, err); // when errors do not throw: the defaults
	}
	return p;
}

Smmuv3Tlm::Smmuv3Tlm(sc_module_name name, const smmusim_config *cfg)
    : sc_module(name), regs("regs"), tbu("tbu"), data("data"), walk("walk"), eventq_irq("eventq_irq"),
      gerror_irq("gerror_irq"), cmdsync_irq("cmdsync_irq"), p_(load_params(cfg)), walk_port_(walk),
      engine_("engine", p_, walk_port_)
{
	engine_.set_irq_sink(this);
	default_sid_.assign(p_.tbu_count, 0);
	tbu.init(p_.tbu_count);
	regs.register_b_transport(this, &Smmuv3Tlm::reg_b_transport);
	regs.register_transport_dbg(this, &Smmuv3Tlm::reg_transport_dbg);
	for (unsigned i = 0; i < p_.tbu_count; i++) {
		tbu[i].register_b_transport(this, &Smmuv3Tlm::tbu_b_transport, (int)i);
		tbu[i].register_transport_dbg(this, &Smmuv3Tlm::tbu_transport_dbg, (int)i);
	}
	SC_METHOD(event_method);
	sensitive << record_ev_;
	dont_initialize();
	SC_METHOD(irq_method);
	sensitive << irq_ev_;
	dont_initialize();
}

void Smmuv3Tlm::set_default_stream(unsigned port, uint32_t sid)
{
	if (port < default_sid_.size())
		default_sid_[port] = sid;
}

uint64_t Smmuv3Tlm::now() const { return engine_.now(); }
uint64_t Smmuv3Tlm::stat(const char *name) { return name ? engine_stat(engine_, name) : 0; }
int Smmuv3Tlm::stats_json(FILE *out) { return out ? engine_stats_json(engine_, out, nullptr) : -EINVAL; }
int Smmuv3Tlm::stats_text(FILE *out) { return out ? engine_stats_text(engine_, out) : -EINVAL; }

// ---- Registers -----------------------------------------------------------------------------------

// A 32- or 64-bit access to page 0 or 1, at the current SystemC time, handed to the register file,
// which applies IHI 0070 §6.2 as for the C API (misaligned accesses and unimplemented offsets are
// RAZ/WI there). What the register file cannot be asked (another size, byte enables, an offset
// beyond page 1) is refused with the TLM error response that names the reason.
bool Smmuv3Tlm::reg_access(tlm_generic_payload &trans)
{
	const uint64_t off = trans.get_address();
	const unsigned len = trans.get_data_length();
	unsigned char *ptr = trans.get_data_ptr();
	if (in_engine_) { // mid-translation: a write could invalidate what the translation is using
		SC_REPORT_ERROR(kMsgType, "register access during a table access: the walk socket's target must not wait()");
		trans.set_response_status(TLM_GENERIC_ERROR_RESPONSE);
		return false;
	}
	if (trans.get_command() == TLM_IGNORE_COMMAND) {
		trans.set_response_status(TLM_OK_RESPONSE);
		return true;
	}
	if (trans.get_byte_enable_ptr()) {
		trans.set_response_status(TLM_BYTE_ENABLE_ERROR_RESPONSE);
		return false;
	}
	if ((len != 4 && len != 8) || trans.get_streaming_width() < len) {
		trans.set_response_status(TLM_BURST_ERROR_RESPONSE);
		return false;
	}
	if (off >= kRegSpace || kRegSpace - off < len) {
		trans.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
		return false;
	}
	const uint32_t o = (uint32_t)off;
	if (trans.get_command() == TLM_READ_COMMAND) {
		if (len == 4) {
			const uint32_t v = engine_.read32(o);
			std::memcpy(ptr, &v, 4);
		} else {
			const uint64_t v = engine_.read64(o);
			std::memcpy(ptr, &v, 8);
		}
	} else if (len == 4) {
		uint32_t v;
		std::memcpy(&v, ptr, 4);
		engine_.write32(o, v);
	} else {
		uint64_t v;
		std::memcpy(&v, ptr, 8);
		engine_.write64(o, v);
	}
	trans.set_dmi_allowed(false);
	trans.set_response_status(TLM_OK_RESPONSE);
	return true;
}

// Register accesses take no SMMU time (as through the C API's register interface): the delay is
// returned unchanged.
void Smmuv3Tlm::reg_b_transport(tlm_generic_payload &trans, sc_time &) { reg_access(trans); }

unsigned Smmuv3Tlm::reg_transport_dbg(tlm_generic_payload &trans)
{
	return reg_access(trans) ? trans.get_data_length() : 0;
}

// ---- Device traffic ------------------------------------------------------------------------------

// The translated access on the data socket. Its annotated delay is not added: the model's memory
// channel times the data access (docs/tlm.md). The initiator gets its own address back.
void Smmuv3Tlm::forward(tlm_generic_payload &trans, uint64_t pa)
{
	const uint64_t va = trans.get_address();
	trans.set_address(pa);
	trans.set_response_status(TLM_INCOMPLETE_RESPONSE);
	sc_time d = SC_ZERO_TIME;
	data->b_transport(trans, d);
	trans.set_address(va);
	trans.set_dmi_allowed(false);
}

void Smmuv3Tlm::tbu_b_transport(int port, tlm_generic_payload &trans, sc_time &delay)
{
	if (in_engine_) {
		SC_REPORT_ERROR(kMsgType, "device transaction during a table access: the walk socket's target must not wait()");
		trans.set_response_status(TLM_GENERIC_ERROR_RESPONSE);
		return;
	}
	const tlm_command cmd = trans.get_command();
	const uint64_t addr = trans.get_address();
	const unsigned len = trans.get_data_length();
	if (cmd == TLM_IGNORE_COMMAND) {
		trans.set_response_status(TLM_OK_RESPONSE);
		return;
	}
	// One transaction of the model: 1..4096 bytes within one 4 KB page (as an AXI burst).
	if (len == 0 || len > 4096 || (addr & 0xFFFu) + len > 4096) {
		trans.set_response_status(TLM_BURST_ERROR_RESPONSE);
		return;
	}
	SmmuAttrs *a = trans.get_extension<SmmuAttrs>();
	Txn t;
	t.port = (uint32_t)port;
	t.sid = a ? a->sid : default_sid_[port];
	t.ssv = a && a->ssv;
	t.ssid = t.ssv ? (a->ssid & 0xFFFFFu) : 0;
	t.addr = addr;
	t.size = len;
	t.write = cmd == TLM_WRITE_COMMAND;
	t.priv = a && a->priv;
	t.instr = a && a->instr && !t.write;
	// Presented at the initiator's local time; the engine takes transactions in time order, so one
	// that a temporally decoupled initiator annotates before the latest is presented then.
	const uint64_t n = now();
	t.issue = std::max(n + cycles_ceil(delay), last_issue_);
	last_issue_ = t.issue;

	DmaResult r;
	PendingEvent pev;
	in_engine_ = true;
	engine_.transact(t, nullptr, r, pev);
	in_engine_ = false;
	if (pev.pending) { // written into the event queue at the cycle the fault is detected
		PendingRecord rec{pev.cycle, seq_++, {}};
		std::memcpy(rec.ev, pev.ev, sizeof rec.ev);
		records_.push_back(rec);
		std::push_heap(records_.begin(), records_.end(), std::greater<PendingRecord>());
		record_ev_.notify((double)(records_.front().cycle - n) * kCycle);
	}
	if (r.status == XLATE_OK) {
		forward(trans, r.pa);
		if (!trans.is_response_ok()) { // the platform refused the output address: an abort
			engine_.data_abort();
			r.status = XLATE_ABORT;
		}
	} else if (r.status == XLATE_RAZWI) {
		if (!t.write)
			std::memset(trans.get_data_ptr(), 0, len);
		trans.set_response_status(TLM_OK_RESPONSE);
	} else {
		trans.set_response_status(TLM_ADDRESS_ERROR_RESPONSE);
	}
	delay = (double)r.done_cycle * kCycle - sc_time_stamp(); // completion, relative to now
	if (a) {
		a->status = r.status;
		a->pa = r.status == XLATE_OK ? r.pa : 0;
		a->event = r.event;
		a->issue_cycle = r.issue_cycle;
		a->done_cycle = r.done_cycle;
	}
}

// Translation has side effects (TLB fills, events): a debug access cannot go through.
unsigned Smmuv3Tlm::tbu_transport_dbg(int, tlm_generic_payload &trans)
{
	trans.set_response_status(TLM_COMMAND_ERROR_RESPONSE);
	return 0;
}

// ---- Event records and interrupts ------------------------------------------------------------------

void Smmuv3Tlm::event_method()
{
	const uint64_t n = now();
	while (!records_.empty() && records_.front().cycle <= n) {
		const PendingRecord rec = records_.front();
		std::pop_heap(records_.begin(), records_.end(), std::greater<PendingRecord>());
		records_.pop_back();
		engine_.record_event(rec.ev);
	}
	if (!records_.empty())
		record_ev_.notify((double)(records_.front().cycle - n) * kCycle);
}

// A pulse: high from the delta after the engine signals it, low one cycle later (pulses that
// follow within that cycle extend it).
void Smmuv3Tlm::irq(Irq which)
{
	irq_raise_[(unsigned)which] = true;
	irq_ev_.notify(SC_ZERO_TIME);
}

void Smmuv3Tlm::irq_method()
{
	IrqOut *const outs[3] = {&eventq_irq, &gerror_irq, &cmdsync_irq};
	auto drive = [](IrqOut &o, bool v) {
		if (o.size())
			o->write(v);
	};
	const uint64_t n = now();
	uint64_t next = ~0ull;
	for (unsigned k = 0; k < 3; k++) {
		if (irq_raise_[k]) {
			drive(*outs[k], true);
			irq_raise_[k] = false;
			irq_low_at_[k] = n + 1;
		} else if (irq_low_at_[k] && irq_low_at_[k] <= n) {
			drive(*outs[k], false);
			irq_low_at_[k] = 0;
		}
		if (irq_low_at_[k])
			next = std::min(next, irq_low_at_[k]);
	}
	if (next != ~0ull)
		irq_ev_.notify((double)(next - n) * kCycle);
}

} // namespace smmusim
