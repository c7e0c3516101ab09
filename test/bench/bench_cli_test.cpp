// smmusim bench without simulation: the point list and option errors.
#include "helpers.h"

using namespace bench_test;

TEST(BenchList, StableCompleteAndUnique)
{
	CliRun a = run("bench cd-layouts --list"), b = run("bench cd-layouts --list");
	ASSERT_EQ(a.status, 0) << a.err;
	EXPECT_EQ(a.out, b.out);
	std::vector<std::string> v = lines(a.out);
	// A: 3 layouts x (7 dense + 6 scattered + 6 strided); B: 3 x 2 N x {stream, burst}; C: 3 x 2 N x 3 caches;
	// per layout, D: 10 hot-set sizes x 2 caches + Zipf, E: 2 more working sets x 2 accesses, F: 4 devices x
	// TBUs, G: 2 churn rates, H: 4 open-loop rates
	EXPECT_EQ(v.size(), 57u + 12u + 18u + 3u * (21 + 4 + 4 + 2 + 4));
	ASSERT_FALSE(v.empty());
	EXPECT_EQ(v[0], "linear_n1_dense_random_cfg64_l1off_d65536_w16_s1 layout=linear pasids=1 alloc=dense "
			"access=random cfg_entries=64 cache_l1=off dmas=65536 window=16 clock_mhz=1000 hot=0 zipf=0 "
			"pages=16 devices=1 tbus=1 churn=0 interval=0 seed=1");
	std::set<std::string> ids;
	for (const std::string &l : v)
		ids.insert(l.substr(0, l.find(' ')));
	EXPECT_EQ(ids.size(), v.size());
	EXPECT_TRUE(ids.count("2l-64k_n1048575_dense_random_cfg64_l1off_d65536_w16_s1"));
	EXPECT_TRUE(ids.count("2l-4k_n65536_dense_random_cfg1024_l1on_d65536_w16_s1"));
	CliRun q = run("bench cd-layouts --list --quick --seed 7");
	ASSERT_EQ(q.status, 0);
	EXPECT_EQ(lines(q.out).size(), 36u + 6u + 9u + 3u * (9 + 4 + 2 + 2 + 2));
	for (const char *id : {"2l-64k_n1024_dense_random_cfg64_l1off_d4096_w16_h4_s7 ", "linear_n1024_dense_random_cfg64_l1off_d4096_w16_zipf_s7 ",
			       "2l-4k_n256_dense_stream_cfg64_l1off_d4096_w16_pg256_s7 ", "linear_n256_dense_random_cfg64_l1off_d4096_w16_dev2_tbu2_s7 ",
			       "2l-4k_n256_dense_random_cfg64_l1off_d4096_w16_ch10_s7 ", "2l-64k_n256_dense_random_cfg64_l1off_d4096_o64_s7 "})
		EXPECT_NE(q.out.find(id), std::string::npos) << id;
	EXPECT_NE(q.out.find("2l-4k_n256_dense_burst_cfg64_l1off_d4096_w16_s7 "), std::string::npos);
	// the window and a non-default clock are part of every ID: result files never collide
	CliRun w = run("bench cd-layouts --list --window 8 --clock-mhz 800 --filter linear_n16_dense_random_cfg64");
	ASSERT_EQ(w.status, 0);
	EXPECT_EQ(w.out.substr(0, w.out.find(' ')), "linear_n16_dense_random_cfg64_l1off_d65536_w8_mhz800_s1");
}

TEST(BenchOptions, BadOptionsRejectedWithOneLine)
{
	const std::vector<std::pair<std::string, int>> cases = {
		{"bench", 1},
		{"bench frob", 1},
		{"bench cd-layouts --shard 2/2", 1},
		{"bench cd-layouts --shard 1", 1},
		{"bench cd-layouts --shard 0/0", 1},
		{"bench cd-layouts --jobs 0", 1},
		{"bench cd-layouts --dmas -5", 1},
		{"bench cd-layouts --frobnicate", 1},
		{"bench cd-layouts --point nonsense", 1},
		{"bench cd-layouts --point linear_n0_dense_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n1048575_scattered_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n016_dense_random_cfg64_l1off_d1_w16_s1", 1},
		{"bench cd-layouts --point linear_n16_dense_random_cfg64_l1off_d1_w16_mhz1000_s1", 1},
		{"bench cd-layouts --point linear_n16_dense_random_cfg64_l1off_d1_s1", 1},
		{"bench cd-layouts --list --point x", 1},
		{"bench cd-layouts --filter no-such-point --out /tmp", 1},
		{"bench cd-layouts extra", 1},
		{"bench cd-layouts --window", 1},
		{"bench speed --repeat 0", 1},
		{"bench speed --hit-count x", 1},
		{"bench speed --set nokeyvalue", 1},
		{"bench speed --preset mmu900", 1},
		{"bench aggregate", 1},
		{"bench aggregate --bogus /tmp", 1},
		{"bench aggregate /nonexistent-dir-for-smmusim", 2},
	};
	for (const auto &c : cases) {
		CliRun r = run(c.first);
		EXPECT_EQ(r.status, c.second) << c.first;
		EXPECT_EQ(lines(r.err).size(), 1u) << c.first << ": " << r.err;
		EXPECT_TRUE(r.out.empty()) << c.first;
	}
	EXPECT_EQ(run("bench --help").status, 0);
	EXPECT_EQ(run("bench cd-layouts --help").status, 0);
	EXPECT_EQ(run("bench speed --help").status, 0);
	CliRun presets = run("bench speed --preset list");
	EXPECT_EQ(presets.status, 0);
	EXPECT_NE(presets.out.find("mmu700"), std::string::npos) << presets.out;
	EXPECT_EQ(run("bench aggregate --help").status, 0);
}

// The ID of the first point of a --list, and its trailing fields.
static std::string first_id(const std::string &args)
{
	CliRun r = run("bench cd-layouts --list " + args);
	EXPECT_EQ(r.status, 0) << args << ": " << r.err;
	return r.out.substr(0, r.out.find(' '));
}

// --set, --config and a preset-like file are one configuration path: the same non-default settings
// give the same hash in the ID, the defaults none, and another value another hash.
TEST(BenchWhatIf, SettingsHashedIntoTheId)
{
	const std::string f = " --quick --filter linear_n16_dense_random_cfg64";
	std::string plain = first_id(f);
	EXPECT_EQ(plain, "linear_n16_dense_random_cfg64_l1off_d4096_w16_s1");
	std::string set = first_id(f + " --set tcu.cfg.latency=10");
	ASSERT_EQ(set.size(), plain.size() + 10) << set;
	EXPECT_EQ(set.substr(0, set.size() - 3), plain.substr(0, plain.size() - 3) + "_x" + set.substr(set.size() - 11, 8));
	// the same value spelled otherwise, and from a file: the same settings, the same ID
	EXPECT_EQ(first_id(f + " --set tcu.cfg.latency=0xa"), set);
	std::string dir = tmpdir();
	std::ofstream(dir + "/c.ini") << "[tcu.cfg]\nlatency = 10\n";
	EXPECT_EQ(first_id(f + " --config " + dir + "/c.ini"), set);
	// --set after --config wins; a default value is no setting at all
	EXPECT_EQ(first_id(f + " --config " + dir + "/c.ini --set tcu.cfg.latency=3"), plain);
	EXPECT_NE(first_id(f + " --set tcu.cfg.latency=11"), set);
	// point dimensions given with --set move the point, not the hash
	EXPECT_EQ(first_id(" --quick --filter _n16_dense_random_cfg256 --set tcu.cfg.entries=256"),
		  "linear_n16_dense_random_cfg256_l1off_d4096_w16_s1");
	// a preset is settings like any other: the default one is no setting, another one a hash, and
	// the base points take its configuration cache (mmu700: 512 entries)
	EXPECT_EQ(first_id(f + " --preset mmu600"), plain);
	std::string p700 = first_id(" --quick --filter linear_n16_dense_random --preset mmu700");
	EXPECT_EQ(p700.substr(0, p700.find("_x")), "linear_n16_dense_random_cfg512_l1off_d4096_w16") << p700;
	// a one-TBU preset leaves out the points that need more TBUs
	CliRun emb = run("bench cd-layouts --list --quick --preset embedded");
	ASSERT_EQ(emb.status, 0) << emb.err;
	EXPECT_EQ(emb.out.find("_tbu2_"), std::string::npos);
	EXPECT_NE(emb.out.find("_dev2_"), std::string::npos);
	EXPECT_EQ(run("bench cd-layouts --list --quick --preset nosuch").status, 1);
	CliRun bad = run("bench cd-layouts --list --quick --config " + dir + "/missing.ini");
	EXPECT_EQ(bad.status, 2);
	EXPECT_NE(bad.err.find("missing.ini"), std::string::npos) << bad.err;
	std::system(("rm -rf " + dir).c_str());
}

TEST(BenchWhatIf, AxisMultipliesTheSweep)
{
	const std::string f = " --quick --filter _n16_dense_random_cfg64_l1off_d4096_w16_";
	CliRun one = run("bench cd-layouts --list" + f);
	ASSERT_EQ(one.status, 0) << one.err;
	size_t n = lines(one.out).size();
	EXPECT_EQ(n, 3u); // a layout each
	// a configuration key: its default value keeps the plain IDs, each other value gets its hash
	CliRun ax = run("bench cd-layouts --list" + f + " --axis tcu.cfg.latency=3,6,12");
	ASSERT_EQ(ax.status, 0) << ax.err;
	std::vector<std::string> v = lines(ax.out);
	ASSERT_EQ(v.size(), 3 * n);
	std::set<std::string> ids;
	for (const std::string &l : v)
		ids.insert(l.substr(0, l.find(' ')));
	EXPECT_EQ(ids.size(), v.size());
	EXPECT_TRUE(ids.count("linear_n16_dense_random_cfg64_l1off_d4096_w16_s1"));
	EXPECT_NE(ax.out.find(" tcu.cfg.latency=12\n"), std::string::npos);
	// a point dimension: the values appear in the IDs; two axes multiply
	CliRun two = run("bench cd-layouts --list" + f + " --axis wl.pages=1,4 --axis cd.layout=2l-4k");
	ASSERT_EQ(two.status, 0) << two.err;
	EXPECT_EQ(lines(two.out).size(), 2u);
	EXPECT_NE(two.out.find("2l-4k_n16_dense_random_cfg64_l1off_d4096_w16_pg4_s1 "), std::string::npos) << two.out;
	// values that do not fit a sub-sweep's points leave those points out (16 hot of 1 live PASID)
	CliRun hot = run("bench cd-layouts --list --quick --filter linear_n1_dense_random_cfg64_l1off_d4096_w16_ --axis wl.hot=1,16");
	ASSERT_EQ(hot.status, 0) << hot.err;
	EXPECT_EQ(lines(hot.out).size(), 1u) << hot.out;
	for (const char *args : {"--axis tcu.cfg.latency=3,x", "--axis nosuch.key=1,2", "--axis wl.hot=", "--axis wl.alloc=sparse",
				 "--axis wl.hot=1 --axis wl.hot=2", "--set wl.devices=two", "--set nokey", "--set no.such.key=1",
				 "--point linear_n16_dense_random_cfg64_l1off_d4096_w16_s1 --axis wl.hot=1,2",
				 "--point linear_n16_dense_random_cfg64_l1off_d4096_w16_zipf_h2_s1",
				 "--point linear_n16_dense_stream_cfg64_l1off_d4096_w16_zipf_s1",
				 "--point linear_n16_dense_random_cfg64_l1off_d4096_w16_x0000000g_s1",
				 "--point linear_n16_dense_random_cfg64_l1off_d4096_w16_dev2_tbu4_s1"}) {
		CliRun r = run(std::string("bench cd-layouts --list --quick ") + args);
		if (std::string(args).rfind("--point", 0) == 0)
			r = run(std::string("bench cd-layouts --out /tmp ") + args);
		EXPECT_EQ(r.status, 1) << args;
		EXPECT_EQ(lines(r.err).size(), 1u) << args << ": " << r.err;
	}
}
