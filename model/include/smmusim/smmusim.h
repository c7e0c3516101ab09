/* SPDX-License-Identifier: MIT */
/*
 * smmusim C API (the "C shim"): how C code and the tests build and drive a simulated platform
 * made of the SystemC SMMUv3 model, a memory model, and DMA master ports.
 *
 * One simulation per process: SystemC cannot elaborate twice, so smmusim_create() succeeds once
 * per process and fails with a message afterwards (even after smmusim_destroy()).
 *
 * All times are in SMMU clock cycles. Nothing here calls exit() or abort(): errors come back as a
 * negative errno plus a message in the caller's buffer.
 */
#ifndef SMMUSIM_SMMUSIM_H
#define SMMUSIM_SMMUSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmuv3/regif.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Configuration: named parameters with documented defaults (docs/configuration.md) -------- */
typedef struct smmusim_config smmusim_config;

smmusim_config *smmusim_config_new(void); /* every parameter at its default */
void smmusim_config_free(smmusim_config *cfg);
/* Set "key" to "value" (numbers accept 0x.., and K/M/G suffixes where documented). 0 or -EINVAL. */
int smmusim_config_set(smmusim_config *cfg, const char *key, const char *value, char *err, size_t errlen);
/* Load an INI file ("[section]" + "key = value" gives key "section.key"). 0 or negative errno. */
int smmusim_config_load(smmusim_config *cfg, const char *path, char *err, size_t errlen);
/* Current value as text, or NULL for an unknown key. */
const char *smmusim_config_get(const smmusim_config *cfg, const char *key);
/* Enumerate every parameter in a stable order (for reports). */
size_t smmusim_config_count(const smmusim_config *cfg);
const char *smmusim_config_key(const smmusim_config *cfg, size_t index);
/* The accepted values of an enumerated key as "a|b|c", or NULL (unknown or not an enumeration). */
const char *smmusim_config_choices(const char *key);
/*
 * Named presets: the files configs/NAME.ini of the source tree, compiled into the model (the
 * installed executable needs no source tree). Applying one sets what its file sets, on top of what
 * cfg holds; a command line applies, later winning: defaults < --preset < --config < --set
 * (docs/configuration.md, "Presets"). 0, or -EINVAL for an unknown name (the message lists them).
 */
int smmusim_config_preset(smmusim_config *cfg, const char *name, char *err, size_t errlen);
size_t smmusim_preset_count(void);
const char *smmusim_preset_name(size_t index);    /* NULL past the end */
const char *smmusim_preset_summary(size_t index); /* the file's first comment line */
const char *smmusim_preset_list(void);            /* "NAME  SUMMARY\n" per preset (for --preset list) */

/* ---- The platform ----------------------------------------------------------------------------- */
typedef struct smmusim_platform smmusim_platform;

smmusim_platform *smmusim_create(const smmusim_config *cfg, char *err, size_t errlen);
void smmusim_destroy(smmusim_platform *sim);

/* The register interface a driver uses to reach this platform's SMMU and memory. */
const struct smmu_regif *smmusim_regif(smmusim_platform *sim);
/* Whether the interface's register reads take simulated time (smmu.reg_read_cycles each; on at
 * creation). Software that stands for a second CPU, running alongside the DMA masters (an
 * event-queue interrupt handler), turns it off around its reads so that its round trips do not
 * hold back the masters' DMA on the one simulated timeline. Returns the previous setting. */
int smmusim_reg_read_timing(smmusim_platform *sim, int timed);

uint64_t smmusim_now(const smmusim_platform *sim);          /* current simulated cycle */

/* Trace points (docs/tracing.md): one line per step of a translation, per command, per event.
 * `patterns` is a comma-separated list of glob patterns over the point names ("walk*,cmd"); NULL
 * or "" turns tracing off. Lines "CYCLE POINT FIELDS" go to `out`. 0, or -EINVAL with a message
 * for a pattern that names no point (tracing then stays as it was). */
int smmusim_trace_events(smmusim_platform *sim, const char *patterns, FILE *out, char *err, size_t errlen);
size_t smmusim_trace_point_count(void);
const char *smmusim_trace_point_name(size_t index); /* NULL past the end */
const char *smmusim_trace_point_doc(size_t index);  /* what its line says; NULL past the end */
void smmusim_run(smmusim_platform *sim, uint64_t cycles);   /* advance simulated time */

/* ---- The command log: each command the SMMU consumed, with its times (for timelines) --------- */
struct smmusim_cmd_record {
	uint64_t dw[2];          /* the command as the SMMU read it (IHI 0070 §4.1; opcode in dw[0] [7:0]) */
	uint64_t consumed_cycle; /* the SMMU read it from the command queue */
	uint64_t done_cycle;     /* its execution ended: CONS moved past it, or it stopped the queue */
	uint64_t drain_cycles;   /* CMD_SYNC: the part of done - consumed spent waiting for the
				    translations in flight when an invalidation before it ran */
	uint64_t seen_cycle;     /* software saw it complete: its first read of SMMU_CMDQ_CONS at or
				    after done_cycle (done_cycle for a CERROR); 0: not yet */
	uint8_t cerror;          /* the CMDQ_CONS.ERR it raised (IHI 0070 §4.7.1), 0: none */
};
/* Log every command consumed from now on (on), or none (off: the default, one test per command). */
void smmusim_cmd_log(smmusim_platform *sim, bool on);
/*
 * Take up to max records, in the order the SMMU consumed them: those software has seen complete,
 * or with `all` every one logged (seen_cycle 0 for those it has not seen). Returns the number
 * written. Records stay in the model until taken.
 */
size_t smmusim_cmd_poll(smmusim_platform *sim, struct smmusim_cmd_record *out, size_t max, bool all);
/* An opcode's architectural name ("CMD_CFGI_STE", ...), NULL for a reserved one. */
const char *smmusim_cmd_name(unsigned opcode);

/* ---- DMA from master ports ------------------------------------------------------------------- */
struct smmusim_dma {
	uint32_t port;   /* master port (TBU) index, < config "tbu.count" */
	uint32_t sid;    /* StreamID */
	bool ssv;        /* SubstreamID valid (PCIe PASID prefix present) */
	uint32_t ssid;   /* SubstreamID (PASID), used when ssv */
	uint64_t addr;   /* input (IO virtual) address */
	uint32_t size;   /* bytes, 1..4096, must not cross a 4 KB boundary */
	bool write;      /* false = read */
	bool priv;       /* privileged (PnU=1) */
	bool instr;      /* instruction fetch (InD=1), reads only */
};

enum smmusim_dma_status {
	SMMUSIM_DMA_OK = 0,     /* translated (or bypassed) and performed */
	SMMUSIM_DMA_ABORT = 1,  /* terminated with an abort */
	SMMUSIM_DMA_RAZWI = 2,  /* terminated as read-as-zero / write-ignored */
};

/*
 * Where a transaction's translation was found (IHI 0070 §3.3: the TBU's TLBs, then the TCU's
 * configuration and translation caches, then the translation table walk).
 */
enum smmusim_hit_level {
	SMMUSIM_HIT_NONE = 0,  /* no lookup: SMMU_CR0.SMMUEN=0 (global bypass or abort, SMMU_GBPA) */
	SMMUSIM_HIT_UTLB = 1,  /* hit in the TBU's micro TLB */
	SMMUSIM_HIT_MTLB = 2,  /* missed the micro TLB, hit in the TBU's main TLB */
	SMMUSIM_HIT_TCU = 3,   /* missed the TBU; the TCU resolved it without reading a translation table
				  descriptor: a stage-1 walk-cache leaf or TCU TLB entry, an STE that
				  bypasses translation, or a fault found in the configuration */
	SMMUSIM_HIT_WALK = 4,  /* missed the TBU; the TCU read translation table descriptors (stage 1,
				  stage 2 or both, the stage-1 walk possibly shortened by the walk cache) */
};

struct smmusim_dma_result {
	enum smmusim_dma_status status;
	enum smmusim_hit_level hit;  /* where the translation was found */
	uint64_t pa;           /* output address when status == OK */
	uint8_t event;         /* event type recorded or suppressed for this transaction, 0 if none */
	bool event_recorded;   /* the event reached the event queue */
	uint64_t issue_cycle;  /* when the master presented it */
	uint64_t done_cycle;   /* when its response returned */
	uint64_t tag;          /* the caller's tag (asynchronous interface) */
};

/*
 * Synchronous DMA: present the transaction now and run the simulation until it completes.
 * data: bytes to write, or a buffer that receives the bytes read (may be NULL).
 * Returns 0, or -EINVAL for a malformed request (bad port, size, 4 KB crossing).
 */
int smmusim_dma(smmusim_platform *sim, const struct smmusim_dma *req, void *data, struct smmusim_dma_result *res);

/*
 * Asynchronous DMA for trace replay: present the transaction at cycle `at` (>= now; earlier
 * times mean "now"), carrying `tag`. No data is moved. Completions are collected with
 * smmusim_dma_poll() after smmusim_run(). Returns 0 or -EINVAL.
 */
int smmusim_dma_submit(smmusim_platform *sim, const struct smmusim_dma *req, uint64_t at, uint64_t tag);
/* Up to max completed results, in completion order. Returns the number written. */
size_t smmusim_dma_poll(smmusim_platform *sim, struct smmusim_dma_result *out, size_t max);
/* Transactions submitted and not yet completed. */
size_t smmusim_dma_outstanding(const smmusim_platform *sim);

/* ---- Backing store (the physical memory the SMMU and masters see) ---------------------------- */
int smmusim_mem_read(smmusim_platform *sim, uint64_t pa, void *buf, size_t len);
int smmusim_mem_write(smmusim_platform *sim, uint64_t pa, const void *buf, size_t len);

/* ---- Test hooks --------------------------------------------------------------------------------- */
/*
 * Allocation-failure injection for the regif's dma_alloc: after n more successful allocations,
 * every dma_alloc returns -ENOMEM. n < 0 turns the injection off (the default).
 */
void smmusim_fail_alloc_after(smmusim_platform *sim, long long n);

/* ---- Statistics --------------------------------------------------------------------------------- */
/* A named counter ("dma.transactions", "events.F_TRANSLATION", ...); 0 for unknown names. */
uint64_t smmusim_stat(const smmusim_platform *sim, const char *name);
/* Every statistic as one JSON object (deterministic: no host-time fields). 0 or negative errno. */
int smmusim_stats_json(const smmusim_platform *sim, FILE *out);
/* The same statistics as a human-readable report: grouped (TBU, TCU, memory, latency, streams),
 * zero counters left out, rates and percentiles computed. Deterministic. 0 or negative errno. */
int smmusim_stats_text(const smmusim_platform *sim, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* SMMUSIM_SMMUSIM_H */
