/* SPDX-License-Identifier: MIT */
/* smmusim info: check a trace end to end and summarise it. */
#include <getopt.h>
#include <string.h>

#include "smmusim/cli_common.h"

static void info_usage(FILE *out)
{
	fprintf(out, "usage: smmusim info [--help] TRACE\n\n"
		     "Read TRACE (plain or .gz, \"-\" for stdin) to the end, check every record, and print\n"
		     "the format version, record counts by kind, devices, PASIDs, (device, PASID) pairs on DMA\n"
		     "and bound, and duration.\n"
		     "Exit status 0 if the trace is valid, 2 with \"FILE:LINE: reason\" otherwise.\n");
}

int smmusim_cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			info_usage(stdout);
			return SMMUSIM_EXIT_OK;
		}
		info_usage(stderr);
		return SMMUSIM_EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		info_usage(stderr);
		return SMMUSIM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	trace_checker *chk = trace_checker_new();
	if (!chk) {
		fprintf(stderr, "smmusim info: out of memory\n");
		return SMMUSIM_EXIT_SIM;
	}
	int status = cli_walk_trace(path, chk, true, 0, NULL, NULL, NULL);
	if (status != SMMUSIM_EXIT_OK) {
		trace_checker_free(chk);
		return status;
	}
	const struct trace_stats *st = trace_checker_stats(chk);
	uint64_t total = 0;
	for (int k = 0; k < TRACE_KIND_COUNT; k++)
		total += st->records[k];
	printf("trace:     %s\n", path);
	printf("format:    smmusim-trace %d\n", TRACE_VERSION);
	printf("records:   %llu (%llu control, %llu DMA)\n", (unsigned long long)total,
	       (unsigned long long)(total - st->records[TRACE_DMA]), (unsigned long long)st->records[TRACE_DMA]);
	printf("by kind:  ");
	for (int k = 0; k < TRACE_KIND_COUNT; k++)
		if (st->records[k])
			printf(" %s=%llu", trace_kind_name((enum trace_kind)k), (unsigned long long)st->records[k]);
	printf("\n");
	printf("dma:       %llu reads, %llu writes, %llu bytes\n", (unsigned long long)st->reads,
	       (unsigned long long)st->writes, (unsigned long long)st->dma_bytes);
	printf("pasids:    %llu DMA with a PASID, %llu distinct PASIDs, %llu (device, PASID) pairs\n",
	       (unsigned long long)st->pasid_dma, (unsigned long long)st->distinct_pasids,
	       (unsigned long long)st->dma_pairs);
	printf("bound:     %llu (device, PASID) pairs at peak, %llu at the end\n",
	       (unsigned long long)st->peak_bound_pairs, (unsigned long long)st->bound_pairs);
	if (st->records[TRACE_DMA])
		printf("duration:  %llu cycles (DMA issued from cycle %llu to %llu)\n",
		       (unsigned long long)(st->last_dma_time - st->first_dma_time),
		       (unsigned long long)st->first_dma_time, (unsigned long long)st->last_dma_time);
	else
		printf("duration:  0 cycles (no DMA)\n");
	printf("mapped:    %llu bytes at peak, %llu at the end\n", (unsigned long long)st->peak_mapped_bytes,
	       (unsigned long long)st->mapped_bytes);
	const char *name;
	const uint32_t *sids;
	uint32_t nsids, bits, port;
	size_t ndev = 0;
	while (trace_checker_device(chk, ndev, &name, &sids, &nsids, &bits, &port))
		ndev++;
	printf("devices:   %zu\n", ndev);
	for (size_t i = 0; i < ndev && i < 64; i++) {
		trace_checker_device(chk, i, &name, &sids, &nsids, &bits, &port);
		printf("  %-16s sid=", name);
		for (uint32_t j = 0; j < nsids; j++)
			printf("%s0x%x", j ? "," : "", sids[j]);
		printf(" pasid-bits=%u port=%u\n", bits, port);
	}
	if (ndev > 64)
		printf("  ... %zu more\n", ndev - 64);
	trace_checker_free(chk);
	return SMMUSIM_EXIT_OK;
}
