/* SPDX-License-Identifier: MIT */
/*
 * bench-trace-decode: how fast the trace reader decodes records. Generates N DMA records (default
 * 10 M) into temporary files, plain and gzip, in the text and the binary form, then reads each back
 * twice: the reader alone, and the reader plus the checker (what `smmusim info` and replay do).
 *   usage: bench-trace-decode [RECORDS] [TMPDIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "smmusim/trace.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_trace(const char *path, uint64_t n)
{
	char err[512];
	trace_writer *w = trace_writer_open(path, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	struct trace_record r = {.kind = TRACE_DEVICE};
	r.u.device.name = "nic";
	r.u.device.sids[0] = 0x10;
	r.u.device.nsids = 1;
	trace_writer_write(w, &r);
	r = (struct trace_record){.kind = TRACE_DOMAIN};
	r.u.domain.name = "d1";
	r.u.domain.type = TRACE_DOM_DMA;
	trace_writer_write(w, &r);
	r = (struct trace_record){.kind = TRACE_ATTACH};
	r.u.link.dev = "nic";
	r.u.link.dom = "d1";
	trace_writer_write(w, &r);
	r = (struct trace_record){.kind = TRACE_MAP};
	r.u.map.dom = "d1";
	r.u.map.iova = 0x10000000;
	r.u.map.pa = 0x80000000;
	r.u.map.size = 64 << 20;
	r.u.map.prot = TRACE_PROT_READ | TRACE_PROT_WRITE;
	trace_writer_write(w, &r);
	uint64_t x = 88172645463325252ull;
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: a realistic mix of addresses */
		r = (struct trace_record){.kind = TRACE_DMA, .time_mode = TRACE_TIME_REL, .time_arg = 1 + (x & 3)};
		r.u.dma.dev = "nic";
		r.u.dma.addr = 0x10000000 + ((x >> 8) % (64 << 20) & ~63ull);
		r.u.dma.size = 64;
		r.u.dma.write = (x >> 40) & 1;
		if (trace_writer_write(w, &r) < 0)
			break;
	}
	if (trace_writer_close(w, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int read_trace(const char *path, bool check, uint64_t *records, double *secs)
{
	char err[512];
	double t0 = now();
	trace_reader *r = trace_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	trace_checker *c = check ? trace_checker_new() : NULL;
	struct trace_record rec;
	uint64_t n = 0;
	int rc;
	while ((rc = trace_reader_next(r, &rec)) > 0) {
		if (c && trace_checker_apply(c, &rec, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s:%llu: %s\n", path, (unsigned long long)rec.line, err);
			rc = -1;
			break;
		}
		n++;
	}
	if (rc < 0 && !c)
		fprintf(stderr, "%s\n", trace_reader_error(r));
	trace_reader_close(r);
	trace_checker_free(c);
	*records = n;
	*secs = now() - t0;
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000ull;
	const char *dir = argc > 2 ? argv[2] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	static const char *const ext[4] = {"trace", "trace.gz", "smtb", "smtb.gz"};
	static const char *const labels[4] = {"plain", "gzip", "bin", "bin-gz"};
	char files[4][4096] = {{0}};
	int status = 0;
	double t0 = now();
	printf("bench-trace-decode: %llu DMA records (+4 control);", (unsigned long long)n);
	for (int f = 0; f < 4; f++) {
		snprintf(files[f], sizeof(files[f]), "%s/bench-trace-decode-%d.%s", dir, (int)getpid(), ext[f]);
		struct stat st;
		if (write_trace(files[f], n) < 0 || stat(files[f], &st) != 0) {
			status = 1;
			goto out;
		}
		printf(" %s %.1f MB%s", labels[f], (double)st.st_size / 1e6, f < 3 ? "," : "");
	}
	printf("; written in %.2f s\n", now() - t0);
	printf("%-8s %-16s %12s %10s %14s\n", "file", "work", "records", "seconds", "records/s");
	for (int f = 0; f < 4; f++) {
		for (int check = 0; check < 2; check++) {
			uint64_t recs;
			double secs;
			if (read_trace(files[f], check, &recs, &secs) < 0) {
				status = 1;
				goto out;
			}
			printf("%-8s %-16s %12llu %10.3f %14.0f\n", labels[f], check ? "read+check" : "read",
			       (unsigned long long)recs, secs, (double)recs / secs);
		}
	}
out:
	for (int f = 0; f < 4; f++)
		unlink(files[f]);
	return status;
}
