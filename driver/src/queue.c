/* SPDX-License-Identifier: MIT */
/*
 * The circular queues (IHI 0070 §3.5.1): one implementation of index + wrap flag, used by
 * the command queue (software produces) and the event queue (the SMMU produces). Also the global
 * error handler, since command errors are reported through GERROR.
 */
#include "internal.h"

static inline uint32_t q_size(const struct smmu_queue *q)
{
	return 1u << q->log2size;
}
/* Bits of PROD/CONS that carry index + wrap flag. */
static inline uint32_t q_wrmask(const struct smmu_queue *q)
{
	return (2u << q->log2size) - 1u;
}
static inline uint32_t q_idx(const struct smmu_queue *q, uint32_t v)
{
	return v & (q_size(q) - 1u);
}
static inline uint32_t q_wrp(const struct smmu_queue *q, uint32_t v)
{
	return v & q_size(q);
}
static inline bool q_empty(const struct smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return ((prod ^ cons) & q_wrmask(q)) == 0;
}
static inline bool q_full(const struct smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return q_idx(q, prod) == q_idx(q, cons) && q_wrp(q, prod) != q_wrp(q, cons);
}
/* Free slots between the producer and the consumer. */
static inline uint32_t q_space(const struct smmu_queue *q, uint32_t prod, uint32_t cons)
{
	return q_size(q) - ((prod - cons) & q_wrmask(q));
}
static inline uint32_t q_inc(const struct smmu_queue *q, uint32_t v)
{
	return (v + 1u) & q_wrmask(q);
}
/* The consumer has moved past position pos (it is between pos+1 and pos+size). */
static inline bool q_consumed(const struct smmu_queue *q, uint32_t cons, uint32_t pos)
{
	return ((cons - pos - 1u) & q_wrmask(q)) < q_size(q);
}
static inline volatile uint64_t *q_entry(const struct smmu_queue *q, uint32_t v)
{
	return (volatile uint64_t *)q->mem.cpu + (size_t)q_idx(q, v) * q->ent_dwords;
}

int smmu_queue_alloc(struct smmu_device *smmu, struct smmu_queue *q, uint32_t log2size, uint32_t ent_dwords,
		     uint32_t base_reg, uint32_t prod_reg, uint32_t cons_reg)
{
	size_t bytes = ((size_t)ent_dwords * 8u) << log2size;
	/* the base must be aligned to the queue size, and at least 32 bytes */
	int ret = smmu_alloc_kind(smmu, SMMU_MEM_QUEUE, bytes, bytes < 32 ? 32 : bytes, &q->mem);
	if (ret)
		return ret;
	/* left UNKNOWN: each side reads only the entries between CONS and PROD, which the other
	 * side wrote first (commands: the driver; events: the SMMU) */
	q->log2size = log2size;
	q->ent_dwords = ent_dwords;
	q->prod = q->cons = 0;
	q->base_reg = base_reg;
	q->prod_reg = prod_reg;
	q->cons_reg = cons_reg;
	return 0;
}

void smmu_queue_free(struct smmu_device *smmu, struct smmu_queue *q)
{
	smmu_free_kind(smmu, SMMU_MEM_QUEUE, &q->mem);
}

uint64_t smmu_queue_base_value(const struct smmu_queue *q)
{
	return SMMU_PREP(Q_BASE_RWA, 1) | SMMU_PREP_ADDR(Q_BASE_ADDR, q->mem.bus) |
	       SMMU_PREP(Q_BASE_LOG2SIZE, q->log2size);
}

/* ---- Commands ---------------------------------------------------------------------------- */

static struct smmu_cmd cmd0(uint8_t opcode)
{
	struct smmu_cmd c = {{SMMU_PREP(CMD0_OPCODE, opcode), 0}};
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_ste(uint32_t sid, bool leaf)
{
	struct smmu_cmd c = cmd0(CMD_CFGI_STE);
	c.dw[0] |= SMMU_PREP(CMD0_SID, sid);
	c.dw[1] = SMMU_PREP(CMD1_LEAF, leaf);
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_all(void)
{
	struct smmu_cmd c = cmd0(CMD_CFGI_STE_RANGE);
	c.dw[1] = SMMU_PREP(CMD1_RANGE, CMD_CFGI_ALL_RANGE);
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_cd(uint32_t sid, uint32_t ssid, bool leaf)
{
	struct smmu_cmd c = cmd0(CMD_CFGI_CD);
	c.dw[0] |= SMMU_PREP(CMD0_SID, sid) | SMMU_PREP(CMD0_SSID, ssid);
	c.dw[1] = SMMU_PREP(CMD1_LEAF, leaf);
	return c;
}

struct smmu_cmd smmu_cmd_cfgi_cd_all(uint32_t sid)
{
	struct smmu_cmd c = cmd0(CMD_CFGI_CD_ALL);
	c.dw[0] |= SMMU_PREP(CMD0_SID, sid);
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_nh_asid(uint16_t asid)
{
	struct smmu_cmd c = cmd0(CMD_TLBI_NH_ASID);
	c.dw[0] |= SMMU_PREP(CMD0_ASID, asid); /* VMID 0: Linux's stage-1-only STEs use S2VMID 0 */
	return c;
}

struct smmu_cmd smmu_cmd_tlbi_nh_all(void)
{
	return cmd0(CMD_TLBI_NH_ALL);
}

struct smmu_cmd smmu_cmd_tlbi_nsnh_all(void)
{
	return cmd0(CMD_TLBI_NSNH_ALL);
}

struct smmu_cmd smmu_cmd_tlbi_nh_va(uint16_t asid, uint64_t va, bool leaf)
{
	struct smmu_cmd c = cmd0(CMD_TLBI_NH_VA);
	c.dw[0] |= SMMU_PREP(CMD0_ASID, asid);
	c.dw[1] = SMMU_PREP(CMD1_LEAF, leaf) | SMMU_PREP_ADDR(CMD1_ADDR, va);
	return c;
}

struct smmu_cmd smmu_cmd_prefetch_config(uint32_t sid)
{
	struct smmu_cmd c = cmd0(CMD_PREFETCH_CONFIG);
	c.dw[0] |= SMMU_PREP(CMD0_SID, sid);
	return c;
}

struct smmu_cmd smmu_cmd_sync(void)
{
	/* CS=NONE: completion is observed by polling CONS past the SYNC */
	struct smmu_cmd c = cmd0(CMD_SYNC);
	c.dw[0] |= SMMU_PREP(CMD0_SYNC_CS, CMD_SYNC_CS_NONE);
	return c;
}

static const char *cerror_name(uint32_t err)
{
	switch (err) {
	case CERROR_NONE:
		return "CERROR_NONE";
	case CERROR_ILL:
		return "CERROR_ILL";
	case CERROR_ABT:
		return "CERROR_ABT";
	case CERROR_ATC_INV_SYNC:
		return "CERROR_ATC_INV_SYNC";
	default:
		return "CERROR_UNKNOWN";
	}
}

/* Command queue stopped on an error: make it consumable again (Linux's recovery). */
static void cmdq_recover(struct smmu_device *smmu)
{
	struct smmu_queue *q = &smmu->cmdq;
	uint32_t cons = smmu_read32(smmu, SMMU_CMDQ_CONS);
	uint32_t err = (uint32_t)SMMU_GET(cons, CMDQ_CONS_ERR);
	volatile uint64_t *ent = q_entry(q, cons);
	uint32_t ahead;

	smmu_log(smmu, SMMU_LOG_ERR, "CMDQ error %s (0x%x) at index %u: cmd 0x%016llx 0x%016llx", cerror_name(err), err,
		 q_idx(q, cons), (unsigned long long)ent[0], (unsigned long long)ent[1]);
	if (err == CERROR_ILL) {
		/* the bad command can never succeed: turn it into a harmless CMD_SYNC */
		struct smmu_cmd s = smmu_cmd_sync();
		ent[1] = s.dw[1];
		ent[0] = s.dw[0];
		smmu_wmb(smmu);
	}
	/* CERROR_ABT: retried as it is; CERROR_ATC_INV_SYNC: the SYNC is executed again */
	smmu->stats.cmd_errors++;
	smmu->stats.last_cmd_error = err;
	/*
	 * The error belongs to the call that wrote the entry: the entries between CONS and PROD
	 * are unconsumed, and the call in progress wrote the last cmdq_own of them. An error in an
	 * earlier call's batch is logged and counted, never returned to an unrelated caller.
	 */
	ahead = (q->prod - (cons & q_wrmask(q))) & q_wrmask(q); /* entries from the failed one to PROD */
	if (ahead && ahead <= smmu->cmdq_own)
		smmu->cmd_error_seen = true;
}

uint32_t smmu_gerror_handle(struct smmu_device *smmu)
{
	uint32_t gerror = smmu_read32(smmu, SMMU_GERROR);
	uint32_t gerrorn = smmu_read32(smmu, SMMU_GERRORN);
	uint32_t active = (gerror ^ gerrorn) & GERROR_KNOWN_MASK;

	if (!active)
		return 0;
	if (active & SMMU_MASK(GERROR_SFM_ERR))
		smmu_log(smmu, SMMU_LOG_ERR, "GERROR: SMMU entered service failure mode");
	if (active & SMMU_MASK(GERROR_EVENTQ_ABT_ERR))
		smmu_log(smmu, SMMU_LOG_ERR, "GERROR: EVENTQ_ABT_ERR (event queue write aborted)");
	if (active & SMMU_MASK(GERROR_PRIQ_ABT_ERR))
		smmu_log(smmu, SMMU_LOG_ERR, "GERROR: PRIQ_ABT_ERR");
	if (active & (SMMU_MASK(GERROR_MSI_CMDQ_ABT_ERR) | SMMU_MASK(GERROR_MSI_EVENTQ_ABT_ERR) |
		      SMMU_MASK(GERROR_MSI_PRIQ_ABT_ERR) | SMMU_MASK(GERROR_MSI_GERROR_ABT_ERR)))
		smmu_log(smmu, SMMU_LOG_WARN, "GERROR: MSI write aborted (0x%x)", active);
	if (active & SMMU_MASK(GERROR_CMDQ_ERR))
		cmdq_recover(smmu);
	/* acknowledging makes GERRORN equal GERROR; for CMDQ_ERR this restarts consumption */
	smmu_write32(smmu, SMMU_GERRORN, gerror);
	smmu->gerrorn = gerror;
	for (uint32_t a = active; a; a &= a - 1)
		smmu->stats.gerrors++;
	return active;
}

static void cmdq_refresh_cons(struct smmu_device *smmu)
{
	struct smmu_queue *q = &smmu->cmdq;

	q->cons = smmu_read32(smmu, SMMU_CMDQ_CONS) & q_wrmask(q);
	/* a stopped queue never drains: look for a command error on every poll */
	if ((smmu_read32(smmu, SMMU_GERROR) ^ smmu_read32(smmu, SMMU_GERRORN)) & SMMU_MASK(GERROR_CMDQ_ERR)) {
		smmu_gerror_handle(smmu);
		q->cons = smmu_read32(smmu, SMMU_CMDQ_CONS) & q_wrmask(q);
	}
}

static void cmdq_publish(struct smmu_device *smmu)
{
	smmu_wmb(smmu); /* entries visible before PROD moves */
	smmu_write32(smmu, SMMU_CMDQ_PROD, smmu->cmdq.prod);
	smmu->stats.prod_writes++;
}

static uint32_t poll_limit(const struct smmu_device *smmu)
{
	return smmu->opts.poll_limit ? smmu->opts.poll_limit : SMMU_DEFAULT_POLL_LIMIT;
}

static void count_cmd(struct smmu_device *smmu, const struct smmu_cmd *c)
{
	struct smmu_stats *st = &smmu->stats;

	st->cmds++;
	switch (SMMU_GET(c->dw[0], CMD0_OPCODE)) {
	case CMD_SYNC:
		st->syncs++;
		break;
	case CMD_CFGI_STE:
		st->cfgi_ste++;
		break;
	case CMD_CFGI_STE_RANGE:
		if (SMMU_GET(c->dw[1], CMD1_RANGE) == CMD_CFGI_ALL_RANGE)
			st->cfgi_all++;
		else
			st->cfgi_ste++;
		break;
	case CMD_CFGI_CD:
	case CMD_CFGI_CD_ALL:
		st->cfgi_cd++;
		break;
	case CMD_TLBI_NH_VA:
		st->tlbi_va++;
		break;
	case CMD_TLBI_NH_ASID:
		st->tlbi_asid++;
		break;
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NSNH_ALL:
		st->tlbi_all++;
		break;
	default:
		break;
	}
}

static int cmdq_issue_batch(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n, bool sync)
{
	struct smmu_queue *q = &smmu->cmdq;
	size_t total = n + (sync ? 1u : 0u);
	size_t pending = 0;
	uint32_t sync_pos = 0, polls;

	for (size_t i = 0; i < total; i++) {
		struct smmu_cmd c = i < n ? cmds[i] : smmu_cmd_sync();

		if (q_full(q, q->prod, q->cons)) {
			cmdq_refresh_cons(smmu);
			if (q_full(q, q->prod, q->cons)) {
				/*
				 * Never overwrite: hand over what we have, then wait for room for the
				 * rest (up to half the queue) so that batching survives a full queue.
				 */
				uint32_t need = q_size(q) / 2u;
				if (total - i < need)
					need = (uint32_t)(total - i);
				if (pending) {
					cmdq_publish(smmu);
					pending = 0;
				}
				smmu->stats.queue_full_waits++;
				for (polls = 0; q_space(q, q->prod, q->cons) < need; polls++) {
					if (polls >= poll_limit(smmu)) {
						smmu_log(smmu, SMMU_LOG_ERR, "CMDQ full: timeout (prod 0x%x cons 0x%x)",
							 q->prod, q->cons);
						return -SMMU_ETIMEDOUT;
					}
					smmu_relax(smmu);
					cmdq_refresh_cons(smmu);
				}
				/* CONS read before the consumed slots are rewritten (IHI 0070 §3.21.2) */
				smmu_mb(smmu);
			}
		}
		volatile uint64_t *ent = q_entry(q, q->prod);
		ent[0] = c.dw[0];
		ent[1] = c.dw[1];
		if (i == n)
			sync_pos = q->prod;
		q->prod = q_inc(q, q->prod);
		if (smmu->cmdq_own < q_size(q))
			smmu->cmdq_own++;
		count_cmd(smmu, &c);
		pending++;
	}
	if (pending)
		cmdq_publish(smmu);
	if (sync) {
		cmdq_refresh_cons(smmu);
		for (polls = 0; !q_consumed(q, q->cons, sync_pos); polls++) {
			if (polls >= poll_limit(smmu)) {
				smmu_log(smmu, SMMU_LOG_ERR, "CMD_SYNC timeout (prod 0x%x cons 0x%x)", q->prod, q->cons);
				return -SMMU_ETIMEDOUT;
			}
			smmu_relax(smmu);
			cmdq_refresh_cons(smmu);
		}
		/*
		 * The SYNC's completion (a CONS read) is observed before whatever relies on it: a
		 * table page freed or a descriptor rewritten after its TLBI, a queue slot reused.
		 */
		smmu_mb(smmu);
	}
	return smmu->cmd_error_seen ? -SMMU_EIO : 0;
}

static int cmdq_issue(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n, bool sync)
{
	int ret;

	smmu->cmd_error_seen = false;
	smmu->cmdq_own = 0;
	ret = cmdq_issue_batch(smmu, cmds, n, sync);
	smmu->cmdq_own = 0; /* errors found later (smmu_gerror_handle) belong to no call */
	return ret;
}

int smmu_cmdq_issue(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n)
{
	return cmdq_issue(smmu, cmds, n, false);
}

int smmu_cmdq_issue_sync(struct smmu_device *smmu, const struct smmu_cmd *cmds, size_t n)
{
	return cmdq_issue(smmu, cmds, n, true);
}

int smmu_cmdq_sync(struct smmu_device *smmu)
{
	return cmdq_issue(smmu, NULL, 0, true);
}

/* ---- Event queue ------------------------------------------------------------------------- */

int smmu_evtq_drain(struct smmu_device *smmu, smmu_event_fn fn, void *arg)
{
	struct smmu_queue *q = &smmu->evtq;
	int count = 0;

	if (!q->mem.cpu)
		return -SMMU_ENODEV;
	for (;;) {
		uint32_t prod_reg = smmu_read32(smmu, SMMU_EVENTQ_PROD);
		uint32_t prod = prod_reg & q_wrmask(q);
		uint32_t ovflg = (uint32_t)SMMU_GET(prod_reg, Q_OVFLG);
		uint32_t ovack = (uint32_t)SMMU_GET(q->cons, Q_OVFLG);
		bool ack = false;

		if (ovflg != ovack) {
			smmu_log(smmu, SMMU_LOG_WARN, "EVENTQ overflow: event records were lost");
			smmu->stats.evtq_overflows++;
			q->cons = (uint32_t)SMMU_SET(q->cons, Q_OVFLG, ovflg);
			ack = true;
		}
		if (q_empty(q, prod, q->cons)) {
			if (ack)
				smmu_write32(smmu, SMMU_EVENTQ_CONS, q->cons);
			break;
		}
		/* no record is read before the PROD value that says it is valid */
		smmu_rmb(smmu);
		while (!q_empty(q, prod, q->cons)) {
			volatile uint64_t *ent = q_entry(q, q->cons);
			uint64_t raw[4] = {ent[0], ent[1], ent[2], ent[3]};
			struct smmu_event ev;
			char line[200];

			smmu_event_decode(raw, &ev);
			smmu_event_format(&ev, line, sizeof(line));
			smmu_log(smmu, SMMU_LOG_INFO, "event: %s", line);
			if (fn)
				fn(arg, &ev);
			q->cons = (q->cons & SMMU_MASK(Q_OVFLG)) | q_inc(q, q->cons);
			smmu->stats.events++;
			count++;
		}
		/* the records are read before CONS frees their slots: a read before a write, so a full barrier */
		smmu_mb(smmu);
		smmu_write32(smmu, SMMU_EVENTQ_CONS, q->cons);
	}
	return count;
}
