// The configuration registry: one table lists every parameter (key, type, default, one-line doc).
// docs/configuration.md mirrors it; smmusim_config_* and the INI loader work only through it.
#include <smmusim/number.h>
#include <smmusim/params.hpp>
#include <smmusim/smmusim.h>

#include "presets.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using smmusim::SmmuParams;

namespace {

enum class Type { U64, BOOL, ENUM };

struct ParamDef {
	const char *key;
	Type type;
	const char *def;
	const char *choices; // ENUM: '|'-separated
	uint64_t min, max;   // U64
	const char *doc;
	void (*apply)(SmmuParams &p, const char *v); // stores the (validated) value into the model's parameters
};

// Binders: the value text was validated when it was set, so parsing cannot fail here.
uint64_t as_u64(const char *v);
bool as_bool(const char *v);
void set_oas(SmmuParams &p, const char *v);
#define SET(stmt) [](SmmuParams & p, const char *v) { (void)v; stmt; }

constexpr uint64_t U64MAX = ~0ull;

// Keep in the same order as docs/configuration.md.
const ParamDef kParams[] = {
	{"smmu.sidsize", Type::U64, "24", nullptr, 0, 32, "IDR1.SIDSIZE: StreamID bits",
	 SET(p.sidsize = (unsigned)as_u64(v))},
	{"smmu.ssidsize", Type::U64, "20", nullptr, 0, 20, "IDR1.SSIDSIZE: SubstreamID (PASID) bits, 0 = no substreams",
	 SET(p.ssidsize = (unsigned)as_u64(v))},
	{"smmu.cmdqs", Type::U64, "19", nullptr, 0, 19, "IDR1.CMDQS: log2 of the maximum command queue entries",
	 SET(p.cmdqs = (unsigned)as_u64(v))},
	{"smmu.eventqs", Type::U64, "19", nullptr, 0, 19, "IDR1.EVENTQS: log2 of the maximum event queue entries",
	 SET(p.eventqs = (unsigned)as_u64(v))},
	{"smmu.s2p", Type::BOOL, "0", nullptr, 0, 1, "IDR0.S2P: stage-2 (and nested) translation supported",
	 SET(p.s2p = as_bool(v))},
	{"smmu.cd2l", Type::BOOL, "1", nullptr, 0, 1, "IDR0.CD2L: 2-level CD tables supported",
	 SET(p.cd2l = as_bool(v))},
	{"smmu.st_level", Type::ENUM, "2lvl", "linear|2lvl", 0, 0, "IDR0.ST_LEVEL: stream table formats supported",
	 SET(p.st_level = std::string(v) == "2lvl" ? 1 : 0)},
	{"smmu.asid16", Type::BOOL, "1", nullptr, 0, 1, "IDR0.ASID16: 16-bit ASIDs (else 8-bit)",
	 SET(p.asid16 = as_bool(v))},
	{"smmu.vmid16", Type::BOOL, "1", nullptr, 0, 1, "IDR0.VMID16: 16-bit VMIDs (else 8-bit)",
	 SET(p.vmid16 = as_bool(v))},
	{"smmu.msi", Type::BOOL, "1", nullptr, 0, 1, "IDR0.MSI: MSIs (CMD_SYNC MSI write) supported",
	 SET(p.msi = as_bool(v))},
	{"smmu.sev", Type::BOOL, "1", nullptr, 0, 1, "IDR0.SEV: WFE wake-up events supported",
	 SET(p.sev = as_bool(v))},
	{"smmu.ril", Type::BOOL, "1", nullptr, 0, 1, "IDR3.RIL: range TLB invalidation supported",
	 SET(p.ril = as_bool(v))},
	{"smmu.had", Type::BOOL, "1", nullptr, 0, 1, "IDR3.HAD: CD.HAD0/1 hierarchical attribute disable supported",
	 SET(p.had = as_bool(v))},
	{"smmu.bbml", Type::U64, "0", nullptr, 0, 2,
	 "IDR3.BBML: break-before-make level software must follow to change a block's size (0, 1: nT bit, 2: none)",
	 SET(p.bbml = (unsigned)as_u64(v))},
	{"smmu.gran4k", Type::BOOL, "1", nullptr, 0, 1, "IDR5.GRAN4K: 4 KB granule supported",
	 SET(p.gran4k = as_bool(v))},
	{"smmu.gran16k", Type::BOOL, "1", nullptr, 0, 1, "IDR5.GRAN16K: 16 KB granule supported",
	 SET(p.gran16k = as_bool(v))},
	{"smmu.gran64k", Type::BOOL, "1", nullptr, 0, 1, "IDR5.GRAN64K: 64 KB granule supported",
	 SET(p.gran64k = as_bool(v))},
	{"smmu.oas", Type::ENUM, "48", "32|36|40|42|44|48|52", 0, 0, "IDR5.OAS: output (physical) address bits",
	 SET(set_oas(p, v))},
	{"smmu.stall_model", Type::ENUM, "terminate", "terminate", 0, 0,
	 "IDR0.STALL_MODEL: only terminate (01) is modelled; stalls are not",
	 SET(p.stall_model = 1 /* terminate only */)},
	{"smmu.ack_delay", Type::U64, "4", nullptr, 1, 1000000, "cycles until CR0ACK/IRQ_CTRLACK follow and GBPA.Update clears",
	 SET(p.ack_delay = (unsigned)as_u64(v))},
	{"smmu.cmd_cycles", Type::U64, "4", nullptr, 1, 1000000, "cycles to fetch and execute one command",
	 SET(p.cmd_cycles = (unsigned)as_u64(v))},
	{"smmu.cmd_inv_cycles", Type::U64, "8", nullptr, 0, 1000000, "extra cycles of a CFGI_* or TLBI_* command",
	 SET(p.cmd_inv_cycles = (unsigned)as_u64(v))},
	{"smmu.cmd_sync_cycles", Type::U64, "2", nullptr, 0, 1000000, "extra cycles of a CMD_SYNC (completion signal)",
	 SET(p.cmd_sync_cycles = (unsigned)as_u64(v))},
	{"smmu.cmd_inv_search_rate", Type::U64, "0", nullptr, 0, 1000000,
	 "entries per cycle an invalidation searches (its structures' size / rate extra cycles), 0 = none",
	 SET(p.cmd_inv_search_rate = (unsigned)as_u64(v))},
	{"smmu.relax_cycles", Type::U64, "16", nullptr, 1, 1000000, "cycles one regif relax() call advances",
	 SET(p.relax_cycles = (unsigned)as_u64(v))},
	{"smmu.reg_read_cycles", Type::U64, "100", nullptr, 0, 1000000,
	 "cycles of a CPU read of an SMMU register (the MMIO round trip; the register is sampled half-way)",
	 SET(p.reg_read_cycles = (unsigned)as_u64(v))},
	{"smmu.log", Type::BOOL, "0", nullptr, 0, 1, "print driver log lines to stderr (also with env SMMUSIM_LOG)",
	 SET(p.log = as_bool(v))},
	{"smmu.strict", Type::BOOL, "0", nullptr, 0, 1,
	 "strict mode: where the architecture allows a range of behaviour, the one most likely to expose a driver bug (seeded by sim.seed)",
	 SET(p.strict = as_bool(v))},
	{"model.timing", Type::ENUM, "timed", "timed|functional", 0, 0,
	 "timed (cycle-accurate) or functional (translation only, every latency 0: a speed baseline)",
	 SET(p.timed = std::string(v) == "timed")},
	{"stats.top_n", Type::U64, "64", nullptr, 0, 4096, "StreamIDs and (StreamID, SubstreamID) pairs kept in the statistics",
	 SET(p.stats_top_n = (unsigned)as_u64(v))},
	{"mem.size", Type::U64, "16G", nullptr, 1ull << 20, 1ull << 46, "bytes of physical RAM at address 0 (sparse)",
	 SET(p.mem_size = as_u64(v))},
	{"mem.dma_base", Type::U64, "1G", nullptr, 0, U64MAX, "first bus address of the regif DMA allocator",
	 SET(p.dma_base = as_u64(v))},
	{"mem.store_visibility", Type::ENUM, "program", "program|barrier", 0, 0,
	 "when the CPU's stores to regif DMA memory reach the SMMU and the SMMU's writes to it reach the CPU: at once (program), or only at the regif barriers (barrier: wmb/mb and rmb/mb)",
	 SET(p.stores_at_barriers = std::string(v) == "barrier")},
	{"mem.latency", Type::U64, "100", nullptr, 0, 1000000,
	 "cycles from the last beat of a descriptor or table read to its completion (system-cache miss)",
	 SET(p.mem_latency = (unsigned)as_u64(v))},
	{"mem.data_latency", Type::U64, "100", nullptr, 0, 1000000,
	 "cycles from the last beat of the DMA data access to its completion (system-cache miss)",
	 SET(p.mem_data_latency = (unsigned)as_u64(v))},
	{"mem.bytes_per_cycle", Type::U64, "64", nullptr, 1, 4096,
	 "bytes the shared memory channel moves per cycle (walks and DMA data)",
	 SET(p.mem_bytes_per_cycle = (unsigned)as_u64(v))},
	{"mem.slc.size", Type::U64, "0", nullptr, 0, 1ull << 30,
	 "bytes of the system-level cache in front of the memory channel (64-byte lines), 0 = none",
	 SET(p.slc_size = as_u64(v))},
	{"mem.slc.ways", Type::U64, "16", nullptr, 0, 1024, "system-level cache ways (0 = fully associative)",
	 SET(p.slc_ways = (unsigned)as_u64(v))},
	{"mem.slc.latency", Type::U64, "30", nullptr, 0, 1000000, "cycles of a system-level cache hit (no channel use)",
	 SET(p.slc_latency = (unsigned)as_u64(v))},
	{"mem.slc.data", Type::BOOL, "0", nullptr, 0, 1, "DMA data also goes through the system-level cache",
	 SET(p.slc_data = as_bool(v))},
	{"tbu.count", Type::U64, "4", nullptr, 1, 256, "TBUs, one per master port",
	 SET(p.tbu_count = (unsigned)as_u64(v))},
	{"tbu.utlb.entries", Type::U64, "32", nullptr, 0, 65536, "micro-TLB entries (fully associative), 0 = off",
	 SET(p.utlb_entries = (unsigned)as_u64(v))},
	{"tbu.utlb.latency", Type::U64, "1", nullptr, 0, 1000, "cycles of a micro-TLB lookup",
	 SET(p.utlb_latency = (unsigned)as_u64(v))},
	{"tbu.utlb.slots", Type::U64, "1", nullptr, 1, 64, "micro-TLB lookups in flight (slots = latency: one per cycle)",
	 SET(p.utlb_slots = (unsigned)as_u64(v))},
	{"tbu.utlb.policy", Type::ENUM, "plru", "lru|plru|rr|random|rrip", 0, 0, "micro-TLB replacement",
	 SET(p.utlb_policy = std::string(v))},
	{"tbu.mtlb.entries", Type::U64, "2048", nullptr, 0, 1u << 20, "main TLB entries, 0 = off",
	 SET(p.mtlb_entries = (unsigned)as_u64(v))},
	{"tbu.mtlb.ways", Type::U64, "4", nullptr, 0, 1024, "main TLB ways (0 = fully associative)",
	 SET(p.mtlb_ways = (unsigned)as_u64(v))},
	{"tbu.mtlb.latency", Type::U64, "3", nullptr, 0, 1000, "cycles of a main TLB lookup (+1 per extra page size probed)",
	 SET(p.mtlb_latency = (unsigned)as_u64(v))},
	{"tbu.mtlb.slots", Type::U64, "3", nullptr, 1, 64, "main TLB lookups in flight (slots = latency: one per cycle)",
	 SET(p.mtlb_slots = (unsigned)as_u64(v))},
	{"tbu.mtlb.policy", Type::ENUM, "random", "lru|plru|rr|random|rrip", 0, 0, "main TLB replacement",
	 SET(p.mtlb_policy = std::string(v))},
	{"tbu.link.to_tcu", Type::U64, "8", nullptr, 0, 1000, "cycles of a TBU to TCU translation request",
	 SET(p.link_to_tcu = (unsigned)as_u64(v))},
	{"tbu.link.to_tbu", Type::U64, "8", nullptr, 0, 1000, "cycles of a TCU to TBU translation response",
	 SET(p.link_to_tbu = (unsigned)as_u64(v))},
	{"tbu.link.cycles", Type::U64, "1", nullptr, 1, 1000,
	 "cycles one request holds the shared TBU-to-TCU link (and one response the TCU-to-TBU link)",
	 SET(p.link_cycles = (unsigned)as_u64(v))},
	{"tbu.xlate.slots", Type::U64, "16", nullptr, 1, 4096, "translation slots per TBU (main-TLB misses in flight)",
	 SET(p.tbu_xlate_slots = (unsigned)as_u64(v))},
	{"tcu.cfg.entries", Type::U64, "64", nullptr, 0, 1u << 20, "configuration cache entries (STE+CD), 0 = off",
	 SET(p.cfg_entries = (unsigned)as_u64(v))},
	{"tcu.cfg.ways", Type::U64, "4", nullptr, 0, 1024, "configuration cache ways (0 = fully associative)",
	 SET(p.cfg_ways = (unsigned)as_u64(v))},
	{"tcu.cfg.latency", Type::U64, "3", nullptr, 0, 1000, "cycles of a configuration cache lookup",
	 SET(p.cfg_latency = (unsigned)as_u64(v))},
	{"tcu.cfg.slots", Type::U64, "3", nullptr, 1, 64, "configuration cache lookups in flight",
	 SET(p.cfg_slots = (unsigned)as_u64(v))},
	{"tcu.cfg.cache_l1", Type::BOOL, "0", nullptr, 0, 1, "also cache L1STD and L1CD descriptors",
	 SET(p.cfg_cache_l1 = as_bool(v))},
	{"tcu.cfg.policy", Type::ENUM, "rr", "lru|plru|rr|random|rrip", 0, 0, "configuration cache replacement",
	 SET(p.cfg_policy = std::string(v))},
	{"tcu.walk.layout", Type::ENUM, "per_level", "per_level|unified", 0, 0,
	 "walk caches: one per level (MMU-600) or one unified cache (MMU-700)",
	 SET(p.walk_per_level = std::string(v) == "per_level")},
	{"tcu.walk.l0.entries", Type::U64, "16", nullptr, 0, 1u << 20, "per_level: entries caching level-0 table descriptors",
	 SET(p.walk_l0_entries = (unsigned)as_u64(v))},
	{"tcu.walk.l1.entries", Type::U64, "64", nullptr, 0, 1u << 20, "per_level: entries caching level-1 table descriptors",
	 SET(p.walk_l1_entries = (unsigned)as_u64(v))},
	{"tcu.walk.l2.entries", Type::U64, "256", nullptr, 0, 1u << 20, "per_level: entries caching level-2 table descriptors",
	 SET(p.walk_l2_entries = (unsigned)as_u64(v))},
	{"tcu.walk.l3.entries", Type::U64, "256", nullptr, 0, 1u << 20,
	 "per_level: entries caching level-3 (page) descriptors, 0 = off (blocks live in their level's cache)",
	 SET(p.walk_l3_entries = (unsigned)as_u64(v))},
	{"tcu.walk.s2l0.entries", Type::U64, "16", nullptr, 0, 1u << 20,
	 "per_level: entries caching stage-2 level-0 descriptors, 0 = off",
	 SET(p.walk_s2l0_entries = (unsigned)as_u64(v))},
	{"tcu.walk.s2l1.entries", Type::U64, "64", nullptr, 0, 1u << 20,
	 "per_level: entries caching stage-2 level-1 descriptors (tables, 1 GB blocks)",
	 SET(p.walk_s2l1_entries = (unsigned)as_u64(v))},
	{"tcu.walk.s2l2.entries", Type::U64, "256", nullptr, 0, 1u << 20,
	 "per_level: entries caching stage-2 level-2 descriptors (tables, 2 MB blocks)",
	 SET(p.walk_s2l2_entries = (unsigned)as_u64(v))},
	{"tcu.walk.s2l3.entries", Type::U64, "256", nullptr, 0, 1u << 20,
	 "per_level: entries caching stage-2 level-3 (page) descriptors",
	 SET(p.walk_s2l3_entries = (unsigned)as_u64(v))},
	{"tcu.walk.entries", Type::U64, "512", nullptr, 0, 1u << 20, "unified: walk cache entries, 0 = off",
	 SET(p.walk_entries = (unsigned)as_u64(v))},
	{"tcu.walk.ways", Type::U64, "4", nullptr, 0, 1024, "walk cache ways (0 = fully associative)",
	 SET(p.walk_ways = (unsigned)as_u64(v))},
	{"tcu.walk.latency", Type::U64, "4", nullptr, 0, 1000, "cycles of one walk cache lookup",
	 SET(p.walk_latency = (unsigned)as_u64(v))},
	{"tcu.walk.slots", Type::U64, "4", nullptr, 1, 64, "walk cache lookups in flight",
	 SET(p.walk_slots = (unsigned)as_u64(v))},
	{"tcu.walk.policy", Type::ENUM, "rr", "lru|plru|rr|random|rrip", 0, 0, "walk cache replacement",
	 SET(p.walk_policy = std::string(v))},
	{"tcu.xlate.slots", Type::U64, "64", nullptr, 1, 4096, "translations the TCU handles at once",
	 SET(p.tcu_xlate_slots = (unsigned)as_u64(v))},
	{"tcu.ptw.slots", Type::U64, "16", nullptr, 1, 4096, "table walks the TCU does at once",
	 SET(p.ptw_slots = (unsigned)as_u64(v))},
	{"tcu.ctw.slots", Type::U64, "4", nullptr, 0, 4096,
	 "configuration walks (L1STD/STE/L1CD/CD fetches) the TCU does at once, 0 = no limit",
	 SET(p.ctw_slots = (unsigned)as_u64(v))},
	{"sim.seed", Type::U64, "1", nullptr, 0, U64MAX, "seed of every random replacement policy",
	 SET(p.seed = as_u64(v))},
	{"cd.layout", Type::ENUM, "auto", "auto|linear|2l-4k|2l-64k", 0, 0, "driver policy: CD table layout (replay tool)",
	 SET(p.cd_layout = std::string(v))},
	{"st.layout", Type::ENUM, "auto", "auto|linear|2lvl", 0, 0, "driver policy: stream table layout (replay tool)",
	 SET(p.st_layout = std::string(v))},
};
constexpr size_t kCount = sizeof(kParams) / sizeof(kParams[0]);

int find(const char *key)
{
	for (size_t i = 0; i < kCount; i++)
		if (std::strcmp(kParams[i].key, key) == 0)
			return (int)i;
	return -1;
}

std::string printable(const std::string &s) // raw bytes never reach a terminal through a message
{
	static const char hex[] = "0123456789abcdef";
	std::string o;
	for (unsigned char c : s)
		if (c >= 0x20 && c < 0x7f)
			o += (char)c;
		else
			o += std::string("\\x") + hex[c >> 4] + hex[c & 15];
	return o;
}

void set_err(char *err, size_t errlen, const std::string &msg)
{
	if (err && errlen)
		std::snprintf(err, errlen, "%s", printable(msg).c_str());
}

// Numbers: the one syntax of every smmusim input (smmusim/number.h), suffixes allowed.
bool parse_u64(const char *s, uint64_t &out)
{
	return s && smmusim_parse_u64(s, std::strlen(s), SMMUSIM_NUM_SUFFIX, &out);
}

bool parse_bool(const char *s, bool &out)
{
	static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
	for (auto y : yes)
		if (!strcasecmp(s, y)) { out = true; return true; }
	for (auto n : no)
		if (!strcasecmp(s, n)) { out = false; return true; }
	return false;
}

uint64_t as_u64(const char *v)
{
	uint64_t x = 0;
	parse_u64(v, x);
	return x;
}

bool as_bool(const char *v)
{
	bool x = false;
	parse_bool(v, x);
	return x;
}

// IDR5.OAS encoding of an address width.
void set_oas(SmmuParams &p, const char *v)
{
	static const char *oas[] = {"32", "36", "40", "42", "44", "48", "52"};
	for (unsigned i = 0; i < 7; i++)
		if (!std::strcmp(v, oas[i]))
			p.oas = i;
}

bool enum_has(const char *choices, const char *s)
{
	std::string c(choices);
	size_t pos = 0;
	while (pos <= c.size()) {
		size_t bar = c.find('|', pos);
		if (bar == std::string::npos)
			bar = c.size();
		if (c.compare(pos, bar - pos, s) == 0 && std::strlen(s) == bar - pos)
			return true;
		pos = bar + 1;
	}
	return false;
}

bool validate(const ParamDef &d, const char *value, std::string &msg)
{
	switch (d.type) {
	case Type::U64: {
		uint64_t v;
		if (!parse_u64(value, v)) {
			msg = std::string(d.key) + ": '" + value + "' is not a number (decimal, 0x.., K/M/G/T suffix)";
			return false;
		}
		if (v < d.min || v > d.max) {
			msg = std::string(d.key) + ": " + value + " is out of range [" + std::to_string(d.min) + ", " +
			      std::to_string(d.max) + "]";
			return false;
		}
		return true;
	}
	case Type::BOOL: {
		bool b;
		if (!parse_bool(value, b)) {
			msg = std::string(d.key) + ": '" + value + "' is not a boolean (0/1, true/false, yes/no, on/off)";
			return false;
		}
		return true;
	}
	case Type::ENUM:
		if (!enum_has(d.choices, value)) {
			msg = std::string(d.key) + ": '" + value + "' is not one of " + d.choices;
			return false;
		}
		return true;
	}
	return false;
}

} // namespace

struct smmusim_config {
	std::vector<std::string> values;
};

extern "C" {

smmusim_config *smmusim_config_new(void)
{
	auto *c = new smmusim_config;
	for (const auto &d : kParams)
		c->values.emplace_back(d.def);
	return c;
}

void smmusim_config_free(smmusim_config *cfg) { delete cfg; }

int smmusim_config_set(smmusim_config *cfg, const char *key, const char *value, char *err, size_t errlen)
{
	if (!cfg || !key || !value) {
		set_err(err, errlen, "smmusim_config_set: NULL argument");
		return -EINVAL;
	}
	int i = find(key);
	if (i < 0) {
		set_err(err, errlen, std::string("unknown configuration key '") + key + "'");
		return -EINVAL;
	}
	std::string msg;
	if (!validate(kParams[i], value, msg)) {
		set_err(err, errlen, msg);
		return -EINVAL;
	}
	cfg->values[i] = value;
	return 0;
}

} // extern "C": C++ helpers below (clang rejects C linkage for functions returning std::string)

namespace {
// The INI syntax of docs/configuration.md: "[section]", "key = value" (the key is then
// "section.key"), comments from ';' or '#' at the start of a line or " ;" after a value, blank
// lines. The first error stops
// the load and names its own line.
std::string trim(const std::string &s)
{
	size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
	return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Empty string on success, else the reason.
std::string ini_line(smmusim_config *cfg, const std::string &raw, std::string &section)
{
	if (raw.find('\0') != std::string::npos)
		return "NUL byte (not a text file)";
	std::string line = raw;
	for (size_t i = 1; i < line.size(); i++) // "; comment" after a value
		if (line[i] == ';' && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
			line.resize(i);
			break;
		}
	line = trim(line);
	if (line.empty() || line[0] == ';' || line[0] == '#')
		return {};
	if (line[0] == '[') {
		size_t close = line.find(']');
		if (close == std::string::npos)
			return "section \"" + printable(line) + "\" has no closing ']'";
		if (!trim(line.substr(close + 1)).empty())
			return "unexpected text after the section name";
		section = trim(line.substr(1, close - 1));
		if (section.empty())
			return "empty section name";
		return {};
	}
	size_t eq = line.find('=');
	if (eq == std::string::npos)
		return "expected \"key = value\", got \"" + printable(line) + "\"";
	std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
	if (name.empty())
		return "missing key before '='";
	std::string key = section.empty() ? name : section + "." + name;
	char buf[256];
	if (smmusim_config_set(cfg, key.c_str(), value.c_str(), buf, sizeof buf) != 0)
		return buf;
	return {};
}
} // namespace

extern "C" {

int smmusim_config_load(smmusim_config *cfg, const char *path, char *err, size_t errlen)
{
	if (!cfg || !path) {
		set_err(err, errlen, "smmusim_config_load: NULL argument");
		return -EINVAL;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		set_err(err, errlen, std::string(path) + ": is a directory, not a configuration file");
		return -EISDIR;
	}
	FILE *f = std::fopen(path, "r");
	if (!f) {
		int e = errno;
		set_err(err, errlen, std::string(path) + ": " + std::strerror(e));
		return -e;
	}
	std::string section, line, why;
	unsigned long lineno = 0;
	int ch = 0;
	while (why.empty() && ch != EOF) {
		line.clear();
		while ((ch = std::fgetc(f)) != EOF && ch != '\n')
			line += (char)ch;
		if (ch == EOF && line.empty())
			break;
		lineno++;
		why = ini_line(cfg, line, section);
	}
	bool read_error = std::ferror(f);
	std::fclose(f);
	if (why.empty() && read_error)
		why = "read error";
	if (!why.empty()) {
		set_err(err, errlen, std::string(path) + ":" + std::to_string(lineno) + ": " + why);
		return -EINVAL;
	}
	return 0;
}

} // extern "C"

namespace {
std::string preset_summary(const char *text) // the first line, without its "; "
{
	std::string first(text, std::strcspn(text, "\n"));
	size_t b = first.find_first_not_of(";# \t");
	return b == std::string::npos ? std::string() : trim(first.substr(b));
}
} // namespace

extern "C" {

size_t smmusim_preset_count(void) { return kSmmuPresetCount; }

const char *smmusim_preset_name(size_t index) { return index < kSmmuPresetCount ? kSmmuPresets[index].name : nullptr; }

const char *smmusim_preset_summary(size_t index)
{
	static std::vector<std::string> summaries;
	if (summaries.empty())
		for (size_t i = 0; i < kSmmuPresetCount; i++)
			summaries.push_back(preset_summary(kSmmuPresets[i].text));
	return index < kSmmuPresetCount ? summaries[index].c_str() : nullptr;
}

const char *smmusim_preset_list(void)
{
	static std::string list;
	if (list.empty())
		for (size_t i = 0; i < kSmmuPresetCount; i++) {
			std::string name = kSmmuPresets[i].name;
			list += name + std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') + smmusim_preset_summary(i) + "\n";
		}
	return list.c_str();
}

int smmusim_config_preset(smmusim_config *cfg, const char *name, char *err, size_t errlen)
{
	if (!cfg || !name) {
		set_err(err, errlen, "smmusim_config_preset: NULL argument");
		return -EINVAL;
	}
	const SmmuPresetText *p = nullptr;
	std::string known;
	for (size_t i = 0; i < kSmmuPresetCount; i++) {
		known += std::string(i ? ", " : "") + kSmmuPresets[i].name;
		if (!std::strcmp(kSmmuPresets[i].name, name))
			p = &kSmmuPresets[i];
	}
	if (!p) {
		set_err(err, errlen, std::string("unknown preset '") + name + "' (presets: " + known + ")");
		return -EINVAL;
	}
	// The same INI syntax as a --config file, line by line; a preset that does not load is a build
	// defect, and the test of every preset (test/model/config_test.cpp) keeps it from shipping.
	std::string section, text = p->text;
	unsigned long lineno = 0;
	for (size_t pos = 0; pos < text.size();) {
		size_t nl = text.find('\n', pos);
		if (nl == std::string::npos)
			nl = text.size();
		lineno++;
		std::string why = ini_line(cfg, text.substr(pos, nl - pos), section);
		if (!why.empty()) {
			set_err(err, errlen, std::string("preset ") + name + ":" + std::to_string(lineno) + ": " + why);
			return -EINVAL;
		}
		pos = nl + 1;
	}
	return 0;
}

const char *smmusim_config_get(const smmusim_config *cfg, const char *key)
{
	if (!cfg || !key)
		return nullptr;
	int i = find(key);
	return i < 0 ? nullptr : cfg->values[i].c_str();
}

size_t smmusim_config_count(const smmusim_config *) { return kCount; }

const char *smmusim_config_key(const smmusim_config *, size_t index)
{
	return index < kCount ? kParams[index].key : nullptr;
}

const char *smmusim_config_choices(const char *key)
{
	int i = key ? find(key) : -1;
	return i < 0 || kParams[i].type != Type::ENUM ? nullptr : kParams[i].choices;
}

} // extern "C"

bool smmusim::smmu_params_from_config(const smmusim_config *cfg, SmmuParams &p, std::string &err)
{
	smmusim_config defaults;
	if (!cfg) {
		for (const auto &d : kParams)
			defaults.values.emplace_back(d.def);
		cfg = &defaults;
	}
	// SMMUSIM_CONFIG_OVERRIDE="key=value[,key=value...]" wins over what the caller set: it runs a
	// whole suite under another setting (the driver-mutant catalogue measures smmu.strict=0 this way).
	smmusim_config overridden;
	if (const char *ov = std::getenv("SMMUSIM_CONFIG_OVERRIDE"); ov && *ov) {
		overridden = *cfg;
		std::string list = ov;
		for (size_t pos = 0; pos <= list.size();) {
			size_t end = list.find(',', pos);
			if (end == std::string::npos)
				end = list.size();
			const std::string item = list.substr(pos, end - pos);
			const size_t eq = item.find('=');
			char msg[256] = "";
			if (eq == std::string::npos ||
			    smmusim_config_set(&overridden, item.substr(0, eq).c_str(), item.substr(eq + 1).c_str(), msg,
					       sizeof msg)) {
				err = "SMMUSIM_CONFIG_OVERRIDE: bad item '" + item + "'" + (*msg ? std::string(": ") + msg : "");
				return false;
			}
			pos = end + 1;
		}
		cfg = &overridden;
	}
	// Each parameter stores itself (its binder in kParams), so a key is named in one place only.
	for (const auto &d : kParams)
		d.apply(p, smmusim_config_get(cfg, d.key));

	if (p.sidsize >= 7 && p.st_level == 0) {
		err = "smmu.sidsize >= 7 requires smmu.st_level = 2lvl (the architecture demands 2-level stream tables)";
		return false;
	}
	if (!p.gran4k && !p.gran16k && !p.gran64k) {
		err = "at least one of smmu.gran4k/gran16k/gran64k must be enabled";
		return false;
	}
	if (p.dma_base >= p.mem_size) {
		err = "mem.dma_base must be below mem.size";
		return false;
	}
	if ((p.mtlb_entries && p.mtlb_ways > p.mtlb_entries) || (p.cfg_entries && p.cfg_ways > p.cfg_entries) ||
	    (p.walk_entries && p.walk_ways > p.walk_entries)) {
		err = "a cache cannot have more ways than entries (tbu.mtlb, tcu.cfg, tcu.walk)";
		return false;
	}
	if (p.slc_size % 64 || (p.slc_ways && p.slc_size && (p.slc_size / 64) % p.slc_ways)) {
		err = "mem.slc.size must be a multiple of 64 bytes times mem.slc.ways";
		return false;
	}
	if (p.mtlb_ways && p.mtlb_entries % p.mtlb_ways) {
		err = "tbu.mtlb.entries must be a multiple of tbu.mtlb.ways";
		return false;
	}
	if (p.cfg_ways && p.cfg_entries % p.cfg_ways) {
		err = "tcu.cfg.entries must be a multiple of tcu.cfg.ways";
		return false;
	}
	if (p.walk_ways && p.walk_entries % p.walk_ways) {
		err = "tcu.walk.entries must be a multiple of tcu.walk.ways";
		return false;
	}
	for (unsigned e : {p.walk_l0_entries, p.walk_l1_entries, p.walk_l2_entries, p.walk_l3_entries, p.walk_s2l0_entries,
			   p.walk_s2l1_entries, p.walk_s2l2_entries, p.walk_s2l3_entries})
		if (p.walk_ways && e > p.walk_ways && e % p.walk_ways) {
			err = "tcu.walk.l0..l3/s2l0..s2l3.entries must be multiples of tcu.walk.ways (or at most that many: fully "
			      "associative)";
			return false;
		}
	return true;
}
