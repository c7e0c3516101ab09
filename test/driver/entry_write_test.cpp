// The STE/CD update algorithm, checked as Linux's KUnit test does (arm-smmu-v3-test.c): at every
// sync the live entry must be V=0 or equal the initial or the target entry in the bits it uses;
// breaking (V=0) exactly when expected; the expected number of syncs; the final entry == target.
#include <gtest/gtest.h>

#include <cstring>

extern "C" {
#include <smmuv3/arch.h>
#include <smmuv3/smmu.h>
}

namespace {

struct Harness {
	const struct smmu_entry_ops *ops;
	uint64_t entry[8], init[8], target[8];
	unsigned syncs = 0;
	bool invalid_seen = false;
	bool bad_state = false;

	static void sync(void *arg)
	{
		auto *h = static_cast<Harness *>(arg);
		h->syncs++;
		uint64_t used[8];
		h->ops->get_used(h->entry, used);
		if (h->entry[0] == 0) {
			h->invalid_seen = true;
			return;
		}
		bool eq_init = true, eq_target = true;
		for (unsigned i = 0; i < h->ops->num_dwords; i++) {
			eq_init &= (h->entry[i] & used[i]) == (h->init[i] & used[i]);
			eq_target &= (h->entry[i] & used[i]) == (h->target[i] & used[i]);
		}
		if (!eq_init && !eq_target)
			h->bad_state = true;
	}
};

struct smmu_features fake_features()
{
	struct smmu_features f;
	std::memset(&f, 0, sizeof(f));
	f.s1p = f.s2p = true;
	f.attr_types_ovr = true; // bypass STEs then carry SHCFG, as in Linux's fixture
	f.stall_model = IDR0_STALL_MODEL_BOTH;
	return f;
}

// hitless: no sync saw V=0 (Linux's criterion). breaking: the algorithm chose the V=0 path; an
// invalid -> valid install is not "breaking" but its first sync sees V=0.
void check(bool is_ste, const uint64_t *from, const uint64_t *to, bool hitless, unsigned expected_syncs,
	   int breaking_expected = -1)
{
	static const struct smmu_entry_ops ste_ops = {8, smmu_ste_get_used, Harness::sync};
	static const struct smmu_entry_ops cd_ops = {8, smmu_cd_get_used, Harness::sync};
	Harness h;
	h.ops = is_ste ? &ste_ops : &cd_ops;
	std::memcpy(h.entry, from, 64);
	std::memcpy(h.init, from, 64);
	std::memcpy(h.target, to, 64);
	bool breaking = smmu_entry_write(h.ops, &h, h.entry, h.target);
	EXPECT_FALSE(h.bad_state) << "an intermediate state was neither old, new nor invalid";
	EXPECT_EQ(breaking, breaking_expected < 0 ? !hitless : breaking_expected != 0);
	EXPECT_EQ(h.invalid_seen, !hitless);
	EXPECT_EQ(h.syncs, expected_syncs);
	EXPECT_EQ(0, std::memcmp(h.entry, to, 64));
}

const uint64_t kTable = 0xF0F0F0F0F0C0ULL;

void cdtable(uint64_t *ste, uint8_t s1dss, bool ats = false, uint64_t table = kTable)
{
	auto f = fake_features();
	smmu_ste_make_cdtable(&f, table, STE_S1FMT_64K_L2, 31, s1dss, ste);
	if (ats)
		ste[1] |= SMMU_PREP(STE1_EATS, 1);
}
void abort_ste(uint64_t *ste)
{
	auto f = fake_features();
	smmu_ste_make_abort(&f, ste);
}
void bypass_ste(uint64_t *ste)
{
	auto f = fake_features();
	smmu_ste_make_bypass(&f, ste);
}
void s1_cd(uint64_t *cd, uint16_t asid)
{
	std::memset(cd, 0, 64);
	cd[0] = SMMU_PREP(CD0_V, 1) | SMMU_PREP(CD0_T0SZ, 16) | SMMU_PREP(CD0_EPD1, 1) | SMMU_PREP(CD0_AA64, 1) |
		SMMU_PREP(CD0_R, 1) | SMMU_PREP(CD0_A, 1) | SMMU_PREP(CD0_ASET, 1) | SMMU_PREP(CD0_ASID, asid);
	cd[1] = SMMU_PREP(CD1_TTB0, 0xdaedbeefdeadbeefULL >> 4);
	cd[3] = 0xabcdef012345678ULL;
}

} // namespace

TEST(DriverEntryWrite, BypassToAbort)
{
	uint64_t a[8], b[8];
	bypass_ste(a);
	abort_ste(b);
	check(true, a, b, true, 2);
}
TEST(DriverEntryWrite, AbortToBypass)
{
	uint64_t a[8], b[8];
	abort_ste(a);
	bypass_ste(b);
	check(true, a, b, true, 2);
}
TEST(DriverEntryWrite, CdtableToAbort)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_SSID0, true);
	abort_ste(b);
	check(true, a, b, true, 2);
}
TEST(DriverEntryWrite, AbortToCdtable)
{
	uint64_t a[8], b[8];
	abort_ste(a);
	cdtable(b, STE_S1DSS_SSID0, true);
	check(true, a, b, true, 2);
}
TEST(DriverEntryWrite, CdtableToBypass)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_SSID0, true);
	bypass_ste(b);
	check(true, a, b, true, 3);
}
TEST(DriverEntryWrite, BypassToCdtable)
{
	uint64_t a[8], b[8];
	bypass_ste(a);
	cdtable(b, STE_S1DSS_SSID0, true);
	check(true, a, b, true, 3);
}
TEST(DriverEntryWrite, CdtableS1dssChange)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_SSID0);
	cdtable(b, STE_S1DSS_BYPASS);
	check(true, a, b, true, 1);
	check(true, b, a, true, 1);
}
TEST(DriverEntryWrite, S1dssBypassToSteBypass)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_BYPASS);
	bypass_ste(b);
	check(true, a, b, true, 2);
	check(true, b, a, true, 2);
}
TEST(DriverEntryWrite, NonHitless)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_SSID0);
	cdtable(b, STE_S1DSS_BYPASS, false, 0x1234000ULL);
	check(true, a, b, false, 3);
}
TEST(DriverEntryWrite, CdClear)
{
	uint64_t a[8] = {0}, b[8];
	s1_cd(b, 1997);
	check(false, a, b, false, 2, 0);
	check(false, b, a, false, 2, 0);
}
TEST(DriverEntryWrite, CdChangeAsid)
{
	uint64_t a[8], b[8];
	s1_cd(a, 778);
	s1_cd(b, 1997);
	check(false, a, b, true, 1);
	check(false, b, a, true, 1);
}
TEST(DriverEntryWrite, CdQuiesceWithEpd0)
{
	uint64_t a[8], b[8];
	s1_cd(a, 1997);
	std::memcpy(b, a, 64);
	b[0] |= SMMU_PREP(CD0_EPD0, 1);
	b[0] &= ~SMMU_MASK(CD0_T0SZ);
	b[1] = 0;
	check(false, a, b, true, 2);
	check(false, b, a, true, 2);
}
TEST(DriverEntryWrite, NoChangeNoSync)
{
	uint64_t a[8], b[8];
	cdtable(a, STE_S1DSS_SSID0);
	cdtable(b, STE_S1DSS_SSID0);
	check(true, a, b, true, 0);
}

TEST(DriverEvents, NamesDecodeAndFormat)
{
	EXPECT_STREQ(smmu_event_name(EVT_F_TRANSLATION), "F_TRANSLATION");
	EXPECT_STREQ(smmu_event_name(EVT_C_BAD_STE), "C_BAD_STE");
	EXPECT_STREQ(smmu_event_name(EVT_F_WALK_EABT), "F_WALK_EABT");
	EXPECT_STREQ(smmu_event_name(0x7f), "UNKNOWN");
	EXPECT_STREQ(smmu_event_name(0xE3), "IMPDEF");
	uint64_t raw[4] = {SMMU_PREP(EVT0_TYPE, EVT_F_PERMISSION) | SMMU_PREP(EVT0_SID, 0x42) | SMMU_PREP(EVT0_SSV, 1) |
				   SMMU_PREP(EVT0_SSID, 5),
			   SMMU_PREP(EVT1_RNW, 0) | SMMU_PREP(EVT1_PNU, 1) | SMMU_PREP(EVT1_CLASS, EVT_CLASS_IN),
			   0x123456789000ULL, 0};
	struct smmu_event ev;
	smmu_event_decode(raw, &ev);
	EXPECT_EQ(ev.type, EVT_F_PERMISSION);
	EXPECT_EQ(ev.sid, 0x42u);
	EXPECT_TRUE(ev.ssv);
	EXPECT_EQ(ev.ssid, 5u);
	EXPECT_TRUE(ev.pnu);
	EXPECT_FALSE(ev.rnw);
	EXPECT_EQ(ev.input_addr, 0x123456789000ULL);
	char line[200];
	size_t n = smmu_event_format(&ev, line, sizeof(line));
	EXPECT_EQ(n, std::strlen(line));
	EXPECT_NE(std::strstr(line, "F_PERMISSION"), nullptr) << line;
	EXPECT_NE(std::strstr(line, "sid 0x42"), nullptr) << line;
	EXPECT_NE(std::strstr(line, "addr 0x123456789000"), nullptr) << line;
	EXPECT_NE(std::strstr(line, "write"), nullptr) << line;
	// truncation keeps a terminated string and reports the full length
	char small[10];
	EXPECT_EQ(smmu_event_format(&ev, small, sizeof(small)), n);
	EXPECT_EQ(std::strlen(small), 9u);

	uint64_t fetch[4] = {SMMU_PREP(EVT0_TYPE, EVT_F_STE_FETCH) | SMMU_PREP(EVT0_SID, 7), 0, 0,
			     SMMU_PREP(EVT3_FETCHADDR, 0xABCDE8ULL >> 3)};
	smmu_event_decode(fetch, &ev);
	EXPECT_EQ(ev.fetch_addr, 0xABCDE8ULL);
	smmu_event_format(&ev, line, sizeof(line));
	EXPECT_NE(std::strstr(line, "fetch 0xabcde8"), nullptr) << line;
}

TEST(DriverFormat, Snprintf)
{
	char b[64];
	smmu_snprintf(b, sizeof(b), "%s=%d %u 0x%08x %#llx %c %5d|%-3s", "a", -12, 7u, 0xbeefu, 0x1234567890ULL, 'z', 42,
		      "q");
	EXPECT_STREQ(b, "a=-12 7 0x0000beef 0x1234567890 z    42|%-3s");
}
