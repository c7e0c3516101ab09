// The example virtual platform (docs/tlm.md): a TLM memory, two traffic-generating DMA masters,
// the SMMU as a TLM-2.0 component, and a CPU running the C reference driver in an SC_THREAD. The
// driver reaches the SMMU's registers through the register socket and takes its DMA memory (stream
// table, CD tables, page tables, queues) from the platform's memory, which the SMMU reads through
// its walk socket. The CPU runs a trace (docs/trace-format.md) the way `smmusim replay` does and
// prints the same report.
//
//   tlm-platform [TRACE] [--stats]      TRACE defaults to the bundled workload.trace
#include "platform.hpp"

#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
extern "C" {
#include <smmusim/cli_common.h> // a C header without C++ guards
}
#include <smmusim/bringup.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

using namespace sc_core;
using namespace example;

namespace {

constexpr uint64_t kWindow = 4096; // DMA in flight before the CPU waits, as `smmusim replay`

// The CPU: the driver's register interface on the SMMU's register socket and on the platform's
// memory, and the software that runs the workload.
struct Cpu : sc_module {
	SC_HAS_PROCESS(Cpu);
	tlm_utils::simple_initiator_socket<Cpu> mmio;
	sc_in<bool> eventq_irq, gerror_irq, cmdsync_irq;

	Cpu(sc_module_name name, Ram &ram, smmusim::Smmuv3Tlm &smmu, const smmusim_config *cfg,
	    std::vector<DmaMaster *> masters, Traffic &t, const char *trace, bool stats)
	    : sc_module(name), mmio("mmio"), smmu_(smmu), cfg_(cfg), masters_(std::move(masters)), traffic_(t),
	      trace_(trace), stats_(stats), port_(mmio, ram, smmu.params())
	{
		SC_THREAD(run);
		set_stack_size(16 << 20); // the driver and the trace reader run on this thread's stack
		SC_METHOD(count_irqs);
		sensitive << eventq_irq.pos() << gerror_irq.pos() << cmdsync_irq.pos();
		dont_initialize();
	}
	int status = 1;

private:
	static void idle(uint64_t n) { DriverPort::idle(n); }
	void count_irqs()
	{
		irqs_[0] += eventq_irq.read();
		irqs_[1] += gerror_irq.read();
		irqs_[2] += cmdsync_irq.read();
	}

	void run();
	bool bring_up();
	int drain_to(uint64_t limit);
	// An interrupt handler on a CPU of its own: its reads do not hold the DMA back (as replay's).
	void drain_events()
	{
		const bool timed = port_.reads_timed(false);
		smmu_evtq_drain(dev_, nullptr, nullptr);
		smmu_gerror_handle(dev_);
		port_.reads_timed(timed);
	}
	static int each(void *ctx, const trace_checked *c, size_t n);
	int dma(const trace_checked *c);
	int control(const trace_record *rec);
	int driver_op(const trace_record *rec);
	int fail(const trace_record *rec, const char *what, int rc);
	void report(double seconds);

	smmusim::Smmuv3Tlm &smmu_;
	const smmusim_config *cfg_;
	std::vector<DmaMaster *> masters_;
	Traffic &traffic_;
	const char *trace_;
	bool stats_;
	DriverPort port_;
	uint64_t t0_ = 0, late_ = 0, late_cycles_ = 0, irqs_[3] = {};
	smmu_device *dev_ = nullptr;
	trace_checker *chk_ = nullptr;
	std::map<std::string, smmu_master *> devices_;
	std::map<std::string, iommu_domain *> domains_;
	std::map<std::string, iommu_domain *> attached_;
	std::map<std::pair<std::string, std::string>, uint32_t> pasids_; // (device, domain) -> PASID
};

// The driver's bring-up with the options the configuration asks for (smmusim/bringup.h, as
// `smmusim replay`): probe on the register socket, then reset.
bool Cpu::bring_up()
{
	const smmu_regif *ri = port_.regif();
	smmu_options opts;
	smmusim_driver_options(cfg_, &opts);
	int rc = smmu_probe(ri, &opts, &dev_);
	if (!rc)
		rc = smmu_reset(dev_);
	if (rc) {
		std::fprintf(stderr, "tlm-platform: driver bring-up failed: %s\n", std::strerror(-rc));
		return false;
	}
	// The reference driver polls; this platform also enables the wired event queue and GERROR
	// interrupts to count their pulses. The acknowledgement is not awaited: it changes no timing.
	ri->write32(ri->ctx, SMMU_IRQ_CTRL, (uint32_t)(SMMU_PREP(IRQ_CTRL_EVENTQ_IRQEN, 1) | SMMU_PREP(IRQ_CTRL_GERROR_IRQEN, 1)));
	return true;
}

// Until at most `limit` DMA are outstanding, in growing steps while none completes, the event
// queue drained after each (as `smmusim replay` does, so both runs end on the same cycle).
int Cpu::drain_to(uint64_t limit)
{
	uint64_t step = 64;
	traffic_.collect();
	while (traffic_.outstanding() > limit) {
		const uint64_t before = traffic_.collected;
		idle(step);
		traffic_.collect();
		drain_events();
		step = traffic_.collected != before ? 64 : std::min<uint64_t>(step * 2, 1u << 20);
	}
	return 0;
}

int Cpu::fail(const trace_record *rec, const char *what, int rc)
{
	std::fprintf(stderr, "%s:%llu: %s: %s\n", trace_, (unsigned long long)rec->line, what,
		     rc ? std::strerror(rc < 0 ? -rc : rc) : "not supported by this example");
	return SMMUSIM_EXIT_SIM;
}

int Cpu::each(void *ctx, const trace_checked *c, size_t n)
{
	Cpu &cpu = *static_cast<Cpu *>(ctx);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = c[i].rec.kind == TRACE_DMA ? cpu.dma(&c[i]) : cpu.control(&c[i].rec);
	return rc;
}

// A DMA goes to the master of its port, due at its trace time (or now, if that has passed).
int Cpu::dma(const trace_checked *c)
{
	const trace_record *rec = &c->rec;
	// resolved by the checker when it read the record (the walk decodes ahead of this call)
	const uint32_t sid = c->sid, port = c->port;
	const int64_t pasid = c->pasid;
	if (port >= masters_.size())
		return fail(rec, "a DMA on a port without a master", 0);
	const uint64_t n = cycles(), at = t0_ + rec->time;
	if (n > at) {
		late_++;
		late_cycles_ += n - at;
	}
	const Dma d{std::max(at, n), traffic_.submitted++, sid, pasid >= 0 ? (uint32_t)pasid : 0, rec->u.dma.size,
		    pasid >= 0, rec->u.dma.write, rec->u.dma.priv, rec->u.dma.instr, rec->u.dma.addr};
	masters_[port]->push(d);
	traffic_.collect();
	return traffic_.outstanding() >= kWindow ? drain_to(kWindow / 2) : 0;
}

// A control record runs after every DMA before it completed, at its time, through the driver.
int Cpu::control(const trace_record *rec)
{
	drain_to(0);
	const uint64_t at = t0_ + rec->time, n = cycles();
	if (at > n)
		idle(at - n);
	traffic_.collect();
	const int rc = driver_op(rec);
	drain_events();
	return rc;
}

// The driver call a control record stands for (docs/trace-format.md); enable-aux and aux-attach
// are left to `smmusim replay`.
int Cpu::driver_op(const trace_record *rec)
{
	int rc = 0;
	switch (rec->kind) {
	case TRACE_DEVICE: {
		if (rec->u.device.port >= masters_.size())
			return fail(rec, "a device on a port without a master", 0);
		iommu_device_desc desc = {rec->u.device.sids, rec->u.device.nsids, rec->u.device.pasid_bits, nullptr};
		if ((rc = iommu_probe_device_ex(dev_, &desc, &devices_[rec->u.device.name])))
			return fail(rec, "iommu_probe_device", rc);
		break;
	}
	case TRACE_DOMAIN: {
		static const unsigned types[] = {IOMMU_DOMAIN_IDENTITY, IOMMU_DOMAIN_BLOCKED, IOMMU_DOMAIN_DMA};
		if ((rc = iommu_domain_alloc(dev_, types[rec->u.domain.type], &domains_[rec->u.domain.name])))
			return fail(rec, "iommu_domain_alloc", rc);
		break;
	}
	case TRACE_ATTACH: {
		smmu_master *m = devices_[rec->u.link.dev];
		iommu_domain *d = domains_[rec->u.link.dom], *&old = attached_[rec->u.link.dev];
		if (old && old != d)
			iommu_detach_device(dev_, old, m);
		if ((rc = iommu_attach_device(dev_, d, m)))
			return fail(rec, "iommu_attach_device", rc);
		old = d;
		break;
	}
	case TRACE_ATTACH_PASID:
		if ((rc = iommu_attach_device_pasid(dev_, domains_[rec->u.link.dom], devices_[rec->u.link.dev],
						    rec->u.link.pasid)))
			return fail(rec, "iommu_attach_device_pasid", rc);
		pasids_[{rec->u.link.dev, rec->u.link.dom}] = rec->u.link.pasid;
		break;
	case TRACE_DETACH: {
		smmu_master *m = devices_[rec->u.link.dev];
		iommu_domain *d = domains_[rec->u.link.dom];
		auto p = pasids_.find({rec->u.link.dev, rec->u.link.dom});
		if (attached_[rec->u.link.dev] == d) {
			iommu_detach_device(dev_, d, m);
			attached_[rec->u.link.dev] = nullptr;
		} else if (p != pasids_.end()) {
			iommu_detach_device_pasid(dev_, d, m, p->second);
			pasids_.erase(p);
		}
		break;
	}
	case TRACE_MAP: {
		const uint32_t p = rec->u.map.prot;
		const int prot = IOMMU_CACHE | (p & TRACE_PROT_READ ? IOMMU_READ : 0) | (p & TRACE_PROT_WRITE ? IOMMU_WRITE : 0) |
				 (p & TRACE_PROT_EXEC ? 0 : IOMMU_NOEXEC) | (p & TRACE_PROT_PRIV ? IOMMU_PRIV : 0);
		if ((rc = iommu_map(dev_, domains_[rec->u.map.dom], rec->u.map.iova, rec->u.map.pa, rec->u.map.size, prot)))
			return fail(rec, "iommu_map", rc);
		break;
	}
	case TRACE_UNMAP:
		if (iommu_unmap(dev_, domains_[rec->u.map.dom], rec->u.map.iova, rec->u.map.size) != rec->u.map.size)
			return fail(rec, "iommu_unmap", -EINVAL);
		break;
	case TRACE_FREE:
		iommu_domain_free(dev_, domains_[rec->u.link.dom]);
		domains_.erase(rec->u.link.dom);
		break;
	default:
		return fail(rec, trace_kind_name(rec->kind), 0);
	}
	return 0;
}

void Cpu::run()
{
	const auto start = std::chrono::steady_clock::now();
	chk_ = trace_checker_new();
	if (chk_ && bring_up()) {
		t0_ = cycles();
		status = cli_walk_trace(trace_, chk_, false, 0, each, this, nullptr);
		if (!status) {
			drain_to(0);
			drain_events();
			report(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
		}
	}
	if (dev_)
		smmu_remove(dev_);
	trace_checker_free(chk_);
	sc_stop();
}

// The report of `smmusim replay` (docs/cli.md), then what only a platform with wires can show.
void Cpu::report(double seconds)
{
	const uint64_t n = traffic_.collected;
	std::printf("trace:        %s\n", trace_);
	std::printf("transactions: %llu (%llu ok, %llu aborted, %llu RAZ/WI)\n", (unsigned long long)n,
		    (unsigned long long)traffic_.ok, (unsigned long long)traffic_.aborts, (unsigned long long)traffic_.razwi);
	std::printf("events:      ");
	bool any = false;
	for (unsigned t = 0; t < 256; t++) {
		const char *name = smmu_event_name((uint8_t)t);
		if (!std::strcmp(name, "UNKNOWN") || !std::strcmp(name, "IMPDEF"))
			continue;
		if (const uint64_t k = smmu_.stat(("events." + std::string(name)).c_str())) {
			std::printf(" %s=%llu", name, (unsigned long long)k);
			any = true;
		}
	}
	std::printf("%s\n", any ? "" : " none");
	std::printf("cycles:       %llu (trace cycle 0 = cycle %llu, after the driver's bring-up)\n",
		    (unsigned long long)cycles(), (unsigned long long)t0_);
	const uint64_t count = smmu_.stat("latency.count");
	std::printf("latency:      mean %.1f, p50 %llu, p99 %llu, max %llu cycles\n",
		    count ? (double)smmu_.stat("latency.total") / (double)count : 0.0,
		    (unsigned long long)smmu_.stat("latency.p50"), (unsigned long long)smmu_.stat("latency.p99"),
		    (unsigned long long)smmu_.stat("latency.max"));
	struct {
		const char *name, *stat;
		uint64_t waits, cycles;
	} lim[] = {{"replay (DMA issued after their trace time: window of 4096, control records)", nullptr, late_, late_cycles_},
		   {"TBU slots (tbu.slots)", "tbu.slots", 0, 0},
		   {"TCU translation slots (tcu.xlate.slots)", "tcu.xlate.slots", 0, 0},
		   {"TCU walk slots (tcu.ptw.slots)", "tcu.ptw.slots", 0, 0},
		   {"memory channel (mem.bytes_per_cycle)", nullptr, 0, smmu_.stat("mem.channel.stall_cycles")}};
	std::printf("limits:      ");
	any = false;
	for (auto &l : lim) {
		if (l.stat) {
			l.waits = smmu_.stat((std::string(l.stat) + ".stalls").c_str());
			l.cycles = smmu_.stat((std::string(l.stat) + ".stall_cycles").c_str());
		}
		if (!l.waits && !l.cycles)
			continue;
		std::printf("%s %s: ", any ? ";" : "", l.name);
		if (l.waits)
			std::printf("%llu waits, ", (unsigned long long)l.waits);
		std::printf("%llu cycles", (unsigned long long)l.cycles);
		if (&l == &lim[4] && cycles())
			std::printf(" (busy %.1f %% of the run)", 100.0 * (double)smmu_.stat("mem.channel.busy_cycles") / (double)cycles());
		any = true;
	}
	std::printf("%s\n", any ? "" : " none reached");
	const smmu_mem_usage u = smmu_get_mem_usage(dev_);
	std::printf("tables:       stream %llu B, CD %llu B, page tables %llu B (queues %llu B)\n",
		    (unsigned long long)u.stream_table, (unsigned long long)u.cd_tables, (unsigned long long)u.page_tables,
		    (unsigned long long)u.queues);
	std::printf("host:         %.3f s, %.0f transactions/s\n", seconds, seconds > 0 ? (double)n / seconds : 0.0);
	std::printf("interrupts:   event queue %llu, GERROR %llu, CMD_SYNC %llu (wired outputs of the TLM component)\n",
		    (unsigned long long)irqs_[0], (unsigned long long)irqs_[1], (unsigned long long)irqs_[2]);
	if (stats_)
		smmu_.stats_text(stdout);
}

} // namespace

int sc_main(int argc, char **argv)
{
	sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING); // "stopped by user"
	const char *trace = SMMUSIM_EXAMPLE_WORKLOAD;
	bool stats = false;
	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--stats"))
			stats = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			std::fprintf(stderr, "usage: tlm-platform [TRACE] [--stats]\n");
			return SMMUSIM_EXIT_USAGE;
		} else
			trace = argv[i];
	}
	// The configuration `smmusim replay` uses by default: the defaults, and RAM over the whole
	// physical address space (a sparse mapping).
	smmusim_config *cfg = smmusim_config_new();
	char err[256];
	if (smmusim_config_set(cfg, "mem.size", "64T", err, sizeof err)) {
		std::fprintf(stderr, "tlm-platform: %s\n", err);
		return SMMUSIM_EXIT_SIM;
	}
	smmusim::Smmuv3Tlm smmu("smmu", cfg);
	if (smmu.tbu.size() < 2) {
		std::fprintf(stderr, "tlm-platform: two DMA masters need tbu.count >= 2\n");
		return SMMUSIM_EXIT_SIM;
	}
	Ram ram("ram", smmu.params().mem_size);
	Traffic traffic;
	DmaMaster m0("dma0", traffic), m1("dma1", traffic);
	Cpu cpu("cpu", ram, smmu, cfg, {&m0, &m1}, traffic, trace, stats);
	sc_signal<bool> irq[3];
	cpu.mmio.bind(smmu.regs);
	m0.socket.bind(smmu.tbu[0]);
	m1.socket.bind(smmu.tbu[1]);
	smmu.data.bind(ram.socket);
	smmu.walk.bind(ram.socket);
	smmu.eventq_irq(irq[0]);
	smmu.gerror_irq(irq[1]);
	smmu.cmdsync_irq(irq[2]);
	cpu.eventq_irq(irq[0]);
	cpu.gerror_irq(irq[1]);
	cpu.cmdsync_irq(irq[2]);
	sc_start();
	smmusim_config_free(cfg);
	return cpu.status;
}
