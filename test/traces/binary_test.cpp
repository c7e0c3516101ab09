// The binary form of trace format 1: the same records as the text form (round trips through
// `smmusim convert`, every record kind, every generator pattern), the same errors, and damage
// (truncation, corruption, crafted records) always an error at the record it hits, never a crash
// or a record with wrong numbers.
#include <sys/stat.h>

#include <algorithm>

#include "helpers.h"

namespace {

// A trace with every record kind and every option of the text form.
const char *const every_kind =
	"smmusim-trace 1\n"
	"# a comment, dropped by the binary form\n"
	"device acc sid=0x10,0x11,0xffffffff pasid-bits=20 port=3\n"
	"device nic sid=0x20\n"
	"domain parent dma\n"
	"domain ident identity\n"
	"domain stop blocked\n"
	"domain a dma\n"
	"domain b dma\n"
	"domain c dma\n"
	"@100 attach acc parent\n"
	"attach nic ident\n"
	"enable-aux acc\n"
	"aux-attach acc a\n"
	"@+5 aux-attach acc b pasid=7\n"
	"attach-pasid acc c pasid=1048575\n"
	"attach-pasid acc c pasid=9\n"
	"map a 0x10000000 0x80000000 0x200000 rwxp\n"
	"map b 0xffffffffff000 0x1000 0x1000 none\n"
	"map c 0x0 0xffffffffff000 0x1000 r\n"
	"map parent 0x4000 0x5000 0x3000 w\n"
	"@+0 r acc 0x10000000 64\n"
	"w acc 0x10000040 64 pasid=a\n"
	"@+3 r acc 0x10000080 64 pasid=b priv\n"
	"@+3 r acc 0x10000000 4096 sid=0x11 pasid=9 instr\n"
	"@2000 w acc 0xfff 1 pasid=0 priv\n"
	"r 0x20 0x1000 8\n"
	"r 0xffffffff 0xfffffffffffff000 4096\n"
	"@+3 w nic 0x0 64 sid=0x20\n"
	"@18446744073709551615 r nic 0x0 2\n"
	"unmap a 0x10000000 0x1000\n"
	"unmap parent 0x5000 0x1000\n"
	"detach acc c pasid=9\n"
	"detach acc a\n"
	"detach acc b pasid=7\n"
	"free a\n"
	"domain a dma\n"
	"aux-attach acc a\n";

// Text lines without the comments (what the binary form keeps).
std::string without_comments(const std::string &text)
{
	std::string out, line;
	std::istringstream in(text);
	while (std::getline(in, line))
		if (line.rfind("#", 0) != 0)
			out += line + "\n";
	return out;
}

bool is_binary(const std::string &path)
{
	std::string head = read_file(path).substr(0, 8);
	return head == std::string("\x89SMT\r\n\x1a\n", 8);
}

// convert IN OUT (a smmusim trace, either form) and return OUT's bytes.
std::string convert(const std::string &in, const std::string &out, const std::string &opts = "")
{
	RunResult r = run("convert --from smmusim " + opts + " " + in + " " + out);
	EXPECT_EQ(r.status, 0) << in << " -> " << out << ": " << r.err;
	return read_file(out);
}

TEST(BinaryTrace, EveryRecordKindRoundTrips)
{
	std::string in = write_file("every.trace", every_kind);
	ReadResult text = read_trace(in);
	ASSERT_EQ(text.error, "");
	ASSERT_EQ(text.records.size(), 36u);
	std::string canon = convert(in, temp_path("canon.trace"));
	EXPECT_EQ(canon, without_comments(every_kind)); // the text form above is canonical already
	for (const char *ext : {".smtb", ".smtb.gz"}) {
		SCOPED_TRACE(ext);
		std::string bin = temp_path(std::string("every") + ext);
		convert(in, bin);
		if (std::string(ext) == ".smtb") {
			EXPECT_TRUE(is_binary(bin));
			EXPECT_LT(read_file(bin).size(), canon.size() / 2);
		}
		ReadResult b = read_trace(bin);
		ASSERT_EQ(b.error, "");
		EXPECT_EQ(b.lines, text.lines);
		ASSERT_EQ(b.records.size(), text.records.size());
		for (size_t i = 0; i < b.records.size(); i++) {
			EXPECT_EQ(b.records[i].time, text.records[i].time) << i;
			EXPECT_EQ(b.records[i].time_mode, text.records[i].time_mode) << i;
			EXPECT_EQ(b.records[i].time_arg, text.records[i].time_arg) << i;
			EXPECT_EQ(b.records[i].line, i + 2) << "record " << i + 1 << " is line " << i + 2 << " of the text form";
		}
		// and back: byte-identical to the canonical text
		EXPECT_EQ(convert(bin, temp_path("back.trace"), "--to text"), canon);
	}
	// --to overrides the name; the name's form is the default
	std::string named = temp_path("bin-by-option.trace");
	convert(in, named, "--to binary");
	EXPECT_TRUE(is_binary(named));
	EXPECT_FALSE(is_binary(temp_path("canon.trace")));
}

TEST(BinaryTrace, EveryGeneratorPatternRoundTrips)
{
	const std::vector<std::string> gens = {
		"--pattern stream", "--pattern random --size 8", "--pattern strided --stride 12288", "--pattern pasid",
		"--pattern pasid --domains 3 --devices 2 --tbus 2", "--pattern pasid --churn 50 --zipf",
		"--pattern mix --interval 0",
		"--pattern random --writes 100 --seed 7 --size 4096"};
	for (size_t g = 0; g < gens.size(); g++) {
		SCOPED_TRACE(gens[g]);
		std::string t = temp_path("g.trace"), b = temp_path("g.smtb"), z = temp_path("g.smtb.gz");
		for (const std::string &out : {t, b, z}) {
			RunResult r = run("gen -n 3000 " + gens[g] + " -o " + out);
			ASSERT_EQ(r.status, 0) << r.err;
		}
		EXPECT_TRUE(is_binary(b));
		std::string text = read_file(t);
		// gen writes the binary form directly, and it is the same as a conversion of its text
		EXPECT_EQ(read_file(b), convert(t, temp_path("c.smtb")));
		EXPECT_EQ(convert(b, temp_path("b.trace")), without_comments(text));
		EXPECT_EQ(convert(z, temp_path("z.trace")), without_comments(text));
		EXPECT_LT(read_file(b).size() * 4, text.size()) << "the binary form is compact";
	}
}

// ---- damage ---------------------------------------------------------------------------------------
std::string le32(uint32_t v)
{
	std::string s(4, '\0');
	for (int i = 0; i < 4; i++)
		s[(size_t)i] = (char)(v >> 8 * i);
	return s;
}

std::string header(uint8_t version = 1, uint8_t layout = 1)
{
	std::string h("\x89SMT\r\n\x1a\n", 8);
	h += (char)version;
	h += (char)layout;
	h += std::string(6, '\0');
	return h;
}

// One block at stream offset `at` (its header's), with a correct checksum.
std::string block(const std::string &payload, uint64_t at)
{
	uint8_t off[8];
	for (int i = 0; i < 8; i++)
		off[i] = (uint8_t)((at + 8) >> 8 * i);
	uLong crc = crc32(crc32(0L, off, 8), (const Bytef *)payload.data(), (uInt)payload.size());
	return le32((uint32_t)payload.size()) + le32((uint32_t)crc) + payload;
}

// A binary trace whose one block holds `payload` (records in the binary layout).
std::string crafted(const std::string &payload) { return header() + block(payload, 16); }

// Name records and records in the layout of docs/trace-format.md.
std::string name(const std::string &n) { return std::string(1, '\0') + (char)n.size() + n; }
const std::string dev_a = name("a") + std::string("\x08\x00\x01\x01\x00\x00", 6); // device a sid=1
std::string end(uint8_t records) { return std::string(1, '\x04') + (char)records; }

// Block boundaries of a binary file: the offsets of each block header, and the end.
std::vector<size_t> blocks_of(const std::string &bin)
{
	std::vector<size_t> at;
	size_t p = 16;
	while (p + 8 <= bin.size()) {
		at.push_back(p);
		uint32_t len = (uint8_t)bin[p] | (uint8_t)bin[p + 1] << 8 | (uint8_t)bin[p + 2] << 16 |
			       (uint32_t)(uint8_t)bin[p + 3] << 24;
		p += 8 + len;
	}
	at.push_back(p);
	return at;
}

// The records in the first k blocks of a binary trace.
size_t records_before(const std::string &bin, const std::vector<size_t> &at, size_t k)
{
	if (k == 0)
		return 0;
	// those blocks and an end record: the reader delivers them all, then finds the count wrong
	std::string p = write_file("first-blocks.smtb", bin.substr(0, at[k]) + block(end(0), at[k]));
	ReadResult r = read_trace(p, false);
	EXPECT_NE(r.error.find("the end record counts 0"), std::string::npos) << r.error;
	return r.lines.size();
}

// Read `bytes` as a binary trace: it must fail with `reason`, after records that are a prefix of
// `good` (never a record past the damage, never one with other numbers).
void expect_damage(const std::string &bytes, const std::string &reason, const ReadResult &good, size_t max_records,
		   const std::string &what)
{
	SCOPED_TRACE(what);
	std::string p = write_file("damaged.smtb", bytes);
	ReadResult r = read_trace(p);
	EXPECT_NE(r.error, "") << "damage taken as a complete trace";
	EXPECT_NE(r.error.find(reason), std::string::npos) << "want " << reason << ", got " << r.error;
	EXPECT_EQ(r.error.rfind(p + ":", 0), 0u) << r.error;
	EXPECT_LE(r.lines.size(), max_records);
	ASSERT_LE(r.lines.size(), good.lines.size());
	EXPECT_TRUE(std::equal(r.lines.begin(), r.lines.end(), good.lines.begin()));
}

TEST(BinaryTrace, DamageIsAnErrorNeverWrongNumbers)
{
	std::string t = temp_path("big.smtb");
	RunResult g = run("gen -n 40000 --pattern random -o " + t);
	ASSERT_EQ(g.status, 0) << g.err;
	const std::string bin = read_file(t);
	const ReadResult good = read_trace(t);
	ASSERT_EQ(good.error, "");
	const std::vector<size_t> at = blocks_of(bin);
	ASSERT_GE(at.size(), 4u) << "want several blocks";
	ASSERT_EQ(at.back(), bin.size());

	// truncated anywhere: in the header, in a block header, in a payload, at a block boundary, the
	// end record's last byte
	expect_damage("", "empty trace", good, 0, "empty"); // no magic: an empty text trace
	const std::vector<size_t> cuts = {5, 8, 15, 16, 20, 23, 24, 25, at[1] - 1, at[1], at[1] + 3, at[2], bin.size() - 1};
	for (size_t cut : cuts) {
		size_t whole = 0; // the blocks entirely before the cut
		while (whole + 1 < at.size() && at[whole + 1] <= cut)
			whole++;
		expect_damage(bin.substr(0, cut), cut < 8 ? "" : cut < 16 ? "truncated binary trace header" : "truncated",
			      good, records_before(bin, at, whole), "cut at " + std::to_string(cut));
	}
	// the error names the record and the byte offset
	std::string p = write_file("cut.smtb", bin.substr(0, at[1] + 3));
	ReadResult r = read_trace(p);
	EXPECT_NE(r.error.find("truncated: the input ends inside a block header"), std::string::npos) << r.error;
	EXPECT_NE(r.error.find(", byte " + std::to_string(at[1]) + ")"), std::string::npos) << r.error;

	// one byte changed in each block's payload: its checksum fails before any of its records is used
	for (size_t b = 0; b + 1 < at.size(); b++) {
		std::string bad = bin;
		size_t pos = at[b] + 8 + (at[b + 1] - at[b] - 8) / 2;
		bad[pos] = (char)(bad[pos] ^ 0x10);
		size_t before = records_before(bin, at, b);
		expect_damage(bad, "checksum mismatch", good, before, "flip in block " + std::to_string(b));
		// a changed length or checksum in the block header
		bad = bin;
		bad[at[b] + 4] = (char)(bad[at[b] + 4] ^ 1);
		expect_damage(bad, "checksum mismatch", good, before, "checksum of block " + std::to_string(b));
		bad = bin;
		bad[at[b] + 3] = 0x40;
		expect_damage(bad, "corrupt block header", good, before, "length of block " + std::to_string(b));
	}
	// two blocks swapped: each is intact but not where it was written
	std::string swapped = bin.substr(0, at[1]) + bin.substr(at[2], at[3] - at[2]) + bin.substr(at[1], at[2] - at[1]) +
			      bin.substr(at[3]);
	expect_damage(swapped, "checksum mismatch", good, good.lines.size(), "swapped blocks");
	expect_damage(bin + "x", "data after the end record", good, good.lines.size(), "appended byte");
	expect_damage(header(2) + bin.substr(16), "version 2 not supported", good, 0, "version");
	expect_damage(header(1, 9) + bin.substr(16), "binary layout 9 not supported", good, 0, "layout");

	// gzip: a cut stream is zlib's verdict, after the records before it
	std::string z = temp_path("big.smtb.gz");
	ASSERT_EQ(run("gen -n 40000 --pattern random -o " + z).status, 0);
	std::string raw = read_file(z);
	std::string zp = write_file("cut.smtb.gz", raw.substr(0, raw.size() / 2));
	ReadResult zr = read_trace(zp);
	EXPECT_NE(zr.error.find("corrupt or truncated input"), std::string::npos) << zr.error;
	EXPECT_TRUE(std::equal(zr.lines.begin(), zr.lines.end(), good.lines.begin()));
	EXPECT_LT(zr.lines.size(), good.lines.size());
}

TEST(BinaryTrace, CraftedRecordsGetTheTextFormsErrors)
{
	const ReadResult none;
	struct Case {
		std::string payload, reason;
	};
	const std::vector<Case> cases = {
		{dev_a + end(1), ""}, // the control: valid
		{dev_a + std::string("\x80\x00\x00\x40", 4) + end(2), ""},                // r a 0x0 64
		{dev_a + std::string("\x80\x05\x00\x40", 4) + end(2), "name number 5 not defined"},
		{dev_a + std::string("\x80\x00\x00\x00", 4) + end(2), "DMA size 0 out of range 1..4096"},
		{dev_a + std::string("\x80\x00\xfe\x3f\x40", 5) + end(2), "crosses a 4 KiB boundary"},
		{dev_a + std::string("\x84\x00\x00\x40\x80\x80", 6), "record runs past the end of its block"},
		{dev_a + std::string("\xc4\x20\x00\x00\x40", 5) + end(2), "instr is for reads only"},
		{dev_a + std::string("\xc0\x20\x00\x00\x40", 5) + end(2), ""}, // r a 0x0 64 instr
		{dev_a + std::string("\xc0\x0c\x00\x00\x40", 5) + end(2), "bad DMA options"},
		{dev_a + std::string("\x88\x00\x40", 3) + end(2), "none named one"},
		{dev_a + std::string("\x80\x00", 2) + std::string(9, '\xff') + std::string("\x7f\x40", 2) + end(2),
		 "more than 64 bits"},
		{dev_a + std::string("\x7c", 1) + end(2), "unknown record code 31"},
		{dev_a + end(5), "the end record counts 5 records, the trace has 1"},
		{dev_a + end(1) + dev_a, "data after the end record"},
		{dev_a, "the trace ends without its end record"},
		{name("9lives") + end(0), "bad name \"9lives\""},
		{name("a") + std::string("\x08\x00\x00\x00\x00", 5) + end(1), "device: missing sid="},
		{name("a") + std::string("\x08\x00\x01\x01\x15\x00", 6) + end(1), "pasid-bits 21 out of range"},
		{dev_a + name("d") + std::string("\x0c\x01\x02", 3) + std::string("\x10\x00\x01\x05", 4) + end(3),
		 "attach: unexpected \"pasid=5\""},
		{dev_a + name("d") + std::string("\x0c\x01\x02", 3) + std::string("\x10\x00\x01\x00", 4) + end(3), ""},
		{dev_a + name("d") + std::string("\x0c\x01\x07", 3) + end(2), "domain: bad type 7"},
		{dev_a + std::string("\x83\x64\x00\x00\x40", 5) + std::string("\xbb\x65", 2) + end(3), ""},
		{dev_a + std::string("\x83\x64\x00\x00\x40", 5) + std::string("\xbb\x63", 2) + end(3),
		 "time goes backwards (@99 after cycle 100)"},
		{name("d") + std::string("\x0c\x00\x02", 3) + std::string("\x20\x00\x01\x02\x03\x03", 6) + end(2), ""},
		{name("d") + std::string("\x0c\x00\x02", 3) + std::string("\x20\x00\x01\x02\x00\x03", 6) + end(2),
		 "map: size 0"},
		{name("d") + std::string("\x0c\x00\x02", 3) + std::string("\x20\x00\x01\x02\x03\x13", 6) + end(2),
		 "bad protection 0x13"},
	};
	for (const Case &c : cases) {
		SCOPED_TRACE(c.reason.empty() ? "valid" : c.reason);
		std::string p = write_file("crafted.smtb", crafted(c.payload));
		ReadResult r = read_trace(p);
		if (c.reason.empty()) {
			EXPECT_EQ(r.error, "");
			continue;
		}
		EXPECT_NE(r.error.find(c.reason), std::string::npos) << r.error;
		EXPECT_NE(r.error.find("(binary record "), std::string::npos) << r.error;
	}
	// the error names the record: record 2 is line 3 of the text form, at byte 24 + its offset
	std::string p = write_file("where.smtb", crafted(dev_a + std::string("\x80\x00\x00\x00", 4) + end(2)));
	EXPECT_EQ(read_trace(p).error,
		  p + ":3: DMA size 0 out of range 1..4096 (binary record 2, byte " + std::to_string(24 + dev_a.size()) + ")");
}

TEST(BinaryTrace, CheckerErrorsNameTheLineOfTheTextForm)
{
	// the writer does not check: a trace the checker rejects, in both forms
	for (const char *ext : {".trace", ".smtb"}) {
		std::string path = temp_path(std::string("unchecked") + ext);
		char err[256];
		trace_writer *w = trace_writer_open(path.c_str(), err, sizeof err);
		ASSERT_NE(w, nullptr) << err;
		trace_record r{};
		r.kind = TRACE_DEVICE;
		r.u.device.name = "a";
		r.u.device.nsids = 1;
		ASSERT_EQ(trace_writer_write(w, &r), 0);
		trace_record d{};
		d.kind = TRACE_DMA;
		d.u.dma.dev = "b";
		d.u.dma.size = 64;
		ASSERT_EQ(trace_writer_write(w, &d), 0);
		ASSERT_EQ(trace_writer_close(w, err, sizeof err), 0) << err;
		EXPECT_EQ(is_binary(path), std::string(ext) == ".smtb");
		RunResult info = run("info " + path);
		EXPECT_EQ(info.status, 2);
		EXPECT_EQ(info.err, path + ":3: unknown device \"b\" (no device record defines it)\n");
	}
}

TEST(BinaryTrace, WriterRefusesWhatItCannotRepresent)
{
	std::string path = temp_path("refuse.smtb");
	char err[256];
	trace_writer *w = trace_writer_open(path.c_str(), err, sizeof err);
	ASSERT_NE(w, nullptr) << err;
	trace_record m{};
	m.kind = TRACE_MAP;
	m.u.map.dom = "d";
	m.u.map.iova = 0x1001; // unaligned: 4 KiB units in the binary form
	m.u.map.size = 0x1000;
	EXPECT_EQ(trace_writer_write(w, &m), -1);
	m.u.map.iova = 0x1000;
	m.u.map.dom = "9bad";
	EXPECT_EQ(trace_writer_write(w, &m), -1);
	m.u.map.dom = "d";
	EXPECT_EQ(trace_writer_write(w, &m), 0);
	trace_writer_discard(w);
	struct stat st;
	EXPECT_NE(stat(path.c_str(), &st), 0) << "a discarded trace left its file";
}

TEST(BinaryTrace, EveryReaderReportsDamageInOneLine)
{
	std::string t = temp_path("r.smtb");
	ASSERT_EQ(run("gen -n 20000 --pattern mix -o " + t).status, 0);
	const std::string bin = read_file(t);
	const std::vector<size_t> at = blocks_of(bin);
	std::string flipped = bin;
	flipped[at[1] + 20] = (char)(flipped[at[1] + 20] ^ 4);
	const std::vector<std::pair<std::string, std::string>> bad = {
		{bin.substr(0, bin.size() - 1), "truncated"},
		{bin.substr(0, at[1]), "the trace ends without its end record"},
		{flipped, "checksum mismatch"},
		{bin.substr(0, 12), "truncated binary trace header"},
	};
	for (const char *cmd : {"info", "replay -q", "convert --from smmusim"}) {
		for (const auto &b : bad) {
			SCOPED_TRACE(std::string(cmd) + " x " + b.second);
			std::string in = write_file("bad.smtb", b.first), out = temp_path("out.trace");
			std::remove(out.c_str());
			bool conv = std::string(cmd).rfind("convert", 0) == 0;
			RunResult r = run(std::string(cmd) + " " + in + (conv ? " " + out : ""));
			EXPECT_EQ(r.status, 2) << r.err;
			EXPECT_EQ(r.err.rfind(in + ":", 0), 0u) << r.err;
			EXPECT_NE(r.err.find(b.second), std::string::npos) << r.err;
			EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
			if (conv) {
				EXPECT_FALSE(std::ifstream(out).good()) << "a failed convert left OUT behind";
			}
		}
	}
}

// Replay lines that depend on the host or the file's name, not on the records.
std::string replay_json_without_host(const std::string &path)
{
	std::string out, line;
	std::istringstream in(read_file(path));
	while (std::getline(in, line))
		if (line.rfind("  \"trace\":", 0) != 0 && line.rfind("  \"host\":", 0) != 0)
			out += line + "\n";
	return out;
}

TEST(BinaryTrace, ReplayOfBothFormsGivesTheSameJson)
{
	std::string t = temp_path("mix.trace.gz"), b = temp_path("mix.smtb"), z = temp_path("mix.smtb.gz");
	ASSERT_EQ(run("gen -n 4000 --pattern mix -o " + t).status, 0);
	convert(t, b);
	convert(t, z);
	std::string jt = temp_path("t.json"), jb = temp_path("b.json"), jz = temp_path("z.json");
	RunResult rt = run("replay -q --json " + jt + " " + t);
	RunResult rb = run("replay -q --json " + jb + " " + b);
	RunResult rz = run("replay -q --json " + jz + " --decode-ahead 0 " + z);
	ASSERT_EQ(rt.status, 0) << rt.err;
	ASSERT_EQ(rb.status, 0) << rb.err;
	ASSERT_EQ(rz.status, 0) << rz.err;
	std::string want = replay_json_without_host(jt);
	EXPECT_NE(want.find("\"transactions\": 4"), std::string::npos) << want;
	EXPECT_EQ(replay_json_without_host(jb), want);
	EXPECT_EQ(replay_json_without_host(jz), want);
}

} // namespace
