/* SPDX-License-Identifier: MIT */
/*
 * smmusim traces: the in-memory record, a streaming reader and writer (plain text or gzip, both
 * through zlib), and a checker that follows the trace's devices, domains, PASIDs and mappings.
 * The text format is specified in docs/trace-format.md.
 *
 * Memory: the reader holds one I/O buffer and the interned names (devices, domains); it never
 * holds records, so a trace of any length is read in constant memory.
 */
#ifndef SMMUSIM_TRACE_H
#define SMMUSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRACE_VERSION 1
#define TRACE_MAX_SIDS 8        /* StreamIDs per device */
#define TRACE_PAGE_SIZE 4096u   /* map/unmap granule; DMA must not cross it */
#define TRACE_ADDR_LIMIT (1ull << 52) /* map/unmap IOVA and PA ranges end at or below this (52 bits) */

enum trace_kind {
	TRACE_DEVICE,       /* device NAME sid=A[,B...] [pasid-bits=N] [port=P] */
	TRACE_DOMAIN,       /* domain NAME identity|blocked|dma */
	TRACE_ATTACH,       /* attach DEV DOM                (iommu_attach_device) */
	TRACE_ENABLE_AUX,   /* enable-aux DEV                (iommu_dev_enable_feature AUX) */
	TRACE_AUX_ATTACH,   /* aux-attach DEV DOM [pasid=N]  (iommu_aux_attach_device) */
	TRACE_ATTACH_PASID, /* attach-pasid DEV DOM pasid=N  (iommu_attach_device_pasid) */
	TRACE_MAP,          /* map DOM IOVA PA SIZE PROT     (iommu_map) */
	TRACE_UNMAP,        /* unmap DOM IOVA SIZE           (iommu_unmap, includes the invalidation) */
	TRACE_DETACH,       /* detach DEV DOM                (whichever attach made the link) */
	TRACE_FREE,         /* free DOM                      (iommu_domain_free) */
	TRACE_DMA,          /* r|w DEV ADDR SIZE [pasid=N|DOM] [sid=N] [priv] [instr] */
	TRACE_KIND_COUNT
};

enum trace_domain_type { TRACE_DOM_IDENTITY, TRACE_DOM_BLOCKED, TRACE_DOM_DMA };

enum trace_time_mode {
	TRACE_TIME_ASAP, /* "-" or no time field: not before the previous record */
	TRACE_TIME_ABS,  /* "@N": at cycle N */
	TRACE_TIME_REL,  /* "@+N": N cycles after the previous record */
};

/* map protection bits */
#define TRACE_PROT_READ 0x1u
#define TRACE_PROT_WRITE 0x2u
#define TRACE_PROT_EXEC 0x4u   /* instruction fetch allowed (no XN) */
#define TRACE_PROT_PRIV 0x8u   /* privileged only */

enum trace_pasid_mode {
	TRACE_PASID_NONE,   /* no PASID on the transaction */
	TRACE_PASID_NUMBER, /* pasid=N */
	TRACE_PASID_DOMAIN, /* pasid=DOM: the PASID domain DOM holds (aux-attach or attach-pasid) */
};

/*
 * One record. Names point into storage owned by whoever produced the record (the reader's name
 * table stays valid until trace_reader_close), so records are cheap to pass around.
 */
struct trace_record {
	enum trace_kind kind;
	enum trace_time_mode time_mode;
	uint64_t time_arg; /* N of "@N" or "@+N" */
	uint64_t time;     /* resolved absolute issue cycle (reader fills it in; writer ignores it) */
	uint64_t line;     /* source line (reader), 0 otherwise */
	union {
		struct {
			const char *name;
			uint32_t sids[TRACE_MAX_SIDS];
			uint32_t nsids;
			uint32_t pasid_bits; /* 0: the device cannot issue PASIDs */
			uint32_t port;       /* master port (TBU) its DMA goes through */
		} device;
		struct {
			const char *name;
			enum trace_domain_type type;
		} domain;
		struct {
			const char *dev; /* NULL for free */
			const char *dom; /* NULL for enable-aux */
			bool has_pasid;
			uint32_t pasid;
		} link; /* attach, enable-aux, aux-attach, attach-pasid, detach, free */
		struct {
			const char *dom;
			uint64_t iova;
			uint64_t pa;  /* map only */
			uint64_t size;
			uint32_t prot; /* map only: TRACE_PROT_* */
		} map; /* map, unmap */
		struct {
			const char *dev;  /* device name, or NULL when has_sid names the StreamID alone */
			bool has_sid;     /* sid= given (or the device field was a number) */
			uint32_t sid;
			enum trace_pasid_mode pasid_mode;
			uint32_t pasid;        /* TRACE_PASID_NUMBER */
			const char *pasid_dom; /* TRACE_PASID_DOMAIN */
			uint64_t addr;
			uint32_t size;
			bool write;
			bool priv;
			bool instr;
		} dma;
	} u;
};

const char *trace_kind_name(enum trace_kind kind);           /* "device", "r"/"w" are "dma" */
const char *trace_domain_type_name(enum trace_domain_type t);

/* ---- Lines: the text-line reader under the trace reader, for importers too -------------------- */
typedef struct trace_lines trace_lines;

/* Open PATH ("-" is stdin), plain or gzip; lines longer than max_line bytes are errors. */
trace_lines *trace_lines_open(const char *path, size_t max_line, char *err, size_t errlen);
/*
 * 1: the next line in *line (NUL-terminated, without its "\n" or "\r\n"; valid until the next
 * call), *len bytes; 0: clean end; -1: error, see trace_lines_error ("FILE:LINE: reason"). Damage
 * (a truncated or corrupt gzip stream, a NUL byte) is reported at the line it cuts, after every
 * whole line before it.
 */
int trace_lines_next(trace_lines *l, char **line, size_t *len);
const char *trace_lines_error(const trace_lines *l);
uint64_t trace_lines_number(const trace_lines *l);   /* number of the last line read */
uint64_t trace_lines_bytes_in(const trace_lines *l); /* compressed bytes consumed (progress) */
void trace_lines_close(trace_lines *l);

/* Copy src to dst with control and non-ASCII bytes as \xNN, so messages never echo raw bytes. */
size_t trace_escape(char *dst, size_t dstlen, const char *src);

/* ---- Reader ---------------------------------------------------------------------------------- */
typedef struct trace_reader trace_reader;

/*
 * Open PATH ("-" is stdin), plain or gzip, text or binary form (told by its first bytes). NULL on
 * failure with the reason in err.
 */
trace_reader *trace_reader_open(const char *path, char *err, size_t errlen);
bool trace_reader_binary(const trace_reader *r); /* the trace is in the binary form */
/*
 * 1: *rec filled; 0: clean end of trace; -1: error, see trace_reader_error ("FILE:LINE: reason").
 * In the binary form a record's LINE is the line it has in the text form `smmusim convert` writes
 * (record N on line N + 1, after the version line).
 */
int trace_reader_next(trace_reader *r, struct trace_record *rec);
const char *trace_reader_error(const trace_reader *r);
uint64_t trace_reader_line(const trace_reader *r);     /* line of the last record or error */
uint64_t trace_reader_bytes_in(const trace_reader *r); /* compressed bytes consumed (progress) */
void trace_reader_close(trace_reader *r);

/* Parse one line (no newline; line[len] is its NUL) into rec; names are interned in r. For the reader and tests. */
int trace_parse_line(trace_reader *r, char *line, size_t len, struct trace_record *rec);

/* ---- Writer ---------------------------------------------------------------------------------- */
typedef struct trace_writer trace_writer;

enum trace_form {
	TRACE_FORM_TEXT,   /* one record per line (docs/trace-format.md) */
	TRACE_FORM_BINARY, /* the same records, compactly encoded for decoding speed */
};

/*
 * Create PATH ("-" is stdout); gzip when it ends in ".gz"; the binary form when it ends in ".smtb"
 * or ".smtb.gz", text otherwise. Writes the version line (binary: the header). A file is written
 * under a temporary name in PATH's directory and appears as PATH only when trace_writer_close
 * succeeds.
 */
trace_writer *trace_writer_open(const char *path, char *err, size_t errlen);
/* The same in the form given, whatever PATH's name. */
trace_writer *trace_writer_open_as(const char *path, enum trace_form form, char *err, size_t errlen);
int trace_writer_comment(trace_writer *w, const char *text); /* "# text" lines; the binary form drops them */
/* 0 or -1 (write error; binary form: also a record it cannot represent exactly, e.g. an unaligned map) */
int trace_writer_write(trace_writer *w, const struct trace_record *rec);
/* Flush and close; 0, or -1 with the reason in err (e.g. disk full; PATH is then left as it was). */
int trace_writer_close(trace_writer *w, char *err, size_t errlen);
/* Close and throw the output away (PATH is left as it was; stdout keeps what was written). */
void trace_writer_discard(trace_writer *w);
/* Format rec as one line (no newline) into buf; returns the length, or 0 if it does not fit. */
size_t trace_format_record(const struct trace_record *rec, char *buf, size_t buflen);

/* ---- Checker: does the trace make sense as a sequence of driver and DMA operations? ---------- */
/*
 * Follows devices, StreamIDs, domains, attachments, PASIDs and live mappings, and rejects what no
 * driver could execute: unknown names, a DMA on a StreamID never added, an unmap of a range never
 * mapped, overlapping maps, unaligned map/unmap, a PASID reference that cannot be resolved.
 * Things the SMMU answers with a fault (DMA to an unmapped IOVA, a write to a read-only page, a
 * PASID nobody attached) are legal: traces provoke faults on purpose.
 * Memory grows with live state (devices, domains, mappings), not with trace length.
 */
typedef struct trace_checker trace_checker;

trace_checker *trace_checker_new(void);
void trace_checker_free(trace_checker *c);
/* 0 if rec is acceptable (and applied), -1 with the reason (no FILE:LINE prefix) in err. */
int trace_checker_apply(trace_checker *c, const struct trace_record *rec, char *err, size_t errlen);
/* For a DMA record that passed: the StreamID, port, and resolved PASID (-1 if none). */
void trace_checker_dma_target(const trace_checker *c, const struct trace_record *rec, uint32_t *sid,
			      uint32_t *port, int64_t *pasid);
/* For the detach record just applied: the PASID of the attach-pasid link it removed, else -1
 * (it removed an aux link or the primary attachment). */
int64_t trace_checker_detached_pasid(const trace_checker *c, const struct trace_record *rec);
/* For aux-attach: the PASID the trace expects the domain to get (lowest free from 1). */
int64_t trace_checker_domain_pasid(const trace_checker *c, const char *dom);

/*
 * A record the checker accepted, with what the checker resolved for it at that point of the trace,
 * so that a consumer running behind the checker (replay's decoding thread) need not ask it later.
 */
struct trace_checked {
	struct trace_record rec;
	uint32_t sid, port; /* DMA: the StreamID and the master port */
	int64_t pasid;      /* DMA: its PASID (-1: none); detach: the PASID of the attach-pasid link it
			       removed (-1: another link); aux-attach: the PASID the trace defines */
};
/* Fill c's resolutions; call right after trace_checker_apply accepted c->rec. */
void trace_checker_resolve(const trace_checker *chk, struct trace_checked *c);

/* Summary counters kept by the checker (for `smmusim info`). */
struct trace_stats {
	uint64_t records[TRACE_KIND_COUNT];
	uint64_t reads, writes, dma_bytes;
	uint64_t first_dma_time, last_dma_time, last_time;
	uint64_t pasid_dma;        /* DMA records that carry a PASID */
	uint64_t distinct_pasids;  /* distinct PASID values seen on DMA (up to 65536 tracked) */
	uint64_t dma_pairs;        /* distinct (device, PASID) pairs seen on DMA */
	uint64_t bound_pairs, peak_bound_pairs; /* (device, PASID) links (aux-attach, attach-pasid): now, at most */
	uint64_t peak_mapped_bytes, mapped_bytes;
	uint64_t max_pa_end;       /* highest physical address any map reaches (exclusive) */
};
const struct trace_stats *trace_checker_stats(const trace_checker *c);
/* Devices known to the checker, for reports. Returns false past the end. */
bool trace_checker_device(const trace_checker *c, size_t index, const char **name, const uint32_t **sids,
			  uint32_t *nsids, uint32_t *pasid_bits, uint32_t *port);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_TRACE_H */
