/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 device: probe, reset/enable, command and event queues, global errors, the stream
 * table and the generic STE/CD update algorithm. Linux-style domains and devices are in iommu.h.
 *
 * Every function takes the device object; the driver has no globals and allocates nothing except
 * through regif->dma_alloc. Errors are negative errno values (smmuv3/errno.h, Linux numbering).
 * docs/driver.md describes the API and the invalidations each operation issues.
 */
#ifndef SMMUV3_SMMU_H
#define SMMUV3_SMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmuv3/errno.h>
#include <smmuv3/regif.h>

#ifdef __cplusplus
extern "C" {
#endif

struct smmu_device;

/* ---- Probe and reset ----------------------------------------------------------------------- */

/*
 * Context-descriptor table layout (STE.S1Fmt). AUTO is Linux's choice: linear up to 10 SSID bits
 * or without IDR0.CD2L, otherwise 2-level with 64 KB leaves. A forced 2-level layout on an SMMU
 * without CD2L is refused by smmu_probe with -EINVAL (no silent fall-back). A master with no
 * SSIDs (S1CDMax = 0) always gets a single CD: S1Fmt is then ignored by the SMMU.
 */
enum smmu_cd_layout {
	SMMU_CD_LAYOUT_AUTO = 0,
	SMMU_CD_LAYOUT_LINEAR,  /* S1Fmt 0: 2^ssid_bits CDs in one table (64 MiB for 20 bits) */
	SMMU_CD_LAYOUT_2L_4K,   /* S1Fmt 1: L1CD table + 4 KB leaves of 64 CDs (split 6) */
	SMMU_CD_LAYOUT_2L_64K,  /* S1Fmt 2: L1CD table + 64 KB leaves of 1024 CDs (split 10) */
};

/* Choices left to the caller; a zeroed struct (or NULL) means "the driver's defaults". */
struct smmu_options {
	uint32_t cmdq_log2size;  /* 0: min(IDR1.CMDQS, 8) (256 commands) */
	uint32_t evtq_log2size;  /* 0: min(IDR1.EVENTQS, 7) */
	uint32_t strtab_split;   /* 2-level SPLIT; 0: 8 (as Linux). 6, 8 or 10 */
	bool force_linear_strtab; /* use a linear table even when 2-level is possible */
	bool force_2lvl_strtab;   /* use a 2-level table whenever IDR0.ST_LEVEL allows it */
	bool gbpa_bypass;        /* GBPA while SMMUEN=0 after remove: bypass (else abort) */
	uint32_t poll_limit;     /* relax() calls before a wait gives up with -ETIMEDOUT; 0: 1,000,000 */
	enum smmu_cd_layout cd_layout;
};

/* What probe decoded from the ID registers (only what the driver depends on or reports). */
struct smmu_features {
	uint32_t idr[6];         /* raw IDR0..IDR5 */
	uint32_t iidr, aidr;
	bool s1p, s2p;
	bool ttf_aarch64;
	bool cohacc;
	bool hyp;
	bool ats;
	bool asid16;             /* asid_bits = 16, else 8 */
	bool vmid16;
	bool cd2l;               /* 2-level CD tables */
	bool st_2lvl;            /* 2-level stream tables */
	bool msi, sev, pri;
	bool ril;                /* IDR3.RIL: range TLBI */
	uint8_t bbml;            /* IDR3.BBML: break-before-make level for block splits (0..2; 3 read as 0) */
	bool attr_types_ovr;     /* STE.SHCFG etc. may be written */
	bool attr_perms_ovr;
	uint8_t stall_model;     /* IDR0_STALL_MODEL_* */
	uint8_t term_model;
	uint8_t ttendian;
	uint8_t sid_bits;        /* IDR1.SIDSIZE */
	uint8_t ssid_bits;       /* IDR1.SSIDSIZE (0: no substreams) */
	uint8_t cmdq_max_log2, evtq_max_log2, priq_max_log2;
	uint8_t oas_enc;         /* IDR5.OAS encoding */
	uint8_t oas_bits;        /* its width in bits */
	uint8_t asid_bits;
	uint64_t pgsize_bitmap;  /* page and block sizes from the granules (Linux's rule) */
	bool gran4k, gran16k, gran64k;
	uint8_t arch_minor;      /* AIDR: 3.<minor> */
};

/*
 * Decode the ID registers and allocate the device object and its queues and stream table.
 * Refuses (-ENODEV, with a logged reason) an SMMU without stage 1 or AArch64 tables, with
 * CMDQS <= 6, big-endian-only tables, REL, TABLES_PRESET or QUEUES_PRESET. Nothing is written to
 * the SMMU yet. -ENOMEM unwinds every allocation. -EINVAL for a regif missing a required hook
 * (MMIO, dma_alloc/dma_free, rmb/wmb/mb).
 */
int smmu_probe(const struct smmu_regif *regif, const struct smmu_options *opts, struct smmu_device **out);

/*
 * Bring-up (IHI 0070 §3.11; the order Linux's arm_smmu_device_reset() uses): disable (GBPA abort first if it was enabled), CR1/CR2,
 * stream table, command queue, CFGI_ALL + TLBI_NSNH_ALL + SYNC, event queue, interrupts off
 * (the driver polls), SMMUEN. Every CR0 step waits for CR0ACK; -ETIMEDOUT on a stuck ack.
 */
int smmu_reset(struct smmu_device *smmu);

/* CR0 = 0 and wait for the ack (traffic then follows GBPA). */
int smmu_disable(struct smmu_device *smmu);

/* Write GBPA (ABORT or bypass) with the Update handshake; -ETIMEDOUT if Update never clears. */
int smmu_set_gbpa(struct smmu_device *smmu, bool abort);

/* Disable, set GBPA as the options say, and free everything (masters and domains too). */
void smmu_remove(struct smmu_device *smmu);

const struct smmu_features *smmu_get_features(const struct smmu_device *smmu);

/* Counters for tests and reports. Never reset by the driver except through smmu_clear_stats(). */
struct smmu_stats {
	uint64_t cmds;            /* commands written to the queue (SYNCs included) */
	uint64_t prod_writes;     /* CMDQ_PROD updates (batching makes this << cmds) */
	uint64_t syncs;           /* CMD_SYNCs issued */
	uint64_t cfgi_ste, cfgi_cd, cfgi_all;
	uint64_t tlbi_va, tlbi_asid, tlbi_all;
	uint64_t entry_syncs;     /* syncs issued by the STE/CD update algorithm */
	uint64_t entry_breaking;  /* STE/CD updates that went through V=0 */
	uint64_t cmd_errors;      /* CMDQ errors recovered */
	uint32_t last_cmd_error;  /* CERROR_* of the latest one */
	uint64_t queue_full_waits;/* times the producer had to wait for space */
	uint64_t events;          /* event records drained */
	uint64_t evtq_overflows;  /* OVFLG toggles seen (and acknowledged) */
	uint64_t gerrors;         /* GERROR bits acknowledged */
};
const struct smmu_stats *smmu_get_stats(const struct smmu_device *smmu);
void smmu_clear_stats(struct smmu_device *smmu);

/*
 * Bytes the driver holds, by purpose, counted at every allocation and free (exact, not estimated).
 * Table counts are the memory the SMMU reads; the driver's shadow arrays (CPU pointers of level-2
 * tables and leaves) and its objects count as driver_objects.
 */
struct smmu_mem_usage {
	uint64_t stream_table;   /* linear stream table, or L1STD table + level-2 tables */
	uint64_t cd_l1;          /* linear CD tables and L1CD tables */
	uint64_t cd_leaves;      /* 2-level CD leaf tables */
	uint64_t cd_tables;      /* cd_l1 + cd_leaves */
	uint64_t page_tables;    /* translation-table pages (descriptors only) */
	uint64_t queues;         /* command and event queues */
	uint64_t driver_objects; /* bookkeeping: devices, domains, PASID records, shadow arrays */
};
struct smmu_mem_usage smmu_get_mem_usage(const struct smmu_device *smmu);
/* The largest value each field has had since probe (cd_tables: the largest sum). */
struct smmu_mem_usage smmu_get_mem_peak(const struct smmu_device *smmu);

/* ---- Command queue ------------------------------------------------------------------------- */

/* One 16-byte command (dw0, dw1) as it sits in the queue. */
struct smmu_cmd {
	uint64_t dw[2];
};

/* Builders, named as the architecture names the commands. */
struct smmu_cmd smmu_cmd_cfgi_ste(uint32_t sid, bool leaf);
struct smmu_cmd smmu_cmd_cfgi_all(void);
struct smmu_cmd smmu_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf);
struct smmu_cmd smmu_cmd_cfgi_cd_all(uint32_t sid);
struct smmu_cmd smmu_cmd_tlbi_nh_asid(uint16_t asid);
struct smmu_cmd smmu_cmd_tlbi_nh_all(void);
struct smmu_cmd smmu_cmd_tlbi_nsnh_all(void);
/* NH_VA without range (TG=0, TTL=0). */
struct smmu_cmd smmu_cmd_tlbi_nh_va(uint16_t asid, uint64_t va, bool leaf);
struct smmu_cmd smmu_cmd_prefetch_config(uint32_t sid);
struct smmu_cmd smmu_cmd_sync(void);

/*
 * Append n commands, updating CMDQ_PROD once (or once more per wait when the queue is full, so
 * the SMMU can make room). Returns 0, -ETIMEDOUT, or -EIO when a command error (CONS.ERR) hit
 * one of the commands this call wrote and the call saw it. Every error, whoever sees it, is
 * recovered as Linux does (ILL: the entry is replaced by a CMD_SYNC; ABT: retried; ATC_INV_SYNC:
 * acknowledged), logged and counted in the stats (cmd_errors, last_cmd_error).
 *
 * A call reports only its own commands, like Linux's arm_smmu_cmdq_issue_cmdlist: an error in
 * an earlier batch issued without a sync, found while a later call polls, is logged and
 * counted but not returned to that later caller. Use smmu_cmdq_issue_sync() to learn the fate
 * of a batch.
 */
int smmu_cmdq_issue(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n);
/*
 * The same, with a CMD_SYNC appended in the same batch, then wait (polling CONS) until it is
 * consumed. -EIO when an error hit one of the n commands or the CMD_SYNC.
 */
int smmu_cmdq_issue_sync(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n);
/*
 * Just a CMD_SYNC and the wait: every earlier command has been consumed when it returns 0.
 * -EIO only when the error hit this CMD_SYNC itself (e.g. CERROR_ABT reading it).
 */
int smmu_cmdq_sync(struct smmu_device *smmu);

/* Check GERROR against GERRORN, handle and acknowledge active errors; returns the bits handled. */
uint32_t smmu_gerror_handle(struct smmu_device *smmu);

/* ---- Event queue --------------------------------------------------------------------------- */

struct smmu_event {
	uint8_t type;            /* EVT_* */
	bool ssv;
	uint32_t ssid;
	uint32_t sid;
	bool stall;
	uint16_t stag;           /* or the IMPDEF Reason for fetch/UUT events */
	bool pnu, ind, rnw, s2;
	uint8_t class_;          /* EVT_CLASS_* */
	bool ttrnw;
	uint64_t input_addr;
	uint64_t ipa;            /* S2 faults */
	uint64_t fetch_addr;     /* F_STE_FETCH, F_CD_FETCH, F_VMS_FETCH, F_WALK_EABT */
	uint64_t raw[4];
};

/* The architecture's name ("F_TRANSLATION"), or "UNKNOWN" / "IMPDEF". */
const char *smmu_event_name(uint8_t type);
void smmu_event_decode(const uint64_t raw[4], struct smmu_event *ev);
/* One human-readable line (NUL-terminated, truncated to len). Returns the untruncated length. */
size_t smmu_event_format(const struct smmu_event *ev, char *buf, size_t len);

typedef void (*smmu_event_fn)(void *arg, const struct smmu_event *ev);
/*
 * Drain every record between CONS and PROD: decode, log (INFO) and pass each to fn (may be NULL).
 * An overflow (PROD.OVFLG != CONS.OVACKFLG) is logged, counted and acknowledged. Returns the
 * number of records drained, or a negative errno.
 */
int smmu_evtq_drain(struct smmu_device *smmu, smmu_event_fn fn, void *arg);

/* ---- STE/CD update (architecture 8.3, "used bits") ------------------------------------------ */

/*
 * The one writer for STEs and CDs. It changes the live entry toward target so that the SMMU,
 * reading any 64-bit words in any order, always sees the old or the new configuration (or V=0
 * when no hitless path exists), calling sync(arg) after each step that changed memory.
 */
struct smmu_entry_ops {
	unsigned num_dwords;
	void (*get_used)(const uint64_t *entry, uint64_t *used);
	void (*sync)(void *arg); /* make the writes so far visible and invalidate cached copies */
};
/* Returns true when the update went through V=0 (breaking). */
bool smmu_entry_write(const struct smmu_entry_ops *ops, void *arg, uint64_t *entry, const uint64_t *target);

void smmu_ste_get_used(const uint64_t *ste, uint64_t *used);
void smmu_cd_get_used(const uint64_t *cd, uint64_t *used);

/* STE builders (8 dwords). */
void smmu_ste_make_abort(const struct smmu_features *f, uint64_t *ste);
void smmu_ste_make_bypass(const struct smmu_features *f, uint64_t *ste);
/* Stage-1 STE pointing at a CD table (or a single CD with s1cdmax = 0). */
void smmu_ste_make_cdtable(const struct smmu_features *f, uint64_t cdtab_bus, uint8_t s1fmt, uint8_t s1cdmax,
			   uint8_t s1dss, uint64_t *ste);

/* Write the STE of sid through smmu_entry_write, with CFGI_STE(leaf) + SYNC as its sync. */
int smmu_ste_write(struct smmu_device *smmu, uint32_t sid, const uint64_t *target);
/* Make sure the level-2 table holding sid exists (no-op for a linear table). -ERANGE, -ENOMEM. */
int smmu_strtab_prepare(struct smmu_device *smmu, uint32_t sid);
/* CPU pointer to the live STE of sid, or NULL (out of range or level-2 table absent). */
const uint64_t *smmu_ste_ptr(struct smmu_device *smmu, uint32_t sid);
/* StreamIDs covered by the stream table (2^LOG2SIZE), and whether it is 2-level. */
uint64_t smmu_strtab_num_sids(const struct smmu_device *smmu);
bool smmu_strtab_is_2lvl(const struct smmu_device *smmu);

/* ---- Memory and logging helpers shared by the driver (freestanding) ------------------------- */
void smmu_log(const struct smmu_device *smmu, enum smmu_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* A tiny snprintf: %s %c %d %i %u %x %X %p with l/ll/z, '0' padding, width and '#'. */
size_t smmu_snprintf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#ifdef __cplusplus
}
#endif

#endif /* SMMUV3_SMMU_H */
