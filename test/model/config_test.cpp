// Configuration registry and INI loading.
#include <smmusim/params.hpp>
#include <smmusim/smmusim.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>

namespace {

struct Config : ::testing::Test {
	smmusim_config *c = smmusim_config_new();
	char err[256] = {};
	~Config() override { smmusim_config_free(c); }
	std::string ini(const char *text)
	{
		std::string path = ::testing::TempDir() + "smmusim_cfg_" +
				   ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".ini";
		FILE *f = std::fopen(path.c_str(), "w");
		std::fputs(text, f);
		std::fclose(f);
		return path;
	}
};

TEST_F(Config, EveryKeyHasDefaultAndIsUnique)
{
	std::set<std::string> keys;
	size_t n = smmusim_config_count(c);
	EXPECT_GT(n, 40u);
	for (size_t i = 0; i < n; i++) {
		const char *k = smmusim_config_key(c, i);
		ASSERT_NE(nullptr, k);
		EXPECT_NE(nullptr, std::strchr(k, '.')) << k << " is not section.name";
		EXPECT_NE(nullptr, smmusim_config_get(c, k));
		EXPECT_TRUE(keys.insert(k).second) << "duplicate " << k;
	}
	EXPECT_EQ(nullptr, smmusim_config_key(c, n));
	for (const char *k : {"smmu.sidsize", "smmu.ssidsize", "smmu.cmdqs", "smmu.eventqs", "smmu.cd2l", "smmu.st_level",
			      "smmu.asid16", "smmu.oas", "smmu.stall_model", "mem.size", "mem.latency", "tbu.count",
			      "tbu.utlb.entries", "tbu.mtlb.entries", "tbu.mtlb.ways", "tcu.cfg.entries", "tcu.cfg.cache_l1",
			      "tcu.walk.entries", "cd.layout", "st.layout"})
		EXPECT_TRUE(keys.count(k)) << k;
}

TEST_F(Config, DocumentedDefaults)
{
	EXPECT_STREQ("16G", smmusim_config_get(c, "mem.size"));
	EXPECT_STREQ("4", smmusim_config_get(c, "tbu.count"));
	EXPECT_STREQ("auto", smmusim_config_get(c, "cd.layout"));
	EXPECT_STREQ("0", smmusim_config_get(c, "tcu.cfg.cache_l1"));
}

TEST_F(Config, SetAcceptsNumbersWithSuffixesAndHex)
{
	EXPECT_EQ(0, smmusim_config_set(c, "mem.size", "8G", err, sizeof err)) << err;
	EXPECT_EQ(0, smmusim_config_set(c, "mem.latency", "0x20", err, sizeof err)) << err;
	EXPECT_EQ(0, smmusim_config_set(c, "tcu.cfg.cache_l1", "yes", err, sizeof err)) << err;
	EXPECT_EQ(0, smmusim_config_set(c, "cd.layout", "2l-64k", err, sizeof err)) << err;
	EXPECT_STREQ("0x20", smmusim_config_get(c, "mem.latency"));
}

TEST_F(Config, SetRejectsUnknownKey)
{
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "smmu.nope", "1", err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "smmu.nope"));
	EXPECT_EQ(nullptr, smmusim_config_get(c, "smmu.nope"));
}

TEST_F(Config, SetRejectsBadValues)
{
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "smmu.sidsize", "33", err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "out of range"));
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "mem.latency", "ten", err, sizeof err));
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "mem.latency", "-1", err, sizeof err));
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "smmu.cd2l", "maybe", err, sizeof err));
	EXPECT_EQ(-EINVAL, smmusim_config_set(c, "st.layout", "3lvl", err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "auto|linear|2lvl"));
	EXPECT_STREQ("24", smmusim_config_get(c, "smmu.sidsize")) << "a rejected value leaves the old one";
}

TEST_F(Config, LoadIniSections)
{
	std::string p = ini("; comment\n[smmu]\nsidsize = 16\n[tbu.mtlb]\nentries = 512\n[tcu.cfg]\ncache_l1 = on\n");
	ASSERT_EQ(0, smmusim_config_load(c, p.c_str(), err, sizeof err)) << err;
	EXPECT_STREQ("16", smmusim_config_get(c, "smmu.sidsize"));
	EXPECT_STREQ("512", smmusim_config_get(c, "tbu.mtlb.entries"));
	EXPECT_STREQ("on", smmusim_config_get(c, "tcu.cfg.cache_l1"));
}

TEST_F(Config, LoadIniReportsFileAndLine)
{
	std::string p = ini("[smmu]\nsidsize = 16\nbogus = 1\n");
	EXPECT_EQ(-EINVAL, smmusim_config_load(c, p.c_str(), err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, ":3:")) << err;
	EXPECT_NE(nullptr, std::strstr(err, "smmu.bogus")) << err;
}

TEST_F(Config, LoadMissingFile)
{
	EXPECT_EQ(-ENOENT, smmusim_config_load(c, "/nonexistent/x.ini", err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "/nonexistent/x.ini"));
}

TEST_F(Config, CreateRejectsInconsistentConfiguration)
{
	ASSERT_EQ(0, smmusim_config_set(c, "smmu.st_level", "linear", err, sizeof err));
	EXPECT_EQ(nullptr, smmusim_create(c, err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "st_level")) << err;
	ASSERT_EQ(0, smmusim_config_set(c, "smmu.st_level", "2lvl", err, sizeof err));
	ASSERT_EQ(0, smmusim_config_set(c, "tbu.mtlb.entries", "10", err, sizeof err));
	EXPECT_EQ(nullptr, smmusim_create(c, err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "tbu.mtlb")) << err;
}

TEST_F(Config, SecondCreateFails)
{
	smmusim_platform *a = smmusim_create(c, err, sizeof err);
	ASSERT_NE(nullptr, a) << err;
	EXPECT_EQ(nullptr, smmusim_create(c, err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "one simulation per process"));
	smmusim_destroy(a);
	EXPECT_EQ(nullptr, smmusim_create(c, err, sizeof err)) << "not even after destroy";
}

// Keys a preset must set itself (the structure and timing of the hardware), so that no preset
// silently inherits another's value: every tbu.*, tcu.*, mem.* but the RAM layout, smmu.cmd_*.
bool hardware_key(const std::string &k)
{
	if (k == "mem.size" || k == "mem.dma_base" || k == "mem.store_visibility") // the platform, not the SMMU
		return false;
	return !k.compare(0, 4, "tbu.") || !k.compare(0, 4, "tcu.") || !k.compare(0, 4, "mem.") ||
	       !k.compare(0, 9, "smmu.cmd_") || k == "smmu.ack_delay" || k == "smmu.reg_read_cycles";
}

// Another valid value of key k than the one c holds (for a base that differs everywhere).
std::string other_value(smmusim_config *c, const char *k)
{
	std::string v = smmusim_config_get(c, k);
	if (const char *ch = smmusim_config_choices(k)) {
		std::string all = ch, first = all.substr(0, all.find('|'));
		if (first != v)
			return first;
		size_t bar = all.find('|');
		return all.substr(bar + 1, all.find('|', bar + 1) - bar - 1);
	}
	char e[256];
	for (const char *cand : {"1", "2", "3"}) // numbers and booleans ("1" is "on")
		if (v != cand && smmusim_config_set(c, k, cand, e, sizeof e) == 0) {
			smmusim_config_set(c, k, v.c_str(), e, sizeof e);
			return cand;
		}
	return v == "0" ? "1" : "0";
}

TEST_F(Config, PresetsLoadByNameAndSetEveryHardwareKey)
{
	ASSERT_GE(smmusim_preset_count(), 3u);
	for (const char *name : {"mmu600", "mmu700", "embedded"}) {
		smmusim_config *a = smmusim_config_new(), *b = smmusim_config_new();
		for (size_t i = 0; i < smmusim_config_count(b); i++) {
			const char *k = smmusim_config_key(b, i);
			if (hardware_key(k)) {
				ASSERT_EQ(0, smmusim_config_set(b, k, other_value(b, k).c_str(), err, sizeof err)) << k << err;
			}
		}
		ASSERT_EQ(0, smmusim_config_preset(a, name, err, sizeof err)) << name << ": " << err;
		ASSERT_EQ(0, smmusim_config_preset(b, name, err, sizeof err)) << name << ": " << err;
		for (size_t i = 0; i < smmusim_config_count(a); i++) {
			const char *k = smmusim_config_key(a, i);
			if (hardware_key(k)) {
				EXPECT_STREQ(smmusim_config_get(a, k), smmusim_config_get(b, k)) << name << " does not set " << k;
			}
		}
		smmusim_config_free(a);
		smmusim_config_free(b);
	}
}

TEST_F(Config, PresetsAreConsistentPlatforms)
{
	// smmusim_create() elaborates once per process, so run the checks it runs on the parameters
	// (smmu_params_from_config) for every preset.
	for (size_t i = 0; i < smmusim_preset_count(); i++) {
		smmusim_config *a = smmusim_config_new();
		ASSERT_EQ(0, smmusim_config_preset(a, smmusim_preset_name(i), err, sizeof err)) << err;
		smmusim::SmmuParams params{};
		std::string why;
		EXPECT_TRUE(smmusim::smmu_params_from_config(a, params, why)) << smmusim_preset_name(i) << ": " << why;
		EXPECT_NE(std::string(), smmusim_preset_summary(i)) << smmusim_preset_name(i) << " has no summary line";
		EXPECT_NE(nullptr, std::strstr(smmusim_preset_list(), smmusim_preset_name(i)));
		smmusim_config_free(a);
	}
	EXPECT_EQ(nullptr, smmusim_preset_name(smmusim_preset_count()));
}

TEST_F(Config, DefaultConfigurationIsTheMmu600Preset)
{
	smmusim_config *p = smmusim_config_new();
	ASSERT_EQ(0, smmusim_config_preset(p, "mmu600", err, sizeof err)) << err;
	for (size_t i = 0; i < smmusim_config_count(c); i++) {
		const char *k = smmusim_config_key(c, i);
		EXPECT_STREQ(smmusim_config_get(c, k), smmusim_config_get(p, k)) << k;
	}
	smmusim_config_free(p);
}

TEST_F(Config, PresetThenFileThenSetLaterWins)
{
	ASSERT_EQ(0, smmusim_config_preset(c, "mmu700", err, sizeof err)) << err;
	EXPECT_STREQ("512", smmusim_config_get(c, "tcu.cfg.entries"));
	std::string p = ini("[tcu.cfg]\nentries = 128\n");
	ASSERT_EQ(0, smmusim_config_load(c, p.c_str(), err, sizeof err)) << err;
	EXPECT_STREQ("128", smmusim_config_get(c, "tcu.cfg.entries"));
	EXPECT_STREQ("unified", smmusim_config_get(c, "tcu.walk.layout")) << "the file changes only what it sets";
	ASSERT_EQ(0, smmusim_config_set(c, "tcu.cfg.entries", "32", err, sizeof err)) << err;
	EXPECT_STREQ("32", smmusim_config_get(c, "tcu.cfg.entries"));
}

TEST_F(Config, UnknownPresetListsTheKnownOnes)
{
	EXPECT_EQ(-EINVAL, smmusim_config_preset(c, "mmu900", err, sizeof err));
	EXPECT_NE(nullptr, std::strstr(err, "mmu900")) << err;
	EXPECT_NE(nullptr, std::strstr(err, "mmu700")) << err;
	EXPECT_EQ(-EINVAL, smmusim_config_preset(c, nullptr, err, sizeof err));
}

} // namespace

namespace {

// docs/configuration.md documents every parameter with its default ("| `key` | default | ...").
TEST(ConfigDocs, EveryKeyDocumentedWithItsDefault)
{
	const char *src = std::getenv("SMMUSIM_SOURCE_DIR");
	std::string path = std::string(src ? src : SMMUSIM_SOURCE_DIR_FALLBACK) + "/docs/configuration.md";
	FILE *f = std::fopen(path.c_str(), "r");
	ASSERT_NE(nullptr, f) << path;
	std::string doc;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
		doc.append(buf, n);
	std::fclose(f);
	smmusim_config *c = smmusim_config_new();
	for (size_t i = 0; i < smmusim_config_count(c); i++) {
		const char *k = smmusim_config_key(c, i);
		std::string row = std::string("| `") + k + "` | " + smmusim_config_get(c, k) + " |";
		EXPECT_NE(std::string::npos, doc.find(row)) << "missing or wrong default in docs/configuration.md: " << row;
	}
	smmusim_config_free(c);
}

// docs/configuration.md, "Presets": one row per structure/timing key with each preset's value.
TEST(ConfigDocs, PresetTableMatchesTheFiles)
{
	const char *src = std::getenv("SMMUSIM_SOURCE_DIR");
	std::string path = std::string(src ? src : SMMUSIM_SOURCE_DIR_FALLBACK) + "/docs/configuration.md";
	FILE *f = std::fopen(path.c_str(), "r");
	ASSERT_NE(nullptr, f) << path;
	std::string doc;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
		doc.append(buf, n);
	std::fclose(f);
	char err[256];
	smmusim_config *p[3];
	const char *names[3] = {"mmu600", "mmu700", "embedded"};
	for (int i = 0; i < 3; i++) {
		p[i] = smmusim_config_new();
		ASSERT_EQ(0, smmusim_config_preset(p[i], names[i], err, sizeof err)) << err;
	}
	for (size_t i = 0; i < smmusim_config_count(p[0]); i++) {
		const char *k = smmusim_config_key(p[0], i);
		if (!hardware_key(k))
			continue;
		std::string row = std::string("| `") + k + "` | " + smmusim_config_get(p[0], k) + " | " +
				  smmusim_config_get(p[1], k) + " | " + smmusim_config_get(p[2], k) + " | ";
		EXPECT_NE(std::string::npos, doc.find(row)) << "missing or wrong in the presets table: " << row;
	}
	for (auto *c : p)
		smmusim_config_free(c);
}

} // namespace
