// Importers: each sample input (real print formats) converts to a valid trace with the expected content.
#include "helpers.h"

namespace {

ReadResult convert(const std::string &from, const std::string &input, const std::string &extra = "")
{
	std::string out = temp_path(from + ".trace");
	RunResult r = run("convert --from " + from + " " + extra + " " + input + " " + out);
	EXPECT_EQ(r.status, 0) << r.err;
	ReadResult res = read_trace(out);
	EXPECT_EQ(res.error, "");
	return res;
}

TEST(Convert, FtraceIommuNewerFormat)
{
	ReadResult t = convert("ftrace-iommu", data("ftrace-iommu-new.txt"));
	EXPECT_EQ(t.lines[0], "@0 device dev0 sid=0x0");
	// the first map is cycle 0 (412.337280 s); the next is 21 us later at the default 1 GHz
	EXPECT_TRUE(has_line(t.lines, "@0 map dom0 0xfffff000 0x104a5e000 0x1000 rw"));
	EXPECT_TRUE(has_line(t.lines, "@21000 map dom0 0xffffe000 0x104a5d000 0x1000 rw"));
	EXPECT_TRUE(has_line(t.lines, "r dev0 0xfffff000 64"));
	EXPECT_EQ(count_prefix(t.lines, " map "), 10u);
	// one unmap of a range mapped before the capture is dropped; unmapped_size=0 is skipped
	EXPECT_EQ(count_prefix(t.lines, " unmap "), 10u);
	EXPECT_EQ(count_prefix(t.lines, " w "), 0u);
}

TEST(Convert, FtraceIommuOlderFormat)
{
	ReadResult t = convert("ftrace-iommu", data("ftrace-iommu-old.txt"));
	EXPECT_TRUE(has_line(t.lines, "@0 map dom0 0xfffff000 0x8f1a24000 0x1000 rw"));
	EXPECT_TRUE(has_line(t.lines, "@54000 map dom0 0xffffe000 0x8f1a25000 0x1000 rw"));
	EXPECT_TRUE(has_line(t.lines, "@70216000 map dom0 0xffff0000 0x8e7c30000 0x10000 rw"));
	EXPECT_EQ(count_prefix(t.lines, " map "), 8u);
	EXPECT_EQ(count_prefix(t.lines, " unmap "), 8u);
}

TEST(Convert, FtraceDmaEvents)
{
	ReadResult t = convert("ftrace-dma", data("ftrace-dma.txt"), "--max-touch 4096");
	// PCI names give the Requester ID as StreamID; platform devices get --sid onwards
	EXPECT_TRUE(has_line(t.lines, "@0 device pci-0000:01:00.0 sid=0x100"));
	EXPECT_EQ(count_prefix(t.lines, "device pci-0000:02:00.0 sid=0x200"), 1u);
	EXPECT_EQ(count_prefix(t.lines, "device fe300000.ethernet sid=0x0"), 1u);
	EXPECT_EQ(count_prefix(t.lines, " map "), 11u);
	EXPECT_EQ(count_prefix(t.lines, " unmap "), 8u);
	// FROM_DEVICE buffers are written by the device, TO_DEVICE ones read
	EXPECT_TRUE(has_line(t.lines, "w pci-0000:01:00.0 0xfffdf000 64"));
	EXPECT_TRUE(has_line(t.lines, "r pci-0000:01:00.0 0xfffd8000 64"));
	// a 66-byte TO_DEVICE buffer at 0xffffa000: 64 + 2 bytes
	EXPECT_TRUE(has_line(t.lines, "r pci-0000:02:00.0 0xffffa040 2"));
	EXPECT_EQ(count_prefix(t.lines, "dma_map_sg"), 0u);
}

TEST(Convert, ValgrindLackey)
{
	ReadResult t = convert("lackey", data("lackey.txt"));
	EXPECT_TRUE(has_line(t.lines, "r cpu 0x401ab70 3 instr"));
	EXPECT_TRUE(has_line(t.lines, "@+4 r cpu 0x401ab73 5 instr"));
	EXPECT_TRUE(has_line(t.lines, "w cpu 0x1fff0006f8 8"));
	// " M 04033e06,1" is a load and a store, after mapping its page on first touch
	EXPECT_TRUE(has_line(t.lines, "@+4 map dom0 0x4033000 0x80003000 0x1000 rwx"));
	EXPECT_TRUE(has_line(t.lines, "r cpu 0x4033e06 1"));
	EXPECT_TRUE(has_line(t.lines, "w cpu 0x4033e06 1"));
	// every page is mapped on its first touch, compactly from --pa
	EXPECT_TRUE(has_line(t.lines, "@+4 map dom0 0x401a000 0x80000000 0x1000 rwx"));
	size_t dma = 0;
	for (const trace_record &r : t.records)
		dma += r.kind == TRACE_DMA;
	EXPECT_EQ(dma, 57u); // 56 lackey records, one of them an M
}

TEST(Convert, LackeyIdentityDomain)
{
	ReadResult t = convert("lackey", data("lackey.txt"), "--domain identity --interval 0 --sid 0x42");
	EXPECT_EQ(t.lines[0], "@0 device cpu sid=0x42");
	EXPECT_EQ(t.lines[1], "domain dom0 identity");
	EXPECT_EQ(count_prefix(t.lines, " map "), 0u);
	EXPECT_EQ(t.records.back().time, 0u); // --interval 0: everything as soon as possible
}

TEST(Convert, Ramulator)
{
	ReadResult t = convert("ramulator", data("ramulator.trace"));
	std::string src = read_file(data("ramulator.trace"));
	size_t writes = 0;
	for (size_t p = 0; (p = src.find(" W", p)) != std::string::npos; p++)
		writes++;
	size_t dma = 0, w = 0;
	for (const trace_record &r : t.records)
		if (r.kind == TRACE_DMA) {
			dma++;
			w += r.u.dma.write;
			EXPECT_EQ(r.u.dma.size, 64u);
		}
	EXPECT_EQ(dma, 40u);
	EXPECT_EQ(w, writes);
	EXPECT_TRUE(has_line(t.lines, "r cpu 0x7f3a1c40 64"));
}

TEST(Convert, RamulatorCpuTrace)
{
	// "BUBBLES ADDR [WRITEBACK]": each instruction (bubbles + the load) one --interval
	ReadResult t = convert("ramulator-cpu", data("ramulator-cpu.trace"), "--interval 1");
	std::vector<std::string> dma;
	std::vector<uint64_t> read_times;
	for (size_t i = 0; i < t.records.size(); i++)
		if (t.records[i].kind == TRACE_DMA) {
			dma.push_back(t.lines[i]);
			if (!t.records[i].u.dma.write)
				read_times.push_back(t.records[i].time);
		}
	ASSERT_EQ(dma.size(), 10u); // 8 loads, 2 write-backs
	EXPECT_EQ(read_times, (std::vector<uint64_t>{1, 3, 10, 11, 15, 28, 29, 32}));
	EXPECT_EQ(count_prefix(dma, "w cpu 0x13e0340 64"), 1u);
	EXPECT_EQ(count_prefix(dma, "w cpu 0x13e0380 64"), 1u);
	EXPECT_EQ(count_prefix(dma, "r cpu 0x13c6040 64"), 1u);
	EXPECT_EQ(count_prefix(dma, "r cpu 0x13c5f40 64"), 1u); // the 0x form of the same syntax
}

TEST(Convert, Ramulator2LoadStore)
{
	ReadResult t = convert("ramulator2", data("ramulator2.trace"), "--size 32");
	std::vector<std::string> dma;
	size_t writes = 0;
	for (size_t i = 0; i < t.records.size(); i++)
		if (t.records[i].kind == TRACE_DMA) {
			dma.push_back(t.lines[i]);
			writes += t.records[i].u.dma.write;
		}
	ASSERT_EQ(dma.size(), 6u);
	EXPECT_EQ(writes, 2u);
	EXPECT_EQ(count_prefix(dma, "w cpu 0x2b8e1100 32"), 1u);
	EXPECT_EQ(count_prefix(dma, "r cpu 0x7f3a2080 32"), 1u); // decimal 2134515840
}

TEST(Convert, DramSim2K6)
{
	ReadResult t = convert("dramsim2-k6", data("k6.trc"));
	// "0x7F64AE0C P_MEM_RD 3": issued at cycle 3, aligned to the 64-byte access
	EXPECT_TRUE(has_line(t.lines, "r cpu 0x7f64ae00 64"));
	uint64_t first_dma_time = 0;
	for (const trace_record &r : t.records)
		if (r.kind == TRACE_DMA) {
			first_dma_time = r.time;
			break;
		}
	EXPECT_EQ(first_dma_time, 3u);
	EXPECT_GT(count_prefix(t.lines, " instr"), 0u); // P_FETCH
	EXPECT_GT(count_prefix(t.lines, " w cpu"), 0u);  // P_MEM_WR / BOFF
}

TEST(Convert, DramSim2Mase)
{
	ReadResult t = convert("dramsim2-mase", data("mase.trc"));
	EXPECT_TRUE(has_line(t.lines, "r cpu 0x7fffec80 64"));
	EXPECT_GT(count_prefix(t.lines, " instr"), 0u);
	std::string src = read_file(data("mase.trc"));
	size_t last = src.rfind(' ', src.size() - 2);
	EXPECT_EQ(t.records.back().time, std::stoull(src.substr(last + 1))); // the last cycle of mase.trc
}

TEST(ConvertErrors, GarbageLineGivesFileLine)
{
	std::string in = write_file("bad.lackey", "==1== Lackey\nI  0401ab70,3\nhello world\n");
	RunResult r = run("convert --from lackey " + in + " " + temp_path("o.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, in + ":3: not a lackey line (expected \"I  ADDR,SIZE\" or \" L|S|M ADDR,SIZE\")\n");
	std::string ram = write_file("bad.ram", "0x1000 R\n0xq W\n");
	r = run("convert --from ramulator " + ram + " " + temp_path("o.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.find(ram + ":2: bad Ramulator address"), 0u) << r.err;
	std::string k6 = write_file("bad.k6", "0x1000 P_MEM_RD 1\n0x1040 P_MEM_XX 2\n");
	r = run("convert --from dramsim2-k6 " + k6 + " " + temp_path("o.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.find(k6 + ":2: unknown k6 command"), 0u) << r.err;
}

TEST(ConvertErrors, TruncatedGzipInput)
{
	std::string text;
	for (int i = 0; i < 30000; i++)
		text += "0x" + std::to_string(10000000 + i * 64) + " R\n";
	std::string raw = read_file(write_gz("ok.gz", text));
	std::string cut = write_file("cut.gz", raw.substr(0, raw.size() * 2 / 3));
	RunResult r = run("convert --from ramulator " + cut + " " + temp_path("o.trace"));
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err.find(cut + ":"), 0u) << r.err;
	EXPECT_NE(r.err.find("corrupt or truncated input"), std::string::npos) << r.err;
}

TEST(ConvertErrors, Usage)
{
	EXPECT_EQ(run("convert --from nope a b").status, 1);
	EXPECT_EQ(run("convert a b").status, 1);
	EXPECT_EQ(run("convert --from lackey /nonexistent/in " + temp_path("o")).status, 2);
}

} // namespace
