// The checker: what a driver could not execute is rejected with a reason; faults stay legal.
#include "helpers.h"

namespace {

std::string check(const std::string &body, int *line = nullptr)
{
	std::string path = write_file("c.trace", "smmusim-trace 1\n" + body);
	ReadResult res = read_trace(path);
	if (line) {
		size_t colon = res.error.find(':', path.size());
		*line = res.error.empty() ? 0 : std::stoi(res.error.substr(path.size() + 1, colon - path.size() - 1));
	}
	return res.error;
}

TEST(Checker, DmaOnStreamIdNeverAdded)
{
	int line;
	std::string err = check("device a sid=0x10\nr 0x10 0 4\nr 0x11 0 4\n", &line);
	EXPECT_NE(err.find("DMA on StreamID 0x11, which no device record added"), std::string::npos) << err;
	EXPECT_EQ(line, 4);
	EXPECT_NE(check("r nobody 0 4\n").find("unknown device \"nobody\""), std::string::npos);
	EXPECT_NE(check("device a sid=1\nr a 0 4 sid=2\n").find("does not belong"), std::string::npos);
}

// The DMA path's cache of the last device: a StreamID of the DMA's own is still checked, and a name
// pointer the caller reuses for another name (records built in memory) finds the other device.
TEST(Checker, DmaAfterDmaOnTheSameDevice)
{
	int line;
	std::string err = check("device a sid=1\ndevice b sid=2\nr a 0 4\nr a 0 4 sid=2\n", &line);
	EXPECT_NE(err.find("does not belong"), std::string::npos) << err;
	EXPECT_EQ(line, 5);

	trace_checker *c = trace_checker_new();
	char msg[256];
	uint64_t n = 0;
	for (const char *dev : {"a", "b"}) {
		trace_record rec{};
		rec.kind = TRACE_DEVICE;
		rec.line = ++n;
		rec.u.device.name = dev;
		rec.u.device.sids[0] = dev[0] == 'a' ? 1 : 2;
		rec.u.device.nsids = 1;
		ASSERT_EQ(trace_checker_apply(c, &rec, msg, sizeof(msg)), 0) << msg;
	}
	char name[8] = "a"; // one buffer for both names, as an importer may use
	for (const char *want : {"a", "a", "b", "b", "a"}) {
		std::snprintf(name, sizeof(name), "%s", want);
		trace_record rec{};
		rec.kind = TRACE_DMA;
		rec.line = ++n;
		rec.u.dma.dev = name;
		rec.u.dma.size = 4;
		ASSERT_EQ(trace_checker_apply(c, &rec, msg, sizeof(msg)), 0) << msg;
		uint32_t sid = 0, port = 0;
		int64_t pasid = 0;
		trace_checker_dma_target(c, &rec, &sid, &port, &pasid);
		EXPECT_EQ(sid, want[0] == 'a' ? 1u : 2u) << want << " at " << n;
		EXPECT_EQ(pasid, -1);
	}
	trace_checker_free(c);
}

TEST(Checker, UnmapOfSomethingNeverMapped)
{
	int line;
	std::string err = check("domain d dma\nmap d 0x10000 0x0 0x2000 rw\nunmap d 0x10000 0x3000\n", &line);
	EXPECT_NE(err.find("unmap of 0x10000+0x3000 in \"d\": 0x12000 was never mapped"), std::string::npos) << err;
	EXPECT_EQ(line, 4);
	err = check("domain d dma\nmap d 0x10000 0x0 0x1000 rw\nunmap d 0x10000 0x1000\nunmap d 0x10000 0x1000\n", &line);
	EXPECT_NE(err.find("never mapped (or already unmapped)"), std::string::npos) << err;
	EXPECT_EQ(line, 5);
	EXPECT_NE(check("unmap ghost 0x0 0x1000\n").find("unknown domain \"ghost\""), std::string::npos);
}

TEST(Checker, UnmapSplitsAndSpansMappings)
{
	// unmap the middle page of a 3-page mapping, then each remaining piece, then one across two maps
	EXPECT_EQ(check("domain d dma\nmap d 0x0 0x0 0x3000 rw\nunmap d 0x1000 0x1000\n"
			"unmap d 0x0 0x1000\nunmap d 0x2000 0x1000\n"
			"map d 0x0 0x0 0x1000 r\nmap d 0x1000 0x5000 0x1000 r\nunmap d 0x0 0x2000\n"),
		  "");
	EXPECT_NE(check("domain d dma\nmap d 0x0 0x0 0x3000 rw\nunmap d 0x1000 0x1000\nunmap d 0x0 0x3000\n").find(
			  "0x1000 was never mapped"),
		  std::string::npos);
}

TEST(Checker, OverlappingMapAndMapOnIdentity)
{
	EXPECT_NE(check("domain d dma\nmap d 0x0 0x0 0x2000 rw\nmap d 0x1000 0x0 0x1000 rw\n").find("overlaps"),
		  std::string::npos);
	EXPECT_NE(check("domain d identity\nmap d 0x0 0x0 0x1000 rw\n").find("only dma domains"), std::string::npos);
}

TEST(Checker, AuxPasidsLowestFirstAndReused)
{
	std::string body = "device acc sid=1 pasid-bits=8\ndomain p dma\nattach acc p\nenable-aux acc\n"
			   "domain a dma\ndomain b dma\ndomain c dma\n"
			   "aux-attach acc a\naux-attach acc b\n"
			   "detach acc a\nfree a\n"
			   "aux-attach acc c\n"
			   "r acc 0 4 pasid=b\nr acc 0 4 pasid=c\n";
	std::string path = write_file("aux.trace", "smmusim-trace 1\n" + body);
	char err[512];
	trace_reader *r = trace_reader_open(path.c_str(), err, sizeof(err));
	trace_checker *c = trace_checker_new();
	trace_record rec;
	std::vector<int64_t> pasids;
	while (trace_reader_next(r, &rec) > 0) {
		ASSERT_EQ(trace_checker_apply(c, &rec, err, sizeof(err)), 0) << err;
		if (rec.kind == TRACE_DMA) {
			uint32_t sid, port;
			int64_t pasid;
			trace_checker_dma_target(c, &rec, &sid, &port, &pasid);
			EXPECT_EQ(sid, 1u);
			pasids.push_back(pasid);
		}
	}
	// a got 1, b got 2; a was freed, so c gets 1 again.
	EXPECT_EQ(pasids, (std::vector<int64_t>{2, 1}));
	EXPECT_EQ(trace_checker_domain_pasid(c, "c"), 1);
	EXPECT_EQ(trace_checker_stats(c)->distinct_pasids, 2u);
	trace_checker_free(c);
	trace_reader_close(r);
}

TEST(Checker, ExplicitPasids)
{
	EXPECT_EQ(check("device acc sid=1 pasid-bits=8\ndomain a dma\ndomain b dma\n"
			"aux-attach acc a pasid=5\nattach-pasid acc b pasid=9\nr acc 0 4 pasid=a\nr acc 0 4 pasid=b\n"),
		  "");
	EXPECT_NE(check("device x sid=1\ndevice y sid=2\ndomain a dma\ndomain b dma\n"
			"aux-attach x a pasid=5\naux-attach y b pasid=5\n")
			  .find("already belongs"),
		  std::string::npos);
	EXPECT_NE(check("device x sid=1\ndomain a dma\ndomain b dma\nattach-pasid x a pasid=3\nattach-pasid x b pasid=3\n")
			  .find("already attached"),
		  std::string::npos);
}

// Thousands of links on one device, detached in a scrambled order: every lookup of a remaining
// link (pasid=DOM on DMA, a PASID already in use) must still find it, and no detached one.
TEST(Checker, ManyPasidLinksDetachedInAnyOrder)
{
	const int n = 3000;
	std::string body = "device acc sid=1 pasid-bits=20\n";
	for (int i = 0; i < n; i++)
		body += "domain d" + std::to_string(i) + " dma\nattach-pasid acc d" + std::to_string(i) +
			" pasid=" + std::to_string(1 + i * 37 % 100000) + "\n";
	std::vector<bool> gone(n);
	for (int k = 0; k < n / 2; k++) {
		int i = (int)((k * 7919u) % n);
		gone[i] = true;
		body += "detach acc d" + std::to_string(i) + "\n";
	}
	for (int i = 0; i < n; i++)
		if (!gone[i])
			body += "r acc 0 4 pasid=d" + std::to_string(i) + "\n";
	std::string path = write_file("many.trace", "smmusim-trace 1\n" + body);
	char err[512];
	trace_reader *r = trace_reader_open(path.c_str(), err, sizeof(err));
	ASSERT_NE(r, nullptr) << err;
	trace_checker *c = trace_checker_new();
	trace_record rec;
	std::vector<int64_t> got, want;
	while (trace_reader_next(r, &rec) > 0) {
		ASSERT_EQ(trace_checker_apply(c, &rec, err, sizeof(err)), 0) << err << " at line " << rec.line;
		if (rec.kind == TRACE_DMA) {
			uint32_t sid, port;
			int64_t pasid;
			trace_checker_dma_target(c, &rec, &sid, &port, &pasid);
			got.push_back(pasid);
		}
	}
	for (int i = 0; i < n; i++)
		if (!gone[i])
			want.push_back(1 + i * 37 % 100000);
	EXPECT_EQ(got, want);
	trace_checker_free(c);
	trace_reader_close(r);
	// a detached link's PASID is free again on that device; a remaining one is not
	int kept = 0, dropped = 0;
	while (gone[kept])
		kept++;
	while (!gone[dropped])
		dropped++;
	std::string again = body + "domain x dma\nattach-pasid acc x pasid=" + std::to_string(1 + dropped * 37 % 100000) + "\n";
	EXPECT_EQ(check(again), "");
	again = body + "domain x dma\nattach-pasid acc x pasid=" + std::to_string(1 + kept * 37 % 100000) + "\n";
	EXPECT_NE(check(again).find("is already attached on device"), std::string::npos);
	EXPECT_NE(check(body + "r acc 0 4 pasid=d" + std::to_string(dropped) + "\n").find("has no PASID"),
		  std::string::npos);
}

// One domain at several PASIDs of a device: pasid=DOM and detach without pasid= are ambiguous;
// detach DEV DOM pasid=N removes that link, after which the domain's one PASID is known again.
TEST(Checker, OneDomainAtSeveralPasids)
{
	const std::string two = "device acc sid=1 pasid-bits=20\ndomain d dma\nattach-pasid acc d pasid=5\n"
				"attach-pasid acc d pasid=9\n";
	EXPECT_NE(check(two + "r acc 0 4 pasid=d\n").find("attached at 2 PASIDs"), std::string::npos);
	EXPECT_NE(check(two + "detach acc d\n").find("name one: pasid=N"), std::string::npos);
	EXPECT_NE(check(two + "detach acc d pasid=7\n").find("PASID 7 of device \"acc\" is not attached to \"d\""),
		  std::string::npos);
	EXPECT_NE(check(two + "enable-aux acc\naux-attach acc d\n").find("already attached"), std::string::npos);
	EXPECT_NE(check(two + "detach acc d pasid=5\nfree d\n").find("while 1 device(s) are attached"),
		  std::string::npos);
	EXPECT_EQ(check(two + "detach acc d pasid=5\ndetach acc d\nfree d\n"), "");

	std::string path = write_file("several.trace", "smmusim-trace 1\n" + two +
							   "detach acc d pasid=5\nr acc 0 4 pasid=d\ndetach acc d\n");
	char err[512];
	trace_reader *r = trace_reader_open(path.c_str(), err, sizeof(err));
	ASSERT_NE(r, nullptr) << err;
	trace_checker *c = trace_checker_new();
	trace_record rec;
	std::vector<int64_t> seen;
	while (trace_reader_next(r, &rec) > 0) {
		ASSERT_EQ(trace_checker_apply(c, &rec, err, sizeof(err)), 0) << err;
		if (rec.kind == TRACE_DMA) {
			uint32_t sid, port;
			int64_t pasid;
			trace_checker_dma_target(c, &rec, &sid, &port, &pasid);
			seen.push_back(pasid);
		} else if (rec.kind == TRACE_DETACH) {
			seen.push_back(trace_checker_detached_pasid(c, &rec));
		}
	}
	EXPECT_EQ(seen, (std::vector<int64_t>{5, 9, 9}));
	trace_checker_free(c);
	trace_reader_close(r);
}

TEST(Checker, PasidReferenceNeedsAPasid)
{
	std::string err = check("device acc sid=1\ndomain a dma\nattach acc a\nr acc 0 4 pasid=a\n");
	EXPECT_NE(err.find("domain \"a\" has no PASID"), std::string::npos) << err;
	// A plain number is always legal: a PASID nobody attached is a fault the SMMU reports.
	EXPECT_EQ(check("device acc sid=1\nr acc 0 4 pasid=77\n"), "");
}

TEST(Checker, FaultsOnPurposeAreLegal)
{
	// unmapped IOVA, write to a read-only page, blocked domain: all valid traces
	EXPECT_EQ(check("device a sid=1\ndomain d dma\nattach a d\nmap d 0x0 0x0 0x1000 r\n"
			"w a 0x0 4\nr a 0x5000 4\ndomain blk blocked\nattach a blk\nr a 0 4\n"),
		  "");
}

TEST(Checker, DeviceDomainLifecycle)
{
	EXPECT_NE(check("device a sid=1\ndevice a sid=2\n").find("defined twice"), std::string::npos);
	EXPECT_NE(check("device a sid=1\ndevice b sid=3,1\n").find("already belongs to device \"a\""), std::string::npos);
	EXPECT_NE(check("domain d dma\ndomain d dma\n").find("allocated twice"), std::string::npos);
	EXPECT_NE(check("device a sid=1\ndomain d dma\nattach a d\nfree d\n").find("detach first"), std::string::npos);
	EXPECT_NE(check("device a sid=1\ndomain d dma\ndetach a d\n").find("not attached"), std::string::npos);
	EXPECT_EQ(check("device a sid=1\ndomain d dma\nattach a d\ndetach a d\nfree d\ndomain d identity\n"), "");
}

} // namespace
