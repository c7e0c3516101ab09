// Every reader of input files (info and replay for traces, convert for each importer) against every
// kind of bad file: one line "FILE[:LINE]: reason" on standard error, exit status 2, the line that
// is bad, never a crash or a hang, and for convert no OUT file.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "helpers.h"

namespace {

struct Reader {
	const char *name;
	std::string cmd;    // the command before IN
	bool convert;       // takes an OUT after IN
	std::string header; // lines before the records
	std::string good, bad, overflow; // one record each, no newline
};

std::string ftrace_ev(const std::string &ts, const std::string &rest)
{
	return "  kworker/0:1H-77 [000] ..... " + ts + ": " + rest;
}

const std::vector<Reader> &readers()
{
	static const std::vector<Reader> all = {
		{"info", "info", false, "smmusim-trace 1\ndevice a sid=1\n", "r a 0x1000 64", "r a 0x1000 sixty-four",
		 "r a 0x10000000000000000 64"},
		{"replay", "replay -q", false, "smmusim-trace 1\ndevice a sid=1\n", "r a 0x1000 64", "w a 0x1000",
		 "@99999999999999999999 r a 0x1000 64"},
		{"ftrace-iommu", "convert --from ftrace-iommu", true, "# tracer: nop\n",
		 ftrace_ev("1.000001", "map: IOMMU: iova=0x1000 - 0x2000 paddr=0x80000000 size=64"),
		 ftrace_ev("1.000002", "map: IOMMU: nothing here"),
		 ftrace_ev("99999999999999999999.000001", "map: IOMMU: iova=0x1000 - 0x2000 paddr=0x8000 size=64")},
		{"ftrace-dma", "convert --from ftrace-dma", true, "# tracer: nop\n",
		 ftrace_ev("88.130115", "dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffdf000 size=64 "
					"phys_addr=10a3c5000 attrs="),
		 ftrace_ev("88.130116", "dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE"),
		 ftrace_ev("18446744074.0", "dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE dma_addr=fffdf000 size=64 "
					    "phys_addr=10a3c5000 attrs=")},
		{"lackey", "convert --from lackey", true, "==1== Lackey, an example Valgrind tool\n", "I  0401ab70,3",
		 "Q  0401ab70,3", " L 10000000000000000,8"},
		{"ramulator", "convert --from ramulator", true, "", "0x7f3a1c40 R", "0x7f3a1c40 X", "0x10000000000000000 R"},
		{"ramulator-cpu", "convert --from ramulator-cpu", true, "", "3 20734016 20841280", "3 20734016 x",
		 "3 20734016 18446744073709551616"},
		{"ramulator2", "convert --from ramulator2", true, "", "LD 0x7f3a1c40", "LOAD 0x7f3a1c40",
		 "ST 0x10000000000000000"},
		{"dramsim2-k6", "convert --from dramsim2-k6", true, "", "0x7F64AE0C P_MEM_RD 3", "0x7F64AE0C P_BOGUS 3",
		 "0x7F64AE0C P_MEM_RD 99999999999999999999"},
		{"dramsim2-mase", "convert --from dramsim2-mase", true, "", "0x7FFFEC98 READ 3", "0x7FFFEC98 SMELL 3",
		 "0x7FFFEC98 READ 99999999999999999999"},
	};
	return all;
}

size_t lines_in(const std::string &s) { return (size_t)std::count(s.begin(), s.end(), '\n'); }

// Runs the reader on `in`; checks the one-line error, its prefix and that no OUT appeared.
void expect_error(const Reader &rd, const std::string &in, const std::string &prefix, const std::string &reason,
		  const std::string &what, const std::string &wrapper = "")
{
	std::string out = temp_path(std::string(rd.name) + ".out.trace");
	std::remove(out.c_str());
	RunResult r = run(rd.cmd + " " + in + (rd.convert ? " " + out : ""), wrapper);
	SCOPED_TRACE(std::string(rd.name) + " x " + what);
	EXPECT_EQ(r.status, 2) << r.err;
	EXPECT_EQ(r.err.rfind(prefix, 0), 0u) << "want prefix " << prefix << ", got " << r.err;
	EXPECT_NE(r.err.find(reason), std::string::npos) << "want " << reason << ", got " << r.err;
	EXPECT_EQ(lines_in(r.err), 1u) << r.err;
	if (rd.convert) {
		EXPECT_FALSE(std::ifstream(out).good()) << "a failed convert left OUT behind";
	}
}

size_t whole_lines_before_damage(const std::string &path)
{
	gzFile gz = gzopen(path.c_str(), "rb");
	std::string text;
	char buf[4096];
	int n;
	while ((n = gzread(gz, buf, sizeof buf)) > 0)
		text.append(buf, (size_t)n);
	gzclose(gz);
	return lines_in(text);
}

// Root reads a file of mode 0 through its capabilities to bypass file permissions: run the reader
// without them (the kernel's permission check then applies to root too), so CI, which runs as root,
// tests the unreadable case. Empty when that is impossible here (no setpriv, or not allowed).
std::string without_permission_bypass()
{
	if (geteuid() != 0)
		return "";
	const std::string w = "setpriv --inh-caps=-dac_override,-dac_read_search "
			      "--bounding-set=-dac_override,-dac_read_search ";
	const std::string probe = write_file("probe", "x");
	chmod(probe.c_str(), 0);
	return std::system((w + "cat " + probe + " >/dev/null 2>&1").c_str()) != 0 &&
			       std::system((w + "true").c_str()) == 0
		       ? w
		       : "(none)";
}

TEST(BadInput, EveryReaderTimesEveryKindOfBadFile)
{
	const std::string unprivileged = without_permission_bypass();
	if (unprivileged == "(none)")
		std::cerr << "note: running as root without setpriv's capability dropping: the unreadable case is skipped\n";
	for (const Reader &rd : readers()) {
		const std::string tag = rd.name;
		const size_t h = lines_in(rd.header);

		// the good lines alone are accepted: every failure below is the bad input's doing
		std::string ok = write_file(tag + ".ok", rd.header + rd.good + "\n" + rd.good + "\n");
		RunResult r = run(rd.cmd + " " + ok + (rd.convert ? " " + temp_path(tag + ".ok.trace") : ""));
		ASSERT_EQ(r.status, 0) << tag << ": " << r.err;

		std::string p = write_file(tag + ".empty", "");
		expect_error(rd, p, p + ":", rd.convert ? "records found" : "empty trace", "empty");

		p = temp_path(tag + ".missing");
		expect_error(rd, p, p + ": cannot open: ", "No such file", "missing");

		p = temp_path(tag + ".dir");
		mkdir(p.c_str(), 0755);
		expect_error(rd, p, p + ": ", "directory", "directory");

		if (unprivileged != "(none)") {
			p = write_file(tag + ".unreadable", rd.header + rd.good + "\n");
			chmod(p.c_str(), 0);
			expect_error(rd, p, p + ": cannot open: ", "Permission denied", "unreadable", unprivileged);
		}

		p = write_file(tag + ".garbage", "this is not a trace ]]] \x01\x02\x7f\n{\"json\": 1}\n");
		expect_error(rd, p, p + ":", "", "garbage");

		p = write_file(tag + ".nul", rd.header + rd.good + "\n" + rd.good.substr(0, 3) + '\0' + rd.good.substr(3) +
						     "\n" + rd.good + "\n");
		expect_error(rd, p, p + ":" + std::to_string(h + 2) + ": ", "NUL byte", "NUL");

		// binary data from the first byte on (the trace reader looks at its first bytes for the binary form)
		p = write_file(tag + ".nul-first", std::string(1, '\0') + rd.header + rd.good + "\n");
		expect_error(rd, p, p + ":1: ", "NUL byte", "NUL first");

		p = write_file(tag + ".middle", rd.header + rd.good + "\n" + rd.bad + "\n" + rd.good + "\n");
		expect_error(rd, p, p + ":" + std::to_string(h + 2) + ": ", "", "bad line in the middle");

		p = write_file(tag + ".overflow", rd.header + rd.good + "\n" + rd.overflow + "\n");
		expect_error(rd, p, p + ":" + std::to_string(h + 2) + ": ", "", "overflow");

		std::string text = rd.header;
		for (int i = 0; i < 6000; i++)
			text += rd.good + "\n";
		std::string raw = read_file(write_gz(tag + ".gz", text));
		p = write_file(tag + ".cut.gz", raw.substr(0, raw.size() * 2 / 3));
		size_t whole = whole_lines_before_damage(p);
		EXPECT_GT(whole, 100u);
		expect_error(rd, p, p + ":" + std::to_string(whole + 1) + ": ", "corrupt or truncated input", "truncated gzip");
	}
}

} // namespace
