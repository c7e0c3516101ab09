/* SPDX-License-Identifier: MIT */
#include "smmusim/cli_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool cli_u64(const char *cmd, const char *opt, const char *arg, uint64_t *out)
{
	if (!arg || !smmusim_parse_u64(arg, strlen(arg), SMMUSIM_NUM_SUFFIX, out)) {
		char esc[200];
		trace_escape(esc, sizeof(esc), arg ? arg : "");
		fprintf(stderr, "smmusim %s: bad value for %s: \"%s\" (a number, 0x.. hex, K/M/G/T suffix)\n", cmd, opt,
			esc);
		return false;
	}
	return true;
}

double cli_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_start(struct cli_progress *p)
{
	p->on = isatty(2);
	p->next = 1u << 16;
	p->start = p->last = cli_seconds();
}

void cli_progress_tick(struct cli_progress *p, uint64_t records, uint64_t bytes_in)
{
	if (!p->on || records < p->next)
		return;
	p->next = records + (1u << 16); /* look at the clock only every 64 K records */
	double now = cli_seconds();
	if (now - p->last < 0.5)
		return;
	p->last = now;
	fprintf(stderr, "\r%.1f M records, %.1f MB read, %.1f s ", (double)records / 1e6, (double)bytes_in / 1e6,
		now - p->start);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->last != p->start)
		fprintf(stderr, "\r\033[K");
}

int cli_walk_trace(const char *path, trace_checker *checker, bool progress,
		   int (*each)(void *ctx, const struct trace_record *rec), void *ctx)
{
	char err[512];
	trace_reader *r = trace_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	struct cli_progress pr;
	cli_progress_start(&pr);
	pr.on = pr.on && progress;
	struct trace_record rec;
	uint64_t n = 0;
	int rc, status = SMMUSIM_EXIT_OK;
	while ((rc = trace_reader_next(r, &rec)) > 0) {
		if (trace_checker_apply(checker, &rec, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s:%llu: %s\n", path, (unsigned long long)rec.line, err);
			status = SMMUSIM_EXIT_INPUT;
			break;
		}
		if (each && (status = each(ctx, &rec)) != 0)
			break;
		++n;
		if (pr.on && n >= pr.next) /* the byte count costs a syscall: only when it may be shown */
			cli_progress_tick(&pr, n, trace_reader_bytes_in(r));
	}
	cli_progress_end(&pr);
	if (rc < 0) {
		fprintf(stderr, "%s\n", trace_reader_error(r));
		status = SMMUSIM_EXIT_INPUT;
	}
	trace_reader_close(r);
	return status;
}
