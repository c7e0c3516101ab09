// The model's trace points through `smmusim replay --trace-events` (docs/tracing.md): the lines of
// one DMA's translation step by step, nothing when off, the list, and a pattern that names nothing.
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.h"

namespace {

// One device, one page, one read: a cold translation (STE, CD, a four-level walk).
const char *kOneDma = "smmusim-trace 1\ndevice dev0 sid=0x5\ndomain dom0 dma\nattach dev0 dom0\n"
		      "map dom0 0x10000000 0x80000000 0x1000 rw\n@+8 r dev0 0x10000040 64\n";

// The lines without their cycle, and with the addresses of table reads (where the driver's
// allocator put the tables) blanked: what is left is the path the DMA took.
std::vector<std::string> steps(const std::string &text)
{
	std::vector<std::string> out;
	std::istringstream in(text);
	std::string line;
	static const std::regex table_addr("\\b(pa|desc)=0x[0-9a-f]+");
	while (std::getline(in, line)) {
		line = line.substr(line.find(' ') + 1);
		if (line.rfind("xlate ", 0) != 0)
			line = std::regex_replace(line, table_addr, "$1=*");
		out.push_back(line);
	}
	return out;
}

} // namespace

TEST(TracePoints, OneDmaTranslationStepByStep)
{
	std::string t = write_file("one.trace", kOneDma);
	RunResult r = run("replay -q --trace-events 'tbu*,cfg*,walk*,perm,fault,xlate' " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	const std::vector<std::string> want = {
		"tbu_utlb sid=0x5 ssv=0 ssid=0x0 va=0x10000040 miss",
		"tbu_mtlb sid=0x5 ssv=0 ssid=0x0 va=0x10000040 probes=0 miss",
		"cfg_lookup STE sid=0x5 index=0x0 miss",
		"cfg_read L1STD sid=0x5 index=0x0 pa=*",
		"cfg_read STE sid=0x5 index=0x0 pa=*",
		"cfg_lookup CD sid=0x5 index=0x0 miss",
		"cfg_read CD sid=0x5 index=0x0 pa=*",
		"walk_cache asid=0x1 va=0x10000040 start=0",
		"walk_level stage=1 level=0 pa=* desc=* table",
		"walk_level stage=1 level=1 pa=* desc=* table",
		"walk_level stage=1 level=2 pa=* desc=* table",
		"walk_level stage=1 level=3 pa=* desc=* leaf",
		"perm access=r allowed walk",
		"xlate sid=0x5 ssv=0 ssid=0x0 va=0x10000040 ok pa=0x80000040",
	};
	EXPECT_EQ(steps(r.err), want) << r.err;
	// every line starts with the cycle; the trace's DMA is issued after the driver's bring-up
	EXPECT_TRUE(std::regex_search(r.err, std::regex("^[0-9]+ tbu_utlb "))) << r.err;
}

TEST(TracePoints, OffPrintsNothingAndCommandsAreTheirOwnPoint)
{
	std::string t = write_file("one.trace", kOneDma);
	RunResult off = run("replay -q " + t);
	ASSERT_EQ(off.status, 0) << off.err;
	EXPECT_EQ(off.err, "");
	std::string file = temp_path("trace.txt");
	RunResult cmd = run("replay -q --trace-events cmd --trace-file " + file + " " + t);
	ASSERT_EQ(cmd.status, 0) << cmd.err;
	EXPECT_EQ(cmd.err, "") << "--trace-file takes the lines off stderr";
	std::vector<std::string> lines = steps(read_file(file));
	ASSERT_FALSE(lines.empty());
	for (const std::string &l : lines)
		EXPECT_TRUE(std::regex_match(l, std::regex("cmd op=0x[0-9a-f]{2} dw0=0x[0-9a-f]{16} dw1=0x[0-9a-f]{16} cerror=0")))
			<< l;
	// the driver's first command is CFGI_ALL (CFGI_STE_RANGE, Range 31), before any DMA
	EXPECT_EQ(lines.front(), "cmd op=0x04 dw0=0x0000000000000004 dw1=0x000000000000001f cerror=0");
}

TEST(TracePoints, ListNamesEveryPointAndABadPatternIsAUsageError)
{
	RunResult l = run("replay --trace-events list");
	ASSERT_EQ(l.status, 0) << l.err;
	for (const char *name : {"tbu_utlb", "tbu_mtlb", "cfg_lookup", "cfg_read", "walk_cache", "walk_level", "perm",
				 "fault", "xlate", "cmd", "event"})
		EXPECT_TRUE(std::regex_search(l.out, std::regex(std::string("(^|\n)") + name + " +[a-z]"))) << name;
	std::string t = write_file("one.trace", kOneDma);
	RunResult bad = run("replay -q --trace-events 'walk*,nope' " + t);
	EXPECT_EQ(bad.status, 1);
	EXPECT_NE(bad.err.find("'nope' matches no trace point"), std::string::npos) << bad.err;
}

TEST(TracePoints, DocsListEveryPointAsTheListCommandDoes)
{
	RunResult l = run("replay --trace-events list");
	ASSERT_EQ(l.status, 0) << l.err;
	std::string docs = read_file(std::string(TRACES_EXAMPLES) + "/../../docs/tracing.md");
	ASSERT_FALSE(docs.empty());
	std::istringstream in(l.out);
	std::string line;
	size_t n = 0;
	static const std::regex row("^([a-z_0-9]+) +(.*)$");
	while (std::getline(in, line)) {
		std::smatch m;
		ASSERT_TRUE(std::regex_match(line, m, row)) << line;
		EXPECT_NE(docs.find("| `" + m[1].str() + "` | " + m[2].str() + " |"), std::string::npos) << line;
		n++;
	}
	EXPECT_EQ(n, 11u);
}

TEST(TracePoints, AFaultAndItsEvent)
{
	// the read of an unmapped page: F_TRANSLATION at level 3, recorded in the event queue
	std::string t = write_file("fault.trace", "smmusim-trace 1\ndevice dev0 sid=0x5\ndomain dom0 dma\n"
						  "attach dev0 dom0\nmap dom0 0x10000000 0x80000000 0x1000 rw\n"
						  "@+8 r dev0 0x10001000 64\n");
	RunResult r = run("replay -q --trace-events 'walk_level,fault,event,xlate' " + t);
	ASSERT_EQ(r.status, 0) << r.err;
	std::vector<std::string> s = steps(r.err);
	ASSERT_EQ(s.size(), 7u) << r.err;
	EXPECT_EQ(s[3], "walk_level stage=1 level=3 pa=* desc=* F_TRANSLATION");
	EXPECT_EQ(s[4], "fault F_TRANSLATION sid=0x5 ssv=0 ssid=0x0 va=0x10001000 recorded");
	// the outcome is known at presentation; the record is written when the timing detects the fault
	EXPECT_EQ(s[5], "xlate sid=0x5 ssv=0 ssid=0x0 va=0x10001000 abort pa=0x0");
	EXPECT_EQ(s[6], "event F_TRANSLATION sid=0x5 written");
}
