/* SPDX-License-Identifier: MIT */
/*
 * Inside the trace reader and writer: what the text form (trace_io.c) and the binary form
 * (trace_bin.c) share. Not installed; the API is smmusim/trace.h.
 */
#ifndef SMMUSIM_TRACE_INTERNAL_H
#define SMMUSIM_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "smmusim/trace.h"

#define IO_CHUNK (1u << 20) /* bytes per gzread: large reads amortise zlib's per-call cost */
#define MAX_LINE 4096u
#define MAX_NAME 63u

/* Interned names: each distinct device/domain name is stored once, with the order it came in. */
struct name_table {
	char **slots; /* open addressing, power-of-two size */
	uint32_t *hashes;
	uint32_t *ids; /* 0, 1, 2, ... in the order the names were first interned */
	size_t size, used;
	char *arena; /* current arena chunk */
	size_t arena_left;
	char **chunks; /* every chunk, to free them */
	size_t nchunks;
};
/* The stored copy of s[0, len) (NULL: out of memory); *id (if not NULL) its number. */
const char *names_intern(struct name_table *t, const char *s, size_t len, uint32_t *id);
void names_free(struct name_table *t);
/* A letter or _, then letters, digits, _ - . :; at most MAX_NAME bytes. */
bool name_ok(const char *t, size_t len);

struct trace_lines {
	gzFile gz;
	char *path;
	char *buf;         /* IO_CHUNK + max_line + 1 bytes */
	size_t start, end; /* undelivered bytes are buf[start, end) */
	size_t max_line;
	bool eof;
	uint64_t line;     /* number of the last line delivered (or of the error) */
	char pending[300]; /* damage past buf[end]: reported when the lines before it are used up */
	char err[512];
};
/* Set l->err to "PATH:LINE: msg" (msg escaped); returns -1. */
int lines_fail(trace_lines *l, const char *msg);

struct bin_reader;
struct trace_reader {
	trace_lines in;
	bool seen_version;
	uint64_t prev_time;
	struct name_table names;
	const char *last_name; /* DMA records mostly repeat the previous device: skip the hash then */
	size_t last_len;
	struct bin_reader *bin; /* the binary form (NULL: text) */
};

struct bin_writer;
struct trace_writer {
	gzFile gz;
	char *path;
	char *tmp; /* the file being written, renamed to path on success; NULL for stdout */
	char buf[1 << 16];
	size_t used;
	bool failed;
	struct bin_writer *bin; /* the binary form (NULL: text) */
};

/* ---- The binary form (trace_bin.c, layout in docs/trace-format.md) ---------------------------- */
#define BIN_MAGIC "\x89SMT\r\n\x1a\n"
#define BIN_MAGIC_LEN 8u
#define BIN_HEADER_LEN 16u

/* r->in holds the first BIN_MAGIC_LEN bytes, the magic: read the rest of the header. */
int bin_reader_start(trace_reader *r);
int bin_reader_next(trace_reader *r, struct trace_record *rec);
void bin_reader_free(trace_reader *r);

/* Put the header in w->buf (empty); -1 out of memory. */
int bin_writer_start(trace_writer *w);
int bin_writer_write(trace_writer *w, const struct trace_record *rec);
/* Write w->buf out as one block (nothing if empty); -1 on a write error. */
int bin_writer_flush(trace_writer *w);
/* The end record, then the last block. */
int bin_writer_finish(trace_writer *w);
void bin_writer_free(trace_writer *w);

#endif
