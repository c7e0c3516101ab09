// Reader and writer: round trips, and every way a trace file can be malformed.
#include <regex>

#include "helpers.h"
#include "smmusim/number.h"

namespace {

const char *kAllKinds =
	"smmusim-trace 1\n"
	"# every record kind once\n"
	"device nic sid=0x10,0x11 pasid-bits=8 port=2\n"
	"domain d0 dma\n"
	"domain d1 dma\n"
	"domain d2 dma\n"
	"domain idm identity\n"
	"domain blk blocked\n"
	"attach nic d0\n"
	"enable-aux nic\n"
	"aux-attach nic d1\n"
	"attach-pasid nic d2 pasid=7\n"
	"@100 map d1 0x10000 0x80000000 0x2000 rw\n"
	"@+5 r nic 0x10040 64 pasid=d1\n"
	"w nic 0x10fff 1 sid=0x11 pasid=3 priv\n"
	"r 0x10 0x0 4096 instr\n"
	"@+1 unmap d1 0x10000 0x2000\n"
	"detach nic d2\n"
	"free d2\n";

TEST(TraceIo, RoundTripEveryKindPlainAndGzip)
{
	std::string in = write_file("in.trace", kAllKinds);
	ReadResult first = read_trace(in);
	ASSERT_EQ(first.error, "");
	ASSERT_EQ(first.records.size(), 17u);

	for (const char *ext : {".trace", ".trace.gz"}) {
		std::string out = temp_path(std::string("out") + ext);
		char err[512];
		trace_writer *w = trace_writer_open(out.c_str(), err, sizeof(err));
		ASSERT_NE(w, nullptr) << err;
		// Write from a live reader: record names point into the reader's name table.
		trace_reader *r = trace_reader_open(in.c_str(), err, sizeof(err));
		trace_record rec;
		while (trace_reader_next(r, &rec) > 0)
			ASSERT_EQ(trace_writer_write(w, &rec), 0);
		trace_reader_close(r);
		ASSERT_EQ(trace_writer_close(w, err, sizeof(err)), 0) << err;
		if (std::string(ext) == ".trace.gz") {
			std::string raw = read_file(out);
			ASSERT_GE(raw.size(), 2u);
			EXPECT_EQ((unsigned char)raw[0], 0x1f); // gzip magic: really compressed
			EXPECT_EQ((unsigned char)raw[1], 0x8b);
		} else {
			EXPECT_EQ(read_file(out).rfind("smmusim-trace 1\n", 0), 0u);
		}
		ReadResult second = read_trace(out);
		ASSERT_EQ(second.error, "");
		EXPECT_EQ(second.lines, first.lines);
		ASSERT_EQ(second.records.size(), first.records.size());
		for (size_t i = 0; i < first.records.size(); i++) {
			EXPECT_EQ(second.records[i].kind, first.records[i].kind) << i;
			EXPECT_EQ(second.records[i].time, first.records[i].time) << i;
		}
	}
}

// A DMA record's device is first compared with the name the record before named: a name that is a
// prefix of the last one, or has it as a prefix, is another device.
TEST(TraceIo, DmaDeviceNamesThatArePrefixesOfEachOther)
{
	ReadResult res = read_trace(write_file("prefix.trace", "smmusim-trace 1\n"
							       "r a 0x1000 4\n"
							       "r ab 0x1000 4\n"
							       "r a 0x1000 4\n"
							       "r \t a\t0x2000 4\n"
							       "r abc 0x1000 4\n"
							       "r ab 0x1000 4\n"
							       "r 7 0x1000 4\n"
							       "r a7 0x1000 4\n"),
				    false);
	ASSERT_EQ(res.error, "");
	const std::vector<std::string> want = {"r a 0x1000 4",   "r ab 0x1000 4",  "r a 0x1000 4", "r a 0x2000 4",
					       "r abc 0x1000 4", "r ab 0x1000 4",  "r 0x7 0x1000 4", "r a7 0x1000 4"};
	ASSERT_EQ(res.lines.size(), want.size());
	for (size_t i = 0; i < want.size(); i++)
		EXPECT_EQ(res.lines[i], want[i]) << i;
}

TEST(TraceIo, FieldsAndTimes)
{
	ReadResult res = read_trace(write_file("t.trace", kAllKinds));
	ASSERT_EQ(res.error, "");
	const trace_record &dev = res.records[0];
	EXPECT_EQ(dev.kind, TRACE_DEVICE);
	EXPECT_EQ(dev.u.device.nsids, 2u);
	EXPECT_EQ(dev.u.device.sids[1], 0x11u);
	EXPECT_EQ(dev.u.device.pasid_bits, 8u);
	EXPECT_EQ(dev.u.device.port, 2u);
	const trace_record &map = res.records[10];
	EXPECT_EQ(map.kind, TRACE_MAP);
	EXPECT_EQ(map.time, 100u);
	EXPECT_EQ(map.u.map.pa, 0x80000000u);
	EXPECT_EQ(map.u.map.prot, TRACE_PROT_READ | TRACE_PROT_WRITE);
	const trace_record &dma = res.records[11];
	EXPECT_EQ(dma.kind, TRACE_DMA);
	EXPECT_EQ(dma.time, 105u);
	EXPECT_EQ(dma.u.dma.pasid_mode, TRACE_PASID_DOMAIN);
	EXPECT_EQ(dma.u.dma.size, 64u);
	EXPECT_FALSE(dma.u.dma.write);
	const trace_record &w = res.records[12];
	EXPECT_EQ(w.time, 105u); // "as soon as possible" = not before the previous record
	EXPECT_TRUE(w.u.dma.write);
	EXPECT_TRUE(w.u.dma.priv);
	EXPECT_EQ(w.u.dma.pasid_mode, TRACE_PASID_NUMBER);
	EXPECT_EQ(w.u.dma.pasid, 3u);
	const trace_record &bysid = res.records[13];
	EXPECT_EQ(bysid.u.dma.dev, nullptr);
	EXPECT_EQ(bysid.u.dma.sid, 0x10u);
	EXPECT_TRUE(bysid.u.dma.instr);
	EXPECT_EQ(res.records[14].time, 106u);
	EXPECT_EQ(res.records[14].line, 17u);
}

TEST(TraceIo, NoTrailingNewlineCrLfAndComments)
{
	ReadResult res = read_trace(write_file("t.trace", "smmusim-trace 1\r\n  # indented comment\r\n\r\n"
							  "device a sid=1 # trailing comment\r\ndomain d dma"));
	ASSERT_EQ(res.error, "");
	ASSERT_EQ(res.records.size(), 2u);
	EXPECT_EQ(res.records[1].kind, TRACE_DOMAIN);
}

// Every reader error is one line "FILE:LINE: reason" naming the right line.
static void expect_error(const std::string &text, int line, const std::string &reason)
{
	std::string path = write_file("bad.trace", text);
	ReadResult res = read_trace(path);
	EXPECT_EQ(res.error.find(path + ":" + std::to_string(line) + ": "), 0u) << res.error;
	EXPECT_NE(res.error.find(reason), std::string::npos) << res.error;
	EXPECT_EQ(res.error.find('\n'), std::string::npos);
}

TEST(TraceIoErrors, UnknownRecord)
{
	expect_error("smmusim-trace 1\ndevice a sid=1\nfrobnicate a\n", 3, "unknown record \"frobnicate\"");
}

// A control record with a token after its last field is an error, not a silently ignored word.
TEST(TraceIoErrors, TrailingTokensOnControlRecords)
{
	const std::string head = "smmusim-trace 1\ndevice a sid=1\ndomain d dma\n";
	for (const char *rec : {"domain e dma", "attach a d", "detach a d", "attach-pasid a d pasid=1",
				"aux-attach a d pasid=1", "enable-aux a", "free d", "map d 0x1000 0x2000 0x1000 rw",
				"unmap d 0x1000 0x1000"}) {
		SCOPED_TRACE(rec);
		expect_error(head + rec + " junk\n", 4, "unexpected \"junk\"");
	}
}

TEST(TraceIoErrors, BadNumbers)
{
	expect_error("smmusim-trace 1\ndevice a sid=0xZZ\n", 2, "bad number for sid");
	expect_error("smmusim-trace 1\ndevice a sid=1\n@12x r a 0 4\n", 3, "bad number for time");
	expect_error("smmusim-trace 1\ndevice a sid=1\nr a 0x1000 sixty\n", 3, "bad number for size");
	expect_error("smmusim-trace 1\ndevice a sid=1\nr a 99999999999999999999999 4\n", 3, "bad number for address");
	// a DMA's numbers are parsed as they are scanned: the whole token is still the number, and
	// the error quotes all of it
	const std::string head = "smmusim-trace 1\ndevice a sid=1\n";
	expect_error(head + "r a 0x1000x 64\n", 3, "bad number for address: \"0x1000x\"");
	expect_error(head + "r a 0x1000#c 64\n", 3, "bad number for address: \"0x1000#c\"");
	expect_error(head + "r a 0x1000 64k4\n", 3, "bad number for size: \"64k4\"");
	expect_error(head + "r a 0x1000 64P\n", 3, "bad number for size: \"64P\"");
	expect_error(head + "@+4x r a 0 4\n", 3, "bad number for time: \"4x\"");
	expect_error(head + "@+4K r a 0 4\n", 3, "bad number for time: \"4K\"");
	expect_error(head + "@ r a 0 4\n", 3, "bad number for time: \"\"");
	expect_error(head + "r a\n", 3, "r: missing address");
	expect_error(head + "w a 0x1000 # size\n", 3, "w: missing size");
	expect_error(head + "r a 0x10000000000000000 4\n", 3, "bad number for address");
	// and the accepted forms read the same as before: suffixes, tabs, a comment after a space
	ReadResult res = read_trace(write_file("ok.trace", head + "@+8\tr a\t4K\t0x40 # c\nw a 0X2000 1k\n"));
	ASSERT_EQ(res.error, "");
	ASSERT_EQ(res.records.size(), 3u);
	EXPECT_EQ(res.records[1].time, 8u);
	EXPECT_EQ(res.records[1].u.dma.addr, 4096u);
	EXPECT_EQ(res.records[1].u.dma.size, 64u);
	EXPECT_EQ(res.records[2].u.dma.addr, 0x2000u);
	EXPECT_EQ(res.records[2].u.dma.size, 1024u);
}

TEST(TraceIoErrors, MissingOrWrongVersion)
{
	expect_error("device a sid=1\n", 1, "not a smmusim trace");
	expect_error("smmusim-trace 2\n", 1, "version 2 not supported");
	expect_error("", 1, "empty trace");
}

TEST(TraceIoErrors, RecordLevelRules)
{
	expect_error("smmusim-trace 1\ndevice a sid=1\nr a 0xff0 32\n", 3, "crosses a 4 KiB boundary");
	expect_error("smmusim-trace 1\ndevice a sid=1\nr a 0x0 0\n", 3, "out of range 1..4096");
	expect_error("smmusim-trace 1\ndomain d dma\nmap d 0x1001 0x0 0x1000 rw\n", 3, "not 4 KiB aligned");
	expect_error("smmusim-trace 1\ndomain d dma\nmap d 0x1000 0x0 0x1000 rwz\n", 3, "bad protection");
	expect_error("smmusim-trace 1\n@10 domain d dma\n@5 domain e dma\n", 3, "time goes backwards");
	expect_error("smmusim-trace 1\ndomain d lol\n", 2, "bad type");
	expect_error("smmusim-trace 1\nattach-pasid a d\n", 2, "missing pasid=");
	expect_error("smmusim-trace 1\ndevice a sid=1\nw a 0 4 instr\n", 3, "instr is for reads only");
}

TEST(TraceIoErrors, TruncatedGzip)
{
	std::string text = "smmusim-trace 1\ndevice a sid=1\n";
	for (int i = 0; i < 20000; i++)
		text += "@+1 r a 0x" + std::to_string(1000 + i % 3000) + "0 16\n";
	std::string gz = write_gz("full.trace.gz", text);
	std::string raw = read_file(gz);
	ASSERT_EQ(read_trace(gz, false).error, "");
	std::string cut = write_file("cut.trace.gz", raw.substr(0, raw.size() / 2));
	ReadResult res = read_trace(cut, false);
	EXPECT_EQ(res.error.find(cut + ":"), 0u) << res.error;
	EXPECT_NE(res.error.find("corrupt or truncated input"), std::string::npos) << res.error;
	EXPECT_LT(res.records.size(), 20001u);
}

TEST(TraceIoErrors, CorruptGzip)
{
	std::string text = "smmusim-trace 1\ndevice a sid=1\n";
	for (int i = 0; i < 5000; i++)
		text += "@+1 w a 0x" + std::to_string(2000 + i) + "0 8\n";
	std::string raw = read_file(write_gz("ok.trace.gz", text));
	for (size_t i = raw.size() / 3; i < raw.size() / 3 + 64; i++)
		raw[i] = (char)(raw[i] ^ 0x5a);
	std::string bad = write_file("bad.trace.gz", raw);
	ReadResult res = read_trace(bad, false);
	EXPECT_EQ(res.error.find(bad + ":"), 0u) << res.error;
	EXPECT_NE(res.error.find("corrupt or truncated input"), std::string::npos) << res.error;
}

TEST(TraceIoErrors, MissingFile)
{
	char err[512];
	EXPECT_EQ(trace_reader_open("/nonexistent/x.trace", err, sizeof(err)), nullptr);
	EXPECT_NE(std::string(err).find("/nonexistent/x.trace: cannot open"), std::string::npos) << err;
}

TEST(TraceIoErrors, LineTooLong)
{
	std::string text = "smmusim-trace 1\n# " + std::string(10000, 'x') + "\n";
	ReadResult res = read_trace(write_file("long.trace", text));
	EXPECT_NE(res.error.find("longer than"), std::string::npos) << res.error;
}

// The one number syntax (smmusim/number.h) that configuration, options and traces share.
bool num(const std::string &s, unsigned flags, uint64_t *v) { return smmusim_parse_u64(s.data(), s.size(), flags, v); }

TEST(Number, OneSyntax)
{
	uint64_t v = 0;
	EXPECT_TRUE(num("0x1F", 0, &v));
	EXPECT_EQ(v, 0x1fu);
	EXPECT_TRUE(num("010", 0, &v));
	EXPECT_EQ(v, 10u) << "no octal";
	EXPECT_TRUE(num("2M", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_EQ(v, 2u << 20);
	EXPECT_TRUE(num("1T", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_EQ(v, 1ull << 40);
	EXPECT_TRUE(num("3k", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_EQ(v, 3u << 10);
	EXPECT_TRUE(num("0x10G", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_EQ(v, 16ull << 30);
	EXPECT_TRUE(num("16777215T", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_EQ(v, 16777215ull << 40);
	EXPECT_FALSE(num("16777216T", SMMUSIM_NUM_SUFFIX, &v)) << "2^64 overflows";
	EXPECT_FALSE(num("2M", 0, &v));
	EXPECT_FALSE(num("2P", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_FALSE(num("2MM", SMMUSIM_NUM_SUFFIX, &v));
	EXPECT_TRUE(num("18446744073709551615", 0, &v));
	EXPECT_EQ(v, UINT64_MAX);
	EXPECT_FALSE(num("18446744073709551616", 0, &v));
	EXPECT_TRUE(num("0xffffffffffffffff", 0, &v));
	EXPECT_FALSE(num("0x10000000000000000", 0, &v));
	EXPECT_TRUE(num("0x00000000000000001", 0, &v)) << "leading zeros are not overflow";
	EXPECT_EQ(v, 1u);
	for (const char *bad : {"", "0x", "x10", "-1", "+1", " 1", "1 ", "1.5", "ten", "0b101"})
		EXPECT_FALSE(num(bad, SMMUSIM_NUM_SUFFIX, &v)) << bad;
	// bare hex for formats that print it (lackey, ftrace payloads)
	EXPECT_TRUE(num("0401ab70", SMMUSIM_NUM_HEX, &v));
	EXPECT_EQ(v, 0x401ab70u);
	EXPECT_TRUE(num("0xFfff", SMMUSIM_NUM_HEX, &v));
	EXPECT_EQ(v, 0xffffu);
	EXPECT_FALSE(num("ffffffffff6000000", SMMUSIM_NUM_HEX, &v));
	EXPECT_FALSE(num("ab", 0, &v));
}

// The prefix parser (a trace's fields are parsed as they are scanned) agrees, character for
// character, with the definition read one digit at a time (written out here with 128 bits).
size_t prefix_by_definition(const std::string &s, unsigned flags, uint64_t *out)
{
	size_t i = 0;
	bool hex = (flags & SMMUSIM_NUM_HEX) != 0;
	if (s.size() > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		hex = true;
		i = 2;
	}
	const size_t first = i;
	unsigned __int128 v = 0;
	for (; i < s.size(); i++) {
		const char c = s[i], l = (char)(c | 0x20);
		int d = c >= '0' && c <= '9' ? c - '0' : hex && l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
		if (d < 0)
			break;
		v = v * (hex ? 16 : 10) + (unsigned)d;
		if (v > UINT64_MAX)
			return 0;
	}
	if (i == first)
		return 0;
	if (i < s.size() && (flags & SMMUSIM_NUM_SUFFIX)) {
		const std::string suffixes = "kmgt";
		size_t k = suffixes.find((char)(s[i] | 0x20));
		if (k != std::string::npos) {
			v <<= 10 * (k + 1);
			if (v > UINT64_MAX)
				return 0;
			i++;
		}
	}
	*out = (uint64_t)v;
	return i;
}

TEST(Number, PrefixMatchesTheDefinition)
{
	const std::string alphabet = "0000123456789abcdefABCDEFxX kKmMgGtT@`/:gG\x80\xff";
	std::vector<std::string> cases = {"0x0123456789abcdef", "0x0123456789abcdef0", "0x00000000000000000000001",
					  "0xffffffffffffffff", "0x1ffffffffffffffff", "0xFFFFFFFF 64", "0x1234567g",
					  "0x12345678\x80", "0x1234567\xb0", "0x89ABCDEF89abcdefK", "0xfffffffffffffK",
					  "ffffffff", "0x@@@@@@@@@@", "0x:0000000", "0x/0000000"};
	uint64_t rng = 12345;
	for (int n = 0; n < 200000; n++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		std::string s = (rng >> 60) & 1 ? "0x" : "";
		size_t len = (size_t)(rng >> 33) % 24;
		for (size_t k = 0; k < len; k++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			s += alphabet[(size_t)(rng >> 40) % alphabet.size()];
		}
		cases.push_back(s);
	}
	for (const std::string &s : cases)
		for (unsigned flags : {0u, (unsigned)SMMUSIM_NUM_SUFFIX, (unsigned)SMMUSIM_NUM_HEX,
				       (unsigned)(SMMUSIM_NUM_HEX | SMMUSIM_NUM_SUFFIX)}) {
			uint64_t want = 7, got = 7;
			size_t w = prefix_by_definition(s, flags, &want), g = smmusim_parse_u64_prefix(s.data(), s.size(), flags, &got);
			ASSERT_EQ(g, w) << "\"" << s << "\" flags " << flags;
			if (w) {
				ASSERT_EQ(got, want) << "\"" << s << "\" flags " << flags;
			}
		}
}

} // namespace
