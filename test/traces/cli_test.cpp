// The smmusim command line: help, version, exit statuses, gen determinism, info, replay's status.
#include <algorithm>
#include <cstring>
#include <map>
#include <regex>

#include "helpers.h"

namespace {

TEST(Cli, HelpAndVersion)
{
	RunResult r = run("--version");
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.out.rfind("smmusim ", 0), 0u);
	EXPECT_EQ(run("--help").status, 0);
	for (const char *cmd : {"replay", "gen", "convert", "info"}) {
		r = run(std::string(cmd) + " --help");
		EXPECT_EQ(r.status, 0) << cmd;
		EXPECT_EQ(r.out.rfind(std::string("usage: smmusim ") + cmd, 0), 0u) << cmd;
		EXPECT_EQ(run(std::string(cmd) + " --no-such-option").status, 1) << cmd;
	}
	EXPECT_EQ(run("").status, 1);
	EXPECT_EQ(run("frobnicate").status, 1);
}

TEST(Cli, GenIsDeterministicPerSeed)
{
	for (const char *pattern : {"stream", "random", "strided", "pasid", "mix"}) {
		std::string a = temp_path(std::string(pattern) + "a.trace"), b = temp_path(std::string(pattern) + "b.trace"),
			    c = temp_path(std::string(pattern) + "c.trace");
		std::string opts = std::string("gen --pattern ") + pattern + " --count 2000 --pasids 5 ";
		ASSERT_EQ(run(opts + "--seed 7 -o " + a).status, 0);
		ASSERT_EQ(run(opts + "--seed 7 -o " + b).status, 0);
		ASSERT_EQ(run(opts + "--seed 8 -o " + c).status, 0);
		EXPECT_EQ(read_file(a), read_file(b)) << pattern;
		if (std::string(pattern) != "stream" && std::string(pattern) != "strided") {
			EXPECT_NE(read_file(a), read_file(c)) << pattern;
		}
		ReadResult t = read_trace(a);
		EXPECT_EQ(t.error, "") << pattern;
		size_t dma = 0;
		for (const trace_record &rec : t.records)
			dma += rec.kind == TRACE_DMA;
		EXPECT_EQ(dma, 2000u) << pattern;
	}
}

TEST(Cli, GenPasidUsesEveryAuxDomain)
{
	std::string out = temp_path("p.trace.gz");
	ASSERT_EQ(run("gen -p pasid -n 5000 --pasids 16 -o " + out).status, 0);
	RunResult r = run("info " + out);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("5000 DMA with a PASID, 16 distinct PASIDs"), std::string::npos) << r.out;
}

// info's DMA counts: reads, writes and bytes; DMA of two devices in turn each resolve to their own
TEST(Cli, InfoCountsReadsWritesAndDevices)
{
	std::string t = write_file("rw.trace", "smmusim-trace 1\ndevice a sid=1\ndevice b sid=2 port=1\n"
					       "r a 0x0 64\nw b 0x40 32\nw a 0x80 16\nr b 0x100 8\nr a 0x200 4\n"
					       "r b 0x0 64 sid=3\n");
	RunResult r = run("info " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find(":9: StreamID 0x3 does not belong to device \"b\""), std::string::npos) << r.err;
	t = write_file("rw.trace", "smmusim-trace 1\ndevice a sid=1\ndevice b sid=2 port=1\n"
				   "r a 0x0 64\nw b 0x40 32\nw a 0x80 16\nr b 0x100 8\nr a 0x200 4\n");
	r = run("info " + t);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("dma:       3 reads, 2 writes, 124 bytes"), std::string::npos) << r.out;
}

// More PASIDs than ASIDs: --domains D shares D domains among the PASIDs (attach-pasid, PASID p on
// domain (p-1) mod D + 1), on every device, and the DMA names PASIDs by number; the trace replays.
TEST(Cli, GenPasidSharedDomains)
{
	std::string out = temp_path("shared.trace");
	ASSERT_EQ(run("gen -p pasid -n 2000 --pasids 300 --domains 7 --devices 2 -o " + out).status, 0);
	ReadResult t = read_trace(out);
	ASSERT_EQ(t.error, "");
	size_t domains = 0, binds = 0, wrong = 0, by_number = 0, dma = 0;
	for (size_t i = 0; i < t.records.size(); i++) {
		const trace_record &rec = t.records[i]; // its names are gone with the reader: the line has them
		domains += rec.kind == TRACE_DOMAIN;
		if (rec.kind == TRACE_ATTACH_PASID) {
			binds++;
			std::string want = " dom" + std::to_string((rec.u.link.pasid - 1) % 7 + 1) + " ";
			wrong += t.lines[i].find(want) == std::string::npos;
		}
		if (rec.kind == TRACE_DMA) {
			dma++;
			by_number += rec.u.dma.pasid_mode == TRACE_PASID_NUMBER && rec.u.dma.pasid >= 1 && rec.u.dma.pasid <= 300;
		}
		EXPECT_NE(rec.kind, TRACE_AUX_ATTACH);
	}
	EXPECT_EQ(domains, 7u);
	EXPECT_EQ(binds, 600u);
	EXPECT_EQ(wrong, 0u);
	EXPECT_EQ(by_number, dma);
	EXPECT_EQ(dma, 2000u);
	RunResult r = run("replay -q --json " + temp_path("shared.json") + " " + out);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(read_file(temp_path("shared.json")).find("\"ok\": 2000,"), std::string::npos);
	for (const char *bad : {"--domains 301", "--domains 7 --churn 10", "--domains 70000 --pasids 80000"})
		EXPECT_EQ(run(std::string("gen -p pasid --pasids 300 -n 10 ") + bad).status, 1) << bad;
	EXPECT_EQ(run("gen -p random --domains 2 -n 10").status, 1);
}

// The workload shapes of bench cd-layouts as a trace: several devices bound to the same PASIDs on
// their own TBUs, a hot set, Zipf, churn; info counts the (device, PASID) pairs on DMA and bound.
TEST(Cli, GenPasidWorkloadShapes)
{
	std::string out = temp_path("shape.trace");
	ASSERT_EQ(run("gen -p pasid -n 3000 --pasids 64 --devices 2 --tbus 2 --hot 4 --churn 10 -o " + out).status, 0);
	RunResult r = run("info " + out);
	ASSERT_EQ(r.status, 0) << r.err;
	// 4 hot PASIDs used by both devices; 64 PASIDs bound on each, one more while a spare is bound
	EXPECT_NE(r.out.find("3000 DMA with a PASID, 4 distinct PASIDs, 8 (device, PASID) pairs"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("bound:     129 (device, PASID) pairs at peak, 128 at the end"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("acc1             sid=0x1 pasid-bits=20 port=1"), std::string::npos) << r.out;
	ReadResult t = read_trace(out);
	ASSERT_EQ(t.error, "");
	size_t binds = 0, unbinds = 0, dev0 = 0, dma = 0;
	// names by the formatted lines: a record's name pointers dangle once the reader is closed
	ASSERT_EQ(t.records.size(), t.lines.size());
	for (size_t k = 0; k < t.records.size(); k++) {
		const trace_record &rec = t.records[k];
		const std::string &line = t.lines[k];
		bool link = rec.kind == TRACE_AUX_ATTACH || rec.kind == TRACE_DETACH;
		bool spare = link && line.size() > 6 && line.compare(line.size() - 6, 6, " spare") == 0;
		binds += spare && rec.kind == TRACE_AUX_ATTACH;
		unbinds += spare && rec.kind == TRACE_DETACH;
		if (rec.kind == TRACE_DMA) {
			dma++;
			dev0 += line.find(" acc0 ") != std::string::npos;
		}
	}
	EXPECT_EQ(binds, 29u); // one per 100 DMAs after the first 100
	EXPECT_EQ(unbinds, 29u);
	EXPECT_EQ(dev0 * 2, dma); // round robin over the devices
	// Zipf: the first PASID takes far more DMA than the last
	std::string z = temp_path("zipf.trace");
	ASSERT_EQ(run("gen -p pasid -n 20000 --pasids 64 --zipf -o " + z).status, 0);
	std::map<std::string, size_t> per;
	std::string text = read_file(z);
	for (size_t at = text.find(" pasid=aux"); at != std::string::npos; at = text.find(" pasid=aux", at + 1))
		per[text.substr(at + 7, text.find('\n', at) - at - 7)]++;
	EXPECT_GT(per["aux1"], 10 * per["aux64"] + 10);
	EXPECT_GT(per["aux64"], 0u);
	// the shapes replay
	EXPECT_EQ(run("replay -q " + out).status, 0);
	for (const char *bad : {"--devices 0", "--devices 2 --tbus 3", "--hot 65", "--hot 2 --zipf", "--churn 1001"})
		EXPECT_EQ(run(std::string("gen -p pasid --pasids 64 -n 10 ") + bad).status, 1) << bad;
	EXPECT_EQ(run("gen -p random --hot 2 -n 10").status, 1);
}

TEST(Cli, GenRejectsBadOptions)
{
	EXPECT_EQ(run("gen --size 48").status, 1);
	EXPECT_EQ(run("gen --count lots").status, 1);
	EXPECT_EQ(run("gen --pattern zigzag").status, 1);
	EXPECT_EQ(run("gen -p pasid --pasids 300 --pasid-bits 8").status, 1);
}

TEST(Cli, InfoSummarises)
{
	std::string t = write_file("i.trace", "smmusim-trace 1\ndevice nic sid=0x10,0x11 pasid-bits=4 port=1\n"
					      "domain d dma\nattach nic d\nmap d 0x0 0x0 0x2000 rw\n"
					      "@10 r nic 0x0 64\n@+90 w nic 0x40 64 pasid=3\n");
	RunResult r = run("info " + t);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("records:   6 (4 control, 2 DMA)"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("1 reads, 1 writes, 128 bytes"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("duration:  90 cycles (DMA issued from cycle 10 to 100)"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("nic              sid=0x10,0x11 pasid-bits=4 port=1"), std::string::npos) << r.out;
}

// Bad input: exactly one line "FILE:LINE: reason" on stderr, exit status 2, never a crash.
void expect_one_line_error(const std::string &cmd, const std::string &path, int line, const std::string &reason)
{
	RunResult r = run(cmd + " " + path);
	EXPECT_EQ(r.status, 2) << r.err;
	EXPECT_EQ(r.err.find(path + ":" + std::to_string(line) + ": "), 0u) << r.err;
	EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliErrors, EveryBadInputIsOneLine)
{
	for (const char *cmd : {"info", "replay"}) {
		expect_one_line_error(cmd, write_file("u.trace", "smmusim-trace 1\nbogus 1 2\n"), 2, "unknown record");
		expect_one_line_error(cmd, write_file("n.trace", "smmusim-trace 1\ndevice a sid=1x\n"), 2, "bad number");
		expect_one_line_error(cmd, write_file("s.trace", "smmusim-trace 1\ndevice a sid=1\nr 0x2 0 4\n"), 3,
				      "DMA on StreamID 0x2");
		expect_one_line_error(cmd, write_file("m.trace", "smmusim-trace 1\ndomain d dma\n\nunmap d 0 0x1000\n"),
				      4, "never mapped");
		std::string text = "smmusim-trace 1\ndevice a sid=1\n";
		for (int i = 0; i < 20000; i++)
			text += "r a 0x" + std::to_string(4096 + i % 1000) + "0 16\n";
		std::string raw = read_file(write_gz("g.trace.gz", text));
		std::string cut = write_file("cut.trace.gz", raw.substr(0, raw.size() - 40));
		RunResult r = run(std::string(cmd) + " " + cut);
		EXPECT_EQ(r.status, 2);
		EXPECT_EQ(r.err.find(cut + ":"), 0u) << r.err;
		EXPECT_NE(r.err.find("corrupt or truncated"), std::string::npos) << r.err;
		raw[raw.size() / 2] ^= 0x33;
		raw[raw.size() / 2 + 1] ^= 0x44;
		std::string bad = write_file("bad.trace.gz", raw);
		r = run(std::string(cmd) + " " + bad);
		EXPECT_EQ(r.status, 2);
		EXPECT_NE(r.err.find("corrupt or truncated"), std::string::npos) << r.err;
	}
}

std::string examples_dir() { return std::string(TRACES_EXAMPLES) + "/"; }

// The JSON without its "host" line (host time is the one non-deterministic field).
std::string without_host(const std::string &json)
{
	size_t h = json.find("\n  \"host\"");
	if (h == std::string::npos)
		return json;
	size_t e = json.find('\n', h + 1);
	return json.substr(0, h) + json.substr(e);
}

TEST(Replay, StreamingExampleWritesEveryStatistic)
{
	std::string json = temp_path("r.json"), csv = temp_path("r.csv");
	RunResult r = run("replay --quiet --json " + json + " --csv " + csv + " " + examples_dir() + "streaming-dma.trace");
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = read_file(json);
	for (const char *key : {"\"transactions\": 4096,", "\"faults\": 0,", "\"events\": {", "\"cycles\": ",
				"\"latency_cycles\": {\"mean\": ", "\"p50\": ", "\"p99\": ", "\"max\": ",
				"\"tables\": {\"stream_table_bytes\": ", "\"cd_table_bytes\": ", "\"page_table_bytes\": ",
				"\"config\": {", "\"tbu.count\": \"4\"", "\"cd.layout\": \"auto\"",
				"\"host\": {\"seconds\": ", "\"transactions_per_second\": "})
		EXPECT_NE(j.find(key), std::string::npos) << key << "\n" << j;
	// Replay's summary is the model's own statistics ("model" object of the same file). This trace
	// has p50 < p99 < max, so a figure taken from another percentile would differ.
	size_t mod = j.find("\n  \"model\": ");
	ASSERT_NE(mod, std::string::npos);
	size_t rl = j.find("\"latency_cycles\": {"), ml = j.find("\"latency\": {", mod);
	ASSERT_NE(rl, std::string::npos);
	ASSERT_NE(ml, std::string::npos);
	auto num = [&](size_t from, const char *key) { return std::stod(j.substr(j.find(key, from) + std::strlen(key))); };
	const double p50 = num(rl, "\"p50\": "), p99 = num(rl, "\"p99\": "), max = num(rl, "\"max\": ");
	EXPECT_LT(p50, p99);
	EXPECT_LT(p99, max);
	EXPECT_EQ(num(ml, "\"p50\": "), p50);
	EXPECT_EQ(num(ml, "\"p99\": "), p99);
	EXPECT_EQ(num(ml, "\"max\": "), max);
	EXPECT_EQ(num(ml, "\"mean\": "), num(rl, "\"mean\": "));
	EXPECT_EQ(num(ml, "\"count\": "), 4096);
	EXPECT_EQ(num(mod, "\"cycles\": "), num(0, "\"cycles\": "));
	std::string c = read_file(csv);
	size_t nl = c.find('\n');
	ASSERT_NE(nl, std::string::npos);
	std::string header = c.substr(0, nl), values = c.substr(nl + 1);
	EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(values.begin(), values.end(), ','));
	EXPECT_EQ(header.rfind("trace,transactions,faults,cycles,latency_mean,latency_p50,latency_p99,latency_max,", 0), 0u);
	// The CSV's figures are the JSON's.
	std::vector<std::string> col;
	for (size_t a = 0, b; a <= values.size(); a = b + 1) {
		b = values.find_first_of(",\n", a);
		if (b == std::string::npos)
			b = values.size();
		col.push_back(values.substr(a, b - a));
	}
	ASSERT_GE(col.size(), 8u);
	EXPECT_EQ(col[1], "4096");
	EXPECT_EQ(std::stod(col[3]), num(0, "\"cycles\": "));
	EXPECT_EQ(std::stod(col[5]), p50);
	EXPECT_EQ(std::stod(col[6]), p99);
	EXPECT_EQ(std::stod(col[7]), max);
}

TEST(Replay, FaultsExampleRaisesTheCommentedEvents)
{
	std::string json = temp_path("f.json");
	RunResult r = run("replay -q --json " + json + " " + examples_dir() + "faults.trace");
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = read_file(json);
	EXPECT_NE(j.find("\"transactions\": 10,"), std::string::npos) << j;
	// seven terminated, six of them by a fault; the silent abort is no fault (one counter: the model's)
	EXPECT_NE(j.find("\"faults\": 6,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"status\": {\"ok\": 3, \"abort\": 7, \"razwi\": 0}"), std::string::npos) << j;
	EXPECT_NE(j.find("\"dma.faults\": 6,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"events\": {\"C_BAD_SUBSTREAMID\": 1, \"F_TRANSLATION\": 2, \"F_PERMISSION\": 3}"),
		  std::string::npos)
		<< j;
}

TEST(Replay, DeterministicAndConfigurable)
{
	std::string a = temp_path("a.json"), b = temp_path("b.json"), c = temp_path("c.json");
	std::string t = examples_dir() + "lackey-true.trace.gz";
	ASSERT_EQ(run("replay -q --json " + a + " " + t).status, 0);
	ASSERT_EQ(run("replay -q --json " + b + " " + t).status, 0);
	EXPECT_EQ(without_host(read_file(a)), without_host(read_file(b)));
	ASSERT_EQ(run("replay -q --set tbu.utlb.entries=0 --set tbu.mtlb.entries=0 --json " + c + " " + t).status, 0);
	EXPECT_NE(without_host(read_file(a)), without_host(read_file(c))); // no TLBs: other cycles
	EXPECT_NE(read_file(c).find("\"tbu.mtlb.entries\": \"0\""), std::string::npos);
}

// Presets by name (compiled in), then --config, then --set: later wins (docs/configuration.md).
TEST(Replay, PresetThenConfigThenSet)
{
	RunResult l = run("replay --preset list");
	EXPECT_EQ(l.status, 0);
	for (const char *name : {"mmu600", "mmu700", "embedded"})
		EXPECT_NE(l.out.find(name), std::string::npos) << l.out;
	std::string t = examples_dir() + "streaming-dma.trace", j = temp_path("preset.json");
	ASSERT_EQ(run("replay -q --preset mmu700 --json " + j + " " + t).status, 0);
	EXPECT_NE(read_file(j).find("\"tcu.cfg.entries\": \"512\""), std::string::npos);
	std::string ini = write_file("preset.ini", "[tcu.cfg]\nentries = 128\n");
	ASSERT_EQ(run("replay -q --preset mmu700 --config " + ini + " --json " + j + " " + t).status, 0);
	EXPECT_NE(read_file(j).find("\"tcu.cfg.entries\": \"128\""), std::string::npos);
	EXPECT_NE(read_file(j).find("\"tcu.walk.layout\": \"unified\""), std::string::npos);
	ASSERT_EQ(run("replay -q --set tcu.cfg.entries=32 --preset mmu700 --config " + ini + " --json " + j + " " + t)
			  .status,
		  0);
	EXPECT_NE(read_file(j).find("\"tcu.cfg.entries\": \"32\""), std::string::npos) << "--set wins wherever it is";
	RunResult bad = run("replay --preset mmu900 " + t);
	EXPECT_EQ(bad.status, 1);
	EXPECT_NE(bad.err.find("mmu600"), std::string::npos) << bad.err;
}

// The driver-visible cycles of each control record: attach waits at least for its CFGI_STE and
// CMD_SYNC (cmd_cycles + cmd_inv_cycles + cmd_cycles + cmd_sync_cycles = 18).
TEST(Replay, DriverApiCyclesPerCall)
{
	std::string j = temp_path("api.json");
	ASSERT_EQ(run("replay -q --json " + j + " " + examples_dir() + "streaming-dma.trace").status, 0);
	std::string s = read_file(j);
	const size_t at = s.find("\"driver_api_cycles\": {");
	ASSERT_NE(at, std::string::npos) << s;
	const size_t a = s.find("\"attach\": {\"calls\": 1, \"cycles\": ", at);
	ASSERT_NE(a, std::string::npos) << s.substr(at, 400);
	const unsigned long long cycles = std::stoull(s.substr(a + std::strlen("\"attach\": {\"calls\": 1, \"cycles\": ")));
	EXPECT_GE(cycles, 18u);
	EXPECT_NE(s.find("\"map\": {\"calls\": 1, ", at), std::string::npos);
}

TEST(Replay, BadOptionsAndConfig)
{
	std::string t = temp_path("r.trace");
	ASSERT_EQ(run("gen -n 100 -o " + t).status, 0);
	EXPECT_EQ(run("replay --set novalue " + t).status, 1);
	RunResult r = run("replay --set no.such.key=1 " + t);
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find("no.such.key"), std::string::npos) << r.err;
	EXPECT_EQ(run("replay --config /nonexistent.ini " + t).status, 2);
	// a port beyond the configured TBUs is bad input, reported before the simulation starts
	std::string p = write_file("port.trace", "smmusim-trace 1\ndevice a sid=1 port=9\nr a 0 4\n");
	r = run("replay " + p);
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("tbu.count"), std::string::npos) << r.err;
}

TEST(Replay, MultiPasidExampleReplaysCleanly)
{
	// 32 aux domains behind one parent, 50000 DMA with PASIDs: every one translates.
	std::string json = temp_path("mp.json");
	RunResult r = run("replay -q --json " + json + " " + examples_dir() + "multi-pasid-accelerator.trace.gz");
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = read_file(json);
	EXPECT_NE(j.find("\"transactions\": 50000,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"faults\": 0,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"events\": {}"), std::string::npos) << j;
	// pasid-bits=16, cd.layout=auto: 2-level, 64 KB leaves; SSIDs 0..32 in leaf 0.
	// L1: 2^(16-10) descriptors of 8 bytes; one leaf of 1024 CDs of 64 bytes.
	uint64_t auto_bytes = (1u << (16 - 10)) * 8 + 1024 * 64;
	EXPECT_NE(j.find("\"cd_table_bytes\": " + std::to_string(auto_bytes) + ","), std::string::npos) << j;
	// the same with 4 KB leaves (2^(16-6) descriptors, one leaf of 64 CDs) and linear (2^16 CDs)
	ASSERT_EQ(run("replay -q --set cd.layout=2l-4k --json " + json + " " + examples_dir() +
		      "multi-pasid-accelerator.trace.gz").status, 0);
	j = read_file(json);
	EXPECT_NE(j.find("\"cd_table_bytes\": " + std::to_string((1u << (16 - 6)) * 8 + 64 * 64) + ","),
		  std::string::npos) << j;
	EXPECT_NE(j.find("\"faults\": 0,"), std::string::npos) << j;
	ASSERT_EQ(run("replay -q --set cd.layout=linear --json " + json + " " + examples_dir() +
		      "multi-pasid-accelerator.trace.gz").status, 0);
	j = read_file(json);
	EXPECT_NE(j.find("\"cd_table_bytes\": " + std::to_string((1u << 16) * 64) + ","), std::string::npos) << j;
	// a 2-level layout on an SMMU without CD2L is refused, not silently changed
	r = run("replay -q --set cd.layout=2l-64k --set smmu.cd2l=0 " + examples_dir() + "multi-pasid-accelerator.trace.gz");
	EXPECT_EQ(r.status, 3);
	EXPECT_NE(r.err.find("cd.layout=2l-64k needs smmu.cd2l=1"), std::string::npos) << r.err;
}

TEST(Replay, AuxAndPasidAttachDetach)
{
	std::string t = write_file("pasid.trace", "smmusim-trace 1\ndevice acc sid=1 pasid-bits=8\ndomain p dma\n"
						  "attach acc p\nenable-aux acc\ndomain a dma\naux-attach acc a\n"
						  "map a 0x1000 0x80000000 0x1000 rw\ndomain b dma\nattach-pasid acc b pasid=9\n"
						  "map b 0x1000 0x80001000 0x1000 rw\nmap p 0x1000 0x80002000 0x1000 rw\n"
						  "r acc 0x1000 64 pasid=a\nw acc 0x1000 64 pasid=b\nr acc 0x1000 64\n"
						  "detach acc b\nr acc 0x1000 64 pasid=9\ndetach acc a\nr acc 0x1000 64 pasid=1\n"
						  "r acc 0x1000 64 pasid=300\nfree a\nfree b\ndomain c dma\naux-attach acc c\n"
						  "map c 0x1000 0x80003000 0x1000 r\nr acc 0x1000 64 pasid=c\n");
	std::string json = temp_path("p.json");
	RunResult r = run("replay -q --json " + json + " " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = read_file(json);
	EXPECT_NE(j.find("\"transactions\": 7,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"faults\": 3,"), std::string::npos) << j;
	// detached PASIDs 9 and 1 have invalid CDs; 300 is beyond S1CDMax = 8
	EXPECT_NE(j.find("\"events\": {\"C_BAD_SUBSTREAMID\": 1, \"C_BAD_CD\": 2}"), std::string::npos) << j;
}

// One domain at two PASIDs of a device: detach pasid=N removes exactly that CD.
TEST(Replay, OneDomainAtTwoPasids)
{
	std::string t = write_file("two.trace", "smmusim-trace 1\ndevice acc sid=1 pasid-bits=8\ndomain d dma\n"
						"map d 0x1000 0x80000000 0x1000 rw\nattach-pasid acc d pasid=3\n"
						"attach-pasid acc d pasid=7\nr acc 0x1000 64 pasid=3\nr acc 0x1000 64 pasid=7\n"
						"detach acc d pasid=3\nr acc 0x1000 64 pasid=3\nr acc 0x1000 64 pasid=d\n"
						"detach acc d\nr acc 0x1000 64 pasid=7\nfree d\n");
	std::string json = temp_path("two.json");
	RunResult r = run("replay -q --json " + json + " " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	std::string j = read_file(json);
	EXPECT_NE(j.find("\"transactions\": 5,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"status\": {\"ok\": 3, \"abort\": 2"), std::string::npos) << j; // PASID 3, then 7, cleared
	// PASID 3 after its detach: C_BAD_CD; after the last detach the device has no PASID and no
	// domain, so its STE aborts every access without an event (STE.Config = abort)
	EXPECT_NE(j.find("\"events\": {\"C_BAD_CD\": 1}"), std::string::npos) << j;
	EXPECT_NE(j.find("\"teardown_seconds\": "), std::string::npos) << j;
}

TEST(Replay, AuxPasidOtherThanTheTraceDefinesStops)
{
	// The trace asks for PASID 5; the driver allocates lowest-free (1): replay must not go on
	// with DMA tagged by the wrong PASID.
	std::string t = write_file("auxmismatch.trace", "smmusim-trace 1\ndevice acc sid=1 pasid-bits=8\n"
							"domain p dma\nattach acc p\nenable-aux acc\ndomain a dma\n"
							"aux-attach acc a pasid=5\nr acc 0 64 pasid=a\n");
	RunResult r = run("replay -q " + t);
	EXPECT_EQ(r.status, 3);
	EXPECT_NE(r.err.find("auxmismatch.trace:7: aux-attach acc a: the driver gave PASID 1, the trace defines 5"),
		  std::string::npos)
		<< r.err;
	// enable-aux on a device without PASIDs: the driver's -ENODEV
	t = write_file("noaux.trace", "smmusim-trace 1\ndevice acc sid=1\nenable-aux acc\n");
	r = run("replay -q " + t);
	EXPECT_EQ(r.status, 3);
	EXPECT_NE(r.err.find("iommu_dev_enable_feature(acc, AUX): No such device"), std::string::npos) << r.err;
}

TEST(Cli, BenchIsPartOfTheExecutable)
{
	// The executable links every part (cli/): `bench` is always there, with its own help.
	RunResult r = run("bench --help");
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("cd-layouts"), std::string::npos) << r.out;
}

TEST(Cli, ExamplesAreValid)
{
	std::string dir = examples_dir();
	for (const char *name : {"streaming-dma.trace", "multi-pasid-accelerator.trace.gz", "faults.trace",
				 "lackey-true.trace.gz"}) {
		RunResult r = run("info " + dir + name);
		EXPECT_EQ(r.status, 0) << name << ": " << r.err;
	}
}

} // namespace
