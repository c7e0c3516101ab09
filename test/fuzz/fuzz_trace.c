/*
 * Fuzz target: the trace reader and checker. Any bytes, plain or gzip, must give records or one
 * "FILE:LINE: reason" error, never a crash. Every record that parses must also survive a round
 * trip: formatted, parsed again and formatted again, it reads the same.
 */
#define _POSIX_C_SOURCE 200809L /* access, getpid, unlink */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/trace.h>

#include "fuzz.h"

static char path[64];

static void fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_trace: %s\n  first:  %s\n  second: %s\n", what, a, b);
	abort(); /* how a fuzz target reports a finding */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		/* tmpfs where there is one: a file created and unlinked per input on a disk file system
		 * made the smoke test wait on the disk (over 120 s while other jobs wrote to it) */
		const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(path, sizeof path, "%s/smmusim-fuzz-trace-%ld", dir, (long)getpid());
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);

	char err[256];
	trace_reader *r = trace_reader_open(path, err, sizeof err);
	if (!r) {
		unlink(path); /* never truncate-and-rewrite it: see run_one in standalone_main.c */
		return 0;
	}
	trace_checker *c = trace_checker_new();
	struct trace_record rec;
	char line1[512], line2[512], copy[512];
	int rc;
	while ((rc = trace_reader_next(r, &rec)) == 1) {
		size_t n = trace_format_record(&rec, line1, sizeof line1);
		if (n) {
			struct trace_record again;
			memcpy(copy, line1, n + 1);
			if (trace_parse_line(r, copy, n, &again) != 1)
				fail("a formatted record does not parse", line1, trace_reader_error(r));
			size_t m = trace_format_record(&again, line2, sizeof line2);
			if (m != n || memcmp(line1, line2, n) != 0)
				fail("format/parse/format is not stable", line1, line2);
		}
		if (c && trace_checker_apply(c, &rec, err, sizeof err) != 0)
			break; /* rejected by the checker: a one-line error, as the CLI prints */
	}
	if (rc < 0) {
		const char *e = trace_reader_error(r);
		if (!e || !*e || strchr(e, '\n'))
			fail("an error must be one non-empty line", e ? e : "(null)", "");
	}
	trace_checker_free(c);
	trace_reader_close(r);
	unlink(path);
	return 0;
}

static const char seed_text[] =
	"smmusim-trace 1\n"
	"# a device with two StreamIDs and PASIDs\n"
	"device acc sid=0x10,0x11 pasid-bits=8 port=1\n"
	"domain parent dma\n"
	"domain aux1 dma\n"
	"domain id identity\n"
	"attach acc parent\n"
	"enable-aux acc\n"
	"aux-attach acc aux1\n"
	"map parent 0x10000000 0x80000000 64K rw\n"
	"map aux1 0x20000000 0x80100000 0x2000 r\n"
	"@100 r acc 0x10000000 64\n"
	"@+4 w acc 0x10000040 8 priv\n"
	"- r acc 0x20000000 4096 pasid=aux1\n"
	"@200 r 0x11 0x20001000 16 pasid=1 instr\n"
	"unmap parent 0x10000000 0x1000\n"
	"detach acc parent\n"
	"free aux1\n";

size_t fuzz_builtin_seeds(const uint8_t ***seeds, const size_t **sizes)
{
	static const uint8_t *s[1];
	static size_t z[1];
	s[0] = (const uint8_t *)seed_text;
	z[0] = sizeof seed_text - 1;
	*seeds = s;
	*sizes = z;
	return 1;
}
