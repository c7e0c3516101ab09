// Driver unit tests against a register-level fake SMMU (fake_smmu.hpp): probe, reset, queues,
// command errors, events, stream tables, domains, page tables and allocation-failure unwinding.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <set>

#include "fake_smmu.hpp"

extern "C" {
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

namespace {

struct Env {
	FakeSmmu fake;
	struct smmu_device *smmu = nullptr;
	struct smmu_options opts = {};

	int up()
	{
		int ret = smmu_probe(fake.regif(), &opts, &smmu);
		if (ret)
			return ret;
		return smmu_reset(smmu);
	}
	~Env()
	{
		if (smmu)
			smmu_remove(smmu);
	}
	bool log_contains(const char *s) const
	{
		for (auto &l : fake.logs)
			if (l.find(s) != std::string::npos)
				return true;
		return false;
	}
};

void set_field(uint32_t &reg, uint64_t mask, uint64_t val)
{
	reg = (uint32_t)((reg & ~mask) | (val << __builtin_ctzll(mask)));
}

} // namespace

// ---- Probe --------------------------------------------------------------------------------------

struct RefuseCase {
	const char *name;
	int idr;
	uint64_t mask;
	uint64_t value;
	const char *reason;
};

class DriverProbeRefuse : public ::testing::TestWithParam<RefuseCase> {};

TEST_P(DriverProbeRefuse, RefusesWithReason)
{
	const RefuseCase &c = GetParam();
	Env e;
	set_field(e.fake.idr[c.idr], c.mask, c.value);
	EXPECT_EQ(smmu_probe(e.fake.regif(), nullptr, &e.smmu), -ENODEV);
	EXPECT_EQ(e.smmu, nullptr);
	EXPECT_TRUE(e.log_contains(c.reason)) << c.name;
	EXPECT_TRUE(e.fake.live.empty()) << "probe leaked memory on refusal";
}

INSTANTIATE_TEST_SUITE_P(
	All, DriverProbeRefuse,
	::testing::Values(RefuseCase{"noS1", 0, SMMU_MASK(IDR0_S1P), 0, "IDR0.S1P"},
			  RefuseCase{"aarch32only", 0, SMMU_MASK(IDR0_TTF), IDR0_TTF_AARCH32, "AArch64"},
			  RefuseCase{"bigendian", 0, SMMU_MASK(IDR0_TTENDIAN), IDR0_TTENDIAN_BE, "big-endian"},
			  RefuseCase{"cmdqs6", 1, SMMU_MASK(IDR1_CMDQS), 6, "CMDQS"},
			  RefuseCase{"rel", 1, SMMU_MASK(IDR1_REL), 1, "REL"},
			  RefuseCase{"tables", 1, SMMU_MASK(IDR1_TABLES_PRESET), 1, "TABLES_PRESET"},
			  RefuseCase{"queues", 1, SMMU_MASK(IDR1_QUEUES_PRESET), 1, "QUEUES_PRESET"},
			  RefuseCase{"nogranule", 5, SMMU_MASK(IDR5_GRAN4K) | SMMU_MASK(IDR5_GRAN16K) | SMMU_MASK(IDR5_GRAN64K), 0,
				     "granule"}),
	[](const ::testing::TestParamInfo<RefuseCase> &i) { return std::string(i.param.name); });

// IDR3.BBML = 3 is reserved: the driver splits blocks as for level 0, which is correct on any SMMU.
TEST(DriverProbe, ReservedBbmlIsTreatedAsLevel0)
{
	Env e;
	set_field(e.fake.idr[3], SMMU_MASK(IDR3_BBML), 3);
	ASSERT_EQ(e.up(), 0);
	EXPECT_EQ(smmu_get_features(e.smmu)->bbml, 0);
	EXPECT_TRUE(e.log_contains("IDR3.BBML=3"));
}

TEST(DriverProbe, DecodesFeatures)
{
	Env e;
	set_field(e.fake.idr[0], SMMU_MASK(IDR0_ASID16), 0);
	set_field(e.fake.idr[0], SMMU_MASK(IDR0_ST_LEVEL), IDR0_ST_LEVEL_LINEAR);
	set_field(e.fake.idr[1], SMMU_MASK(IDR1_SIDSIZE), 6);
	set_field(e.fake.idr[1], SMMU_MASK(IDR1_SSIDSIZE), 5);
	set_field(e.fake.idr[3], SMMU_MASK(IDR3_RIL), 1);
	set_field(e.fake.idr[3], SMMU_MASK(IDR3_BBML), 2);
	set_field(e.fake.idr[5], SMMU_MASK(IDR5_OAS), SMMU_OAS_40);
	set_field(e.fake.idr[5], SMMU_MASK(IDR5_GRAN16K), 0);
	ASSERT_EQ(e.up(), 0);
	const struct smmu_features *f = smmu_get_features(e.smmu);
	EXPECT_EQ(f->asid_bits, 8);
	EXPECT_FALSE(f->st_2lvl);
	EXPECT_EQ(f->sid_bits, 6);
	EXPECT_EQ(f->ssid_bits, 5);
	EXPECT_TRUE(f->ril);
	EXPECT_EQ(f->bbml, 2);
	EXPECT_EQ(f->oas_bits, 40);
	EXPECT_TRUE(f->cd2l);
	EXPECT_EQ(f->pgsize_bitmap, (1ULL << 12) | (1ULL << 21) | (1ULL << 30) | (1ULL << 16) | (1ULL << 29));
	EXPECT_FALSE(smmu_strtab_is_2lvl(e.smmu));
	EXPECT_EQ(smmu_strtab_num_sids(e.smmu), 64u);
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_FMT), STRTAB_FMT_LINEAR);
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_LOG2SIZE), 6u);
	// every STE starts as abort
	for (uint32_t sid = 0; sid < 64; sid++) {
		const uint64_t *ste = smmu_ste_ptr(e.smmu, sid);
		ASSERT_NE(ste, nullptr);
		EXPECT_EQ(ste[0], SMMU_PREP(STE0_V, 1) | SMMU_PREP(STE0_CONFIG, STE_CONFIG_ABORT));
	}
}

// ---- Reset ----------------------------------------------------------------------------------------

TEST(DriverReset, SequenceAndInvalidation)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	uint32_t want = (uint32_t)(SMMU_MASK(CR0_SMMUEN) | SMMU_MASK(CR0_CMDQEN) | SMMU_MASK(CR0_EVENTQEN));
	EXPECT_EQ(e.fake.cr0, want);
	EXPECT_EQ(e.fake.cr0ack, want);
	EXPECT_EQ(e.fake.cr2, (uint32_t)(SMMU_MASK(CR2_PTM) | SMMU_MASK(CR2_RECINVSID)));
	EXPECT_EQ(SMMU_GET(e.fake.cr1, CR1_TABLE_SH), CR1_SH_ISH);
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_FMT), STRTAB_FMT_2LVL);
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_SPLIT), 8u);
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_LOG2SIZE), 16u);
	ASSERT_GE(e.fake.executed.size(), 4u);
	EXPECT_EQ(e.fake.executed[0].opcode(), CMD_CFGI_STE_RANGE);
	EXPECT_EQ(SMMU_GET(e.fake.executed[0].dw1, CMD1_RANGE), 31u);
	EXPECT_EQ(e.fake.executed[1].opcode(), CMD_SYNC);
	EXPECT_EQ(e.fake.executed[2].opcode(), CMD_TLBI_NSNH_ALL);
	EXPECT_EQ(e.fake.executed[3].opcode(), CMD_SYNC);
	EXPECT_EQ(e.fake.irq_ctrl, 0u);
	EXPECT_EQ(SMMU_GET(e.fake.cmdq_base, Q_BASE_LOG2SIZE), 8u);
}

TEST(DriverReset, AbortsThroughGbpaWhenAlreadyEnabled)
{
	Env e;
	e.fake.cr0 = e.fake.cr0ack = (uint32_t)SMMU_MASK(CR0_SMMUEN);
	ASSERT_EQ(e.up(), 0);
	EXPECT_TRUE(SMMU_GET(e.fake.gbpa, GBPA_ABORT));
	EXPECT_FALSE(SMMU_GET(e.fake.gbpa, GBPA_UPDATE));
}

TEST(DriverReset, Cr0AckTimeout)
{
	Env e;
	e.opts.poll_limit = 100;
	e.fake.cr0_stuck = true;
	e.fake.cr0ack = 0x1; // never follows CR0
	ASSERT_EQ(smmu_probe(e.fake.regif(), &e.opts, &e.smmu), 0);
	EXPECT_EQ(smmu_reset(e.smmu), -ETIMEDOUT);
	EXPECT_TRUE(e.log_contains("CR0ACK timeout"));
}

TEST(DriverReset, GbpaUpdateHandshake)
{
	Env e;
	e.opts.poll_limit = 50;
	ASSERT_EQ(e.up(), 0);
	EXPECT_EQ(smmu_set_gbpa(e.smmu, true), 0);
	EXPECT_TRUE(SMMU_GET(e.fake.gbpa, GBPA_ABORT));
	EXPECT_EQ(smmu_set_gbpa(e.smmu, false), 0);
	EXPECT_FALSE(SMMU_GET(e.fake.gbpa, GBPA_ABORT));
	e.fake.gbpa_stuck = true;
	EXPECT_EQ(smmu_set_gbpa(e.smmu, true), -ETIMEDOUT);
	e.fake.gbpa = GBPA_RESET_VALUE;
	e.fake.gbpa_stuck = false;
}

TEST(DriverReset, RemoveFreesEverythingAndDisables)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	uint32_t sids[] = {3, 0x4321};
	struct smmu_master *m;
	struct iommu_domain *d;
	ASSERT_EQ(iommu_probe_device(e.smmu, sids, 2, &m), 0);
	ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_DMA, &d), 0);
	ASSERT_EQ(iommu_attach_device(e.smmu, d, m), 0);
	ASSERT_EQ(iommu_map(e.smmu, d, 0x100000, 0x200000, 0x3000, IOMMU_READ), 0);
	smmu_remove(e.smmu);
	e.smmu = nullptr;
	EXPECT_TRUE(e.fake.live.empty()) << e.fake.live.size() << " allocations leaked";
	EXPECT_EQ(e.fake.double_frees, 0);
	EXPECT_EQ(e.fake.cr0, 0u);
	EXPECT_TRUE(SMMU_GET(e.fake.gbpa, GBPA_ABORT));
}

// ---- Command queue ---------------------------------------------------------------------------------

TEST(DriverCmdq, BatchesOneProdWritePerCall)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	smmu_clear_stats(e.smmu);
	struct smmu_cmd cmds[10];
	for (int i = 0; i < 10; i++)
		cmds[i] = smmu_cmd_cfgi_ste((uint32_t)i, true);
	size_t before = e.fake.executed.size();
	ASSERT_EQ(smmu_cmdq_issue_sync(e.smmu, cmds, 10), 0);
	EXPECT_EQ(smmu_get_stats(e.smmu)->prod_writes, 1u);
	EXPECT_EQ(smmu_get_stats(e.smmu)->cmds, 11u);
	EXPECT_EQ(smmu_get_stats(e.smmu)->syncs, 1u);
	ASSERT_EQ(e.fake.executed.size(), before + 11);
	for (int i = 0; i < 10; i++)
		EXPECT_EQ(SMMU_GET(e.fake.executed[before + i].dw0, CMD0_SID), (uint64_t)i);
	EXPECT_EQ(e.fake.executed.back().opcode(), CMD_SYNC);
}

TEST(DriverCmdq, WrapsOverManyThousandsWithoutOverwriting)
{
	Env e;
	e.opts.cmdq_log2size = 7; // 128 entries
	e.fake.consume_per_relax = 3;
	ASSERT_EQ(e.up(), 0);
	const size_t n = 20000;
	std::vector<struct smmu_cmd> cmds(n);
	for (size_t i = 0; i < n; i++)
		cmds[i] = smmu_cmd_tlbi_nh_va((uint16_t)(i & 0xffff), (uint64_t)i << 12, true);
	size_t before = e.fake.executed.size();
	// several batches of different sizes, some larger than the queue
	size_t done = 0;
	for (size_t chunk : {1u, 7u, 127u, 128u, 129u, 1000u}) {
		ASSERT_EQ(smmu_cmdq_issue_sync(e.smmu, &cmds[done], chunk), 0);
		done += chunk;
	}
	ASSERT_EQ(smmu_cmdq_issue_sync(e.smmu, &cmds[done], n - done), 0);
	std::vector<FakeCmd> got;
	for (size_t i = before; i < e.fake.executed.size(); i++)
		if (e.fake.executed[i].opcode() != CMD_SYNC)
			got.push_back(e.fake.executed[i]);
	ASSERT_EQ(got.size(), n);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ(SMMU_GET(got[i].dw1, CMD1_ADDR), (uint64_t)i) << "command " << i << " lost or reordered";
	EXPECT_GT(smmu_get_stats(e.smmu)->queue_full_waits, 0u);
	EXPECT_LT(smmu_get_stats(e.smmu)->prod_writes, n / 10);
}

TEST(DriverCmdq, IllegalCommandInTheMiddleOfABatchIsReplacedBySync)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	struct smmu_cmd cmds[5];
	for (int i = 0; i < 5; i++)
		cmds[i] = smmu_cmd_cfgi_ste((uint32_t)(100 + i), true);
	cmds[2].dw[0] = 0x7F; // reserved opcode
	size_t before = e.fake.executed.size();
	EXPECT_EQ(smmu_cmdq_issue_sync(e.smmu, cmds, 5), -EIO);
	const struct smmu_stats *st = smmu_get_stats(e.smmu);
	EXPECT_EQ(st->cmd_errors, 1u);
	EXPECT_EQ(st->last_cmd_error, CERROR_ILL);
	EXPECT_EQ(e.fake.gerror, e.fake.gerrorn) << "CMDQ_ERR not acknowledged";
	ASSERT_EQ(e.fake.executed.size(), before + 6);
	EXPECT_EQ(e.fake.executed[before + 2].opcode(), CMD_SYNC);
	EXPECT_EQ(SMMU_GET(e.fake.executed[before + 3].dw0, CMD0_SID), 103u);
	EXPECT_EQ(SMMU_GET(e.fake.executed[before + 4].dw0, CMD0_SID), 104u);
	EXPECT_TRUE(e.log_contains("CERROR_ILL"));
	// the queue keeps working
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), 0);
}

// A call reports only the commands it wrote (smmu.h): an error in an earlier batch issued
// without a sync is logged and counted by whichever call finds it, but returned to nobody else;
// an error in the CMD_SYNC itself is the sync's.
TEST(DriverCmdq, SyncReportsOnlyItsOwnCommands)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	struct smmu_cmd bad[3] = {smmu_cmd_cfgi_ste(1, true), smmu_cmd_cfgi_ste(2, true), smmu_cmd_cfgi_ste(3, true)};
	bad[1].dw[0] = 0x7F; // reserved opcode: CERROR_ILL when the fake reaches it
	EXPECT_EQ(smmu_cmdq_issue(e.smmu, bad, 3), 0) << "nothing consumed yet: no error to see";
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), 0) << "the error hit the earlier batch, not this CMD_SYNC";
	EXPECT_EQ(smmu_get_stats(e.smmu)->cmd_errors, 1u) << "but it is counted";
	EXPECT_EQ(smmu_get_stats(e.smmu)->last_cmd_error, CERROR_ILL);
	EXPECT_TRUE(e.log_contains("CERROR_ILL")) << "and logged";

	// the same for a later issue_sync whose own commands are fine
	EXPECT_EQ(smmu_cmdq_issue(e.smmu, bad, 3), 0);
	struct smmu_cmd good[2] = {smmu_cmd_cfgi_ste(4, true), smmu_cmd_cfgi_ste(5, true)};
	EXPECT_EQ(smmu_cmdq_issue_sync(e.smmu, good, 2), 0);
	EXPECT_EQ(smmu_get_stats(e.smmu)->cmd_errors, 2u);

	// an error in the CMD_SYNC itself belongs to the sync
	e.fake.abt_once_at = (unsigned)e.fake.executed.size();
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), -EIO);
	EXPECT_EQ(smmu_get_stats(e.smmu)->last_cmd_error, CERROR_ABT);
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), 0);
}

TEST(DriverCmdq, AbortedCommandIsRetried)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	e.fake.abt_once_at = (unsigned)e.fake.executed.size() + 1;
	struct smmu_cmd cmds[3] = {smmu_cmd_cfgi_ste(1, true), smmu_cmd_cfgi_ste(2, true), smmu_cmd_cfgi_ste(3, true)};
	size_t before = e.fake.executed.size();
	EXPECT_EQ(smmu_cmdq_issue_sync(e.smmu, cmds, 3), -EIO);
	EXPECT_EQ(smmu_get_stats(e.smmu)->last_cmd_error, CERROR_ABT);
	ASSERT_EQ(e.fake.executed.size(), before + 4);
	EXPECT_EQ(SMMU_GET(e.fake.executed[before + 1].dw0, CMD0_SID), 2u) << "the aborted command was not retried";
}

TEST(DriverCmdq, SyncTimeout)
{
	Env e;
	e.opts.poll_limit = 200;
	ASSERT_EQ(e.up(), 0);
	e.fake.cmdq_stuck = true;
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), -ETIMEDOUT);
	EXPECT_TRUE(e.log_contains("CMD_SYNC timeout"));
	e.fake.cmdq_stuck = false;
	EXPECT_EQ(smmu_cmdq_sync(e.smmu), 0);
}

TEST(DriverCmdq, FullQueueTimeout)
{
	Env e;
	e.opts.poll_limit = 200;
	e.opts.cmdq_log2size = 7;
	ASSERT_EQ(e.up(), 0);
	e.fake.cmdq_stuck = true;
	std::vector<struct smmu_cmd> cmds(300, smmu_cmd_cfgi_ste(1, true));
	EXPECT_EQ(smmu_cmdq_issue(e.smmu, cmds.data(), cmds.size()), -ETIMEDOUT);
	EXPECT_TRUE(e.log_contains("CMDQ full"));
}

// ---- Event queue -------------------------------------------------------------------------------------

TEST(DriverEvtq, DrainsDecodesEveryType)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	const uint8_t types[] = {EVT_F_UUT,          EVT_C_BAD_STREAMID, EVT_F_STE_FETCH,   EVT_C_BAD_STE,
				 EVT_F_BAD_ATS_TREQ, EVT_F_STREAM_DISABLED, EVT_F_TRANSL_FORBIDDEN, EVT_C_BAD_SUBSTREAMID,
				 EVT_F_CD_FETCH,     EVT_C_BAD_CD,       EVT_F_WALK_EABT,   EVT_F_TRANSLATION,
				 EVT_F_ADDR_SIZE,    EVT_F_ACCESS,       EVT_F_PERMISSION,  EVT_F_TLB_CONFLICT,
				 EVT_F_CFG_CONFLICT, EVT_E_PAGE_REQUEST, EVT_F_VMS_FETCH};
	for (size_t i = 0; i < sizeof(types); i++) {
		uint64_t rec[4] = {SMMU_PREP(EVT0_TYPE, types[i]) | SMMU_PREP(EVT0_SID, i), SMMU_PREP(EVT1_RNW, 1),
				   0x1000 * i, 0};
		ASSERT_TRUE(e.fake.push_event(rec));
	}
	std::vector<struct smmu_event> got;
	int n = smmu_evtq_drain(e.smmu, [](void *arg, const struct smmu_event *ev) {
		static_cast<std::vector<struct smmu_event> *>(arg)->push_back(*ev);
	}, &got);
	ASSERT_EQ(n, (int)sizeof(types));
	for (size_t i = 0; i < sizeof(types); i++) {
		EXPECT_EQ(got[i].type, types[i]);
		EXPECT_EQ(got[i].sid, i);
		EXPECT_TRUE(e.log_contains(smmu_event_name(types[i]))) << smmu_event_name(types[i]);
	}
	EXPECT_EQ(e.fake.evtq_cons, e.fake.evtq_prod);
	EXPECT_EQ(smmu_evtq_drain(e.smmu, nullptr, nullptr), 0);
}

TEST(DriverEvtq, WrapsAndAcknowledgesOverflow)
{
	Env e;
	e.opts.evtq_log2size = 3; // 8 records
	ASSERT_EQ(e.up(), 0);
	uint64_t rec[4] = {SMMU_PREP(EVT0_TYPE, EVT_F_TRANSLATION), 0, 0, 0};
	int total = 0;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 5; i++)
			ASSERT_TRUE(e.fake.push_event(rec));
		total += smmu_evtq_drain(e.smmu, nullptr, nullptr);
	}
	EXPECT_EQ(total, 25);
	EXPECT_EQ(smmu_get_stats(e.smmu)->evtq_overflows, 0u);
	for (int i = 0; i < 8; i++)
		ASSERT_TRUE(e.fake.push_event(rec));
	EXPECT_FALSE(e.fake.push_event(rec)); // lost: overflow
	EXPECT_NE(e.fake.evtq_prod >> 31, e.fake.evtq_cons >> 31);
	EXPECT_EQ(smmu_evtq_drain(e.smmu, nullptr, nullptr), 8);
	EXPECT_EQ(smmu_get_stats(e.smmu)->evtq_overflows, 1u);
	EXPECT_EQ(e.fake.evtq_prod >> 31, e.fake.evtq_cons >> 31) << "OVACKFLG not written";
	EXPECT_TRUE(e.log_contains("overflow"));
}

// ---- Barriers ----------------------------------------------------------------------------------------

namespace {
// Index of the first op at or after `from` that matches, or trace.size().
size_t find_op(const std::vector<FakeOp> &t, size_t from, FakeOp::Kind k, uint32_t off = ~0u)
{
	for (size_t i = from; i < t.size(); i++)
		if (t[i].kind == k && (off == ~0u || t[i].off == off))
			return i;
	return t.size();
}
bool has_op_between(const std::vector<FakeOp> &t, size_t a, size_t b, std::initializer_list<FakeOp::Kind> ks)
{
	for (size_t i = a + 1; i < b && i < t.size(); i++)
		for (FakeOp::Kind k : ks)
			if (t[i].kind == k)
				return true;
	return false;
}
} // namespace

TEST(DriverBarriers, ProbeRefusesARegifWithoutBarriers)
{
	for (int which = 0; which < 3; which++) {
		FakeSmmu fake;
		struct smmu_regif r = *fake.regif();
		(which == 0 ? r.rmb : which == 1 ? r.wmb : r.mb) = nullptr;
		struct smmu_device *smmu = nullptr;
		EXPECT_EQ(smmu_probe(&r, nullptr, &smmu), -EINVAL) << which;
		EXPECT_EQ(smmu, nullptr);
	}
}

// The records are read only after the EVENTQ_PROD read that says they are valid (a read barrier
// between the two), and EVENTQ_CONS frees their slots only after they were read (a read ordered
// before a write: a full barrier; wmb orders writes only).
TEST(DriverBarriers, EventRecordsReadBetweenReadBarrierAndFullBarrier)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	uint64_t rec[4] = {SMMU_PREP(EVT0_TYPE, EVT_F_TRANSLATION), 0, 0, 0};
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(e.fake.push_event(rec));
	e.fake.tracing = true;
	// the callback runs on the decoded record: a mark there stands for "the record was read"
	int n = smmu_evtq_drain(e.smmu, [](void *arg, const struct smmu_event *) {
		static_cast<FakeSmmu *>(arg)->mark(1);
	}, &e.fake);
	ASSERT_EQ(n, 3);
	const auto &t = e.fake.trace;
	size_t first = find_op(t, 0, FakeOp::MARK);
	ASSERT_LT(first, t.size());
	size_t prod = t.size();
	for (size_t i = 0; i < first; i++)
		if (t[i].kind == FakeOp::READ && t[i].off == SMMU_EVENTQ_PROD)
			prod = i;
	ASSERT_LT(prod, first) << "no EVENTQ_PROD read before the records";
	EXPECT_TRUE(has_op_between(t, prod, first, {FakeOp::RMB, FakeOp::MB}))
		<< "records read without a read barrier after the EVENTQ_PROD read";
	size_t last = first;
	for (size_t i = first; i < t.size(); i++)
		if (t[i].kind == FakeOp::MARK)
			last = i;
	size_t cons = find_op(t, last, FakeOp::WRITE, SMMU_EVENTQ_CONS);
	ASSERT_LT(cons, t.size()) << "EVENTQ_CONS not written";
	EXPECT_TRUE(has_op_between(t, last, cons, {FakeOp::MB}))
		<< "EVENTQ_CONS written without a full barrier after the record reads";
}

// smmu_remove frees the tables only after CR0ACK shows the SMMU disabled, with a full barrier
// between that read and the first free.
TEST(DriverBarriers, DisableAcknowledgedBeforeTablesAreFreed)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	e.fake.tracing = true;
	smmu_remove(e.smmu);
	e.smmu = nullptr;
	const auto &t = e.fake.trace;
	size_t ack = t.size();
	for (size_t i = 0; i < t.size() && ack == t.size(); i++)
		if (t[i].kind == FakeOp::READ && t[i].off == SMMU_CR0ACK && t[i].val == 0)
			ack = i;
	ASSERT_LT(ack, t.size()) << "CR0ACK = 0 never observed";
	size_t freed = find_op(t, ack, FakeOp::FREE);
	ASSERT_LT(freed, t.size());
	EXPECT_TRUE(has_op_between(t, ack, freed, {FakeOp::MB})) << "memory freed without a barrier after CR0ACK";
}

// Commands are made visible before every CMDQ_PROD write, and a completed CMD_SYNC (seen in a
// CMDQ_CONS read) is ordered before everything the caller does next.
TEST(DriverBarriers, CommandPublicationAndSyncCompletion)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	e.fake.tracing = true;
	struct smmu_cmd cmds[3] = {smmu_cmd_cfgi_ste(1, true), smmu_cmd_cfgi_ste(2, true), smmu_cmd_cfgi_ste(3, true)};
	ASSERT_EQ(smmu_cmdq_issue_sync(e.smmu, cmds, 3), 0);
	const auto &t = e.fake.trace;
	size_t prod = find_op(t, 0, FakeOp::WRITE, SMMU_CMDQ_PROD);
	ASSERT_LT(prod, t.size());
	EXPECT_TRUE(has_op_between(t, (size_t)-1, prod, {FakeOp::WMB, FakeOp::MB})) << "CMDQ_PROD before a write barrier";
	size_t last_cons = t.size();
	for (size_t i = 0; i < t.size(); i++)
		if (t[i].kind == FakeOp::READ && t[i].off == SMMU_CMDQ_CONS)
			last_cons = i;
	ASSERT_LT(last_cons, t.size());
	EXPECT_TRUE(has_op_between(t, last_cons, t.size(), {FakeOp::MB}))
		<< "no full barrier after the CMDQ_CONS read that saw the CMD_SYNC complete";
}

// ---- Stream table ------------------------------------------------------------------------------------

TEST(DriverStrtab, TwoLevelSparseSidsUpToSidsize)
{
	Env e;
	set_field(e.fake.idr[1], SMMU_MASK(IDR1_SIDSIZE), 20);
	ASSERT_EQ(e.up(), 0);
	ASSERT_TRUE(smmu_strtab_is_2lvl(e.smmu));
	ASSERT_EQ(smmu_strtab_num_sids(e.smmu), 1u << 20);
	const uint64_t *l1 = (const uint64_t *)(uintptr_t)(SMMU_GET(e.fake.strtab_base, STRTAB_BASE_ADDR) << 6);
	std::set<uint32_t> used_l1;
	uint32_t sids[] = {0, 0x1234, 0x1235, 0x80000, 0xFFFFF};
	size_t allocs = e.fake.live.size();
	for (uint32_t sid : sids) {
		struct smmu_master *m;
		size_t cfgi_leaf0 = 0;
		size_t before = e.fake.executed.size();
		ASSERT_EQ(iommu_probe_device(e.smmu, &sid, 1, &m), 0) << sid;
		for (size_t i = before; i < e.fake.executed.size(); i++)
			cfgi_leaf0 += e.fake.executed[i].opcode() == CMD_CFGI_STE && !(e.fake.executed[i].dw1 & 1);
		bool fresh = used_l1.insert(sid >> 8).second;
		EXPECT_EQ(cfgi_leaf0, fresh ? 1u : 0u) << "L1STD write needs CFGI_STE leaf=0 + SYNC";
		uint64_t d = l1[sid >> 8];
		EXPECT_EQ(SMMU_GET(d, L1STD_SPAN), 9u);
		const uint64_t *ste = smmu_ste_ptr(e.smmu, sid);
		ASSERT_NE(ste, nullptr);
		EXPECT_EQ((uint64_t)(uintptr_t)ste, (SMMU_GET(d, L1STD_L2PTR) << 6) + (sid & 0xff) * 64);
		EXPECT_EQ(SMMU_GET(ste[0], STE0_CONFIG), STE_CONFIG_ABORT);
		EXPECT_TRUE(SMMU_GET(ste[0], STE0_V));
	}
	EXPECT_EQ(e.fake.live.size() - allocs, used_l1.size() + 5 /* masters */);
	size_t valid = 0;
	for (uint32_t i = 0; i < (1u << 12); i++)
		valid += SMMU_GET(l1[i], L1STD_SPAN) != 0;
	EXPECT_EQ(valid, used_l1.size()) << "level-2 tables must be allocated lazily";
	uint32_t bad = 1u << 20;
	struct smmu_master *m;
	EXPECT_EQ(iommu_probe_device(e.smmu, &bad, 1, &m), -ERANGE);
	uint32_t dup = 0x1234;
	EXPECT_EQ(iommu_probe_device(e.smmu, &dup, 1, &m), -EEXIST);
	EXPECT_EQ(iommu_probe_device(e.smmu, &dup, 0, &m), -EINVAL);
	uint32_t twice[] = {7, 7};
	EXPECT_EQ(iommu_probe_device(e.smmu, twice, 2, &m), -EINVAL);
}

TEST(DriverStrtab, Split6And10AndForcedLinear)
{
	for (uint32_t split : {6u, 10u}) {
		Env e;
		e.opts.strtab_split = split;
		ASSERT_EQ(e.up(), 0);
		EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_SPLIT), split);
		uint32_t sid = 0xABCD;
		struct smmu_master *m;
		ASSERT_EQ(iommu_probe_device(e.smmu, &sid, 1, &m), 0);
		const uint64_t *l1 = (const uint64_t *)(uintptr_t)(SMMU_GET(e.fake.strtab_base, STRTAB_BASE_ADDR) << 6);
		EXPECT_EQ(SMMU_GET(l1[sid >> split], L1STD_SPAN), split + 1);
	}
	Env e;
	e.opts.force_linear_strtab = true;
	set_field(e.fake.idr[1], SMMU_MASK(IDR1_SIDSIZE), 10);
	ASSERT_EQ(e.up(), 0);
	EXPECT_FALSE(smmu_strtab_is_2lvl(e.smmu));
	EXPECT_EQ(SMMU_GET(e.fake.strtab_cfg, STRTAB_BASE_CFG_LOG2SIZE), 10u);
}

// ---- Domains, attach, STE/CD contents -----------------------------------------------------------------

TEST(DriverDomain, AttachS1WritesCdAndSteWithExpectedSyncs)
{
	Env e;
	ASSERT_EQ(e.up(), 0);
	uint32_t sids[] = {0x10, 0x11};
	struct smmu_master *m;
	struct iommu_domain *d;
	ASSERT_EQ(iommu_probe_device(e.smmu, sids, 2, &m), 0);
	ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_DMA, &d), 0);
	EXPECT_EQ(iommu_domain_asid(d), 1u);
	smmu_clear_stats(e.smmu);
	ASSERT_EQ(iommu_attach_device(e.smmu, d, m), 0);
	const struct smmu_stats *st = smmu_get_stats(e.smmu);
	// CD 0: invalid -> valid (2 syncs, CFGI_CD per SID); each STE abort -> S1 (2 syncs each)
	EXPECT_EQ(st->entry_syncs, 2u + 2u * 2u);
	EXPECT_EQ(st->cfgi_cd, 2u * 2u);
	EXPECT_EQ(st->cfgi_ste, 2u * 2u);
	EXPECT_EQ(st->entry_breaking, 0u) << "installing into an invalid CD/abort STE is never breaking";
	for (uint32_t sid : sids) {
		const uint64_t *ste = smmu_ste_ptr(e.smmu, sid);
		EXPECT_EQ(SMMU_GET(ste[0], STE0_CONFIG), STE_CONFIG_S1_TRANS);
		EXPECT_EQ(SMMU_GET(ste[0], STE0_S1CDMAX), 0u);
		EXPECT_EQ(SMMU_GET(ste[0], STE0_S1FMT), STE_S1FMT_LINEAR);
		const uint64_t *cd = (const uint64_t *)(uintptr_t)(SMMU_GET(ste[0], STE0_S1CONTEXTPTR) << 6);
		EXPECT_TRUE(SMMU_GET(cd[0], CD0_V));
		EXPECT_EQ(SMMU_GET(cd[0], CD0_ASID), 1u);
		EXPECT_EQ(SMMU_GET(cd[0], CD0_T0SZ), 16u);
		EXPECT_EQ(SMMU_GET(cd[0], CD0_TG0), CD_TG0_4K);
		EXPECT_TRUE(SMMU_GET(cd[0], CD0_EPD1));
		EXPECT_TRUE(SMMU_GET(cd[0], CD0_AA64));
		EXPECT_EQ(SMMU_GET(cd[0], CD0_IPS), SMMU_OAS_48);
		EXPECT_EQ(SMMU_GET(cd[1], CD1_TTB0) << 4, iommu_domain_ttb(d));
		EXPECT_EQ(cd[3], SMMU_MAIR_LINUX);
	}
	struct iommu_domain *other;
	ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_IDENTITY, &other), 0);
	EXPECT_EQ(iommu_attach_device(e.smmu, other, m), -EBUSY);
	EXPECT_EQ(iommu_attach_device(e.smmu, d, m), 0);
	iommu_detach_device(e.smmu, d, m);
	for (uint32_t sid : sids)
		EXPECT_EQ(SMMU_GET(smmu_ste_ptr(e.smmu, sid)[0], STE0_CONFIG), STE_CONFIG_ABORT);
	ASSERT_EQ(iommu_attach_device(e.smmu, other, m), 0);
	for (uint32_t sid : sids) {
		const uint64_t *ste = smmu_ste_ptr(e.smmu, sid);
		EXPECT_EQ(SMMU_GET(ste[0], STE0_CONFIG), STE_CONFIG_BYPASS);
		EXPECT_EQ(SMMU_GET(ste[1], STE1_SHCFG), STE_SHCFG_INCOMING);
	}
	EXPECT_EQ(iommu_iova_to_phys(e.smmu, other, 0x1234), 0x1234u);
	iommu_detach_device(e.smmu, other, m);
	struct iommu_domain *blocked;
	ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_BLOCKED, &blocked), 0);
	ASSERT_EQ(iommu_attach_device(e.smmu, blocked, m), 0);
	EXPECT_EQ(SMMU_GET(smmu_ste_ptr(e.smmu, 0x10)[0], STE0_CONFIG), STE_CONFIG_ABORT);
	EXPECT_EQ(iommu_domain_alloc(e.smmu, 0x40, &other), -EINVAL);
}

TEST(DriverDomain, AsidAllocator8BitExhaustsAndReuses)
{
	Env e;
	set_field(e.fake.idr[0], SMMU_MASK(IDR0_ASID16), 0);
	ASSERT_EQ(e.up(), 0);
	std::vector<struct iommu_domain *> ds;
	std::set<uint16_t> asids;
	for (int i = 0; i < 255; i++) {
		struct iommu_domain *d;
		ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_UNMANAGED, &d), 0) << i;
		ds.push_back(d);
		asids.insert(iommu_domain_asid(d));
	}
	EXPECT_EQ(asids.size(), 255u);
	EXPECT_EQ(asids.count(0), 0u) << "ASID 0 is reserved";
	size_t live = e.fake.live.size();
	struct iommu_domain *d;
	EXPECT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_DMA, &d), -ENOSPC);
	EXPECT_EQ(e.fake.live.size(), live) << "failed alloc leaked";
	uint16_t freed = iommu_domain_asid(ds[100]);
	size_t tlbi_asid = e.fake.count_opcode(CMD_TLBI_NH_ASID);
	iommu_domain_free(e.smmu, ds[100]);
	EXPECT_EQ(e.fake.count_opcode(CMD_TLBI_NH_ASID), tlbi_asid + 1) << "ASID reuse needs TLBI_NH_ASID";
	ASSERT_EQ(iommu_domain_alloc(e.smmu, IOMMU_DOMAIN_DMA, &d), 0);
	EXPECT_EQ(iommu_domain_asid(d), freed);
}

TEST(DriverDomain, GranuleChoiceAndErrors)
{
	Env e;
	set_field(e.fake.idr[5], SMMU_MASK(IDR5_GRAN16K), 0);
	ASSERT_EQ(e.up(), 0);
	struct iommu_domain *d;
	struct iommu_domain_params p = {IOMMU_DOMAIN_DMA, 16384, 0};
	EXPECT_EQ(iommu_domain_alloc_params(e.smmu, &p, &d), -EOPNOTSUPP);
	p.granule = 8192;
	EXPECT_EQ(iommu_domain_alloc_params(e.smmu, &p, &d), -EINVAL);
	p.granule = 65536;
	p.ias = 60;
	EXPECT_EQ(iommu_domain_alloc_params(e.smmu, &p, &d), -EINVAL);
	p.ias = 0;
	ASSERT_EQ(iommu_domain_alloc_params(e.smmu, &p, &d), 0);
	EXPECT_EQ(iommu_domain_pgsize_bitmap(d), (1ULL << 16) | (1ULL << 29));
}
