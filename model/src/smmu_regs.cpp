// Register file: ID registers from the configuration, the acknowledge protocols (CR0ACK,
// IRQ_CTRLACK, GBPA.Update) with a parameterised delay, write guards, GERROR toggles.
#include <smmusim/smmu.hpp>

#include <algorithm>

using namespace sc_core;

namespace smmusim {

const char *event_name(unsigned type)
{
	switch (type) {
	case EVT_F_UUT: return "F_UUT";
	case EVT_C_BAD_STREAMID: return "C_BAD_STREAMID";
	case EVT_F_STE_FETCH: return "F_STE_FETCH";
	case EVT_C_BAD_STE: return "C_BAD_STE";
	case EVT_F_BAD_ATS_TREQ: return "F_BAD_ATS_TREQ";
	case EVT_F_STREAM_DISABLED: return "F_STREAM_DISABLED";
	case EVT_F_TRANSL_FORBIDDEN: return "F_TRANSL_FORBIDDEN";
	case EVT_C_BAD_SUBSTREAMID: return "C_BAD_SUBSTREAMID";
	case EVT_F_CD_FETCH: return "F_CD_FETCH";
	case EVT_C_BAD_CD: return "C_BAD_CD";
	case EVT_F_WALK_EABT: return "F_WALK_EABT";
	case EVT_F_TRANSLATION: return "F_TRANSLATION";
	case EVT_F_ADDR_SIZE: return "F_ADDR_SIZE";
	case EVT_F_ACCESS: return "F_ACCESS";
	case EVT_F_PERMISSION: return "F_PERMISSION";
	case EVT_F_TLB_CONFLICT: return "F_TLB_CONFLICT";
	case EVT_F_CFG_CONFLICT: return "F_CFG_CONFLICT";
	case EVT_E_PAGE_REQUEST: return "E_PAGE_REQUEST";
	case EVT_F_VMS_FETCH: return "F_VMS_FETCH";
	default: return nullptr;
	}
}

static const sc_time kCycle(1, SC_NS);

Tbu::Tbu(const Params &p, uint64_t seed)
    : utlb(p.utlb_entries, 0, replacement_from_string(p.utlb_policy), seed),
      mtlb(p.mtlb_entries, p.mtlb_ways, replacement_from_string(p.mtlb_policy), seed + 1)
{
	utlb_pipe.init(p.utlb_slots);
	mtlb_pipe.init(p.mtlb_slots);
	slots.init(p.tbu_xlate_slots);
}

Smmu::Smmu(sc_module_name name, const Params &p, Memory &mem) : Smmu(name, p, &mem, nullptr) {}

Smmu::Smmu(sc_module_name name, const Params &p, MemPort &port) : Smmu(name, p, nullptr, &port) {}

// Both public constructors come here, so that a structure sized from the parameters is built for both.
Smmu::Smmu(sc_module_name name, const Params &p, Memory *mem, MemPort *port)
    : sc_module(name),
      strict_tlb_(p.strict ? p.mtlb_entries : 0, p.mtlb_ways, replacement_from_string(p.mtlb_policy), p.seed + 400, true),
      p_(p), ram_(mem), port_(port), cfg_cache_(p.cfg_entries, p.cfg_ways, replacement_from_string(p.cfg_policy), p.seed + 100),
      slc_((uint32_t)(p.slc_size / 64), p.slc_ways, Replacement::LRU, p.seed + 500)
{
	init();
}

void Smmu::init()
{
	const Params &p = p_;
	if (p.walk_per_level) {
		const unsigned entries[8] = {p.walk_l0_entries,   p.walk_l1_entries,   p.walk_l2_entries,   p.walk_l3_entries,
					     p.walk_s2l0_entries, p.walk_s2l1_entries, p.walk_s2l2_entries, p.walk_s2l3_entries};
		for (unsigned l = 0; l < 8; l++) {
			walk_.emplace_back(new WalkCache(entries[l], entries[l] ? std::min(p.walk_ways, entries[l]) : 0,
							 replacement_from_string(p.walk_policy), p.seed + 200 + l));
			walk_on_[l / 4] |= entries[l] != 0;
		}
	} else {
		walk_.emplace_back(new WalkCache(p.walk_entries, p.walk_ways, replacement_from_string(p.walk_policy), p.seed + 200));
		walk_on_[0] = walk_on_[1] = p.walk_entries != 0;
	}
	for (unsigned l = 0; l < 8; l++)
		walk_at_[l / 4][l % 4] = walk_[walk_.size() == 1 ? 0 : l].get();
	uint32_t idr0 = 0;
	idr0 |= SMMU_PREP(IDR0_S2P, p.s2p) | SMMU_PREP(IDR0_S1P, 1) | SMMU_PREP(IDR0_TTF, IDR0_TTF_AARCH64) | SMMU_PREP(IDR0_COHACC, 1);
	idr0 |= SMMU_PREP(IDR0_ASID16, p.asid16) | SMMU_PREP(IDR0_VMID16, p.vmid16) | SMMU_PREP(IDR0_MSI, p.msi);
	idr0 |= SMMU_PREP(IDR0_SEV, p.sev) | SMMU_PREP(IDR0_CD2L, p.cd2l);
	idr0 |= SMMU_PREP(IDR0_TTENDIAN, IDR0_TTENDIAN_LE) | SMMU_PREP(IDR0_STALL_MODEL, p.stall_model);
	idr0 |= SMMU_PREP(IDR0_ST_LEVEL, p.st_level);
	idr_[0] = idr0;
	idr_[1] = (uint32_t)(SMMU_PREP(IDR1_SIDSIZE, p.sidsize) | SMMU_PREP(IDR1_SSIDSIZE, p.ssidsize) |
			     SMMU_PREP(IDR1_EVENTQS, p.eventqs) | SMMU_PREP(IDR1_CMDQS, p.cmdqs) |
			     SMMU_PREP(IDR1_ATTR_PERMS_OVR, 1));
	idr_[3] = (uint32_t)(SMMU_PREP(IDR3_RIL, p.ril) | SMMU_PREP(IDR3_HAD, p.had) | SMMU_PREP(IDR3_BBML, p.bbml));
	idr_[5] = (uint32_t)(SMMU_PREP(IDR5_OAS, p.oas) | SMMU_PREP(IDR5_GRAN4K, p.gran4k) |
			     SMMU_PREP(IDR5_GRAN16K, p.gran16k) | SMMU_PREP(IDR5_GRAN64K, p.gran64k));
	iidr_ = (uint32_t)(SMMU_PREP(IIDR_IMPLEMENTER, 0x43B) | SMMU_PREP(IIDR_PRODUCTID, 0x483));
	aidr_ = (uint32_t)SMMU_PREP(AIDR_ARCH_MINOR, 1);
	oas_mask_bits_ = smmu_oas_bits(p.oas);

	for (unsigned i = 0; i < p.tbu_count; i++)
		tbus_.emplace_back(new Tbu(p, p.seed + 1000 + 2 * i));
	strict_rng_ = SplitMix64(p.seed + 300);
	timed_ = p.timed;
	utlb_hits_ = ram_ && !p.strict && !p.slc_data; // Smmu::utlb_hit: the cases it does not cover
	tcu_slots_.init(p.tcu_xlate_slots);
	ptw_slots_.init(p.ptw_slots);
	ctw_slots_.init(p.ctw_slots ? p.ctw_slots : 1); // 0: no limit, the pool is not used (Smmu::timing)
	cfg_pipe_.init(p.cfg_slots);
	walk_pipe_.init(p.walk_slots);
	if (p.mem_bytes_per_cycle && (p.mem_bytes_per_cycle & (p.mem_bytes_per_cycle - 1)) == 0)
		mem_bpc_shift_ = (unsigned)__builtin_ctz(p.mem_bytes_per_cycle);
	for (unsigned k = 0; k < RD_KINDS; k++) // STE/CD one 64-byte read; descriptors 8 bytes
		read_occ_[k] = mem_occupancy((k == RD_STE || k == RD_CD) ? 64 : 8);
	stats.streams.init(p.stats_top_n);
	stats.substreams.init(p.stats_top_n);

	SC_METHOD(ack_method);
	sensitive << ack_event_;
	dont_initialize();
	SC_METHOD(cmdq_method);
	sensitive << cmdq_kick_ << cmdq_done_;
	dont_initialize();
}

// Integer division: simulated time is always a whole number of cycles.
uint64_t Smmu::now() const { return sc_time_stamp().value() / kCycle.value() + ahead; }

bool Smmu::cmdq_enabled() const { return SMMU_GET(cr0ack_, CR0_CMDQEN); }
bool Smmu::eventq_enabled() const { return SMMU_GET(cr0ack_, CR0_EVENTQEN); }

// An interrupt is a wired pulse (counted) plus, with IDR0.MSI and a non-zero address, a 32-bit
// MSI write; an aborted MSI write raises its GERROR.MSI_*_ABT_ERR bit.
void Smmu::send_msi(uint64_t cfg0, uint32_t data, unsigned abort_bit)
{
	const uint64_t addr = SMMU_ADDR(cfg0, IRQ_CFG0_ADDR);
	if (!p_.msi || !addr)
		return;
	if (!mem_write(oas_truncate(addr), &data, 4)) // above the OAS: truncated (IHI 0070 §3.4.3)
		raise_gerror(abort_bit);
}

void Smmu::raise_gerror(unsigned bit)
{
	if (gerror_active(bit))
		return; // further errors of an active kind are not logged
	gerror_ ^= 1u << bit;
	// The GERROR interrupt fires on activation, except for MSI_GERROR_ABT_ERR itself.
	if (bit != 7 && SMMU_GET(irq_ctrlack_, IRQ_CTRL_GERROR_IRQEN)) {
		stats.c[ST_IRQ_GERROR]++;
		pulse(Irq::Gerror);
		send_msi(gerror_irq_cfg0_, gerror_irq_cfg1_, 7);
	}
}

void Smmu::schedule_ack(uint64_t &due)
{
	due = now() + p_.ack_delay;
	ack_event_.notify((double)(ahead + p_.ack_delay) * kCycle); // an earlier pending notification wins
	ack_wake_ = std::min(ack_wake_, due);
}

void Smmu::kick_cmdq()
{
	cmdq_kick_.notify((double)ahead * kCycle);
}

void Smmu::ack_method()
{
	uint64_t t = now();
	if (cr0_due_ <= t) {
		uint32_t old = cr0ack_;
		cr0ack_ = cr0_;
		cr0_due_ = NEVER;
		if (!SMMU_GET(old, CR0_CMDQEN) && SMMU_GET(cr0ack_, CR0_CMDQEN))
			cmdq_kick_.notify(SC_ZERO_TIME);
	}
	if (irq_due_ <= t) {
		irq_ctrlack_ = irq_ctrl_;
		irq_due_ = NEVER;
	}
	if (gbpa_due_ <= t) {
		gbpa_ = gbpa_next_;
		gbpa_due_ = NEVER;
	}
	uint64_t next = std::min(cr0_due_, std::min(irq_due_, gbpa_due_));
	ack_wake_ = next;
	if (next != NEVER)
		ack_event_.notify((double)(next - t) * kCycle);
}

// ---- MMIO ------------------------------------------------------------------------------------

static bool is_reg64(uint32_t off)
{
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0: case SMMU_STRTAB_BASE: case SMMU_CMDQ_BASE: case SMMU_EVENTQ_BASE:
	case SMMU_EVENTQ_IRQ_CFG0: case SMMU_PRIQ_BASE: case SMMU_PRIQ_IRQ_CFG0: case SMMU_GATOS_SID:
	case SMMU_GATOS_ADDR: case SMMU_GATOS_PAR:
		return true;
	default:
		return false;
	}
}

uint64_t Smmu::read64(uint32_t off)
{
	if (!is_reg64(off))
		return 0; // 64-bit access to a 32-bit register: RAZ (documented choice)
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0: return gerror_irq_cfg0_;
	case SMMU_STRTAB_BASE: return strtab_base_;
	case SMMU_CMDQ_BASE: return cmdq_base_;
	case SMMU_EVENTQ_BASE: return eventq_base_;
	case SMMU_EVENTQ_IRQ_CFG0: return eventq_irq_cfg0_;
	default: return 0; // PRIQ (PRI not implemented), GATOS (ATOS not implemented)
	}
}

void Smmu::write64(uint32_t off, uint64_t val)
{
	if (p_.strict)
		strict_prefetch();
	if (is_reg64(off))
		write_reg64(off, val);
}

void Smmu::write_reg64(uint32_t off, uint64_t val)
{
	const bool smmu_off = !SMMU_GET(cr0_, CR0_SMMUEN) && !SMMU_GET(cr0ack_, CR0_SMMUEN);
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_GERROR_IRQEN))
			gerror_irq_cfg0_ = SMMU_ADDR(val, IRQ_CFG0_ADDR);
		break;
	case SMMU_EVENTQ_IRQ_CFG0:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_EVENTQ_IRQEN))
			eventq_irq_cfg0_ = SMMU_ADDR(val, IRQ_CFG0_ADDR);
		break;
	case SMMU_STRTAB_BASE:
		if (smmu_off)
			strtab_base_ = val & (SMMU_MASK(STRTAB_BASE_ADDR) | SMMU_MASK(STRTAB_BASE_RA));
		break;
	case SMMU_CMDQ_BASE:
		if (!SMMU_GET(cr0_ | cr0ack_, CR0_CMDQEN))
			cmdq_base_ = val & (SMMU_MASK(Q_BASE_ADDR) | SMMU_MASK(Q_BASE_RWA) | SMMU_MASK(Q_BASE_LOG2SIZE));
		break;
	case SMMU_EVENTQ_BASE:
		if (!SMMU_GET(cr0_ | cr0ack_, CR0_EVENTQEN))
			eventq_base_ = val & (SMMU_MASK(Q_BASE_ADDR) | SMMU_MASK(Q_BASE_RWA) | SMMU_MASK(Q_BASE_LOG2SIZE));
		break;
	default:
		break;
	}
}

uint32_t Smmu::read32(uint32_t off)
{
	if (off & 3u)
		return 0;
	if (is_reg64(off & ~7u))
		return (uint32_t)(read64(off & ~7u) >> ((off & 4u) * 8));
	switch (off) {
	case SMMU_IDR0: return idr_[0];
	case SMMU_IDR1: return idr_[1];
	case SMMU_IDR2: return idr_[2];
	case SMMU_IDR3: return idr_[3];
	case SMMU_IDR4: return idr_[4];
	case SMMU_IDR5: return idr_[5];
	case SMMU_IIDR: return iidr_;
	case SMMU_AIDR: return aidr_;
	case SMMU_CR0: return cr0_;
	case SMMU_CR0ACK: return cr0ack_;
	case SMMU_CR1: return cr1_;
	case SMMU_CR2: return cr2_;
	case SMMU_GBPA: return gbpa_due_ != NEVER ? (gbpa_next_ | (uint32_t)SMMU_MASK(GBPA_UPDATE)) : gbpa_;
	case SMMU_IRQ_CTRL: return irq_ctrl_;
	case SMMU_IRQ_CTRLACK: return irq_ctrlack_;
	case SMMU_GERROR: return gerror_;
	case SMMU_GERRORN: return gerrorn_;
	case SMMU_GERROR_IRQ_CFG1: return gerror_irq_cfg1_;
	case SMMU_GERROR_IRQ_CFG2: return gerror_irq_cfg2_;
	case SMMU_STRTAB_BASE_CFG: return strtab_base_cfg_;
	case SMMU_CMDQ_PROD: return cmdq_prod_;
	case SMMU_CMDQ_CONS:
		if (cmd_log_on)
			cmd_log_cons_read();
		return cmdq_cons_;
	case SMMU_EVENTQ_IRQ_CFG1: return eventq_irq_cfg1_;
	case SMMU_EVENTQ_IRQ_CFG2: return eventq_irq_cfg2_;
	case SMMU_EVENTQ_PROD: return eventq_prod_;
	case SMMU_EVENTQ_CONS: return eventq_cons_;
	// CoreSight identification (Arm, MMU-600-like part number 0x483).
	case SMMU_PIDR4: return 0x04;
	case SMMU_PIDR0: return 0x83;
	case SMMU_PIDR0 + 4: return 0xB4;
	case SMMU_PIDR0 + 8: return 0x0B;
	case SMMU_CIDR0: return 0x0D;
	case SMMU_CIDR0 + 4: return 0xF0;
	case SMMU_CIDR0 + 8: return 0x05;
	case SMMU_CIDR0 + 12: return 0xB1;
	default: return 0; // RAZ: reserved, Secure, PRIQ, ATOS, IMPDEF
	}
}

void Smmu::write32(uint32_t off, uint32_t val)
{
	if (p_.strict)
		strict_prefetch();
	if (off & 3u)
		return;
	if (is_reg64(off & ~7u)) {
		uint64_t cur = read64(off & ~7u);
		unsigned sh = (off & 4u) * 8;
		cur = (cur & ~(0xFFFFFFFFull << sh)) | ((uint64_t)val << sh);
		write_reg64(off & ~7u, cur);
		return;
	}
	const bool smmu_off = !SMMU_GET(cr0_, CR0_SMMUEN) && !SMMU_GET(cr0ack_, CR0_SMMUEN);
	switch (off) {
	case SMMU_CR0: {
		// Only implemented enables are writable (no PRI, no ATS, no VMW).
		uint32_t mask = (uint32_t)(SMMU_MASK(CR0_SMMUEN) | SMMU_MASK(CR0_EVENTQEN) | SMMU_MASK(CR0_CMDQEN));
		cr0_ = val & mask;
		schedule_ack(cr0_due_);
		break;
	}
	case SMMU_CR1: {
		const uint32_t table = (uint32_t)(SMMU_MASK(CR1_TABLE_IC) | SMMU_MASK(CR1_TABLE_OC) | SMMU_MASK(CR1_TABLE_SH));
		const uint32_t queue = (uint32_t)(SMMU_MASK(CR1_QUEUE_IC) | SMMU_MASK(CR1_QUEUE_OC) | SMMU_MASK(CR1_QUEUE_SH));
		const bool queues_off = !SMMU_GET(cr0_ | cr0ack_, CR0_CMDQEN) && !SMMU_GET(cr0_ | cr0ack_, CR0_EVENTQEN);
		if (smmu_off)
			cr1_ = (cr1_ & ~table) | (val & table);
		if (queues_off)
			cr1_ = (cr1_ & ~queue) | (val & queue);
		break;
	}
	case SMMU_CR2:
		if (smmu_off)
			cr2_ = val & (uint32_t)(SMMU_MASK(CR2_RECINVSID) | SMMU_MASK(CR2_PTM)); // E2H needs HYP
		break;
	case SMMU_GBPA:
		// All fields are written together with Update=1; writes without Update (or while an
		// update is in progress) are ignored.
		if (SMMU_GET(val, GBPA_UPDATE) && gbpa_due_ == NEVER) {
			gbpa_next_ = val & (uint32_t)(SMMU_MASK(GBPA_MEMATTR) | SMMU_MASK(GBPA_MTCFG) | SMMU_MASK(GBPA_ALLOCCFG) |
						      SMMU_MASK(GBPA_SHCFG) | SMMU_MASK(GBPA_PRIVCFG) | SMMU_MASK(GBPA_INSTCFG) |
						      SMMU_MASK(GBPA_ABORT));
			schedule_ack(gbpa_due_);
		}
		break;
	case SMMU_IRQ_CTRL:
		irq_ctrl_ = val & (uint32_t)(SMMU_MASK(IRQ_CTRL_GERROR_IRQEN) | SMMU_MASK(IRQ_CTRL_EVENTQ_IRQEN));
		schedule_ack(irq_due_);
		break;
	case SMMU_GERRORN: {
		uint32_t was_active = gerror_ ^ gerrorn_;
		gerrorn_ = val & GERROR_KNOWN_MASK;
		uint32_t now_active = gerror_ ^ gerrorn_;
		if ((was_active & 1u) && !(now_active & 1u))
			kick_cmdq(); // resume from CONS after an acknowledged CMDQ_ERR
		break;
	}
	case SMMU_GERROR_IRQ_CFG1:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_GERROR_IRQEN))
			gerror_irq_cfg1_ = val;
		break;
	case SMMU_GERROR_IRQ_CFG2:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_GERROR_IRQEN))
			gerror_irq_cfg2_ = val & (uint32_t)(SMMU_MASK(IRQ_CFG2_MEMATTR) | SMMU_MASK(IRQ_CFG2_SH));
		break;
	case SMMU_EVENTQ_IRQ_CFG1:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_EVENTQ_IRQEN))
			eventq_irq_cfg1_ = val;
		break;
	case SMMU_EVENTQ_IRQ_CFG2:
		if (!SMMU_GET(irq_ctrl_ | irq_ctrlack_, IRQ_CTRL_EVENTQ_IRQEN))
			eventq_irq_cfg2_ = val & (uint32_t)(SMMU_MASK(IRQ_CFG2_MEMATTR) | SMMU_MASK(IRQ_CFG2_SH));
		break;
	case SMMU_STRTAB_BASE_CFG:
		if (smmu_off) {
			uint32_t mask = (uint32_t)(SMMU_MASK(STRTAB_BASE_CFG_LOG2SIZE) | SMMU_MASK(STRTAB_BASE_CFG_SPLIT));
			if (p_.st_level)
				mask |= (uint32_t)SMMU_MASK(STRTAB_BASE_CFG_FMT);
			strtab_base_cfg_ = val & mask;
		}
		break;
	case SMMU_CMDQ_PROD:
		cmdq_prod_ = val & (uint32_t)SMMU_MASK(Q_IDX_WR_RD);
		kick_cmdq();
		break;
	case SMMU_CMDQ_CONS:
		if (!SMMU_GET(cr0_ | cr0ack_, CR0_CMDQEN))
			cmdq_cons_ = (cmdq_cons_ & (uint32_t)SMMU_MASK(CMDQ_CONS_ERR)) | (val & (uint32_t)SMMU_MASK(Q_IDX_WR_RD));
		break;
	case SMMU_EVENTQ_PROD:
		if (!SMMU_GET(cr0_ | cr0ack_, CR0_EVENTQEN))
			eventq_prod_ = val & (uint32_t)(SMMU_MASK(Q_IDX_WR_RD) | SMMU_MASK(Q_OVFLG));
		break;
	case SMMU_EVENTQ_CONS:
		eventq_cons_ = val & (uint32_t)(SMMU_MASK(Q_IDX_WR_RD) | SMMU_MASK(Q_OVFLG));
		break;
	default:
		break; // RO registers and unknown offsets: write ignored
	}
}

} // namespace smmusim
