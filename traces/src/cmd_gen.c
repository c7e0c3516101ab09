/* SPDX-License-Identifier: MIT */
/* smmusim gen: synthetic traces. The same options and seed always give the same bytes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "smmusim/cli_common.h"
#include "smmusim/workload.h"

struct gen {
	trace_writer *w;
	uint64_t rng;
	uint64_t count, size, footprint, stride, pasids, pasid_bits, interval, write_pct, iova, pa, domains;
	uint64_t devices, tbus, hot, churn; /* pasid pattern: the workload shapes of bench cd-layouts */
	bool zipf;
	char (*aux_names)[24];
	char (*dev_names)[24];
	double *zipf_cdf;
	bool failed;
};

static uint64_t next_rand(struct gen *g)
{
	return smmusim_splitmix64(&g->rng);
}

static void emit(struct gen *g, const struct trace_record *rec)
{
	if (!g->failed && trace_writer_write(g->w, rec) < 0)
		g->failed = true;
}

static void emit_device(struct gen *g, const char *name, uint32_t sid, uint32_t pasid_bits, uint32_t port)
{
	struct trace_record r = {.kind = TRACE_DEVICE};
	r.u.device.name = name;
	r.u.device.sids[0] = sid;
	r.u.device.nsids = 1;
	r.u.device.pasid_bits = pasid_bits;
	r.u.device.port = port;
	emit(g, &r);
}

static void emit_domain(struct gen *g, const char *name)
{
	struct trace_record r = {.kind = TRACE_DOMAIN};
	r.u.domain.name = name;
	r.u.domain.type = TRACE_DOM_DMA;
	emit(g, &r);
}

static void emit_link(struct gen *g, enum trace_kind kind, const char *dev, const char *dom)
{
	struct trace_record r = {.kind = kind};
	r.u.link.dev = dev;
	r.u.link.dom = dom;
	emit(g, &r);
}

static void emit_map(struct gen *g, const char *dom, uint64_t iova, uint64_t pa, uint64_t size)
{
	struct trace_record r = {.kind = TRACE_MAP};
	r.u.map.dom = dom;
	r.u.map.iova = iova;
	r.u.map.pa = pa;
	r.u.map.size = size;
	r.u.map.prot = TRACE_PROT_READ | TRACE_PROT_WRITE;
	emit(g, &r);
}

static void emit_attach_pasid(struct gen *g, const char *dev, const char *dom, uint32_t pasid)
{
	struct trace_record r = {.kind = TRACE_ATTACH_PASID};
	r.u.link.dev = dev;
	r.u.link.dom = dom;
	r.u.link.has_pasid = true;
	r.u.link.pasid = pasid;
	emit(g, &r);
}

/* A DMA; its PASID named by domain (pasid_dom), by number (pasid > 0), or none. */
static void emit_dma_pasid(struct gen *g, const char *dev, uint64_t addr, const char *pasid_dom, uint32_t pasid)
{
	struct trace_record r = {.kind = TRACE_DMA, .time_mode = g->interval ? TRACE_TIME_REL : TRACE_TIME_ASAP,
				 .time_arg = g->interval};
	r.u.dma.dev = dev;
	r.u.dma.addr = addr;
	r.u.dma.size = (uint32_t)g->size;
	r.u.dma.write = next_rand(g) % 100 < g->write_pct;
	if (pasid_dom) {
		r.u.dma.pasid_mode = TRACE_PASID_DOMAIN;
		r.u.dma.pasid_dom = pasid_dom;
	} else if (pasid) {
		r.u.dma.pasid_mode = TRACE_PASID_NUMBER;
		r.u.dma.pasid = pasid;
	}
	emit(g, &r);
}

static void emit_dma(struct gen *g, const char *dev, uint64_t addr, const char *pasid_dom)
{
	emit_dma_pasid(g, dev, addr, pasid_dom, 0);
}

enum pattern { P_STREAM, P_RANDOM, P_STRIDED, P_PASID, P_MIX };

/* Offset of the i-th access of a pattern inside the footprint, aligned to the access size. */
static uint64_t offset_for(struct gen *g, enum pattern p, uint64_t i)
{
	uint64_t slots = g->footprint / g->size;
	switch (p) {
	case P_STREAM: return (i % slots) * g->size;
	case P_STRIDED: return ((i * g->stride) % g->footprint) & ~(g->size - 1);
	default: return (next_rand(g) % slots) * g->size;
	}
}

static void setup_simple(struct gen *g, const char *dev, const char *dom, uint32_t sid, uint64_t pa)
{
	emit_device(g, dev, sid, 0, 0);
	emit_domain(g, dom);
	emit_link(g, TRACE_ATTACH, dev, dom);
	emit_map(g, dom, g->iova, pa, g->footprint);
}

/*
 * The PASID device(s): `devices` devices (StreamIDs sid, sid+1, .., device d on port (port + d) mod
 * tbus when tbus > 1), each with substreams and aux domains; aux domain k (PASID k+1) is attached to
 * every device, as one address space bound to several devices; a spare domain for churn.
 */
static void setup_pasid(struct gen *g, const char *dev, uint32_t sid, uint32_t port, uint64_t pa)
{
	for (uint64_t d = 0; d < g->devices; d++) {
		if (g->devices == 1)
			snprintf(g->dev_names[d], sizeof(g->dev_names[d]), "%s", dev);
		else
			snprintf(g->dev_names[d], sizeof(g->dev_names[d]), "%s%llu", dev, (unsigned long long)d);
		emit_device(g, g->dev_names[d], sid + (uint32_t)d, (uint32_t)g->pasid_bits,
			    g->tbus > 1 ? (uint32_t)((port + d) % g->tbus) : port);
		if (g->domains)
			continue; /* PASIDs by attach-pasid: no parent domain, no aux feature */
		if (d == 0)
			emit_domain(g, "parent");
		emit_link(g, TRACE_ATTACH, g->dev_names[d], "parent");
		emit_link(g, TRACE_ENABLE_AUX, g->dev_names[d], NULL);
	}
	if (g->domains) {
		/* more PASIDs than ASIDs: --domains domains, PASID p attached to domain (p - 1) mod D */
		for (uint64_t k = 0; k < g->domains; k++) {
			snprintf(g->aux_names[k], sizeof(g->aux_names[k]), "dom%llu", (unsigned long long)k + 1);
			emit_domain(g, g->aux_names[k]);
			emit_map(g, g->aux_names[k], g->iova, pa + k * g->footprint, g->footprint);
		}
		for (uint64_t p = 1; p <= g->pasids; p++)
			for (uint64_t d = 0; d < g->devices; d++)
				emit_attach_pasid(g, g->dev_names[d], g->aux_names[(p - 1) % g->domains], (uint32_t)p);
		return;
	}
	for (uint64_t k = 0; k < g->pasids; k++) {
		snprintf(g->aux_names[k], sizeof(g->aux_names[k]), "aux%llu", (unsigned long long)k + 1);
		emit_domain(g, g->aux_names[k]);
		for (uint64_t d = 0; d < g->devices; d++)
			emit_link(g, TRACE_AUX_ATTACH, g->dev_names[d], g->aux_names[k]);
		emit_map(g, g->aux_names[k], g->iova, pa + k * g->footprint, g->footprint);
	}
	if (g->churn)
		emit_domain(g, "spare");
}

/* The aux domain (PASID) of a DMA: uniform over the PASIDs, over the hot ones, or Zipf (s = 1). */
static uint64_t pick_pasid(struct gen *g)
{
	uint64_t x = next_rand(g);
	if (g->zipf)
		return smmusim_zipf_rank(g->zipf_cdf, g->pasids, x);
	if (g->hot) /* H hot PASIDs spread evenly over the N, as in bench cd-layouts */
		return smmusim_hot_index(x % g->hot, g->hot, g->pasids);
	return x % g->pasids;
}

/* The pasid pattern's DMA records, round robin over the devices, with churn between them. */
static void pasid_dmas(struct gen *g)
{
	for (uint64_t i = 0; i < g->count && !g->failed; i++) {
		if (g->churn && i && i % (1000 / g->churn) == 0) {
			/* bind and unbind a spare PASID on the first device while the traffic runs */
			emit_link(g, TRACE_AUX_ATTACH, g->dev_names[0], "spare");
			emit_link(g, TRACE_DETACH, g->dev_names[0], "spare");
		}
		uint64_t k = pick_pasid(g);
		uint64_t addr = g->iova + offset_for(g, P_RANDOM, i);
		if (g->domains) /* shared domains: the DMA names its PASID by number */
			emit_dma_pasid(g, g->dev_names[i % g->devices], addr, NULL, (uint32_t)k + 1);
		else
			emit_dma(g, g->dev_names[i % g->devices], addr, g->aux_names[k]);
	}
}

static void gen_usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim gen [OPTIONS] [-o OUT]\n\n"
		"Write a synthetic trace (plain, or gzip when OUT ends in .gz; the binary form when OUT ends\n"
		"in .smtb or .smtb.gz; default stdout).\n\n"
		"  -p, --pattern NAME     stream (sequential), random (uniform over the footprint),\n"
		"                         strided, pasid (one aux domain per PASID, random PASID and\n"
		"                         address), mix (a stream, a random and a pasid device) [stream]\n"
		"  -n, --count N          DMA records [100000]\n"
		"  -s, --seed N           random seed [1]\n"
		"      --size BYTES       bytes per DMA, a power of two up to 4096 [64]\n"
		"      --footprint BYTES  mapped bytes per domain, a multiple of 4K [1M]\n"
		"      --stride BYTES     address step of the strided pattern [4096]\n"
		"      --pasids N         aux domains (PASIDs) for pasid and mix [8]\n"
		"      --domains D        pasid: D domains shared by the PASIDs (attach-pasid, PASID p\n"
		"                         on domain (p-1) mod D, DMA naming PASIDs by number) instead\n"
		"                         of one aux domain per PASID [0: aux domains]\n"
		"      --pasid-bits N     SubstreamID width of the PASID device [20]\n"
		"      --devices D        pasid: D devices (acc0..), each bound to every PASID [1]\n"
		"      --tbus T           pasid: spread the devices over T TBUs (master ports) [1]\n"
		"      --hot H            pasid: only H of the PASIDs (spread evenly) get DMA [0: all]\n"
		"      --zipf             pasid: the k-th PASID gets DMA with probability ~ 1/k\n"
		"      --churn R          pasid: R bind/unbind cycles of a spare PASID per 1000 DMAs [0]\n"
		"      --interval CYCLES  cycles between DMA issues, 0 = as soon as possible [4]\n"
		"      --writes PERCENT   share of writes [30]\n"
		"      --iova ADDR        first IOVA of each domain [0x10000000]\n"
		"      --pa ADDR          first physical address [0x80000000]\n"
		"  -o, --output FILE      output file [-]\n"
		"  -h, --help             this help\n");
}

int smmusim_cmd_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pattern", required_argument, 0, 'p'}, {"count", required_argument, 0, 'n'},
		{"seed", required_argument, 0, 's'},    {"size", required_argument, 0, 1},
		{"footprint", required_argument, 0, 2}, {"stride", required_argument, 0, 3},
		{"pasids", required_argument, 0, 4},    {"pasid-bits", required_argument, 0, 5},
		{"interval", required_argument, 0, 6},  {"writes", required_argument, 0, 7},
		{"iova", required_argument, 0, 8},      {"pa", required_argument, 0, 9},
		{"devices", required_argument, 0, 11},  {"tbus", required_argument, 0, 12},
		{"hot", required_argument, 0, 13},      {"zipf", no_argument, 0, 14},
		{"churn", required_argument, 0, 15},
		{"domains", required_argument, 0, 10},
		{"output", required_argument, 0, 'o'},  {"help", no_argument, 0, 'h'},
		{0, 0, 0, 0}};
	struct gen g = {.count = 100000, .size = 64, .footprint = 1 << 20, .stride = 4096, .pasids = 8,
			.pasid_bits = 20, .interval = 4, .write_pct = 30, .iova = 0x10000000, .pa = 0x80000000,
			.devices = 1, .tbus = 1};
	uint64_t seed = 1;
	const char *out = "-", *pattern_name = "stream";
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:n:s:o:h", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'p': pattern_name = optarg; break;
		case 'n': ok = cli_u64("gen", "--count", optarg, &g.count); break;
		case 's': ok = cli_u64("gen", "--seed", optarg, &seed); break;
		case 1: ok = cli_u64("gen", "--size", optarg, &g.size); break;
		case 2: ok = cli_u64("gen", "--footprint", optarg, &g.footprint); break;
		case 3: ok = cli_u64("gen", "--stride", optarg, &g.stride); break;
		case 4: ok = cli_u64("gen", "--pasids", optarg, &g.pasids); break;
		case 5: ok = cli_u64("gen", "--pasid-bits", optarg, &g.pasid_bits); break;
		case 6: ok = cli_u64("gen", "--interval", optarg, &g.interval); break;
		case 7: ok = cli_u64("gen", "--writes", optarg, &g.write_pct); break;
		case 8: ok = cli_u64("gen", "--iova", optarg, &g.iova); break;
		case 9: ok = cli_u64("gen", "--pa", optarg, &g.pa); break;
		case 11: ok = cli_u64("gen", "--devices", optarg, &g.devices); break;
		case 12: ok = cli_u64("gen", "--tbus", optarg, &g.tbus); break;
		case 13: ok = cli_u64("gen", "--hot", optarg, &g.hot); break;
		case 14: g.zipf = true; break;
		case 15: ok = cli_u64("gen", "--churn", optarg, &g.churn); break;
		case 10: ok = cli_u64("gen", "--domains", optarg, &g.domains); break;
		case 'o': out = optarg; break;
		case 'h': gen_usage(stdout); return SMMUSIM_EXIT_OK;
		default: gen_usage(stderr); return SMMUSIM_EXIT_USAGE;
		}
		if (!ok)
			return SMMUSIM_EXIT_USAGE;
	}
	if (optind != argc) {
		gen_usage(stderr);
		return SMMUSIM_EXIT_USAGE;
	}
	enum pattern p;
	static const char *const pattern_names[] = {"stream", "random", "strided", "pasid", "mix"};
	for (p = P_STREAM; p <= P_MIX; p++)
		if (strcmp(pattern_name, pattern_names[p]) == 0)
			break;
	const char *bad = NULL;
	if (p > P_MIX)
		bad = "--pattern must be stream, random, strided, pasid or mix";
	else if (!g.size || g.size > 4096 || (g.size & (g.size - 1)))
		bad = "--size must be a power of two from 1 to 4096";
	else if (!g.footprint || g.footprint % 4096)
		bad = "--footprint must be a non-zero multiple of 4096";
	else if ((g.iova | g.pa) % 4096)
		bad = "--iova and --pa must be 4 KiB aligned";
	else if (g.write_pct > 100)
		bad = "--writes is a percentage (0..100)";
	else if ((p == P_PASID || p == P_MIX) && (g.pasids == 0 || g.pasid_bits == 0 || g.pasid_bits > 20 ||
						  g.pasids >= (1ull << g.pasid_bits)))
		bad = "--pasids must be 1..2^pasid-bits - 1, and --pasid-bits 1..20";
	else if (p != P_PASID && (g.devices != 1 || g.tbus != 1 || g.hot || g.zipf || g.churn))
		bad = "--devices, --tbus, --hot, --zipf and --churn are for --pattern pasid";
	else if (!g.devices || g.devices > 64 || !g.tbus || g.tbus > g.devices)
		bad = "--devices must be 1..64 and --tbus 1..--devices";
	else if (g.hot > g.pasids || (g.hot && g.zipf) || g.churn > 1000 || (g.churn && g.pasids + 1 >= (1ull << g.pasid_bits)))
		bad = "--hot is at most --pasids and excludes --zipf; --churn is at most 1000 and needs a spare PASID";
	else if (g.domains && (p != P_PASID || g.domains > g.pasids || g.domains > 65535 || g.churn))
		bad = "--domains is for --pattern pasid without --churn: 1..--pasids, at most 65535 (16-bit ASIDs)";
	if (bad) {
		fprintf(stderr, "smmusim gen: %s\n", bad);
		return SMMUSIM_EXIT_USAGE;
	}
	g.rng = seed;
	char err[512];
	g.w = trace_writer_open(out, err, sizeof(err));
	if (!g.w) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	char header[512];
	snprintf(header, sizeof(header),
		 "smmusim gen --pattern %s --count %llu --seed %llu --size %llu --footprint %llu --interval %llu",
		 pattern_names[p], (unsigned long long)g.count, (unsigned long long)seed, (unsigned long long)g.size,
		 (unsigned long long)g.footprint, (unsigned long long)g.interval);
	if (p == P_PASID && (g.devices > 1 || g.tbus > 1 || g.hot || g.zipf || g.churn))
		snprintf(header + strlen(header), sizeof(header) - strlen(header),
			 " --pasids %llu --devices %llu --tbus %llu --hot %llu%s --churn %llu", (unsigned long long)g.pasids,
			 (unsigned long long)g.devices, (unsigned long long)g.tbus, (unsigned long long)g.hot,
			 g.zipf ? " --zipf" : "", (unsigned long long)g.churn);
	else if (g.domains)
		snprintf(header + strlen(header), sizeof(header) - strlen(header), " --pasids %llu",
			 (unsigned long long)g.pasids);
	if (g.domains)
		snprintf(header + strlen(header), sizeof(header) - strlen(header), " --domains %llu",
			 (unsigned long long)g.domains);
	trace_writer_comment(g.w, header);
	g.aux_names = calloc(g.pasids ? g.pasids : 1, sizeof(*g.aux_names));
	g.dev_names = calloc(g.devices, sizeof(*g.dev_names));
	g.zipf_cdf = g.zipf ? malloc(g.pasids * sizeof(*g.zipf_cdf)) : NULL;
	if (g.zipf_cdf)
		smmusim_zipf_cdf(g.zipf_cdf, g.pasids);
	if (!g.aux_names || !g.dev_names || (g.zipf && !g.zipf_cdf)) {
		free(g.dev_names);
		free(g.zipf_cdf);
		fprintf(stderr, "smmusim gen: out of memory\n");
		trace_writer_discard(g.w);
		return SMMUSIM_EXIT_SIM;
	}

	if (p == P_PASID) {
		setup_pasid(&g, "acc", 0x0, 0, g.pa);
	} else if (p == P_MIX) {
		setup_simple(&g, "nic", "nic_dom", 0x10, g.pa);
		emit_device(&g, "gpu", 0x20, 0, 1);
		emit_domain(&g, "gpu_dom");
		emit_link(&g, TRACE_ATTACH, "gpu", "gpu_dom");
		emit_map(&g, "gpu_dom", g.iova, g.pa + g.footprint, g.footprint);
		setup_pasid(&g, "acc", 0x30, 2, g.pa + 2 * g.footprint);
	} else {
		setup_simple(&g, "dev0", "dom0", 0x0, g.pa);
	}
	uint64_t stream_i = 0;
	if (p == P_PASID)
		pasid_dmas(&g);
	for (uint64_t i = 0; p != P_PASID && i < g.count && !g.failed; i++) {
		if (p == P_MIX) {
			switch (next_rand(&g) % 3) {
			case 0: emit_dma(&g, "nic", g.iova + offset_for(&g, P_STREAM, stream_i++), NULL); break;
			case 1: emit_dma(&g, "gpu", g.iova + offset_for(&g, P_RANDOM, i), NULL); break;
			default: {
				uint64_t k = next_rand(&g) % g.pasids;
				emit_dma(&g, "acc", g.iova + offset_for(&g, P_RANDOM, i), g.aux_names[k]);
			}
			}
		} else {
			emit_dma(&g, "dev0", g.iova + offset_for(&g, p, i), NULL);
		}
	}
	free(g.aux_names);
	free(g.dev_names);
	free(g.zipf_cdf);
	if (g.failed) {
		trace_writer_discard(g.w);
		fprintf(stderr, "smmusim gen: %s: write failed\n", out);
		return SMMUSIM_EXIT_INPUT;
	}
	if (trace_writer_close(g.w, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	return SMMUSIM_EXIT_OK;
}
