// What a user gets from the command line on awkward input: standard input, failed conversions,
// damaged files, raw bytes, full disks. Each test guards one behaviour that once went wrong.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <regex>

#include "helpers.h"

namespace {

std::string example(const std::string &name) { return std::string(TRACES_EXAMPLES) + "/" + name; }

// The JSON without its "trace" and "host" lines (the path and the host time differ by design).
std::string comparable(const std::string &json)
{
	std::string out;
	std::istringstream in(json);
	for (std::string line; std::getline(in, line);)
		if (line.find("\"trace\": ") == std::string::npos && line.find("\"host\": ") == std::string::npos)
			out += line + "\n";
	return out;
}

// Files in a directory (to see that nothing was left behind).
std::vector<std::string> listing(const std::string &dir)
{
	std::vector<std::string> names;
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d))
			if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
				names.push_back(e->d_name);
		closedir(d);
	}
	std::sort(names.begin(), names.end());
	return names;
}

std::string fresh_dir(const std::string &name)
{
	std::string dir = temp_path(name);
	std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
	return dir;
}

TEST(Input, ReplayReadsStandardInput)
{
	std::string a = temp_path("file.json"), b = temp_path("stdin.json");
	ASSERT_EQ(run("replay -q --json " + a + " " + example("streaming-dma.trace")).status, 0);
	RunResult r = run("replay -q --json " + b + " - < " + example("streaming-dma.trace"));
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(read_file(b).find("\"transactions\": 4096,"), std::string::npos);
	EXPECT_EQ(comparable(read_file(a)), comparable(read_file(b)));
	// the binary form on standard input, plain and compressed, from a file and through a pipe
	// (which cannot seek): detected by its magic, the same results
	for (const char *ext : {".smtb", ".smtb.gz"}) {
		std::string bin = temp_path(std::string("stdin") + ext), out = temp_path(std::string("stdin") + ext + ".json");
		ASSERT_EQ(run("convert --from smmusim " + example("streaming-dma.trace") + " " + bin).status, 0) << ext;
		r = run("replay -q --json " + out + " - < " + bin);
		ASSERT_EQ(r.status, 0) << ext << ": " << r.err;
		EXPECT_EQ(comparable(read_file(a)), comparable(read_file(out))) << ext;
		std::remove(out.c_str());
		std::string piped = "cat " + bin + " | " + SMMUSIM_BIN + " replay -q --json " + out + " -";
		ASSERT_EQ(std::system(piped.c_str()), 0) << piped;
		EXPECT_EQ(comparable(read_file(a)), comparable(read_file(out))) << ext << " through a pipe";
	}
	// gzip through a pipe too, and a bad line is still "FILE:LINE: reason" with no results printed
	r = run("replay - < " + example("multi-pasid-accelerator.trace.gz"));
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("transactions: 50000"), std::string::npos) << r.out;
	std::string bad = write_file("bad.trace", "smmusim-trace 1\ndevice a sid=1\nr a 0x0 64\nfrob\nr a 0 64\n");
	r = run("replay - < " + bad);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "-:4: unknown record \"frob\"\n");
	EXPECT_EQ(r.out, "");
}

TEST(Input, ReplayDecodingThreadChangesNothing)
{
	// decoding inline, or on its own thread 1, 2 or 16 batches ahead: the same results byte for byte
	std::string ref;
	for (std::string ahead : {"0", "1", "2", "16"}) {
		std::string json = temp_path("ahead" + ahead + ".json");
		RunResult r = run("replay -q --decode-ahead " + ahead + " --json " + json + " " +
				  example("multi-pasid-accelerator.trace.gz"));
		ASSERT_EQ(r.status, 0) << ahead << ": " << r.err;
		// the host figures say which thread decoded, and the decoding is a part of the CPU time
		std::string j = read_file(json);
		EXPECT_NE(j.find(ahead == "0" ? "\"decode_thread\": false" : "\"decode_thread\": true"), std::string::npos);
		size_t c = j.find("\"cpu_seconds\": "), d = j.find("\"decode_cpu_seconds\": ");
		ASSERT_NE(c, std::string::npos);
		ASSERT_NE(d, std::string::npos);
		EXPECT_GT(std::stod(j.substr(c + 15)), 0.0);
		EXPECT_LE(std::stod(j.substr(d + 22)), std::stod(j.substr(c + 15)));
		if (ref.empty())
			ref = comparable(read_file(json));
		else
			EXPECT_EQ(comparable(read_file(json)), ref) << "--decode-ahead " << ahead;
	}
	EXPECT_NE(ref.find("\"transactions\": 50000,"), std::string::npos);
	// the decoder reaches a bad line long before the simulation: the error comes once, in its place
	std::string text = read_file(example("streaming-dma.trace"));
	std::string bad = write_file("late-bad.trace", text + "frob\n");
	size_t lines = (size_t)std::count(text.begin(), text.end(), '\n');
	RunResult r = run("replay --decode-ahead 1 " + bad);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, bad + ":" + std::to_string(lines + 1) + ": unknown record \"frob\"\n");
	EXPECT_EQ(r.out, "");
	// the simulation stops at line 3 while the decoder waits on a full queue: the run ends
	std::string many = "smmusim-trace 1\ndevice a sid=1\ndevice b sid=2 port=9\n";
	for (int i = 3; i < 3000; i++)
		many += "device d" + std::to_string(i) + " sid=" + std::to_string(i) + "\n";
	r = run("replay --decode-ahead 1 " + write_file("stops.trace", many));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find(":3: device b uses port 9 but tbu.count is"), std::string::npos) << r.err;
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(run("replay --decode-ahead 4097 " + bad).status, 1);
}

TEST(Input, ReplayErrorsNameTheirLineAndPrintNoResults)
{
	// checked as it goes: the records before the bad one ran, but no summary pretends the run is whole
	std::string t = write_file("late.trace", "smmusim-trace 1\ndevice a sid=1\ndomain d dma\nattach a d\n"
						 "map d 0x0 0x80000000 0x1000 rw\nr a 0x0 64\nunmap d 0x1000 0x1000\n");
	std::string json = temp_path("late.json");
	RunResult r = run("replay --json " + json + " " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.rfind(t + ":7: unmap of 0x1000", 0), 0u) << r.err;
	EXPECT_EQ(r.out, "");
	EXPECT_FALSE(std::ifstream(json).good());
	// the limits the configuration sets are reported at the record that breaks them
	t = write_file("port.trace", "smmusim-trace 1\ndevice a sid=1\ndevice b sid=2 port=9\n");
	r = run("replay " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.rfind(t + ":3: device b uses port 9 but tbu.count is 4", 0), 0u) << r.err;
	t = write_file("pa.trace", "smmusim-trace 1\ndomain d dma\nmap d 0x0 0x480000000 0x1000 rw\n");
	r = run("replay --set mem.size=16G " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.rfind(t + ":3: map of physical 0x480000000+0x1000 beyond mem.size", 0), 0u) << r.err;
}

TEST(Input, MemSizeTakesEverySuffixTheConfigurationTakes)
{
	// one number syntax: what --set accepts, the replay reads back the same way
	std::string t = write_file("pa.trace", "smmusim-trace 1\ndomain d dma\nmap d 0x0 0x480000000 0x1000 rw\n");
	for (const char *v : {"1T", "1t", "1024G", "0x10000000000", "1099511627776"}) {
		RunResult r = run(std::string("replay -q --set mem.size=") + v + " " + t);
		EXPECT_EQ(r.status, 0) << v << ": " << r.err;
	}
	EXPECT_EQ(run("replay -q --set mem.size=1P " + t).status, 1);
}

TEST(Input, ConvertFailureLeavesOutAsItWas)
{
	std::string dir = fresh_dir("conv");
	std::string in = write_file("bad.lackey", "I  0401ab70,3\n S 1fff0006f8,8\nnot lackey\nI  0401ab73,5\n");
	std::string out = dir + "/out.trace";
	RunResult r = run("convert --from lackey " + in + " " + out);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, in + ":3: not a lackey line (expected \"I  ADDR,SIZE\" or \" L|S|M ADDR,SIZE\")\n");
	EXPECT_EQ(listing(dir), std::vector<std::string>{}) << "no OUT, no temporary left behind";
	std::ofstream(out) << "precious\n";
	r = run("convert --from lackey " + in + " " + out);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(read_file(out), "precious\n");
	EXPECT_EQ(listing(dir), std::vector<std::string>{"out.trace"});
	// success replaces it, with an ordinary file mode
	ASSERT_EQ(run("convert --from lackey " + data("lackey.txt") + " " + out).status, 0);
	EXPECT_EQ(read_file(out).rfind("smmusim-trace 1\n", 0), 0u);
	struct stat st;
	ASSERT_EQ(stat(out.c_str(), &st), 0);
	EXPECT_NE(st.st_mode & 0044, 0u) << "readable by others, as a plain create would make it";
	EXPECT_EQ(listing(dir), std::vector<std::string>{"out.trace"});
}

TEST(Input, ConvertRefusesOutEqualIn)
{
	std::string dir = fresh_dir("same");
	std::string in = dir + "/t.lackey";
	std::ofstream(in) << read_file(data("lackey.txt"));
	std::string before = read_file(in);
	for (const std::string &out : {in, dir + "/./t.lackey"}) {
		RunResult r = run("convert --from lackey " + in + " " + out);
		EXPECT_EQ(r.status, 1) << out;
		EXPECT_NE(r.err.find("same file as IN"), std::string::npos) << r.err;
		EXPECT_EQ(read_file(in), before);
	}
}

TEST(Input, GenWriteFailureLeavesNoFile)
{
	std::string dir = fresh_dir("gen");
	RunResult r = run("gen -n 10 -o " + dir + "/no/such/dir/x.trace");
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("cannot create"), std::string::npos) << r.err;
	EXPECT_EQ(listing(dir), std::vector<std::string>{});
	// a device is written in place, never replaced by a file
	if (access("/dev/full", W_OK) == 0) {
		r = run("gen -n 10 -o /dev/full");
		EXPECT_EQ(r.status, 2);
		EXPECT_NE(r.err.find("/dev/full: write failed: No space left on device"), std::string::npos) << r.err;
		struct stat st;
		ASSERT_EQ(stat("/dev/full", &st), 0);
		EXPECT_TRUE(S_ISCHR(st.st_mode));
	}
}

const char *kIommuHeader = "# tracer: nop\n#\n";
std::string iommu_map(const char *ts, const char *iova, const char *pa)
{
	return std::string("  modprobe-412 [002] ..... ") + ts + ": map: IOMMU: iova=" + iova + " - 0x0 paddr=" + pa +
	       " size=4096\n";
}

TEST(Input, FtraceCountsLinesThatAreNotEvents)
{
	std::string in = write_file("g.txt", std::string(kIommuHeader) + iommu_map("1.000000", "0x1000", "0x2000") +
						 "hello, I am not an event\n\n" +
						 iommu_map("1.000001", "0x2000", "0x3000") + "more garbage ]\n");
	RunResult r = run("convert --from ftrace-iommu " + in + " " + temp_path("g.trace"));
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("2 ftrace-iommu records"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("skipped 2 lines that are not ftrace events (first at line 4)"), std::string::npos) << r.out;
	// a file of nothing but garbage is not a capture
	in = write_file("g2.txt", "hello\nworld\n");
	r = run("convert --from ftrace-dma " + in + " " + temp_path("g2.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("no ftrace-dma records found"), std::string::npos) << r.err;
}

TEST(Input, FtraceRejectsNulAndOverflowingTimestamps)
{
	std::string out = temp_path("o.trace");
	std::remove(out.c_str());
	std::string text = std::string(kIommuHeader) + iommu_map("1.000000", "0x1000", "0x2000");
	text += std::string("  modprobe-412 [002] ..... 1.5") + '\0' + "00: map: IOMMU: iova=0x0\n";
	RunResult r = run("convert --from ftrace-iommu " + write_file("nul.txt", text) + " " + out);
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("nul.txt:4: NUL byte"), std::string::npos) << r.err;
	for (const char *ts : {"99999999999999999999.000000", "18446744074.000000", "1.0000000001"}) {
		std::string in = write_file("ts.txt", std::string(kIommuHeader) + iommu_map("1.000000", "0x1000", "0x2000") +
							  iommu_map(ts, "0x2000", "0x3000"));
		r = run("convert --from ftrace-iommu " + in + " " + out);
		EXPECT_EQ(r.status, 2) << ts;
		EXPECT_NE(r.err.find("ts.txt:4: bad ftrace timestamp"), std::string::npos) << r.err;
	}
	EXPECT_FALSE(std::ifstream(out).good());
}

TEST(Input, ImportersNeverWriteWhatTheCheckerRejects)
{
	// IOVAs at and beyond 2^52: an error naming the option, or skipped and counted with it
	std::string in = write_file("big.txt", std::string(kIommuHeader) + iommu_map("1.0", "0x1000", "0x2000") +
						   iommu_map("1.1", "0xfffffffffffff000", "0x3000") +
						   iommu_map("1.2", "0x10000000000000", "0x4000"));
	std::string out = temp_path("big.trace");
	RunResult r = run("convert --from ftrace-iommu " + in + " " + out);
	EXPECT_EQ(r.status, 2);
	EXPECT_NE(r.err.find("big.txt:4: map of IOVA 0xfffffffffffff000+0x1000 beyond the 52-bit address space "
			     "(--skip-out-of-range"),
		  std::string::npos)
		<< r.err;
	r = run("convert --skip-out-of-range --from ftrace-iommu " + in + " " + out);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("skipped 2 records beyond 52 bits (first at line 4)"), std::string::npos) << r.out;
	EXPECT_EQ(run("info " + out).status, 0);
	// the vsyscall page in a lackey capture
	in = write_file("vsys.lackey", "I  0401ab70,3\nI  ffffffffff600000,5\n L 1fff0006f8,8\n");
	EXPECT_EQ(run("convert --from lackey " + in + " " + out).status, 2);
	r = run("convert --from lackey --skip-out-of-range " + in + " " + out);
	EXPECT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("skipped 1 records beyond 52 bits (first at line 2)"), std::string::npos) << r.out;
	ReadResult t = read_trace(out);
	EXPECT_EQ(t.error, "");
	EXPECT_EQ(count_prefix(t.lines, "r cpu "), 2u);
}

TEST(Input, ConfigDirectoryAndIniSyntaxErrors)
{
	std::string t = temp_path("r.trace");
	ASSERT_EQ(run("gen -n 10 -o " + t).status, 0);
	std::string dir = fresh_dir("cfgdir");
	RunResult r = run("replay --config " + dir + " " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, dir + ": is a directory, not a configuration file\n");
	std::string ini = write_file("s.ini", "[smmu]\nsidsize = 16\n[tbu.mtlb\nentries = 512\n");
	r = run("replay --config " + ini + " " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, ini + ":3: section \"[tbu.mtlb\" has no closing ']'\n");
	ini = write_file("k.ini", "[tbu.mtlb]\nentries = 512 ; inline comment\nways\n");
	r = run("replay --config " + ini + " " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, ini + ":3: expected \"key = value\", got \"ways\"\n");
}

TEST(Input, WriteErrorsOnStandardOutputFail)
{
	if (access("/dev/full", W_OK) != 0)
		GTEST_SKIP() << "no /dev/full";
	std::string t = temp_path("r.trace");
	ASSERT_EQ(run("gen -n 10 -o " + t).status, 0);
	for (const std::string &args : std::vector<std::string>{"replay " + t, "info " + t, "gen -n 10", "--help",
								  "convert --from lackey " + data("lackey.txt") + " -"}) {
		std::string err = temp_path("full.err");
		int rc = std::system((std::string(SMMUSIM_BIN) + " " + args + " >/dev/full 2>" + err).c_str());
		EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 2) << args << ": " << rc;
		EXPECT_NE(read_file(err).find("No space left on device"), std::string::npos) << args << ": " << read_file(err);
	}
}

// Lines zlib can still inflate from a cut gzip file: the error belongs to the line after them.
size_t whole_lines_before_damage(const std::string &path)
{
	gzFile gz = gzopen(path.c_str(), "rb");
	std::string text;
	char buf[4096];
	int n;
	while ((n = gzread(gz, buf, sizeof buf)) > 0)
		text.append(buf, (size_t)n);
	gzclose(gz);
	return (size_t)std::count(text.begin(), text.end(), '\n');
}

TEST(Input, TruncatedGzipIsReportedWhereItIsCut)
{
	std::string text = "smmusim-trace 1\ndevice a sid=1\n";
	for (int i = 0; i < 20000; i++)
		text += "r a 0x" + std::to_string(4096 + i % 1000) + "0 16\n";
	std::string raw = read_file(write_gz("g.trace.gz", text));
	std::string cut = write_file("cut.trace.gz", raw.substr(0, raw.size() * 2 / 3));
	size_t whole = whole_lines_before_damage(cut);
	ASSERT_GT(whole, 1000u);
	for (const char *cmd : {"info", "replay -q"}) {
		RunResult r = run(std::string(cmd) + " " + cut);
		EXPECT_EQ(r.status, 2);
		EXPECT_EQ(r.err.rfind(cut + ":" + std::to_string(whole + 1) + ": corrupt or truncated input", 0), 0u)
			<< cmd << ": " << r.err;
	}
}

TEST(Input, MessagesNeverEchoRawBytes)
{
	std::string t = write_file("esc.trace", "smmusim-trace 1\nfrob\x1b[31mred\n");
	RunResult r = run("info " + t);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, t + ":2: unknown record \"frob\\x1b[31mred\"\n");
	r = run("convert --from lackey " + write_file("esc.lackey", "\x1b]0;title\x07\n") + " " + temp_path("o.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
	r = run("replay --set \"$(printf 'tbu.count=\\033[2J')\" " + t);
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("\\x1b[2J"), std::string::npos) << r.err;
	r = run("convert --from \"$(printf '\\033[2J')\" a b");
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

// "a|b|c" or "a, b, c" after `key (` in a help text
std::vector<std::string> values_after(const std::string &text, const std::string &key)
{
	std::smatch m;
	std::vector<std::string> v;
	if (!std::regex_search(text, m, std::regex(key + " \\(([^)]*)\\)")))
		return v;
	std::string list = m[1];
	std::regex item("[A-Za-z0-9-]+");
	for (auto it = std::sregex_iterator(list.begin(), list.end(), item); it != std::sregex_iterator(); ++it)
		v.push_back(it->str());
	return v;
}

TEST(Input, HelpListsOnlyValuesThatAreAccepted)
{
	std::string help = run("replay --help").out;
	std::string t = write_file("h.trace", "smmusim-trace 1\ndevice a sid=1\n");
	for (const char *key : {"cd.layout", "st.layout"}) {
		std::vector<std::string> values = values_after(help, key);
		EXPECT_GE(values.size(), 3u) << key << " in\n" << help;
		for (const std::string &v : values) {
			RunResult r = run(std::string("replay -q --set smmu.sidsize=8 --set ") + key + "=" + v + " " + t);
			EXPECT_EQ(r.status, 0) << key << "=" << v << ": " << r.err;
		}
	}
}

// Format names as the convert help lists them.
std::vector<std::string> convert_formats()
{
	std::string help = run("convert --help").out;
	std::vector<std::string> names;
	std::istringstream in(help.substr(help.find("formats:\n") + 9));
	for (std::string line; std::getline(in, line) && !line.empty();)
		names.push_back(line.substr(2, line.find(' ', 2) - 2));
	return names;
}

TEST(Input, FormatNamesAreTheSameEverywhere)
{
	std::vector<std::string> names = convert_formats();
	ASSERT_GE(names.size(), 6u);
	RunResult r = run("convert --from ftrace a b");
	EXPECT_EQ(r.status, 1);
	for (const std::string &n : names)
		EXPECT_NE(r.err.find(" " + n), std::string::npos) << n << " missing from: " << r.err;
	// the README's usage line names exactly these
	std::string readme = read_file(std::string(TRACES_EXAMPLES) + "/../../README.md");
	std::smatch m;
	ASSERT_TRUE(std::regex_search(readme, m, std::regex("convert --from ([a-z0-9|-]+) IN OUT")));
	std::string listed = m[1];
	std::vector<std::string> readme_names;
	for (size_t b = 0, e; b <= listed.size(); b = e + 1) {
		e = listed.find('|', b);
		if (e == std::string::npos)
			e = listed.size();
		readme_names.push_back(listed.substr(b, e - b));
	}
	EXPECT_EQ(readme_names, names);
}

} // namespace

namespace {

TEST(Input, ReplaySaysWhichLimitARunSpentTimeAt)
{
	std::string busy = temp_path("busy.trace"), light = temp_path("light.trace");
	ASSERT_EQ(run("gen -p random --interval 1 -n 20000 -o " + busy).status, 0);
	ASSERT_EQ(run("gen -p random --interval 16 -n 2000 -o " + light).status, 0);
	std::string jb = temp_path("busy.json"), jl = temp_path("light.json");
	// Without the driver's MMIO read time, which adds idle cycles to the run's bring-up.
	RunResult r = run("replay --set smmu.reg_read_cycles=0 --json " + jb + " " + busy);
	ASSERT_EQ(r.status, 0) << r.err;
	std::smatch m;
	ASSERT_TRUE(std::regex_search(r.out, m, std::regex("limits: .*memory channel \\(mem.bytes_per_cycle\\): ([0-9]+) "
							   "cycles \\(busy ([0-9.]+) % of the run\\)")))
		<< r.out;
	EXPECT_GT(std::stod(m[2]), 90.0) << "one 64-byte read per cycle saturates the channel";
	ASSERT_EQ(run("replay -q --json " + jl + " " + light).status, 0);
	auto channel = [](const std::string &json) {
		size_t at = json.find("\"memory_channel\": {\"waits\": 0, \"cycles\": ");
		EXPECT_NE(at, std::string::npos) << json;
		return at == std::string::npos ? 0ull : std::stoull(json.substr(at + 41));
	};
	EXPECT_GT(channel(read_file(jb)), 100 * (channel(read_file(jl)) + 1));
	for (const char *key : {"\"replay_window\": ", "\"tbu_slots\": ", "\"tcu_xlate_slots\": ", "\"tcu_ptw_slots\": "})
		EXPECT_NE(read_file(jb).find(key), std::string::npos) << key;
}

// The first number in `json` after "key": .
double json_number(const std::string &json, const std::string &key)
{
	size_t at = json.find("\"" + key + "\": ");
	EXPECT_NE(at, std::string::npos) << key;
	return at == std::string::npos ? -1 : std::stod(json.substr(at + key.size() + 4));
}

TEST(Input, DefaultsLeaveRoomForTheSmmuToShow)
{
	// gen and the untimed importers issue an access every --interval cycles; by default few enough
	// that the replay seldom holds a DMA back and the memory channel is mostly free, so the first
	// latencies a newcomer sees are the SMMU's, not a queue at a limit (one per cycle saturates
	// the channel: 90 % busy, and the replay holds most DMAs back)
	std::string lackey;
	char line[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof line, " L %x,8\n", 0x10000000 + (i * 64) % 0x4000);
		lackey += line;
	}
	std::string gen = temp_path("gen.trace"), conv = temp_path("lackey.trace");
	ASSERT_EQ(run("gen -n 20000 -o " + gen).status, 0);
	RunResult r = run("convert --from lackey " + write_file("big.lackey", lackey) + " " + conv);
	ASSERT_EQ(r.status, 0) << r.err;
	for (const std::string &t : {gen, conv}) {
		SCOPED_TRACE(t);
		std::string json = temp_path("defaults.json");
		r = run("replay -q --json " + json + " " + t);
		ASSERT_EQ(r.status, 0) << r.err;
		std::string j = read_file(json);
		const double n = json_number(j, "transactions"), late = json_number(j.substr(j.find("\"replay_window\"")), "waits");
		const double busy = json_number(j, "mem.channel.busy_cycles"), cycles = json_number(j.substr(j.find("\"model\"")), "cycles");
		EXPECT_EQ(n, 20000);
		EXPECT_LT(late, n / 20) << "DMAs the replay held back (behind a driver call, or a full window)";
		EXPECT_LT(busy, 0.4 * cycles) << "cycles the memory channel was busy";
	}
}

TEST(Input, SummarySaysWhichEventsWereNotWritten)
{
	// the events line counts the events raised; when the event queue did not take some, it says so
	std::string t = example("faults.trace");
	RunResult r = run("replay " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("events:       C_BAD_SUBSTREAMID=1 F_TRANSLATION=2 F_PERMISSION=3\n"), std::string::npos) << r.out;
	r = run("replay --set smmu.eventqs=0 " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("events:       C_BAD_SUBSTREAMID=1 F_TRANSLATION=2 F_PERMISSION=3 (recorded 4; not written: 2 "
			     "event queue full)\n"),
		  std::string::npos)
		<< r.out;
}

} // namespace
