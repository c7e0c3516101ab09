/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench speed: simulated transactions per host second, through the asynchronous DMA
 * interface the replay engine uses (smmusim_dma_submit / smmusim_run / smmusim_dma_poll), for
 *   hit-heavy:  16 pages streamed in 64-byte steps (micro-TLB hits after the first touch),
 *   miss-heavy: a random 64-byte line of a random 4 KiB page out of 256 MiB (65536 pages against a
 *               2048-entry main TLB: main-TLB misses, each a walk ending with one PTE read),
 * each in the timed model and in the model's functional-only mode when it has one (setup, i.e.
 * bring-up and mapping, not timed); and end to end through the command line:
 *   replay plain / gzip: `smmusim replay` of a generated hit-heavy trace (a stream over 16 pages),
 *               timed and functional, the whole run timed (decoding, checking, driver, model);
 *   replay binary plain / gzip: the same trace in the binary form;
 *   pasid N:    `smmusim replay` (functional) of `gen --pattern pasid --domains 64` traces with N
 *               live PASIDs sharing 64 domains, the same DMA stream for every N.
 * Each (workload, mode, repetition) is its own child process (one SystemC elaboration per
 * process); the median of the repetitions is reported, with each child's peak resident memory.
 * And the decoding alone (reader and checker, as replay's decoding thread runs them) of the replay
 * trace in each form, in this process, timed by its CPU time so that a loaded machine shows less.
 */
#include <time.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "smmusim/number.h"
#include "smmusim/trace.h"

#define HIT_TARGET 25e6
#define MISS_TARGET 5e6
#define REPLAY_TARGET 8e6   /* end-to-end hit-heavy replay, timed */
#define PASID_TARGET 2e6    /* PASID-heavy replay, functional */
#define DECODE_PLAIN_TARGET 25e6 /* records per second, reader and checker on one core */
#define DECODE_GZIP_TARGET 15e6
#define PASID_RATIO_TARGET 0.5 /* PASID-heavy tps at least this share of the lightest PASID case */
#define OVERHEAD_TARGET 2.0 /* timed tps at least half the functional tps */
#define MAX_PASID_CASES 4
#define BATCH 1024u

/* The functional-only switch of the model: the first key and value the configuration accepts. */
static const char *const functional_sets[][2] = {
	{"model.timing", "off"}, {"model.timing", "0"}, {"model.timing", "functional"}, {"model.functional", "1"}};

static int functional_set(char *buf, size_t len)
{
	smmusim_config *cfg = smmusim_config_new();
	char err[256];
	int found = -1;
	for (size_t i = 0; cfg && i < sizeof(functional_sets) / sizeof(functional_sets[0]); i++)
		if (smmusim_config_get(cfg, functional_sets[i][0]) &&
		    smmusim_config_set(cfg, functional_sets[i][0], functional_sets[i][1], err, sizeof(err)) == 0) {
			snprintf(buf, len, "%s=%s", functional_sets[i][0], functional_sets[i][1]);
			found = (int)i;
			break;
		}
	smmusim_config_free(cfg);
	return found;
}

/* CPU seconds of the calling thread: what a run costs, whatever else shares the machine. */
static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- child: one measured run ----------------------------------------------------------------- */
static int child_run(bool miss, bool functional, uint64_t count, const char *result, const char *preset,
		     const char **sets, size_t nsets)
{
	const char *all[40];
	size_t n = 0;
	char fset[64];
	for (size_t i = 0; i < nsets && n < 38; i++)
		all[n++] = sets[i];
	if (functional) {
		if (functional_set(fset, sizeof(fset)) < 0) {
			fprintf(stderr, "smmusim bench speed: the model has no functional-only mode\n");
			return SMMUSIM_EXIT_INPUT;
		}
		all[n++] = fset;
	}
	struct bench_platform pf;
	int status = bench_platform_open_preset(&pf, preset, all, n, SMMU_CD_LAYOUT_AUTO);
	if (status) {
		fprintf(stderr, "smmusim bench speed: %s\n", pf.err);
		bench_platform_close(&pf);
		return status;
	}
	uint32_t sid = 0;
	struct smmu_master *dev;
	struct iommu_domain *dom;
	const uint64_t iova = 0x40000000ull;
	/* 4 KiB-aligned but not 2 MiB-aligned PA: the driver must use 4 KiB pages */
	const uint64_t pa = 0x100001000ull, bytes = miss ? 256ull << 20 : 64u << 10;
	_Static_assert(((256ull << 20) & ((256ull << 20) - 1)) == 0 && ((64u << 10) & ((64u << 10) - 1)) == 0,
		       "powers of two: the timed loop masks instead of dividing");
	int rc = iommu_probe_device(pf.smmu, &sid, 1, &dev);
	if (!rc)
		rc = iommu_domain_alloc(pf.smmu, IOMMU_DOMAIN_DMA, &dom);
	if (!rc)
		rc = iommu_attach_device(pf.smmu, dom, dev);
	if (!rc)
		rc = iommu_map(pf.smmu, dom, iova, pa, bytes, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC);
	if (rc) {
		fprintf(stderr, "smmusim bench speed: setup failed: error %d\n", rc);
		bench_platform_close(&pf);
		return SMMUSIM_EXIT_SIM;
	}
	smmusim_platform *sim = pf.sim;
	uint64_t rng = 1, done = 0, ok = 0, lat = 0, c0 = smmusim_now(sim);
	uint64_t utlb0 = bench_stat(&pf, "tbu.utlb.misses"), mtlb0 = bench_stat(&pf, "tbu.mtlb.misses"),
		 walks0 = bench_stat(&pf, "tcu.walks");
	struct smmusim_dma_result res[256];
	double t0 = bench_seconds(), c0cpu = thread_cpu();
	for (uint64_t i = 0; i < count;) {
		uint64_t now = smmusim_now(sim), b = count - i < BATCH ? count - i : BATCH;
		for (uint64_t k = 0; k < b; k++, i++) {
			struct smmusim_dma d = {.port = 0, .sid = 0, .size = 64, .write = (i & 3) == 3};
			if (miss) {
				uint64_t x = bench_rand(&rng);
				d.addr = iova + ((x & ((bytes >> 12) - 1)) << 12) + ((x >> 40) & 63) * 64;
			} else {
				d.addr = iova + ((i * 64) & (bytes - 1));
			}
			if (smmusim_dma_submit(sim, &d, now + k, i) < 0) {
				fprintf(stderr, "smmusim bench speed: smmusim_dma_submit refused a DMA\n");
				bench_platform_close(&pf);
				return SMMUSIM_EXIT_SIM;
			}
		}
		while (smmusim_dma_outstanding(sim) > 0) {
			smmusim_run(sim, 4096);
			size_t got;
			while ((got = smmusim_dma_poll(sim, res, 256)) > 0)
				for (size_t j = 0; j < got; j++) {
					done++;
					ok += res[j].status == SMMUSIM_DMA_OK;
					lat += res[j].done_cycle - res[j].issue_cycle;
				}
		}
	}
	double secs = bench_seconds() - t0, cpu = thread_cpu() - c0cpu;
	uint64_t cycles = smmusim_now(sim) - c0;
	FILE *f = fopen(result, "w");
	if (!f) {
		fprintf(stderr, "smmusim bench speed: %s: cannot create: %s\n", result, strerror(errno));
		bench_platform_close(&pf);
		return SMMUSIM_EXIT_INPUT;
	}
	fprintf(f, "{\n  \"transactions\": %llu,\n  \"ok\": %llu,\n  \"host_seconds\": %.6f,\n  \"tps\": %.1f,\n"
		   "  \"cpu_seconds\": %.6f,\n  \"cpu_tps\": %.1f,\n  \"sim_cycles\": %llu,\n  \"latency_mean\": %.3f,\n  \"utlb_misses\": %llu,\n  \"mtlb_misses\": %llu,\n"
		   "  \"walks\": %llu\n}\n",
		(unsigned long long)done, (unsigned long long)ok, secs, secs > 0 ? (double)done / secs : 0.0,
		cpu, cpu > 0 ? (double)done / cpu : 0.0, (unsigned long long)cycles, done ? (double)lat / (double)done : 0.0,
		(unsigned long long)(bench_stat(&pf, "tbu.utlb.misses") - utlb0),
		(unsigned long long)(bench_stat(&pf, "tbu.mtlb.misses") - mtlb0),
		(unsigned long long)(bench_stat(&pf, "tcu.walks") - walks0));
	fclose(f);
	bench_platform_close(&pf);
	return done == count && ok == count ? 0 : SMMUSIM_EXIT_SIM;
}

/* ---- parent ---------------------------------------------------------------------------------- */
static void usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim bench speed [OPTIONS]\n\n"
		"Simulated transactions per host second (tps): the model alone through the asynchronous DMA\n"
		"interface, hit-heavy (micro-TLB hits) and miss-heavy (main-TLB misses with walks), timed\n"
		"and functional-only; `smmusim replay` end to end of a generated hit-heavy trace, plain and\n"
		"gzip, text and binary form, timed and functional; replays of PASID-heavy traces\n"
		"(functional); and the decoding alone (reader and checker, one core, CPU time) of the replay\n"
		"trace in each form. Median of --repeat runs, each replay in its own process, with its peak\n"
		"resident memory. Targets: hit-heavy >= 25 M tps, miss-heavy >= 5 M, replay >= 8 M timed,\n"
		"PASID cases >= 2 M functional and at least half the rate of the first (lightest) PASID\n"
		"case; timing overhead <= 2; decoding >= 25 M records/s plain, >= 15 M gzip. The ratios\n"
		"(timing overhead, a PASID case against the first) are of transactions per CPU second of\n"
		"the simulation's thread, which other load on the machine does not skew.\n\n"
		"      --hit-count N    transactions of the hit-heavy run [4000000]\n"
		"      --miss-count N   transactions of the miss-heavy run [1000000]\n"
		"      --replay-count N DMA records of the end-to-end replay trace [4000000]\n"
		"      --pasid-count N  DMA records of each PASID trace [1000000]\n"
		"      --pasids LIST    live PASID counts of the PASID cases, comma-separated, at most 4\n"
		"                       [64,4096,65536]\n"
		"  -r, --repeat R       runs per (workload, mode); the median is reported [3]\n"
		"  -p, --preset NAME    named configuration for every run (\"--preset list\" lists them)\n"
		"  -s, --set KEY=VALUE  model parameter for every run (repeatable; after --preset)\n"
		"  -j, --json FILE      write {\"hit_heavy\": {\"timed_tps\", \"functional_tps\", ...}, ...,\n"
		"                       \"replay_plain\", \"replay_gzip\", \"replay_binary_plain\",\n"
		"                       \"replay_binary_gzip\", \"pasid_N\": ..., \"decode\": ...}\n"
		"  -h, --help           this help\n");
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "smmusim bench speed: %s \"%s\"\n", msg, arg);
	return SMMUSIM_EXIT_USAGE;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A number after "key": in a JSON text (the replay's keys are unique), or -1. */
static double json_num(const char *text, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	const char *p = text ? strstr(text, pat) : NULL;
	return p ? strtod(p + strlen(pat), NULL) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[4096];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

enum { W_HIT, W_MISS, W_PLAIN, W_GZIP, W_BPLAIN, W_BGZIP, W_PASID }; /* W_PASID + i: the i-th PASID case */
#define NTRACES 4 /* the replay trace: text plain, text gzip, binary plain, binary gzip (W_PLAIN + i) */
#define MAX_WORKLOADS (W_PASID + MAX_PASID_CASES)

struct measured {
	double tps[2];          /* [timed, functional], medians; < 0: not measured */
	double replay_tps[2];   /* replays: over the replay phase alone */
	double cpu_tps[2];      /* per CPU second of the simulation's thread: the ratios' basis */
	double latency[2];
	long rss_kib[2];        /* peak resident memory (largest of the repetitions) */
	unsigned long long mtlb_misses[2], utlb_misses[2], transactions;
};

/* a's tps in mode ma over b's in mode mb: by CPU time of the simulation's thread when both have it
 * (a neighbour that takes the CPU away stretches one run's wall clock, not its CPU time), else by
 * wall clock; < 0 when either is missing. */
static double speed_ratio(const struct measured *a, int ma, const struct measured *b, int mb)
{
	if (a->cpu_tps[ma] > 0 && b->cpu_tps[mb] > 0)
		return a->cpu_tps[ma] / b->cpu_tps[mb];
	return a->tps[ma] > 0 && b->tps[mb] > 0 ? a->tps[ma] / b->tps[mb] : -1;
}

/* ---- decoding alone ---------------------------------------------------------------------------- */
/* Records per CPU second reading PATH to the end (and checking every record if check); < 0 on error. */
static double decode_rate(const char *path, bool check)
{
	char err[512];
	double t0 = thread_cpu();
	trace_reader *r = trace_reader_open(path, err, sizeof(err));
	trace_checker *c = check ? trace_checker_new() : NULL;
	if (!r || (check && !c)) {
		fprintf(stderr, "smmusim bench speed: %s\n", r ? "out of memory" : err);
		trace_reader_close(r);
		trace_checker_free(c);
		return -1;
	}
	struct trace_record rec;
	uint64_t n = 0;
	int rc;
	while ((rc = trace_reader_next(r, &rec)) > 0 && (!c || trace_checker_apply(c, &rec, err, sizeof(err)) == 0))
		n++;
	if (rc != 0)
		fprintf(stderr, "smmusim bench speed: %s\n", rc < 0 ? trace_reader_error(r) : err);
	trace_reader_close(r);
	trace_checker_free(c);
	double secs = thread_cpu() - t0;
	return rc == 0 && secs > 0 ? (double)n / secs : -1;
}

struct decoded {
	double rate[NTRACES][2]; /* [trace][read, read+check]: medians of the repetitions */
};

static void decode_all(char traces[NTRACES][80], unsigned long long repeat, struct decoded *d)
{
	for (int t = 0; t < NTRACES; t++)
		for (int check = 0; check < 2; check++) {
			double v[100];
			size_t nv = 0;
			for (unsigned long long i = 0; i < repeat; i++) {
				double x = decode_rate(traces[t], check);
				if (x > 0)
					v[nv++] = x;
			}
			qsort(v, nv, sizeof(double), cmp_d);
			d->rate[t][check] = nv ? v[nv / 2] : -1;
		}
}

static const char *const decode_keys[NTRACES] = {"text_plain", "text_gzip", "binary_plain", "binary_gzip"};

static double decode_target(int t) { return t % 2 ? DECODE_GZIP_TARGET : DECODE_PLAIN_TARGET; }

static void print_decoded(const struct decoded *d, unsigned long long records)
{
	printf("\ndecoding        records   read only (rec/s)   read+check (rec/s)   vs text   target      met\n");
	for (int t = 0; t < NTRACES; t++) {
		char vs[32] = "";
		if (t >= 2 && d->rate[t - 2][1] > 0 && d->rate[t][1] > 0)
			snprintf(vs, sizeof(vs), "%.2fx", d->rate[t][1] / d->rate[t - 2][1]);
		printf("%-13s  %9llu   %17.0f   %18.0f   %-7s   >= %.0fM     %s\n", decode_keys[t], records, d->rate[t][0],
		       d->rate[t][1], vs, decode_target(t) / 1e6, d->rate[t][1] >= decode_target(t) ? "yes" : "no");
	}
	printf("(the replay trace decoded in this process, reader alone and reader+checker as replay runs them;\n"
	       " records per CPU second of the decoding thread, median of the repetitions; targets on read+check)\n");
}

static void json_decoded(FILE *f, const struct decoded *d)
{
	fprintf(f, "  \"decode\": {");
	for (int t = 0; t < NTRACES; t++) {
		char rd[32] = "null", rc[32] = "null";
		if (d->rate[t][0] > 0)
			snprintf(rd, sizeof(rd), "%.1f", d->rate[t][0]);
		if (d->rate[t][1] > 0)
			snprintf(rc, sizeof(rc), "%.1f", d->rate[t][1]);
		fprintf(f, "%s\n    \"%s\": {\"read_rps\": %s, \"read_check_rps\": %s, \"target_rps\": %.0f, \"target_met\": %s}",
			t ? "," : "", decode_keys[t], rd, rc, decode_target(t), d->rate[t][1] >= decode_target(t) ? "true" : "false");
	}
	fprintf(f, "\n  },\n");
}

/* One child's argument vector (freed by the caller). */
struct argv_b {
	char **a;
	int n;
};
static bool arg(struct argv_b *b, const char *s)
{
	char **na = realloc(b->a, (size_t)(b->n + 2) * sizeof(*na));
	if (!na)
		return false;
	b->a = na;
	b->a[b->n++] = (char *)s;
	b->a[b->n] = NULL;
	return true;
}

int bench_speed(int argc, char **argv)
{
	static const struct option lo[] = {{"hit-count", required_argument, NULL, 'H'},
					   {"miss-count", required_argument, NULL, 'M'},
					   {"replay-count", required_argument, NULL, 'P'},
					   {"pasid-count", required_argument, NULL, 'C'},
					   {"pasids", required_argument, NULL, 'L'},
					   {"repeat", required_argument, NULL, 'r'},
					   {"set", required_argument, NULL, 's'},
					   {"preset", required_argument, NULL, 'p'},
					   {"json", required_argument, NULL, 'j'},
					   {"run", required_argument, NULL, 'R'},
					   {"mode", required_argument, NULL, 'm'},
					   {"count", required_argument, NULL, 'c'},
					   {"result", required_argument, NULL, 'o'},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};
	unsigned long long hit_count = 4000000, miss_count = 1000000, replay_count = 4000000, pasid_count = 1000000,
			   repeat = 3, count = 0;
	unsigned long long pasids[MAX_PASID_CASES] = {64, 4096, 65536};
	size_t npasids = 3;
	const char *json = NULL, *run = NULL, *mode = "timed", *result = NULL, *preset = NULL;
	const char *sets[32];
	size_t nsets = 0;
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:s:p:j:h", lo, NULL)) != -1) {
		unsigned long long *dst = NULL;
		switch (c) {
		case 'H': dst = &hit_count; break;
		case 'M': dst = &miss_count; break;
		case 'P': dst = &replay_count; break;
		case 'C': dst = &pasid_count; break;
		case 'r': dst = &repeat; break;
		case 'c': dst = &count; break;
		case 'L': {
			npasids = 0;
			for (const char *q = optarg;; q++) {
				const char *e = strchr(q, ',');
				size_t n = e ? (size_t)(e - q) : strlen(q);
				uint64_t v;
				if (!smmusim_parse_u64(q, n, 0, &v) || v == 0 || v >= (1ull << 20) || npasids == MAX_PASID_CASES)
					return bad("--pasids needs up to 4 counts from 1 to 2^20-1, comma-separated, got", optarg);
				pasids[npasids++] = v;
				if (!e)
					break;
				q = e;
			}
			if (!npasids)
				return bad("--pasids needs up to 4 counts from 1 to 2^20-1, comma-separated, got", optarg);
			break;
		}
		case 's':
			if (!strchr(optarg, '=') || nsets == 32)
				return bad("--set needs KEY=VALUE, got", optarg);
			sets[nsets++] = optarg;
			break;
		case 'p': preset = optarg; break;
		case 'j': json = optarg; break;
		case 'R':
			if (strcmp(optarg, "hit") && strcmp(optarg, "miss"))
				return bad("--run needs hit or miss, got", optarg);
			run = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "timed") && strcmp(optarg, "functional"))
				return bad("--mode needs timed or functional, got", optarg);
			mode = optarg;
			break;
		case 'o': result = optarg; break;
		case 'h': usage(stdout); return SMMUSIM_EXIT_OK;
		case ':': return bad("missing value for", argv[optind - 1]);
		default: return bad("unknown option", argv[optind - 1]);
		}
		if (dst) {
			uint64_t v;
			if (!smmusim_parse_u64(optarg, strlen(optarg), SMMUSIM_NUM_SUFFIX, &v) || v == 0 || v > (1ull << 34))
				return bad("expected a number from 1 to 2^34 for this option, got", optarg);
			*dst = v;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (preset && !strcmp(preset, "list")) {
		fputs(smmusim_preset_list(), stdout);
		return SMMUSIM_EXIT_OK;
	}
	if (preset) { /* an unknown name is a usage error here, not in every child */
		smmusim_config *cfg = smmusim_config_new();
		char err[256];
		int rc = cfg ? smmusim_config_preset(cfg, preset, err, sizeof(err)) : -ENOMEM;
		smmusim_config_free(cfg);
		if (rc)
			return bad(rc == -ENOMEM ? "out of memory" : err, preset);
	}
	if (run) { /* the child */
		if (!result || !count)
			return bad("--run needs --count and --result, got", run);
		return child_run(!strcmp(run, "miss"), !strcmp(mode, "functional"), count, result, preset, sets, nsets);
	}
	if (repeat > 99)
		return bad("--repeat must be at most 99, got", "(too many)");

	char fset[64];
	bool have_functional = functional_set(fset, sizeof(fset)) >= 0;
	char dir[] = "/tmp/smmusim-speed-XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "smmusim bench speed: cannot create a temporary directory: %s\n", strerror(errno));
		return SMMUSIM_EXIT_INPUT;
	}
	const size_t nwork = W_PASID + npasids;
	static char strs[64][96]; /* numbers and paths the argument vectors point into */
	size_t nstr = 0;
#define STR(...) (snprintf(strs[nstr], sizeof(strs[0]), __VA_ARGS__), strs[nstr++])
	char traces[NTRACES][80], trace_pasid[MAX_PASID_CASES][80];
	static const char *const trace_names[NTRACES] = {"replay.trace", "replay.trace.gz", "replay.smtb", "replay.smtb.gz"};
	for (int t = 0; t < NTRACES; t++)
		snprintf(traces[t], sizeof(traces[t]), "%s/%s", dir, trace_names[t]);

	/* 1. the traces (not timed) */
	struct argv_b gens[NTRACES + MAX_PASID_CASES];
	memset(gens, 0, sizeof(gens));
	const char *rcount = STR("%llu", replay_count), *pcount = STR("%llu", pasid_count);
	for (int g = 0; g < NTRACES; g++) {
		struct argv_b *b = &gens[g];
		arg(b, "gen"), arg(b, "--pattern"), arg(b, "stream"), arg(b, "--count"), arg(b, rcount);
		arg(b, "--footprint"), arg(b, "65536"), arg(b, "-o"), arg(b, traces[g]);
	}
	for (size_t i = 0; i < npasids; i++) {
		struct argv_b *b = &gens[NTRACES + i];
		snprintf(trace_pasid[i], sizeof(trace_pasid[i]), "%s/pasid%llu.trace.gz", dir, pasids[i]);
		arg(b, "gen"), arg(b, "--pattern"), arg(b, "pasid"), arg(b, "--count"), arg(b, pcount);
		arg(b, "--pasids"), arg(b, STR("%llu", pasids[i])), arg(b, "--domains");
		arg(b, STR("%llu", pasids[i] < 64 ? pasids[i] : 64)), arg(b, "--footprint"), arg(b, "1M");
		arg(b, "--interval"), arg(b, "8"), arg(b, "-o"), arg(b, trace_pasid[i]);
	}
	char **gargv[NTRACES + MAX_PASID_CASES];
	int gstatus[NTRACES + MAX_PASID_CASES];
	for (size_t i = 0; i < NTRACES + npasids; i++)
		gargv[i] = gens[i].a;
	if (bench_spawn_all(gargv, NTRACES + npasids, 2, gstatus, false)) {
		fprintf(stderr, "smmusim bench speed: generating the replay traces failed\n");
		return SMMUSIM_EXIT_SIM;
	}
	struct decoded dec;
	decode_all(traces, repeat, &dec);

	/* 2. children: workload x mode x repetition, interleaved so machine-load drift hits every column */
	size_t nmodes = have_functional ? 2 : 1, nchild = nwork * nmodes * repeat;
	struct argv_b *kids = calloc(nchild, sizeof(*kids));
	char (*paths)[80] = calloc(nchild, sizeof(*paths));
	int *status = calloc(nchild, sizeof(*status));
	long *rss = calloc(nchild, sizeof(*rss));
	bool *skip = calloc(nchild, sizeof(*skip));
	char ***kargv = calloc(nchild, sizeof(*kargv));
	if (!kids || !paths || !status || !rss || !skip || !kargv) {
		fprintf(stderr, "smmusim bench speed: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	const char *hcount = STR("%llu", hit_count), *mcount = STR("%llu", miss_count);
	size_t k = 0, nrun = 0;
	for (unsigned long long r = 0; r < repeat; r++)
		for (size_t w = 0; w < nwork; w++)
			for (size_t m = 0; m < nmodes; m++, k++) {
				struct argv_b *b = &kids[k];
				snprintf(paths[k], sizeof(paths[k]), "%s/%zu.json", dir, k);
				if (w >= W_PASID && m == 0) { /* PASID cases: functional only (when there is one) */
					skip[k] = have_functional;
					if (skip[k])
						continue;
				}
				if (w <= W_MISS) {
					arg(b, "bench"), arg(b, "speed"), arg(b, "--run"), arg(b, w == W_MISS ? "miss" : "hit");
					arg(b, "--mode"), arg(b, m ? "functional" : "timed"), arg(b, "--count");
					arg(b, w == W_MISS ? mcount : hcount), arg(b, "--result"), arg(b, paths[k]);
				} else {
					arg(b, "replay"), arg(b, "-q"), arg(b, "--json"), arg(b, paths[k]);
					if (m)
						arg(b, "--set"), arg(b, fset);
					arg(b, w < W_PASID ? traces[w - W_PLAIN] : trace_pasid[w - W_PASID]);
				}
				if (preset)
					arg(b, "--preset"), arg(b, preset);
				for (size_t s2 = 0; s2 < nsets; s2++)
					arg(b, "--set"), arg(b, sets[s2]);
				kargv[nrun] = b->a;
				nrun++;
			}
	int *rstatus = calloc(nrun ? nrun : 1, sizeof(*rstatus));
	long *rrss = calloc(nrun ? nrun : 1, sizeof(*rrss));
	size_t failed = rstatus && rrss ? bench_spawn_all_rss(kargv, nrun, 1, rstatus, rrss, isatty(2)) : nrun;
	for (size_t i = 0, j = 0; i < nchild; i++)
		if (!skip[i] && rstatus && rrss) {
			status[i] = rstatus[j];
			rss[i] = rrss[j++];
		}
	free(rstatus);
	free(rrss);

	struct measured mw[MAX_WORKLOADS];
	memset(mw, 0, sizeof(mw));
	for (size_t w = 0; w < nwork; w++)
		for (size_t m = 0; m < 2; m++) {
			double v[100], vr[100], vc[100], l = 0;
			size_t nv = 0;
			long peak = 0;
			for (unsigned long long r = 0; m < nmodes && r < repeat; r++) {
				size_t idx = (size_t)(r * nwork * nmodes + w * nmodes + m);
				if (skip[idx] || status[idx])
					continue;
				if (w <= W_MISS) {
					struct bench_kv kv;
					if (bench_kv_read(paths[idx], &kv) != 0)
						continue;
					v[nv] = strtod(bench_kv_get(&kv, "tps"), NULL);
					vc[nv] = strtod(bench_kv_get(&kv, "cpu_tps"), NULL);
					vr[nv++] = -1;
					l = strtod(bench_kv_get(&kv, "latency_mean"), NULL);
					mw[w].mtlb_misses[m] = strtoull(bench_kv_get(&kv, "mtlb_misses"), NULL, 10);
					mw[w].utlb_misses[m] = strtoull(bench_kv_get(&kv, "utlb_misses"), NULL, 10);
					mw[w].transactions = strtoull(bench_kv_get(&kv, "transactions"), NULL, 10);
				} else {
					char *text = slurp(paths[idx]);
					double secs = json_num(text, "seconds"), rsecs = json_num(text, "replay_seconds");
					double n = json_num(text, "transactions");
					/* the process's CPU time less the decoding thread's: the simulation's thread */
					double cpu = json_num(text, "cpu_seconds") - json_num(text, "decode_cpu_seconds");
					if (!text || secs <= 0 || rsecs <= 0 || n < 0) {
						free(text);
						continue;
					}
					v[nv] = n / secs;
					vc[nv] = cpu > 0 ? n / cpu : -1;
					vr[nv++] = n / rsecs;
					l = json_num(text, "mean");
					mw[w].transactions = (unsigned long long)n;
					free(text);
				}
				if (rss[idx] > peak)
					peak = rss[idx];
				unlink(paths[idx]);
			}
			qsort(v, nv, sizeof(double), cmp_d);
			qsort(vr, nv, sizeof(double), cmp_d);
			qsort(vc, nv, sizeof(double), cmp_d);
			mw[w].tps[m] = nv ? v[nv / 2] : -1;
			mw[w].replay_tps[m] = nv ? vr[nv / 2] : -1;
			mw[w].cpu_tps[m] = nv ? vc[nv / 2] : -1;
			mw[w].latency[m] = l;
			mw[w].rss_kib[m] = peak;
		}
	for (int t = 0; t < NTRACES; t++)
		unlink(traces[t]);
	for (size_t i = 0; i < npasids; i++)
		unlink(trace_pasid[i]);
	rmdir(dir);
	for (size_t i = 0; i < nchild; i++)
		free(kids[i].a);
	for (size_t i = 0; i < NTRACES + npasids; i++)
		free(gens[i].a);
	free(kids);
	free(kargv);
	free(paths);
	free(status);
	free(rss);
	free(skip);

	/* 3. the report */
	char names[MAX_WORKLOADS][32], keys[MAX_WORKLOADS][32];
	double targets[MAX_WORKLOADS];
	bool met[MAX_WORKLOADS];
	const size_t base = W_PASID; /* the lightest PASID case is the first */
	for (size_t w = 0; w < nwork; w++) {
		static const char *const fixed[W_PASID][2] = {
			{"hit-heavy", "hit_heavy"}, {"miss-heavy", "miss_heavy"}, {"replay plain", "replay_plain"},
			{"replay gzip", "replay_gzip"}, {"replay bin", "replay_binary_plain"},
			{"replay bin gz", "replay_binary_gzip"}};
		if (w < W_PASID) {
			snprintf(names[w], sizeof(names[w]), "%s", fixed[w][0]);
			snprintf(keys[w], sizeof(keys[w]), "%s", fixed[w][1]);
		} else {
			snprintf(names[w], sizeof(names[w]), "pasid %llu", pasids[w - W_PASID]);
			snprintf(keys[w], sizeof(keys[w]), "pasid_%llu", pasids[w - W_PASID]);
		}
		targets[w] = w == W_HIT ? HIT_TARGET : w == W_MISS ? MISS_TARGET : w < W_PASID ? REPLAY_TARGET : PASID_TARGET;
		/* the model and replay cases are judged timed, the PASID cases functional (and against the first) */
		met[w] = w < W_PASID ? mw[w].tps[0] >= targets[w]
				     : mw[w].tps[1] >= targets[w] &&
					       speed_ratio(&mw[w], 1, &mw[base], 1) >= PASID_RATIO_TARGET;
	}
	printf("workload       transactions   timed tps    functional tps   overhead   target      met  peak RSS\n");
	for (size_t w = 0; w < nwork; w++) {
		char ttps[32], ftps[64], ovh[32], tgt[32];
		if (w >= W_PASID && have_functional)
			snprintf(ttps, sizeof(ttps), "-");
		else
			snprintf(ttps, sizeof(ttps), "%.0f", mw[w].tps[0]);
		if (!have_functional)
			snprintf(ftps, sizeof(ftps), "n/a (model has no functional mode yet)");
		else if (mw[w].tps[1] < 0)
			snprintf(ftps, sizeof(ftps), "failed");
		else if (w > base && mw[base].tps[1] > 0)
			snprintf(ftps, sizeof(ftps), "%.0f (%.2fx)", mw[w].tps[1], speed_ratio(&mw[w], 1, &mw[base], 1));
		else
			snprintf(ftps, sizeof(ftps), "%.0f", mw[w].tps[1]);
		if (w < W_PASID && have_functional && mw[w].tps[1] > 0 && mw[w].tps[0] > 0)
			snprintf(ovh, sizeof(ovh), "%.2fx", speed_ratio(&mw[w], 1, &mw[w], 0));
		else
			snprintf(ovh, sizeof(ovh), "n/a");
		snprintf(tgt, sizeof(tgt), ">= %.0fM%s", targets[w] / 1e6, w > base ? "+0.5x" : "");
		long peak = mw[w].rss_kib[0] > mw[w].rss_kib[1] ? mw[w].rss_kib[0] : mw[w].rss_kib[1];
		printf("%-13s  %12llu  %10s    %-15s  %-9s  %-10s  %-3s  %.1f MiB\n", names[w], mw[w].transactions, ttps, ftps,
		       ovh, tgt, met[w] ? "yes" : "no", peak / 1024.0);
	}
	printf("(median of %llu runs each; replay rates over the whole run, set-up and teardown included; the\n"
	       "overhead and the PASID cases' (Nx) are ratios of transactions per CPU second of the simulation's\n"
	       "thread, which other load on the machine does not skew; "
	       "main-TLB misses per transaction: hit-heavy %.3f, miss-heavy %.3f; mean latency %.1f and %.1f cycles)\n",
	       repeat, mw[0].transactions ? (double)mw[0].mtlb_misses[0] / (double)mw[0].transactions : 0.0,
	       mw[1].transactions ? (double)mw[1].mtlb_misses[0] / (double)mw[1].transactions : 0.0, mw[0].latency[0],
	       mw[1].latency[0]);
	print_decoded(&dec, replay_count);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "smmusim bench speed: %s: cannot create: %s\n", json, strerror(errno));
			return SMMUSIM_EXIT_INPUT;
		}
		fprintf(f, "{\n");
		for (size_t w = 0; w < nwork; w++) {
			char ttps[32] = "null", ftps[32] = "null", ovh[32] = "null", rt[32] = "null", rf[32] = "null",
			     ratio[32] = "null";
			if (mw[w].tps[0] > 0)
				snprintf(ttps, sizeof(ttps), "%.1f", mw[w].tps[0]);
			if (have_functional && mw[w].tps[1] > 0) {
				snprintf(ftps, sizeof(ftps), "%.1f", mw[w].tps[1]);
				if (mw[w].tps[0] > 0)
					snprintf(ovh, sizeof(ovh), "%.3f", speed_ratio(&mw[w], 1, &mw[w], 0));
				if (w >= W_PASID && mw[base].tps[1] > 0)
					snprintf(ratio, sizeof(ratio), "%.3f", speed_ratio(&mw[w], 1, &mw[base], 1));
			}
			char ct[32] = "null", cf[32] = "null";
			if (mw[w].cpu_tps[0] > 0)
				snprintf(ct, sizeof(ct), "%.1f", mw[w].cpu_tps[0]);
			if (mw[w].cpu_tps[1] > 0)
				snprintf(cf, sizeof(cf), "%.1f", mw[w].cpu_tps[1]);
			if (mw[w].replay_tps[0] > 0)
				snprintf(rt, sizeof(rt), "%.1f", mw[w].replay_tps[0]);
			if (mw[w].replay_tps[1] > 0)
				snprintf(rf, sizeof(rf), "%.1f", mw[w].replay_tps[1]);
			fprintf(f,
				"  \"%s\": {\"timed_tps\": %s, \"functional_tps\": %s, \"timing_overhead\": %s, "
				"\"transactions\": %llu, \"target_tps\": %.0f, \"target_met\": %s, \"mtlb_misses\": %llu, "
				"\"latency_mean_cycles\": %.3f, \"peak_rss_bytes\": {\"timed\": %lld, \"functional\": %lld}",
				keys[w], ttps, ftps, ovh, mw[w].transactions, targets[w], met[w] ? "true" : "false",
				mw[w].mtlb_misses[0], mw[w].latency[w >= W_PASID], (long long)mw[w].rss_kib[0] * 1024,
				(long long)mw[w].rss_kib[1] * 1024);
			fprintf(f, ", \"cpu_tps\": {\"timed\": %s, \"functional\": %s}", ct, cf);
			if (w >= W_PLAIN)
				fprintf(f, ", \"replay_phase_tps\": {\"timed\": %s, \"functional\": %s}", rt, rf);
			if (w >= W_PASID)
				fprintf(f, ", \"live_pasids\": %llu, \"functional_vs_first\": %s", pasids[w - W_PASID], ratio);
			fprintf(f, "},\n");
		}
		json_decoded(f, &dec);
		fprintf(f, "  \"functional_mode\": %s%s%s,\n  \"overhead_target\": %.1f,\n  \"pasid_ratio_target\": %.1f,\n"
			   "  \"repeat\": %llu\n}\n",
			have_functional ? "\"" : "", have_functional ? fset : "null", have_functional ? "\"" : "",
			OVERHEAD_TARGET, PASID_RATIO_TARGET, repeat);
		if (fclose(f) != 0) {
			fprintf(stderr, "smmusim bench speed: %s: write failed\n", json);
			return SMMUSIM_EXIT_INPUT;
		}
	}
	if (failed) {
		fprintf(stderr, "smmusim bench speed: %zu of %zu runs failed\n", failed, nrun);
		return SMMUSIM_EXIT_SIM;
	}
	return SMMUSIM_EXIT_OK;
}
