// Command queue consumer and event queue producer (IHI 0070 §3.5 queues, §4 commands, §7 events).
#include <smmusim/smmu.hpp>

#include <algorithm>
#include <cstdio>

using namespace sc_core;

namespace smmusim {

static const sc_time kCycle(1, SC_NS);
static constexpr uint32_t kNoSsid = ~0u;

unsigned Smmu::cmdq_log2() const
{
	unsigned l = (unsigned)SMMU_GET(cmdq_base_, Q_BASE_LOG2SIZE);
	return l < p_.cmdqs ? l : p_.cmdqs;
}

unsigned Smmu::eventq_log2() const
{
	unsigned l = (unsigned)SMMU_GET(eventq_base_, Q_BASE_LOG2SIZE);
	return l < p_.eventqs ? l : p_.eventqs;
}

bool Smmu::cmdq_can_consume() const
{
	if (!cmdq_enabled() || gerror_active(0))
		return false;
	uint32_t m = (2u << cmdq_log2()) - 1;
	return (cmdq_prod_ & m) != (cmdq_cons_ & m);
}

unsigned Smmu::cmd_cost(const uint64_t cmd[2]) const
{
	unsigned op = (unsigned)SMMU_GET(cmd[0], CMD0_OPCODE);
	unsigned c = p_.cmd_cycles;
	const bool cfgi = op >= CMD_CFGI_STE && op <= CMD_CFGI_CD_ALL;
	if (cfgi || (op >= CMD_TLBI_NH_ALL && op <= CMD_TLBI_NSNH_ALL)) {
		c += p_.cmd_inv_cycles;
		if (p_.cmd_inv_search_rate) {
			// Proportional to what it searches: one TBU's TLBs (the TBUs search in parallel) and
			// the TCU's configuration cache (CFGI) or walk caches (TLBI).
			uint64_t n = (uint64_t)p_.utlb_entries + p_.mtlb_entries;
			if (cfgi)
				n += p_.cfg_entries;
			else
				n += p_.walk_per_level ? (uint64_t)p_.walk_l0_entries + p_.walk_l1_entries + p_.walk_l2_entries +
							       p_.walk_l3_entries + p_.walk_s2l0_entries + p_.walk_s2l1_entries +
							       p_.walk_s2l2_entries + p_.walk_s2l3_entries
						       : p_.walk_entries;
			c += (unsigned)((n + p_.cmd_inv_search_rate - 1) / p_.cmd_inv_search_rate);
		}
	}
	if (op == CMD_SYNC)
		c += p_.cmd_sync_cycles;
	return c;
}

void Smmu::cmdq_error(uint8_t code)
{
	// CONS stays on the bad command; ERR is visible before GERROR.CMDQ_ERR becomes active.
	cmdq_cons_ = (cmdq_cons_ & ~(uint32_t)SMMU_MASK(CMDQ_CONS_ERR)) | (uint32_t)SMMU_PREP(CMDQ_CONS_ERR, code);
	raise_gerror(0);
	stats.c[ST_CMD_ERRORS]++;
}

// One activation completes the command in flight and starts the next; with a quiet_until past the
// next one's completion it goes on with that one at once, its clock `ahead` of SystemC's by the
// cycles it skipped, and so on, and waits (a SystemC notification) only for a command that
// completes at or after quiet_until or at or after the ack_method's next activation (ack_wake_,
// also a stale one, whose re-notification then goes into SystemC's queue before this one's, as
// with one activation per command: a completion in the cycle of a CR0 acknowledgement follows
// it). The commands complete at the cycles, and in the order, they would with one activation
// each.
void Smmu::cmdq_method()
{
	const uint64_t sc_ahead = ahead; // 0: a SystemC process runs with SystemC's clock
	for (;;) {
		const uint64_t t = now();
		if (cmd_inflight_) {
			if (t < cmd_done_at_) { // woken early by a PROD write or an acknowledgement
				cmdq_done_.notify((double)(cmd_done_at_ - t) * kCycle);
				break;
			}
			cmd_inflight_ = false;
			if (cmdq_can_consume()) {
				uint8_t err = cmd_fetch_abort_ ? (uint8_t)CERROR_ABT : execute_command(cmd_);
				SMMU_TRACE(TR_CMD, "op=0x%02x dw0=0x%016llx dw1=0x%016llx cerror=%u",
					   (unsigned)SMMU_GET(cmd_[0], CMD0_OPCODE), (unsigned long long)cmd_[0],
					   (unsigned long long)cmd_[1], err);
				if (cmd_log_on)
					log_cmd(err);
				if (err) {
					cmdq_error(err);
					break;
				}
				uint32_t m = (2u << cmdq_log2()) - 1;
				cmdq_cons_ = (cmdq_cons_ & ~(uint32_t)SMMU_MASK(Q_IDX_WR_RD)) | ((cmdq_cons_ + 1) & m);
				stats.c[ST_CMDS]++;
				stats.cmds[SMMU_GET(cmd_[0], CMD0_OPCODE)]++;
			}
		}
		if (!cmdq_can_consume())
			break;
		const unsigned qs = cmdq_log2();
		const uint64_t addr = SMMU_ADDR(cmdq_base_, Q_BASE_ADDR) + (uint64_t)(cmdq_cons_ & ((1u << qs) - 1)) * CMD_SIZE;
		// IHI 0070 §3.4.3: queue and MSI addresses above the OAS are truncated to it, not aborted.
		cmd_fetch_abort_ = !mem_read(oas_truncate(addr), cmd_, CMD_SIZE);
		uint64_t cost = cmd_fetch_abort_ ? p_.cmd_cycles : cmd_cost(cmd_);
		cmd_drain_ = 0;
		if (!cmd_fetch_abort_ && SMMU_GET(cmd_[0], CMD0_OPCODE) == CMD_SYNC) {
			// Completion waits for every translation that was in flight when an invalidation before
			// this SYNC ran (it may have used what was invalidated), then signals.
			if (sync_drain_ > t + cost) {
				cmd_drain_ = sync_drain_ - (t + cost);
				stats.c[ST_CMD_SYNC_DRAIN] += cmd_drain_;
				cost = sync_drain_ - t;
			}
			sync_drain_ = 0;
		}
		cmd_consumed_at_ = t;
		cmd_inflight_ = true;
		cmd_done_at_ = t + cost;
		if (cmd_done_at_ >= std::min(quiet_until, ack_wake_)) {
			cmdq_done_.notify((double)(ahead - sc_ahead + cost) * kCycle);
			break;
		}
		ahead += cost; // nothing else happens before it completes: complete it now
	}
	ahead = sc_ahead;
}

void Smmu::log_cmd(uint8_t cerror)
{
	CmdLogEntry e;
	e.dw[0] = cmd_[0];
	e.dw[1] = cmd_[1];
	e.consumed = cmd_consumed_at_;
	e.done = now();
	e.drain = cmd_drain_;
	e.cerror = cerror;
	e.seen = cerror ? e.done : 0; // CONS stays on it: software learns of it from GERROR, not CONS
	if (cerror && cmd_log_seen_ == cmd_log_.size())
		cmd_log_seen_++;
	cmd_log_.push_back(e);
}

// A read of SMMU_CMDQ_CONS: software now sees every command completed so far.
void Smmu::cmd_log_cons_read()
{
	const uint64_t t = now();
	for (; cmd_log_seen_ < cmd_log_.size() && cmd_log_[cmd_log_seen_].done <= t; cmd_log_seen_++)
		if (!cmd_log_[cmd_log_seen_].seen)
			cmd_log_[cmd_log_seen_].seen = t;
}

bool Smmu::take_cmd_log(CmdLogEntry &out, bool unseen_too)
{
	if (cmd_log_.empty() || (!unseen_too && !cmd_log_seen_))
		return false;
	out = cmd_log_.front();
	cmd_log_.pop_front();
	if (cmd_log_seen_)
		cmd_log_seen_--;
	return true;
}

const char *cmd_name(unsigned opcode)
{
	switch (opcode) {
	case CMD_PREFETCH_CONFIG: return "CMD_PREFETCH_CONFIG";
	case CMD_PREFETCH_ADDR: return "CMD_PREFETCH_ADDR";
	case CMD_CFGI_STE: return "CMD_CFGI_STE";
	case CMD_CFGI_STE_RANGE: return "CMD_CFGI_STE_RANGE";
	case CMD_CFGI_CD: return "CMD_CFGI_CD";
	case CMD_CFGI_CD_ALL: return "CMD_CFGI_CD_ALL";
	case CMD_CFGI_VMS_PIDM: return "CMD_CFGI_VMS_PIDM";
	case CMD_TLBI_NH_ALL: return "CMD_TLBI_NH_ALL";
	case CMD_TLBI_NH_ASID: return "CMD_TLBI_NH_ASID";
	case CMD_TLBI_NH_VA: return "CMD_TLBI_NH_VA";
	case CMD_TLBI_NH_VAA: return "CMD_TLBI_NH_VAA";
	case CMD_TLBI_EL3_ALL: return "CMD_TLBI_EL3_ALL";
	case CMD_TLBI_EL3_VA: return "CMD_TLBI_EL3_VA";
	case CMD_TLBI_EL2_ALL: return "CMD_TLBI_EL2_ALL";
	case CMD_TLBI_EL2_ASID: return "CMD_TLBI_EL2_ASID";
	case CMD_TLBI_EL2_VA: return "CMD_TLBI_EL2_VA";
	case CMD_TLBI_EL2_VAA: return "CMD_TLBI_EL2_VAA";
	case CMD_TLBI_S12_VMALL: return "CMD_TLBI_S12_VMALL";
	case CMD_TLBI_S2_IPA: return "CMD_TLBI_S2_IPA";
	case CMD_TLBI_NSNH_ALL: return "CMD_TLBI_NSNH_ALL";
	case CMD_ATC_INV: return "CMD_ATC_INV";
	case CMD_PRI_RESP: return "CMD_PRI_RESP";
	case CMD_RESUME: return "CMD_RESUME";
	case CMD_STALL_TERM: return "CMD_STALL_TERM";
	case CMD_SYNC: return "CMD_SYNC";
	default: return nullptr;
	}
}

uint8_t Smmu::execute_command(const uint64_t cmd[2])
{
	const unsigned op = (unsigned)SMMU_GET(cmd[0], CMD0_OPCODE);
	if (p_.strict)
		strict_prefetch();
	if (SMMU_GET(cmd[0], CMD0_SSEC))
		return CERROR_ILL; // Secure commands on the Non-secure queue
	switch (op) {
	case CMD_PREFETCH_CONFIG:
	case CMD_PREFETCH_ADDR:
		return CERROR_NONE; // hints; this model does not prefetch
	case CMD_CFGI_STE:
	case CMD_CFGI_STE_RANGE:
	case CMD_CFGI_CD:
	case CMD_CFGI_CD_ALL:
		cfgi((uint8_t)op, cmd);
		stats.c[ST_CMD_CFGI]++;
		sync_drain_ = std::max(sync_drain_, xlate_until_);
		return CERROR_NONE;
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NH_ASID:
	case CMD_TLBI_NH_VA:
	case CMD_TLBI_NH_VAA:
	case CMD_TLBI_NSNH_ALL:
	case CMD_TLBI_S12_VMALL:
	case CMD_TLBI_S2_IPA:
		if ((op == CMD_TLBI_S12_VMALL || op == CMD_TLBI_S2_IPA) && !p_.s2p)
			return CERROR_ILL;
		if ((op == CMD_TLBI_NH_VA || op == CMD_TLBI_S2_IPA || op == CMD_TLBI_NH_VAA) && p_.ril) {
			// IHI 0070 §4.4.1.1: TG != 0 with NUM = SCALE = 0 and TTL = 0 is reserved; without
			// IDR5.DS, TTL = 01 with a 16 KB TG counts as TTL = 0 (SCALE is bits [24:20] then).
			const unsigned tg = (unsigned)SMMU_GET(cmd[1], CMD1_TLBI_TG), ttl = (unsigned)SMMU_GET(cmd[1], CMD1_TLBI_TTL);
			const bool ttl0 = ttl == 0 || (tg == 2 && ttl == 1);
			if (tg && ttl0 && !SMMU_GET(cmd[0], CMD0_TLBI_NUM) && !(SMMU_GET(cmd[0], CMD0_TLBI_SCALE) & 0x1F))
				return CERROR_ILL;
		}
		tlbi((uint8_t)op, cmd);
		stats.c[ST_CMD_TLBI]++;
		sync_drain_ = std::max(sync_drain_, xlate_until_);
		return CERROR_NONE;
	case CMD_SYNC: {
		const unsigned cs = (unsigned)SMMU_GET(cmd[0], CMD0_SYNC_CS);
		if (cs == 3)
			return CERROR_ILL;
		stats.c[ST_CMD_SYNC]++;
		if (cs == CMD_SYNC_CS_IRQ) // the wired CMD_SYNC interrupt (IHI 0070 §3.18), seen after CONS moves
			pulse(Irq::CmdSync);
		if (cs == CMD_SYNC_CS_IRQ && p_.msi) {
			const uint64_t addr = SMMU_ADDR(cmd[1], CMD1_SYNC_MSIADDR);
			if (addr) {
				const uint32_t data = (uint32_t)SMMU_GET(cmd[0], CMD0_SYNC_MSIDATA);
				if (!mem_write(oas_truncate(addr), &data, 4))
					raise_gerror(4); // MSI_CMDQ_ABT_ERR; the SYNC still completes
				else
					stats.c[ST_CMD_SYNC_MSI]++;
			}
		} else if (cs == CMD_SYNC_CS_SEV && p_.sev) {
			stats.c[ST_CMD_SYNC_SEV]++;
		}
		return CERROR_NONE;
	}
	case CMD_RESUME:
	case CMD_STALL_TERM:
		// Only the terminate model is implemented: no transaction ever stalls.
		return p_.stall_model == IDR0_STALL_MODEL_TERMINATE ? (uint8_t)CERROR_ILL : (uint8_t)CERROR_NONE;
	default:
		// EL2_* (no HYP), EL3_* and Secure (NS queue), ATC_INV (no ATS),
		// PRI_RESP (no PRI), CFGI_VMS_PIDM (no VMS), IMPDEF and reserved opcodes.
		return CERROR_ILL;
	}
}

// Granule shift and walk level of a leaf covering 2^page_shift bytes: with 64-bit descriptors
// (no DS) each (granule, level) pair gives a distinct size, so a non-nested TLB entry remembers
// both through its page size. False for a size no single walk produces (a nested entry).
static bool leaf_geometry(unsigned page_shift, unsigned &g, unsigned &level)
{
	for (unsigned gs = 12; gs <= 16; gs += 2)
		for (unsigned l = 1; l <= 3; l++)
			if (gs + (3 - l) * (gs - 3) == page_shift) {
				g = gs;
				level = l;
				return true;
			}
	return false;
}

// Granule shift of a walk-cache entry (a table descriptor at `level` covering 2^level_shift).
static unsigned walk_granule(const WalkKey &k)
{
	return k.level > 3 ? 0 : (k.level_shift + 9u - 3u * k.level) / (4u - k.level);
}

void Smmu::strict_res0(const char *what, uint64_t value)
{
	stats.c[ST_STRICT_RES0]++;
	if (p_.log)
		std::fprintf(stderr, "smmusim: strict: software set RES0 bits of %s: 0x%llx\n", what, (unsigned long long)value);
}

void Smmu::tlbi(uint8_t op, const uint64_t cmd[2])
{
	const uint64_t asid_field = SMMU_GET(cmd[0], CMD0_ASID), vmid_field = SMMU_GET(cmd[0], CMD0_VMID);
	const uint16_t asid = (uint16_t)(asid_field & (p_.asid16 ? 0xFFFFu : 0xFFu));
	// With S2P=0 the VMID field is ignored: every entry is in VMID 0.
	const uint16_t vmid = p_.s2p ? (uint16_t)(vmid_field & (p_.vmid16 ? 0xFFFFu : 0xFFu)) : 0;
	uint64_t addr = SMMU_GET(cmd[1], CMD1_ADDR) << 12;
	if (op == CMD_TLBI_S2_IPA)
		addr &= SMMU_MASK_(55, 12); // an IPA
	const bool leaf = SMMU_GET(cmd[1], CMD1_LEAF);
	uint64_t len = 0;
	const unsigned tg = p_.ril ? (unsigned)SMMU_GET(cmd[1], CMD1_TLBI_TG) : 0;
	const unsigned gshift = tg ? 12 + 2 * (tg - 1) : 0; // 4 KB, 16 KB, 64 KB
	unsigned ttl = tg ? (unsigned)SMMU_GET(cmd[1], CMD1_TLBI_TTL) : 0;
	if (gshift == 14 && ttl == 1)
		ttl = 0; // IHI 0070 §4.4.1.1: reserved without IDR5.DS, treated as 0
	// IDR5.DS = 0: SCALE is the 5 bits [24:20] of the [25:20] field, bit 25 is RES0.
	const unsigned scale = (unsigned)SMMU_GET(cmd[0], CMD0_TLBI_SCALE) & 0x1Fu;
	if (tg) {
		const uint64_t num = SMMU_GET(cmd[0], CMD0_TLBI_NUM) + 1;
		len = (scale + gshift >= 58) ? ~0ull : (num << (scale + gshift));
	}
	if (p_.strict) {
		// IHI 0070 §4.4.1.1: TG/TTL/NUM/SCALE are RES0 without RIL, TTL/NUM/SCALE with TG = 0.
		const bool va_op = op == CMD_TLBI_NH_VA || op == CMD_TLBI_NH_VAA || op == CMD_TLBI_S2_IPA;
		if (va_op && (SMMU_GET(cmd[0], CMD0_TLBI_SCALE) >> 5))
			strict_res0("CMD_TLBI SCALE[25]", cmd[0]);
		if (va_op && !tg && (SMMU_GET(cmd[0], CMD0_TLBI_NUM) || SMMU_GET(cmd[0], CMD0_TLBI_SCALE) ||
				     SMMU_GET(cmd[1], CMD1_TLBI_TTL) || SMMU_GET(cmd[1], CMD1_TLBI_TG)))
			strict_res0("CMD_TLBI TG/TTL/NUM/SCALE", cmd[1]);
		if ((!p_.asid16 && (asid_field >> 8)) || (p_.s2p && !p_.vmid16 && (vmid_field >> 8)))
			strict_res0("CMD_TLBI ASID/VMID[15:8]", cmd[0]);
	}
	// Strict mode removes exactly the required scope (IHI 0070 §4.4.1.1): with TG != 0 only
	// entries of that granule, with TTL != 0 only leaves from a walk at level TTL, and, for
	// Leaf = 0, only table descriptors of the levels above TTL. The lenient model ignores TG and
	// TTL (over-invalidation is allowed).
	const bool exact = p_.strict;
	auto leaf_in_scope = [&](unsigned page_shift) {
		unsigned g, level;
		if (!exact || !gshift || !leaf_geometry(page_shift, g, level))
			return true;
		return g == gshift && (!ttl || level == ttl);
	};
	auto table_in_scope = [&](const WalkKey &k) {
		if (leaf)
			return false; // Leaf = 1: only last-level entries
		if (!exact || !gshift)
			return true;
		return walk_granule(k) == gshift && (!ttl || k.level < ttl);
	};
	auto tbu_drop = [&](auto pred) {
		for (auto &t : tbus_) {
			t->utlb.invalidate_if(pred);
			t->mtlb.invalidate_if(pred);
		}
	};
	switch (op) {
	// The strict TCU TLB holds stage-1 leaves only (strict.cpp): the stage-1 scopes apply to it.
	case CMD_TLBI_NSNH_ALL:
		tbu_drop([](const TbuTag &, const TbuEntry &) { return true; });
		walk_invalidate_if([](const WalkKey &, const WalkVal &) { return true; });
		strict_tlb_.invalidate_all();
		break;
	case CMD_TLBI_NH_ALL: // stage-1 information of the VMID
	case CMD_TLBI_S12_VMALL: // everything of the VMID
		tbu_drop([&](const TbuTag &, const TbuEntry &e) { return e.vmid == vmid && (e.s1 || op == CMD_TLBI_S12_VMALL); });
		walk_invalidate_if([&](const WalkKey &k, const WalkVal &) {
			return k.vmid == vmid && (k.stage == 1 || op == CMD_TLBI_S12_VMALL);
		});
		strict_tlb_.invalidate_vmid(0, vmid);
		break;
	case CMD_TLBI_NH_ASID:
		tbu_drop([&](const TbuTag &, const TbuEntry &e) { return e.s1 && e.vmid == vmid && !e.global && e.asid == asid; });
		walk_invalidate_if([&](const WalkKey &k, const WalkVal &v) { // not global leaves (nG = 0)
			return k.stage == 1 && k.vmid == vmid && k.asid == asid && !(v.leaf() && !SMMU_GET(v.leaf_desc, PTE_NG));
		});
		strict_tlb_.invalidate_asid(0, vmid, asid);
		break;
	case CMD_TLBI_NH_VA:
	case CMD_TLBI_NH_VAA: {
		const bool any_asid = op == CMD_TLBI_NH_VAA;
		tbu_drop([&](const TbuTag &tag, const TbuEntry &e) {
			return e.s1 && e.vmid == vmid && (any_asid || e.global || e.asid == asid) &&
			       region_overlaps(tag.vpn, tag.page_shift, addr, len) && (e.s2 || leaf_in_scope(e.page_shift));
		});
		walk_invalidate_if([&](const WalkKey &k, const WalkVal &v) {
			const bool global_leaf = v.leaf() && !SMMU_GET(v.leaf_desc, PTE_NG);
			return k.stage == 1 && k.vmid == vmid && (any_asid || global_leaf || k.asid == asid) &&
			       k.overlaps(addr, len) && (v.leaf() ? leaf_in_scope(k.level_shift) : table_in_scope(k));
		});
		if (strict_tlb_.enabled())
			strict_tlb_.invalidate_if([&](const TlbTag &t, const TlbEntry &) {
				return t.vmid == vmid && (any_asid || t.global || t.asid == asid) && Tlb::overlaps(t, addr, len) &&
				       leaf_in_scope(t.page_shift);
			});
		break;
	}
	case CMD_TLBI_S2_IPA:
		// Stage-2-only entries (their input address is the IPA) and the stage-2 walk caches'
		// entries for the IPA: leaves, and with Leaf = 0 the tables above them (IHI 0070 §4.4.3.1).
		// Combined stage 1+2 entries need not be removed (software follows with NH_ALL/S12_VMALL).
		tbu_drop([&](const TbuTag &tag, const TbuEntry &e) {
			return !e.s1 && e.s2 && e.vmid == vmid && region_overlaps(tag.vpn, tag.page_shift, addr, len) &&
			       leaf_in_scope(e.page_shift);
		});
		walk_invalidate_if([&](const WalkKey &k, const WalkVal &v) {
			return k.stage == 2 && k.vmid == vmid && k.overlaps(addr, len) &&
			       (v.leaf() ? leaf_in_scope(k.level_shift) : table_in_scope(k));
		});
		break;
	default:
		break;
	}
}

void Smmu::cfgi(uint8_t op, const uint64_t cmd[2])
{
	const uint32_t sid = (uint32_t)SMMU_GET(cmd[0], CMD0_SID);
	const uint32_t ssid = (uint32_t)SMMU_GET(cmd[0], CMD0_SSID);
	const bool leaf = SMMU_GET(cmd[1], CMD1_LEAF);
	uint64_t lo = sid, hi = sid; // inclusive SID range
	bool all = false;
	if (op == CMD_CFGI_STE_RANGE) {
		const unsigned range = (unsigned)SMMU_GET(cmd[1], CMD1_RANGE);
		if (range == CMD_CFGI_ALL_RANGE) {
			all = true;
		} else {
			const uint64_t n = 2ull << range;
			lo = sid & ~(n - 1);
			hi = lo + n - 1;
		}
	}
	auto in = [&](uint32_t s) { return all || (s >= lo && s <= hi); };
	// Strict mode keeps every L1 descriptor the command does not name: the L1STDs that cover
	// the SIDs, the L1CD that covers the SubstreamID (under either CD-table split, since the
	// command does not say which the STE uses). The lenient model drops every L1STD.
	unsigned split = (unsigned)SMMU_GET(strtab_base_cfg_, STRTAB_BASE_CFG_SPLIT);
	if (split != 6 && split != 8 && split != 10)
		split = 6;
	auto l1std_named = [&](uint32_t l1idx) {
		return !p_.strict || all || ((uint64_t)l1idx >= (lo >> split) && (uint64_t)l1idx <= (hi >> split));
	};
	// The TBUs tag their TLB entries with the StreamID context, so configuration invalidation
	// also drops them (as MMU-600 does; over-invalidation is allowed).
	auto tbu_drop = [&](auto pred) {
		for (auto &t : tbus_) {
			t->utlb.invalidate_if(pred);
			t->mtlb.invalidate_if(pred);
		}
	};
	switch (op) {
	case CMD_CFGI_STE:
	case CMD_CFGI_STE_RANGE:
		// The STE and every CD cached through it; the L1STD too unless Leaf=1 (a range is Leaf=0).
		cfg_cache_.invalidate_if([&](const CfgKey &k, const CfgVal &) {
			if (k.kind == CFG_STE || k.kind == CFG_CD || k.kind == CFG_L1CD)
				return in(k.sid);
			return k.kind == CFG_L1STD && (op == CMD_CFGI_STE_RANGE || !leaf) && l1std_named(k.index);
		});
		tbu_drop([&](const TbuTag &t, const TbuEntry &) { return in(t.sid); });
		break;
	case CMD_CFGI_CD:
		cfgi_cd(sid, ssid, leaf);
		break;
	case CMD_CFGI_CD_ALL:
		cfg_cache_.invalidate_if([&](const CfgKey &k, const CfgVal &) {
			return k.sid == sid && (k.kind == CFG_CD || k.kind == CFG_L1CD);
		});
		tbu_drop([&](const TbuTag &t, const TbuEntry &) { return t.sid == sid; });
		break;
	default:
		break;
	}
}

// CMD_CFGI_CD: the CD by its key, not a walk over the cache (one per attach and detach: a walk
// made binding N PASIDs O(N x cache size)); L1CDs are cached only with tcu.cfg.cache_l1, and
// strict mode drops only the two that may cover the SubstreamID (cfgi). TLB entries of the
// context go too.
void Smmu::cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf)
{
	auto key = [&](CfgKind kind, uint32_t index) {
		CfgKey k;
		k.sid = sid;
		k.index = index;
		k.kind = kind;
		return k;
	};
	const CfgKey cd = key(CFG_CD, ssid);
	cfg_cache_.invalidate(cd, cd.set_index(cfg_cache_.sets()));
	if (!leaf && p_.cfg_cache_l1 && !p_.strict) {
		cfg_cache_.invalidate_if([&](const CfgKey &k, const CfgVal &) { return k.sid == sid && k.kind == CFG_L1CD; });
	} else if (!leaf && p_.cfg_cache_l1) {
		for (uint32_t l1idx : {ssid >> CD_SPLIT_4K, ssid >> CD_SPLIT_64K}) {
			const CfgKey l1 = key(CFG_L1CD, l1idx);
			cfg_cache_.invalidate(l1, l1.set_index(cfg_cache_.sets()));
		}
	}
	for (auto &t : tbus_)
		for (TbuTlb *tlb : {&t->utlb, &t->mtlb})
			if (tlb->may_hold(sid, ssid) || (ssid == 0 && tlb->may_hold(sid, kNoSsid)))
				tlb->invalidate_if([&](const TbuTag &k, const TbuEntry &) {
					return k.sid == sid && (k.ssid == ssid || (ssid == 0 && k.ssid == kNoSsid));
				});
}

bool Smmu::record_event(const uint64_t ev[4])
{
	stats.events[SMMU_GET(ev[0], EVT0_TYPE)]++;
#define TRACE_EVENT(outcome)                                                                                   \
	SMMU_TRACE(TR_EVENT, "%s sid=0x%llx %s", event_name((unsigned)SMMU_GET(ev[0], EVT0_TYPE)),              \
		   (unsigned long long)SMMU_GET(ev[0], EVT0_SID), outcome)
	if (!eventq_enabled()) {
		stats.c[ST_EVENTS_DISABLED]++; // not delivered and not an overflow
		TRACE_EVENT("not written: event queue disabled");
		return false;
	}
	if (gerror_active(2)) {
		stats.c[ST_EVENTS_NOT_RECORDED]++;
		TRACE_EVENT("not written: EVENTQ_ABT_ERR active");
		return false;
	}
	const unsigned qs = eventq_log2();
	const uint32_t m = (2u << qs) - 1;
	const uint32_t prod = eventq_prod_ & m, cons = eventq_cons_ & m;
	if ((prod ^ cons) == (1u << qs)) { // full: same index, different wrap
		if (SMMU_GET(eventq_prod_, Q_OVFLG) == SMMU_GET(eventq_cons_, Q_OVFLG))
			eventq_prod_ ^= (uint32_t)SMMU_MASK(Q_OVFLG);
		stats.c[ST_EVENTS_OVERFLOW]++;
		TRACE_EVENT("not written: queue full (overflow)");
		return false;
	}
	const uint64_t addr = SMMU_ADDR(eventq_base_, Q_BASE_ADDR) + (uint64_t)(prod & ((1u << qs) - 1)) * EVT_SIZE;
	if (!mem_write(oas_truncate(addr), ev, EVT_SIZE)) {
		raise_gerror(2); // EVENTQ_ABT_ERR; PROD does not move past the failed entry
		stats.c[ST_EVENTQ_ABT]++;
		TRACE_EVENT("not written: write aborted");
		return false;
	}
	eventq_prod_ = (eventq_prod_ & (uint32_t)SMMU_MASK(Q_OVFLG)) | ((prod + 1) & m);
	stats.c[ST_EVENTS_RECORDED]++;
	TRACE_EVENT("written");
	if (prod == cons && SMMU_GET(irq_ctrlack_, IRQ_CTRL_EVENTQ_IRQEN)) { // empty -> non-empty edge
		stats.c[ST_IRQ_EVENTQ]++;
		pulse(Irq::EventQ);
		send_msi(eventq_irq_cfg0_, eventq_irq_cfg1_, 5);
	}
	return true;
}
#undef TRACE_EVENT

} // namespace smmusim
