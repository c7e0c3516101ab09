// One workload through the C API (smmusim.h) and through the TLM-2.0 component's sockets
// (smmusim/smmuv3_tlm.hpp): `tlm-equivalence capi` and `tlm-equivalence tlm` print every
// translation, every event record the driver drains, and every statistic; equivalence.cmake runs
// both (SystemC elaborates once per process) and requires identical output.
#include "../../examples/tlm-platform/platform.hpp"

#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
#include <smmusim/smmusim.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

using namespace sc_core;

namespace {

// What the workload needs from a platform: the driver's register interface and synchronous DMA.
struct Backend {
	const smmu_regif *regif = nullptr;
	std::function<void(const struct smmusim_dma &, void *, smmusim_dma_result &)> dma;
	std::function<uint64_t()> now;
};

int fail(const char *what, int rc)
{
	std::printf("FAILED: %s (%d)\n", what, rc);
	return 1;
}

void print_event(void *, const smmu_event *ev)
{
	char line[256];
	smmu_event_format(ev, line, sizeof line);
	std::printf("event: %s\n", line);
}

// Devices on two ports, one with PASIDs; maps with every permission the faults need; DMAs that hit,
// miss, fault (translation, permission, no CD, unknown StreamID), bypass, and one after an unmap.
int workload(Backend &b)
{
	smmu_device *dev;
	smmu_options opts{};
	opts.cmdq_log2size = 8;
	opts.evtq_log2size = 7;
	int rc = smmu_probe(b.regif, &opts, &dev);
	if (rc || (rc = smmu_reset(dev)))
		return fail("bring-up", rc);
	const uint32_t nic_sid = 0x10, acc_sid = 0x20, pass_sid = 0x30;
	iommu_device_desc acc_desc = {&acc_sid, 1, 4, nullptr};
	smmu_master *nic, *acc, *pass;
	iommu_domain *d_nic, *d_acc, *d_p1, *d_pass;
	if ((rc = iommu_probe_device(dev, &nic_sid, 1, &nic)) || (rc = iommu_probe_device_ex(dev, &acc_desc, &acc)) ||
	    (rc = iommu_probe_device(dev, &pass_sid, 1, &pass)) || (rc = iommu_domain_alloc(dev, IOMMU_DOMAIN_DMA, &d_nic)) ||
	    (rc = iommu_domain_alloc(dev, IOMMU_DOMAIN_DMA, &d_acc)) || (rc = iommu_domain_alloc(dev, IOMMU_DOMAIN_DMA, &d_p1)) ||
	    (rc = iommu_domain_alloc(dev, IOMMU_DOMAIN_IDENTITY, &d_pass)) || (rc = iommu_attach_device(dev, d_nic, nic)) ||
	    (rc = iommu_attach_device(dev, d_acc, acc)) || (rc = iommu_attach_device_pasid(dev, d_p1, acc, 1)) ||
	    (rc = iommu_attach_device(dev, d_pass, pass)))
		return fail("devices and domains", rc);
	if ((rc = iommu_map(dev, d_nic, 0x10000000, 0x80000000, 0x10000, IOMMU_READ | IOMMU_WRITE)) ||
	    (rc = iommu_map(dev, d_nic, 0x10100000, 0x80100000, 0x1000, IOMMU_READ)) ||
	    (rc = iommu_map(dev, d_acc, 0x20000000, 0x90000000, 0x4000, IOMMU_READ | IOMMU_WRITE | IOMMU_PRIV)) ||
	    (rc = iommu_map(dev, d_p1, 0x40000000, 0xa0000000, 0x8000, IOMMU_READ | IOMMU_WRITE | IOMMU_NOEXEC)))
		return fail("maps", rc);
	struct Step {
		uint32_t port, sid;
		bool ssv;
		uint32_t ssid;
		uint64_t addr;
		uint32_t size;
		bool write, priv, instr;
	};
	const Step steps[] = {
		{0, nic_sid, false, 0, 0x10000040, 64, true, false, false},  // write, then read it back
		{0, nic_sid, false, 0, 0x10000040, 64, false, false, false}, // a TLB hit
		{0, nic_sid, false, 0, 0x1000f000, 256, false, false, false},
		{0, nic_sid, false, 0, 0x10100000, 64, true, false, false},  // F_PERMISSION: read-only
		{0, nic_sid, false, 0, 0x10200000, 64, false, false, false}, // F_TRANSLATION: unmapped
		{1, acc_sid, false, 0, 0x20001000, 128, true, true, false},  // privileged
		{1, acc_sid, false, 0, 0x20001000, 128, false, false, false}, // F_PERMISSION: unprivileged
		{1, acc_sid, true, 1, 0x40002000, 64, true, false, false},   // PASID 1
		{1, acc_sid, true, 1, 0x40002000, 64, false, false, true},   // F_PERMISSION: execute-never
		{1, acc_sid, true, 9, 0x40002000, 64, false, false, false},  // C_BAD_CD: no CD at SubstreamID 9
		{2, pass_sid, false, 0, 0xc0000000, 64, true, false, false}, // identity: bypass
		{3, 0x99, false, 0, 0x1000, 64, false, false, false},        // C_BAD_STREAMID, not recorded (CR2.RECINVSID=0)
	};
	unsigned char buf[4096];
	auto run = [&](const Step &s, unsigned i) {
		struct smmusim_dma d{s.port, s.sid, s.ssv, s.ssid, s.addr, s.size, s.write, s.priv, s.instr};
		for (uint32_t k = 0; k < s.size; k++)
			buf[k] = s.write ? (unsigned char)(i * 7 + k) : 0xEE;
		smmusim_dma_result r{};
		b.dma(d, buf, r);
		unsigned sum = 0;
		for (uint32_t k = 0; k < s.size; k++)
			sum = sum * 31 + buf[k];
		std::printf("dma %u: status %d pa 0x%llx event 0x%x issue %llu done %llu data %08x\n", i, (int)r.status,
			    (unsigned long long)r.pa, r.event, (unsigned long long)r.issue_cycle,
			    (unsigned long long)r.done_cycle, sum);
	};
	unsigned i = 0;
	for (const Step &s : steps)
		run(s, i++);
	smmu_evtq_drain(dev, print_event, nullptr);
	if (iommu_unmap(dev, d_nic, 0x10000000, 0x1000) != 0x1000)
		return fail("unmap", -EINVAL);
	run(steps[1], i++); // F_TRANSLATION: the unmap's invalidation left no stale entry
	run(steps[2], i++); // the rest of the map still translates
	smmu_evtq_drain(dev, print_event, nullptr);
	std::printf("cycles: %llu\n", (unsigned long long)b.now());
	smmu_remove(dev);
	return 0;
}

int run_capi()
{
	char err[256];
	smmusim_config *cfg = smmusim_config_new();
	smmusim_platform *sim = smmusim_create(cfg, err, sizeof err);
	if (!sim)
		return fail(err, 0);
	Backend b;
	b.regif = smmusim_regif(sim);
	b.dma = [&](const struct smmusim_dma &d, void *data, smmusim_dma_result &r) { smmusim_dma(sim, &d, data, &r); };
	b.now = [&] { return smmusim_now(sim); };
	const int rc = workload(b);
	smmusim_stats_json(sim, stdout);
	smmusim_destroy(sim);
	smmusim_config_free(cfg);
	return rc;
}

// The TLM platform: the workload on a CPU thread, its MMIO on the register socket, its DMA as
// b_transport on one initiator socket per TBU, waiting for each completion as smmusim_dma does.
struct Host : sc_module {
	SC_HAS_PROCESS(Host);
	tlm_utils::simple_initiator_socket<Host> mmio;
	sc_vector<tlm_utils::simple_initiator_socket_tagged<Host>> dma;
	int status = 1;

	Host(sc_module_name name, example::Ram &ram, smmusim::Smmuv3Tlm &smmu)
	    : sc_module(name), mmio("mmio"), dma("dma", smmu.tbu.size()), port_(mmio, ram, smmu.params())
	{
		attrs_ = new smmusim::SmmuAttrs;
		gp_.set_extension(attrs_);
		SC_THREAD(run);
		set_stack_size(4 << 20);
	}

private:
	void transact(const struct smmusim_dma &d, void *data, smmusim_dma_result &r)
	{
		gp_.set_command(d.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
		gp_.set_address(d.addr);
		gp_.set_data_ptr(static_cast<unsigned char *>(data));
		gp_.set_data_length(d.size);
		gp_.set_streaming_width(d.size);
		gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
		attrs_->sid = d.sid;
		attrs_->ssv = d.ssv;
		attrs_->ssid = d.ssid;
		attrs_->priv = d.priv;
		attrs_->instr = d.instr;
		sc_time delay = SC_ZERO_TIME;
		dma[d.port]->b_transport(gp_, delay);
		example::DriverPort::idle((uint64_t)(delay / example::kCycle)); // until the response, as smmusim_dma
		// What the TLM initiator sees, in the C API's terms.
		const bool ok = gp_.is_response_ok();
		r.status = attrs_->status == smmusim::XLATE_RAZWI ? SMMUSIM_DMA_RAZWI : ok ? SMMUSIM_DMA_OK : SMMUSIM_DMA_ABORT;
		r.pa = attrs_->pa;
		r.event = attrs_->event;
		r.issue_cycle = attrs_->issue_cycle;
		r.done_cycle = attrs_->done_cycle;
	}
	void run()
	{
		Backend b;
		b.regif = port_.regif();
		b.dma = [this](const struct smmusim_dma &d, void *data, smmusim_dma_result &r) { transact(d, data, r); };
		b.now = [] { return example::cycles(); };
		status = workload(b);
		sc_stop();
	}
	example::DriverPort port_;
	tlm::tlm_generic_payload gp_;
	smmusim::SmmuAttrs *attrs_;
};

int run_tlm()
{
	smmusim::Smmuv3Tlm smmu("smmu");
	example::Ram ram("ram", smmu.params().mem_size);
	Host host("host", ram, smmu);
	sc_signal<bool> irq[3];
	host.mmio.bind(smmu.regs);
	for (size_t i = 0; i < smmu.tbu.size(); i++)
		host.dma[i].bind(smmu.tbu[i]);
	smmu.data.bind(ram.socket);
	smmu.walk.bind(ram.socket);
	smmu.eventq_irq(irq[0]);
	smmu.gerror_irq(irq[1]);
	smmu.cmdsync_irq(irq[2]);
	sc_start();
	smmu.stats_json(stdout);
	return host.status;
}

} // namespace

int main(int argc, char **argv)
{
	setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
	sc_report_handler::set_actions("/OSCI/SystemC", SC_INFO, SC_DO_NOTHING); // "stopped by user"
	if (argc == 2 && !std::strcmp(argv[1], "capi"))
		return run_capi();
	if (argc == 2 && !std::strcmp(argv[1], "tlm"))
		return run_tlm();
	std::fprintf(stderr, "usage: tlm-equivalence capi|tlm\n");
	return 2;
}
