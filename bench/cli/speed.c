/* SPDX-License-Identifier: MIT */
/*
 * smmusim bench speed: simulated transactions per host second, through the asynchronous DMA
 * interface the replay engine uses (smmusim_dma_submit / smmusim_run / smmusim_dma_poll), for
 *   hit-heavy:  16 pages streamed in 64-byte steps (micro-TLB hits after the first touch),
 *   miss-heavy: a random 64-byte line of a random 4 KiB page out of 256 MiB (65536 pages against a
 *               2048-entry main TLB: main-TLB misses, each a walk ending with one PTE read),
 * each in the timed model and in the model's functional-only mode when it has one. Each
 * (workload, mode, repetition) is its own child process (one SystemC elaboration per process);
 * the median of the repetitions is reported. Setup (bring-up, mapping) is not timed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"
#include "smmusim/number.h"

#define HIT_TARGET 5e6
#define MISS_TARGET 1e6
#define OVERHEAD_TARGET 3.0
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
	double t0 = bench_seconds();
	for (uint64_t i = 0; i < count;) {
		uint64_t now = smmusim_now(sim), b = count - i < BATCH ? count - i : BATCH;
		for (uint64_t k = 0; k < b; k++, i++) {
			struct smmusim_dma d = {.port = 0, .sid = 0, .size = 64, .write = (i & 3) == 3};
			if (miss) {
				uint64_t x = bench_rand(&rng);
				d.addr = iova + ((x % (bytes >> 12)) << 12) + ((x >> 40) & 63) * 64;
			} else {
				d.addr = iova + (i * 64) % bytes;
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
	double secs = bench_seconds() - t0;
	uint64_t cycles = smmusim_now(sim) - c0;
	FILE *f = fopen(result, "w");
	if (!f) {
		fprintf(stderr, "smmusim bench speed: %s: cannot create: %s\n", result, strerror(errno));
		bench_platform_close(&pf);
		return SMMUSIM_EXIT_INPUT;
	}
	fprintf(f, "{\n  \"transactions\": %llu,\n  \"ok\": %llu,\n  \"host_seconds\": %.6f,\n  \"tps\": %.1f,\n"
		   "  \"sim_cycles\": %llu,\n  \"latency_mean\": %.3f,\n  \"utlb_misses\": %llu,\n  \"mtlb_misses\": %llu,\n"
		   "  \"walks\": %llu\n}\n",
		(unsigned long long)done, (unsigned long long)ok, secs, secs > 0 ? (double)done / secs : 0.0,
		(unsigned long long)cycles, done ? (double)lat / (double)done : 0.0,
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
		"Simulated transactions per host second (tps) of the model through the asynchronous DMA\n"
		"interface: hit-heavy (micro-TLB hits) and miss-heavy (main-TLB misses with walks), timed\n"
		"and functional-only (model switch, when the model has one); median of --repeat runs,\n"
		"each in its own process. Targets: hit-heavy >= 5 M tps, miss-heavy >= 1 M tps,\n"
		"timing overhead (functional tps / timed tps) <= 3.\n\n"
		"      --hit-count N    transactions of the hit-heavy run [4000000]\n"
		"      --miss-count N   transactions of the miss-heavy run [1000000]\n"
		"  -r, --repeat R       runs per (workload, mode); the median is reported [3]\n"
		"  -p, --preset NAME    named configuration for every run (\"--preset list\" lists them)\n"
		"  -s, --set KEY=VALUE  model parameter for every run (repeatable; after --preset)\n"
		"  -j, --json FILE      write {\"hit_heavy\": {\"timed_tps\", \"functional_tps\", ...}, \"miss_heavy\": ...}\n"
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

struct measured {
	double tps[2];     /* [timed, functional], medians; < 0: not measured */
	double latency[2];
	unsigned long long mtlb_misses[2], utlb_misses[2], transactions;
};

int bench_speed(int argc, char **argv)
{
	static const struct option lo[] = {{"hit-count", required_argument, NULL, 'H'},
					   {"miss-count", required_argument, NULL, 'M'},
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
	unsigned long long hit_count = 4000000, miss_count = 1000000, repeat = 3, count = 0;
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
		case 'r': dst = &repeat; break;
		case 'c': dst = &count; break;
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
	/* children: workload x mode x repetition, interleaved so machine-load drift hits every column */
	size_t nmodes = have_functional ? 2 : 1, nchild = 2 * nmodes * repeat;
	char ***argvs = calloc(nchild, sizeof(*argvs));
	char (*paths)[64] = calloc(nchild, sizeof(*paths));
	char (*counts)[32] = calloc(nchild, sizeof(*counts));
	int *status = calloc(nchild, sizeof(*status));
	if (!argvs || !paths || !counts || !status) {
		fprintf(stderr, "smmusim bench speed: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	size_t k = 0;
	for (unsigned long long r = 0; r < repeat; r++)
		for (int w = 0; w < 2; w++)
			for (size_t m = 0; m < nmodes; m++, k++) {
				char **a = calloc(14 + 2 * nsets, sizeof(*a));
				if (!a)
					return SMMUSIM_EXIT_SIM;
				snprintf(paths[k], 64, "%s/%zu.json", dir, k);
				snprintf(counts[k], 32, "%llu", w ? miss_count : hit_count);
				int i = 0;
				a[i++] = "bench";
				a[i++] = "speed";
				a[i++] = "--run";
				a[i++] = w ? "miss" : "hit";
				a[i++] = "--mode";
				a[i++] = m ? "functional" : "timed";
				a[i++] = "--count";
				a[i++] = counts[k];
				a[i++] = "--result";
				a[i++] = paths[k];
				if (preset) {
					a[i++] = "--preset";
					a[i++] = (char *)preset;
				}
				for (size_t s = 0; s < nsets; s++) {
					a[i++] = "--set";
					a[i++] = (char *)sets[s];
				}
				argvs[k] = a;
			}
	size_t failed = bench_spawn_all(argvs, nchild, 1, status, isatty(2));
	struct measured mw[2];
	memset(mw, 0, sizeof(mw));
	for (int w = 0; w < 2; w++)
		for (size_t m = 0; m < 2; m++) {
			double v[100], l = 0;
			size_t nv = 0;
			for (unsigned long long r = 0; m < nmodes && r < repeat; r++) {
				size_t idx = (size_t)(r * 2 * nmodes + (unsigned long long)w * nmodes + m);
				struct bench_kv kv;
				if (status[idx] || bench_kv_read(paths[idx], &kv) != 0)
					continue;
				v[nv++] = strtod(bench_kv_get(&kv, "tps"), NULL);
				l = strtod(bench_kv_get(&kv, "latency_mean"), NULL);
				mw[w].mtlb_misses[m] = strtoull(bench_kv_get(&kv, "mtlb_misses"), NULL, 10);
				mw[w].utlb_misses[m] = strtoull(bench_kv_get(&kv, "utlb_misses"), NULL, 10);
				mw[w].transactions = strtoull(bench_kv_get(&kv, "transactions"), NULL, 10);
				unlink(paths[idx]);
			}
			qsort(v, nv, sizeof(double), cmp_d);
			mw[w].tps[m] = nv ? v[nv / 2] : -1;
			mw[w].latency[m] = l;
		}
	rmdir(dir);
	for (size_t i = 0; i < nchild; i++)
		free(argvs[i]);
	free(argvs);
	free(paths);
	free(counts);
	free(status);

	static const char *const names[2] = {"hit-heavy", "miss-heavy"};
	static const double targets[2] = {HIT_TARGET, MISS_TARGET};
	printf("workload      transactions   timed tps    functional tps   overhead   target      met\n");
	for (int w = 0; w < 2; w++) {
		char ftps[64], ovh[32];
		if (!have_functional)
			snprintf(ftps, sizeof(ftps), "n/a (model has no functional mode yet)");
		else if (mw[w].tps[1] < 0)
			snprintf(ftps, sizeof(ftps), "failed");
		else
			snprintf(ftps, sizeof(ftps), "%.0f", mw[w].tps[1]);
		if (have_functional && mw[w].tps[1] > 0 && mw[w].tps[0] > 0)
			snprintf(ovh, sizeof(ovh), "%.2fx", mw[w].tps[1] / mw[w].tps[0]);
		else
			snprintf(ovh, sizeof(ovh), "n/a");
		printf("%-12s  %12llu  %10.0f    %-15s  %-9s  >= %.0fM  %s\n", names[w], mw[w].transactions, mw[w].tps[0],
		       ftps, ovh, targets[w] / 1e6, mw[w].tps[0] >= targets[w] ? "yes" : "no");
	}
	printf("(median of %llu runs each; main-TLB misses per transaction: hit-heavy %.3f, miss-heavy %.3f; "
	       "mean latency %.1f and %.1f cycles)\n",
	       repeat, mw[0].transactions ? (double)mw[0].mtlb_misses[0] / (double)mw[0].transactions : 0.0,
	       mw[1].transactions ? (double)mw[1].mtlb_misses[0] / (double)mw[1].transactions : 0.0, mw[0].latency[0],
	       mw[1].latency[0]);
	if (json) {
		FILE *f = fopen(json, "w");
		if (!f) {
			fprintf(stderr, "smmusim bench speed: %s: cannot create: %s\n", json, strerror(errno));
			return SMMUSIM_EXIT_INPUT;
		}
		fprintf(f, "{\n");
		for (int w = 0; w < 2; w++) {
			char ftps[32] = "null", ovh[32] = "null";
			if (have_functional && mw[w].tps[1] > 0) {
				snprintf(ftps, sizeof(ftps), "%.1f", mw[w].tps[1]);
				if (mw[w].tps[0] > 0)
					snprintf(ovh, sizeof(ovh), "%.3f", mw[w].tps[1] / mw[w].tps[0]);
			}
			fprintf(f,
				"  \"%s\": {\"timed_tps\": %.1f, \"functional_tps\": %s, \"timing_overhead\": %s, "
				"\"transactions\": %llu, \"target_tps\": %.0f, \"target_met\": %s, \"mtlb_misses\": %llu, "
				"\"latency_mean_cycles\": %.3f},\n",
				w ? "miss_heavy" : "hit_heavy", mw[w].tps[0], ftps, ovh, mw[w].transactions, targets[w],
				mw[w].tps[0] >= targets[w] ? "true" : "false", mw[w].mtlb_misses[0], mw[w].latency[0]);
		}
		fprintf(f, "  \"functional_mode\": %s%s%s,\n  \"overhead_target\": %.1f,\n  \"repeat\": %llu\n}\n",
			have_functional ? "\"" : "", have_functional ? fset : "null", have_functional ? "\"" : "",
			OVERHEAD_TARGET, repeat);
		if (fclose(f) != 0) {
			fprintf(stderr, "smmusim bench speed: %s: write failed\n", json);
			return SMMUSIM_EXIT_INPUT;
		}
	}
	if (failed) {
		fprintf(stderr, "smmusim bench speed: %zu of %zu runs failed\n", failed, nchild);
		return SMMUSIM_EXIT_SIM;
	}
	return SMMUSIM_EXIT_OK;
}
