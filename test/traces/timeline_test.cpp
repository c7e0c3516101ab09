// smmusim replay --timeline: Chrome trace-event JSON that parses, whose slices nest on every
// track, whose counts match the replay's own report, bounded and deterministic.
#include <map>
#include <memory>

#include "helpers.h"

namespace {

// A small JSON reader (RFC 8259 values), enough to check the file's structure.
struct Json {
	enum Kind { NUL, BOOL, NUM, STR, ARR, OBJ } kind = NUL;
	double num = 0;
	bool b = false;
	std::string str;
	std::vector<Json> arr;
	std::vector<std::pair<std::string, Json>> obj;
	const Json *get(const std::string &k) const
	{
		for (const auto &kv : obj)
			if (kv.first == k)
				return &kv.second;
		return nullptr;
	}
};

struct Parser {
	const std::string &s;
	size_t i = 0;
	bool ok = true;
	void ws()
	{
		while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
			i++;
	}
	bool eat(char c)
	{
		ws();
		if (i < s.size() && s[i] == c) {
			i++;
			return true;
		}
		return false;
	}
	std::string string()
	{
		std::string out;
		if (!eat('"'))
			return ok = false, out;
		while (i < s.size() && s[i] != '"') {
			if ((unsigned char)s[i] < 0x20)
				return ok = false, out;
			if (s[i] == '\\') {
				i++;
				if (i >= s.size())
					return ok = false, out;
				char e = s[i++];
				if (e == 'u') {
					if (i + 4 > s.size())
						return ok = false, out;
					out += (char)std::stoi(s.substr(i, 4), nullptr, 16);
					i += 4;
				} else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
					out += e;
				} else {
					return ok = false, out;
				}
			} else {
				out += s[i++];
			}
		}
		if (i >= s.size())
			return ok = false, out;
		i++;
		return out;
	}
	Json value()
	{
		Json v;
		ws();
		if (i >= s.size())
			return ok = false, v;
		char c = s[i];
		if (c == '{') {
			i++;
			v.kind = Json::OBJ;
			if (eat('}'))
				return v;
			do {
				std::string k = string();
				if (!eat(':'))
					return ok = false, v;
				v.obj.emplace_back(k, value());
			} while (ok && eat(','));
			if (!eat('}'))
				ok = false;
		} else if (c == '[') {
			i++;
			v.kind = Json::ARR;
			if (eat(']'))
				return v;
			do
				v.arr.push_back(value());
			while (ok && eat(','));
			if (!eat(']'))
				ok = false;
		} else if (c == '"') {
			v.kind = Json::STR;
			v.str = string();
		} else if (s.compare(i, 4, "true") == 0 || s.compare(i, 5, "false") == 0) {
			v.kind = Json::BOOL;
			v.b = c == 't';
			i += v.b ? 4 : 5;
		} else if (s.compare(i, 4, "null") == 0) {
			i += 4;
		} else {
			size_t end = i;
			while (end < s.size() && std::string("+-0123456789.eE").find(s[end]) != std::string::npos)
				end++;
			if (end == i)
				return ok = false, v;
			v.kind = Json::NUM;
			v.num = std::stod(s.substr(i, end - i));
			i = end;
		}
		return v;
	}
};

bool parse_json(const std::string &text, Json &out)
{
	Parser p{text};
	out = p.value();
	p.ws();
	return p.ok && p.i == text.size();
}

struct TimelineRun {
	Json timeline, report;
	std::vector<const Json *> events;
	std::string raw;
};

TimelineRun replay_with_timeline(const std::string &trace, const std::string &opts = "")
{
	TimelineRun r;
	std::string tl = temp_path("t.json"), rep = temp_path("r.json");
	std::remove(tl.c_str());
	RunResult res = run("replay -q --json " + rep + " --timeline " + tl + " " + opts + " " + trace);
	EXPECT_EQ(res.status, 0) << res.err;
	r.raw = read_file(tl);
	EXPECT_TRUE(parse_json(r.raw, r.timeline)) << "the timeline is not JSON";
	EXPECT_TRUE(parse_json(read_file(rep), r.report));
	const Json *ev = r.timeline.get("traceEvents");
	EXPECT_TRUE(ev && ev->kind == Json::ARR);
	if (ev)
		for (const Json &e : ev->arr)
			r.events.push_back(&e);
	return r;
}

double num(const Json *e, const char *k)
{
	const Json *v = e->get(k);
	return v && v->kind == Json::NUM ? v->num : -1;
}
std::string str(const Json *e, const char *k)
{
	const Json *v = e->get(k);
	return v && v->kind == Json::STR ? v->str : "";
}

std::string example(const std::string &name) { return std::string(TRACES_EXAMPLES) + "/" + name; }

// Every complete slice ("X") ends before the next one on its track starts, or lies inside it.
void expect_nesting(const TimelineRun &r)
{
	std::map<std::pair<double, double>, std::vector<std::pair<double, double>>> tracks;
	for (const Json *e : r.events)
		if (str(e, "ph") == "X") {
			EXPECT_GE(num(e, "dur"), 0);
			tracks[{num(e, "pid"), num(e, "tid")}].push_back({num(e, "ts"), num(e, "ts") + num(e, "dur")});
		}
	EXPECT_FALSE(tracks.empty());
	for (auto &t : tracks) {
		// by start, the longer first: of two slices that start together, the longer encloses
		std::sort(t.second.begin(), t.second.end(), [](const auto &a, const auto &b) {
			return a.first != b.first ? a.first < b.first : a.second > b.second;
		});
		std::vector<double> open; // ends of the enclosing slices
		for (const auto &s : t.second) {
			while (!open.empty() && open.back() <= s.first)
				open.pop_back();
			if (!open.empty()) {
				EXPECT_LE(s.second, open.back()) << "a slice on track " << t.first.first << "/" << t.first.second
								 << " at " << s.first << " overlaps its neighbour";
			}
			open.push_back(s.second);
		}
	}
}

TEST(Timeline, ParsesNestsAndMatchesTheReport)
{
	for (const char *name : {"faults.trace", "multi-pasid-accelerator.trace.gz", "streaming-dma.trace"}) {
		SCOPED_TRACE(name);
		TimelineRun r = replay_with_timeline(example(name));
		expect_nesting(r);
		size_t dma = 0, terminated = 0, events = 0, recorded_events = 0, with_ssid = 0, driver = 0;
		for (const Json *e : r.events) {
			if (str(e, "ph") == "X" && str(e, "cat") == "dma") {
				dma++;
				const Json *a = e->get("args");
				ASSERT_TRUE(a);
				EXPECT_NE(str(a, "sid"), "");
				EXPECT_NE(str(a, "addr"), "");
				terminated += str(a, "status") != "ok";
				with_ssid += a->get("ssid") != nullptr;
			}
			if (str(e, "ph") == "i" && str(e, "cat") == "event") {
				events++;
				recorded_events += e->get("args")->get("recorded")->b;
			}
			driver += str(e, "ph") == "X" && str(e, "cat") == "driver";
		}
		EXPECT_EQ(dma, (size_t)num(&r.report, "transactions"));
		EXPECT_EQ(terminated, (size_t)(num(r.report.get("status"), "abort") + num(r.report.get("status"), "razwi")));
		size_t reported_events = 0; // raised, by type
		for (const auto &kv : r.report.get("events")->obj)
			reported_events += (size_t)kv.second.num;
		EXPECT_EQ(events, reported_events);
		EXPECT_EQ(recorded_events, (size_t)num(r.report.get("model"), "events.recorded"));
		EXPECT_GT(driver, 0u) << "control records appear on the driver track";
		if (std::string(name) == "multi-pasid-accelerator.trace.gz") {
			EXPECT_EQ(with_ssid, dma);
		}
	}
}

double end(const Json *e) { return num(e, "ts") + num(e, "dur"); }

// A trace whose driver calls issue every kind of command the driver uses: CFGI_STE (device,
// attach), CFGI_CD (aux-attach, detach), TLBI_NH_VA (unmap), TLBI_NH_ASID (free), each followed by
// a CMD_SYNC; DMA between them.
std::string command_trace()
{
	return write_file("cmds.trace", "smmusim-trace 1\n"
					"device acc sid=0x10 pasid-bits=8\n"
					"domain parent dma\n"
					"attach acc parent\n"
					"enable-aux acc\n"
					"domain aux1 dma\n"
					"aux-attach acc aux1\n"
					"map aux1 0x100000 0x80000000 0x4000 rw\n"
					"@100 r acc 0x100000 64 pasid=1\n"
					"@+10 w acc 0x101000 64 pasid=1\n"
					"unmap aux1 0x101000 0x1000\n"
					"@+10 r acc 0x100040 64 pasid=1\n"
					"detach acc aux1\n"
					"free aux1\n");
}

// The command queue: each command a slice named by its opcode, nested in the driver call that
// issued it, as many of each opcode as the model's statistics count; each CMD_SYNC lasts until
// software saw it complete, and carries the drain the statistics count.
TEST(Timeline, CommandQueueTrack)
{
	for (const std::string &trace : {command_trace(), example("multi-pasid-accelerator.trace.gz"), example("faults.trace")}) {
		SCOPED_TRACE(trace);
		TimelineRun r = replay_with_timeline(trace);
		expect_nesting(r);
		const Json *model = r.report.get("model");
		ASSERT_TRUE(model);
		std::map<std::string, double> by_op, api_cycles, api_calls;
		std::vector<const Json *> calls, cmds;
		double drain = 0;
		for (const Json *e : r.events) {
			if (str(e, "ph") != "X")
				continue;
			if (str(e, "cat") == "driver") {
				calls.push_back(e);
				api_cycles[str(e->get("args"), "kind")] += num(e, "dur");
				api_calls[str(e->get("args"), "kind")]++;
			}
			if (str(e, "cat") != "cmd")
				continue;
			cmds.push_back(e);
			by_op[str(e, "name")]++;
			EXPECT_EQ(num(e, "tid"), 0) << "every command ran inside the driver call that issued it";
			const Json *a = e->get("args");
			if (str(e, "name") == "CMD_SYNC") {
				EXPECT_GE(num(a, "seen_cycle"), num(a, "done_cycle"));
				EXPECT_EQ(end(e), num(a, "seen_cycle")) << "a CMD_SYNC lasts until software saw it";
				EXPECT_GE(num(a, "done_cycle") - num(e, "ts"), num(a, "drain_cycles"));
				drain += num(a, "drain_cycles");
			}
		}
		// the counts of the model's statistics, opcode by opcode
		double total = 0;
		for (const auto &kv : model->obj)
			if (kv.first.rfind("cmdq.op.", 0) == 0) {
				EXPECT_EQ(by_op[kv.first.substr(8)], kv.second.num) << kv.first;
				total += kv.second.num;
			}
		EXPECT_EQ(cmds.size(), (size_t)total);
		EXPECT_EQ(total, num(model, "cmdq.commands"));
		EXPECT_GT(total, 0);
		EXPECT_EQ(drain, num(model, "cmdq.sync.drain_cycles"));
		// each driver call holds the commands it wrote to the queue, and lasts what the report says
		for (const Json *c : calls) {
			size_t inside = 0;
			for (const Json *e : cmds)
				inside += num(e, "ts") >= num(c, "ts") && end(e) <= end(c);
			EXPECT_EQ(inside, (size_t)num(c->get("args"), "commands")) << str(c, "name");
		}
		const Json *api = r.report.get("driver_api_cycles");
		ASSERT_TRUE(api);
		for (const auto &kv : api->obj) {
			EXPECT_EQ(api_cycles[kv.first], num(&kv.second, "cycles")) << kv.first;
			EXPECT_EQ(api_calls[kv.first], num(&kv.second, "calls")) << kv.first;
		}
		EXPECT_EQ(api_calls["probe"], 1) << "the bring-up is drawn";
	}
}

// A command's fields, in the architecture's words, from the doublewords the SMMU read.
TEST(Timeline, CommandsCarryTheirFields)
{
	TimelineRun r = replay_with_timeline(command_trace());
	std::map<std::string, std::vector<const Json *>> by_op;
	for (const Json *e : r.events)
		if (str(e, "cat") == "cmd")
			by_op[str(e, "name")].push_back(e->get("args"));
	ASSERT_FALSE(by_op["CMD_CFGI_STE"].empty());
	EXPECT_EQ(str(by_op["CMD_CFGI_STE"].back(), "sid"), "0x10");
	ASSERT_FALSE(by_op["CMD_CFGI_CD"].empty());
	bool pasid1 = false;
	for (const Json *a : by_op["CMD_CFGI_CD"])
		pasid1 |= str(a, "sid") == "0x10" && num(a, "ssid") == 1;
	EXPECT_TRUE(pasid1) << "the aux domain's CD is invalidated at its PASID";
	ASSERT_EQ(by_op["CMD_TLBI_NH_VA"].size(), 1u) << "the unmap";
	const Json *va = by_op["CMD_TLBI_NH_VA"][0];
	EXPECT_EQ(str(va, "addr"), "0x101000");
	EXPECT_GT(num(va, "asid"), 0);
	EXPECT_EQ(num(va, "vmid"), 0);
	ASSERT_FALSE(by_op["CMD_SYNC"].empty());
	EXPECT_EQ(str(by_op["CMD_SYNC"][0], "cs"), "none");
}

TEST(Timeline, BoundedAndDeterministic)
{
	std::string t = example("multi-pasid-accelerator.trace.gz");
	TimelineRun a = replay_with_timeline(t, "--timeline-limit 100");
	TimelineRun b = replay_with_timeline(t, "--timeline-limit 100");
	EXPECT_EQ(a.raw, b.raw);
	std::vector<double> tags;
	for (const Json *e : a.events)
		if (str(e, "cat") == "dma")
			tags.push_back(num(e->get("args"), "tag"));
	ASSERT_EQ(tags.size(), 100u);
	for (size_t i = 0; i < tags.size(); i++)
		EXPECT_EQ(tags[i], (double)i);
	// a window of trace cycles: only the transactions the trace issues inside it
	TimelineRun w = replay_with_timeline(t, "--timeline-window 20000:20100");
	uint64_t t0 = 0;
	std::string cycle0 = run("replay " + t).out;
	size_t at = cycle0.find("trace cycle 0 = cycle ");
	ASSERT_NE(at, std::string::npos);
	t0 = std::stoull(cycle0.substr(at + 22));
	size_t n = 0;
	for (const Json *e : w.events)
		if (str(e, "cat") == "dma") {
			n++;
			EXPECT_GE(num(e, "ts"), (double)(t0 + 20000)); // issued when the trace says, or later when
							       // the replay window held it back
		}
	EXPECT_EQ(n, 100u); // one DMA per cycle in this trace
	expect_nesting(w);
	EXPECT_EQ(run("replay --timeline-window 5:4 " + t).status, 1);
	EXPECT_EQ(run("replay --timeline-limit x " + t).status, 1);
}

// Each slice says where its translation was found: the first DMA to a page walks the tables, the
// second hits the micro TLB the first filled; a device whose STE bypasses translation is answered
// by the TCU from its configuration alone.
TEST(Timeline, SlicesCarryTheHitLevel)
{
	std::string trace = write_file("hit.trace", "smmusim-trace 1\n"
						    "device nic sid=0x10\n"
						    "device gpu sid=0x20\n"
						    "domain d dma\n"
						    "domain p identity\n"
						    "attach nic d\n"
						    "attach gpu p\n"
						    "map d 0x100000 0x80000000 0x1000 rw\n"
						    "@100 r nic 0x100000 64\n"
						    "@+5000 r nic 0x100040 64\n"
						    "@+5000 r gpu 0x90000000 64\n");
	TimelineRun r = replay_with_timeline(trace);
	std::map<double, std::string> hit; // by tag
	for (const Json *e : r.events)
		if (str(e, "cat") == "dma")
			hit[num(e->get("args"), "tag")] = str(e->get("args"), "hit");
	ASSERT_EQ(hit.size(), 3u);
	EXPECT_EQ(hit[0], "walk");
	EXPECT_EQ(hit[1], "utlb");
	EXPECT_EQ(hit[2], "tcu");
}

// The counters: busy TCU slots (translation, walk, configuration), the memory channel's occupancy
// and the memory reads by kind, each a rate per cycle from one sample to the next, from the end of
// the bring-up to the end of the run, where each series returns to zero. Summed over the run they
// give the model's own totals.
TEST(Timeline, CountersAddUpToTheModel)
{
	const std::map<std::string, std::vector<std::string>> args = {
		{"slots busy", {"translation", "walk", "configuration"}},
		{"memory channel busy", {"fraction"}},
		{"memory reads per cycle",
		 {"reads.l1std", "reads.ste", "reads.l1cd", "reads.cd", "reads.pte.l0", "reads.pte.l1", "reads.pte.l2",
		  "reads.pte.l3", "reads.s2pte", "data.reads", "data.writes"}}};
	const std::map<std::string, std::string> stat = {
		{"translation", "tcu.xlate.slots.busy_cycles"}, {"walk", "tcu.ptw.slots.busy_cycles"},
		{"configuration", "tcu.ctw.slots.busy_cycles"}, {"fraction", "mem.channel.busy_cycles"}};
	for (const char *name : {"multi-pasid-accelerator.trace.gz", "streaming-dma.trace"}) {
		SCOPED_TRACE(name);
		TimelineRun r = replay_with_timeline(example(name));
		const Json *model = r.report.get("model");
		ASSERT_TRUE(model);
		std::map<std::string, std::vector<const Json *>> series;
		double probe_end = -1;
		for (const Json *e : r.events) {
			if (str(e, "ph") == "C")
				series[str(e, "name")].push_back(e);
			if (str(e, "cat") == "driver" && str(e->get("args"), "kind") == "probe")
				probe_end = end(e);
		}
		EXPECT_EQ(series.size(), args.size());
		std::map<std::string, double> sum;
		for (const auto &a : args) {
			SCOPED_TRACE(a.first);
			const std::vector<const Json *> &s = series[a.first];
			ASSERT_GE(s.size(), 3u);
			EXPECT_EQ(num(s.front(), "ts"), probe_end) << "sampled from the bring-up's end";
			EXPECT_EQ(num(s.back(), "ts"), num(model, "cycles")) << "sampled until the run's end";
			for (size_t i = 0; i < s.size(); i++) {
				const Json *v = s[i]->get("args");
				ASSERT_EQ(v->obj.size(), a.second.size());
				for (const std::string &k : a.second) {
					ASSERT_TRUE(v->get(k)) << k;
					if (i + 1 == s.size())
						EXPECT_EQ(num(v, k.c_str()), 0) << k << ": the series ends at zero";
					else
						sum[k] += num(v, k.c_str()) * (num(s[i + 1], "ts") - num(s[i], "ts"));
				}
			}
			for (const std::string &k : a.second) {
				const double want = num(model, (stat.count(k) ? stat.at(k) : "mem." + k).c_str());
				ASSERT_GE(want, 0) << k << " is in the report";
				// rates written with six significant digits
				EXPECT_NEAR(sum[k], want, 0.01 + 1e-5 * want) << k;
			}
		}
		EXPECT_GT(sum["configuration"], 0);
		EXPECT_GT(sum["reads.cd"] + sum["reads.ste"], 0);
		EXPECT_GT(sum["data.reads"], 0);
	}
}

// An event the SMMU raised but could not write (the event queue full: IHI 0070 §7.4) is drawn with
// "recorded": false; the counts match the model's. A one-entry event queue loses two of the six
// events of the faults example (the driver reads the queue only between its calls).
TEST(Timeline, EventsSayWhetherTheQueueTookThem)
{
	TimelineRun r = replay_with_timeline(example("faults.trace"), "--set smmu.eventqs=0");
	size_t events = 0, recorded = 0, in_slices = 0;
	for (const Json *e : r.events) {
		if (str(e, "cat") == "event") {
			events++;
			recorded += e->get("args")->get("recorded")->b;
		}
		if (str(e, "cat") == "dma" && e->get("args")->get("event_recorded"))
			in_slices += e->get("args")->get("event_recorded")->b;
	}
	const Json *model = r.report.get("model");
	ASSERT_TRUE(model);
	EXPECT_EQ(events, 6u);
	EXPECT_EQ(recorded, (size_t)num(model, "events.recorded"));
	EXPECT_EQ(events - recorded, (size_t)num(model, "events.overflow"));
	EXPECT_EQ(events - recorded, 2u);
	EXPECT_EQ(in_slices, recorded) << "a faulting transaction's slice says the same";
}

} // namespace
