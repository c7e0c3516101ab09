// smmusim bench points through the smmusim binary (one SystemC elaboration per process, as a
// sweep does): CD-table footprint against the layout formulas, shards merged against an unsharded
// run, determinism, layout read counts, aggregation errors, and the speed report's JSON.
#include "helpers.h"

using namespace bench_test;

// CD-table bytes from the layout formulas (architecture: a CD is 64 B, an L1CD descriptor 8 B; the
// driver counts the bytes it asks for and aligns a table to its size, at least 64 B because
// STE.S1ContextPtr holds address bits [51:6]; leaves are 4 KiB (64 CDs) or 64 KiB (1024 CDs)).
TEST(BenchFootprint, MatchesLayoutFormulas)
{
	std::string dir = tmpdir();
	const char *layouts[] = {"linear", "2l-4k", "2l-64k"};
	const char *allocs[] = {"dense", "scattered", "strided"};
	for (unsigned n : {1u, 16u, 300u, 1024u})
		for (const char *alloc : allocs) {
			// the PASIDs ever attached (leaves are never freed before the table)
			std::vector<unsigned> touched;
			std::string a = alloc;
			unsigned k = a == "dense" ? 1 : kMaxPasid / n;
			if (a == "scattered" && k > 64)
				k = 64;
			for (unsigned p = 1; p <= n * k; p++)
				if (a != "strided" || p % k == 0)
					touched.push_back(p);
			for (const char *layout : layouts) {
				std::string id = std::string(layout) + "_n" + std::to_string(n) + "_" + alloc +
						 "_random_cfg64_l1off_d64_w16_s1";
				CliRun r = run("bench cd-layouts --point " + id + " --out " + dir);
				ASSERT_EQ(r.status, 0) << id << ": " << r.err;
				auto m = result(dir + "/" + id + ".json");
				std::string l = layout;
				unsigned split = l == "2l-4k" ? 6 : 10;
				unsigned long long l1, leaves = 0;
				if (l == "linear") {
					l1 = (1ull << 20) * 64;
				} else {
					l1 = (1ull << (20 - split)) * 8;
					std::set<unsigned> lv;
					for (unsigned p : touched)
						lv.insert(p >> split);
					leaves = lv.size() * (64ull << split);
				}
				EXPECT_EQ(m["cd_l1_bytes"], std::to_string(l1)) << id;
				EXPECT_EQ(m["cd_leaf_bytes"], std::to_string(leaves)) << id;
				EXPECT_EQ(m["cd_table_bytes"], std::to_string(l1 + leaves)) << id;
				// smmu.sidsize 24, SPLIT 8: 2^16 L1STD descriptors of 8 B + one level-2 table of 2^8 STEs
				EXPECT_EQ(m["stream_table_bytes"], std::to_string((1ull << 16) * 8 + (1ull << 8) * 64)) << id;
				// min(N, 256) domains, each 64 KiB in 4 KiB pages: 4 table pages of 4 KiB
				unsigned long long doms = n < 256 ? n : 256;
				EXPECT_EQ(m["page_table_bytes"], std::to_string(doms * 4 * 4096)) << id;
				EXPECT_EQ(m["transactions"], "64") << id;
				EXPECT_EQ(m["faults"], "0") << id;
			}
		}
	std::system(("rm -rf " + dir).c_str());
}

TEST(BenchShards, MergedShardsEqualUnshardedRun)
{
	std::string one = tmpdir(), many = tmpdir();
	const std::string sel = " --quick --dmas 512 --filter _n16_ --no-aggregate";
	CliRun r = run("bench cd-layouts" + sel + " --out " + one);
	ASSERT_EQ(r.status, 0) << r.err;
	for (int i = 0; i < 3; i++) {
		CliRun s = run("bench cd-layouts" + sel + " --shard " + std::to_string(i) + "/3 --jobs 2 --out " + many);
		ASSERT_EQ(s.status, 0) << s.err;
	}
	CliRun list = run("bench cd-layouts" + sel + " --list");
	std::vector<std::string> pts = lines(list.out);
	ASSERT_EQ(pts.size(), 9u); // 3 layouts x 3 allocations at N = 16
	for (const std::string &p : pts) {
		std::string id = p.substr(0, p.find(' '));
		std::string a = slurp(one + "/" + id + ".json"), b = slurp(many + "/" + id + ".json");
		ASSERT_FALSE(a.empty()) << id;
		EXPECT_EQ(without_host(a), without_host(b)) << id;
		EXPECT_NE(a.find("\"host\": {"), std::string::npos);
	}
	ASSERT_EQ(run("bench aggregate --no-plots " + one).status, 0);
	ASSERT_EQ(run("bench aggregate --no-plots " + many).status, 0);
	std::string c1 = slurp(one + "/summary.csv"), c2 = slurp(many + "/summary.csv");
	EXPECT_EQ(lines(c1).size(), 10u);
	EXPECT_EQ(c1, c2);
	EXPECT_EQ(slurp(one + "/summary.md"), slurp(many + "/summary.md"));
	std::system(("rm -rf " + one + " " + many).c_str());
}

TEST(BenchDeterminism, SamePointSameBytes)
{
	std::string a = tmpdir(), b = tmpdir();
	const std::string id = "2l-4k_n300_dense_burst_cfg16_l1on_d2000_w16_s5";
	ASSERT_EQ(run("bench cd-layouts --point " + id + " --out " + a).status, 0);
	ASSERT_EQ(run("bench cd-layouts --point " + id + " --out " + b).status, 0);
	std::string x = slurp(a + "/" + id + ".json"), y = slurp(b + "/" + id + ".json");
	ASSERT_FALSE(x.empty());
	EXPECT_EQ(without_host(x), without_host(y));
	// a different seed changes the access pattern
	const std::string id2 = "2l-4k_n300_dense_burst_cfg16_l1on_d2000_w16_s6";
	ASSERT_EQ(run("bench cd-layouts --point " + id2 + " --out " + a).status, 0);
	EXPECT_NE(result(a + "/" + id + ".json")["latency_mean"], result(a + "/" + id2 + ".json")["latency_mean"]);
	std::system(("rm -rf " + a + " " + b).c_str());
}

// The layouts differ where the model says they do (docs/model.md, Timing): linear tables never read
// an L1CD; without tcu.cfg.cache_l1 a 2-level table reads its L1CD on every TCU request, which is at
// least once per CD fetch; with it, 4 L1CD descriptors cover 4096 PASIDs and are read almost never.
TEST(BenchLayouts, TwoLevelReadsL1CdPerCdFetch)
{
	std::string dir = tmpdir();
	for (const char *l1 : {"off", "on"})
		for (const char *layout : {"linear", "2l-64k"}) {
			std::string id = std::string(layout) + "_n4096_dense_random_cfg64_l1" + l1 + "_d4000_w16_s1";
			ASSERT_EQ(run("bench cd-layouts --point " + id + " --out " + dir).status, 0) << id;
			auto m = result(dir + "/" + id + ".json");
			unsigned long long cd = std::stoull(m["mem.reads.cd"]), l1cd = std::stoull(m["mem.reads.l1cd"]);
			EXPECT_GT(cd, 1000u) << id;
			if (std::string(layout) == "linear") {
				EXPECT_EQ(l1cd, 0u) << id;
			} else if (std::string(l1) == "off") {
				EXPECT_GE(l1cd, cd) << id;
			} else {
				EXPECT_LT(l1cd, cd / 10) << id;
			}
		}
	std::system(("rm -rf " + dir).c_str());
}

// Regression tests of two model findings of this benchmark (docs/benchmarks.md), fixed in the model
// by ba07a9b and 1ab4bf2: (1) the configuration cache holds CDs keyed by (StreamID, SubstreamID), so
// a CD that hits needs no L1CD: L1CD reads are CD-cache misses, i.e. CD reads; (2) the cache's set
// index mixes the SubstreamID, so 16 PASIDs at a stride of 64 do not thrash one 4-way set of a
// 64-entry cache (they read 39,106 CDs for 65,536 DMAs before the fix).
TEST(BenchLayouts, L1CdReadOnlyOnCdMiss)
{
	std::string dir = tmpdir();
	const std::string id = "2l-64k_n1024_dense_random_cfg1024_l1off_d8000_w16_s1";
	ASSERT_EQ(run("bench cd-layouts --point " + id + " --out " + dir).status, 0) << id;
	auto m = result(dir + "/" + id + ".json");
	std::system(("rm -rf " + dir).c_str());
	unsigned long long cd = std::stoull(m["mem.reads.cd"]), l1cd = std::stoull(m["mem.reads.l1cd"]);
	EXPECT_EQ(l1cd, cd);
	// 1024 CDs in a 1024-entry 4-way cache: the compulsory 1024 fetches plus conflict misses (2180
	// with seed 1), far below the ~7000 TCU requests that each read an L1CD before the fix
	EXPECT_LT(cd, 3000u);
}

TEST(BenchLayouts, StridedPasidsSpreadOverCacheSets)
{
	std::string dir = tmpdir();
	const std::string id = "linear_n16_scattered_random_cfg64_l1off_d8000_w16_s1";
	ASSERT_EQ(run("bench cd-layouts --point " + id + " --out " + dir).status, 0) << id;
	auto m = result(dir + "/" + id + ".json");
	std::system(("rm -rf " + dir).c_str());
	EXPECT_EQ(m["scatter_stride"], "64");
	EXPECT_LT(std::stoull(m["mem.reads.cd"]), 100u); // 16 CDs, a few conflict misses at most
}

TEST(BenchAggregate, RejectsForeignFiles)
{
	std::string dir = tmpdir();
	std::ofstream(dir + "/garbage.json") << "{\"x\": 1}\n";
	CliRun r = run("bench aggregate " + dir);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(lines(r.err).size(), 1u) << r.err;
	std::system(("rm -rf " + dir).c_str());
}

TEST(BenchSpeed, WritesTheJsonReport)
{
	std::string dir = tmpdir();
	CliRun r = run("bench speed --repeat 1 --hit-count 5000 --miss-count 3000 --json " + dir + "/s.json");
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = slurp(dir + "/s.json");
	for (const char *k : {"\"hit_heavy\": {\"timed_tps\": ", "\"miss_heavy\": {\"timed_tps\": ", "\"functional_tps\": ",
			      "\"transactions\": 5000", "\"transactions\": 3000"})
		EXPECT_NE(j.find(k), std::string::npos) << k << " in " << j;
	bool functional = j.find("\"functional_mode\": null") == std::string::npos;
	if (!functional) {
		EXPECT_NE(r.out.find("n/a (model has no functional mode yet)"), std::string::npos) << r.out;
	}
	// the miss-heavy workload does miss the main TLB; the hit-heavy one does not
	size_t h = j.find("\"hit_heavy\""), m = j.find("\"miss_heavy\"");
	ASSERT_NE(h, std::string::npos);
	ASSERT_NE(m, std::string::npos);
	unsigned long long hm = std::stoull(j.substr(j.find("\"mtlb_misses\": ", h) + 15)),
			   mm = std::stoull(j.substr(j.find("\"mtlb_misses\": ", m) + 15));
	EXPECT_LT(hm, 100u);
	EXPECT_GT(mm, 2500u);
	std::system(("rm -rf " + dir).c_str());
}
