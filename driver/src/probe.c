/* SPDX-License-Identifier: MIT */
/* Probe (ID registers), reset/enable (IHI 0070 §3.11), GBPA, removal. */
#include "internal.h"

static uint32_t poll_limit(const struct smmu_device *smmu)
{
	return smmu->opts.poll_limit ? smmu->opts.poll_limit : SMMU_DEFAULT_POLL_LIMIT;
}

static int refuse(struct smmu_device *smmu, const char *why)
{
	smmu_log(smmu, SMMU_LOG_ERR, "probe: cannot drive this SMMU: %s", why);
	return -SMMU_ENODEV;
}

static int decode_features(struct smmu_device *smmu)
{
	struct smmu_features *f = &smmu->feat;
	uint32_t idr0, idr1, idr3, idr5;

	for (unsigned i = 0; i < 6; i++)
		f->idr[i] = smmu_read32(smmu, SMMU_IDR0 + 4u * i);
	f->iidr = smmu_read32(smmu, SMMU_IIDR);
	f->aidr = smmu_read32(smmu, SMMU_AIDR);
	idr0 = f->idr[0];
	idr1 = f->idr[1];
	idr3 = f->idr[3];
	idr5 = f->idr[5];

	f->s1p = SMMU_GET(idr0, IDR0_S1P);
	f->s2p = SMMU_GET(idr0, IDR0_S2P);
	f->ttf_aarch64 = SMMU_GET(idr0, IDR0_TTF) & IDR0_TTF_AARCH64;
	f->cohacc = SMMU_GET(idr0, IDR0_COHACC);
	f->hyp = SMMU_GET(idr0, IDR0_HYP);
	f->ats = SMMU_GET(idr0, IDR0_ATS);
	f->asid16 = SMMU_GET(idr0, IDR0_ASID16);
	f->vmid16 = SMMU_GET(idr0, IDR0_VMID16);
	f->cd2l = SMMU_GET(idr0, IDR0_CD2L);
	f->st_2lvl = SMMU_GET(idr0, IDR0_ST_LEVEL) == IDR0_ST_LEVEL_2LVL;
	f->msi = SMMU_GET(idr0, IDR0_MSI);
	f->sev = SMMU_GET(idr0, IDR0_SEV);
	f->pri = SMMU_GET(idr0, IDR0_PRI);
	f->stall_model = (uint8_t)SMMU_GET(idr0, IDR0_STALL_MODEL);
	f->term_model = (uint8_t)SMMU_GET(idr0, IDR0_TERM_MODEL);
	f->ttendian = (uint8_t)SMMU_GET(idr0, IDR0_TTENDIAN);
	f->asid_bits = SMMU_ASID_BITS(f->asid16);

	f->sid_bits = (uint8_t)SMMU_GET(idr1, IDR1_SIDSIZE);
	f->ssid_bits = (uint8_t)SMMU_GET(idr1, IDR1_SSIDSIZE);
	f->cmdq_max_log2 = (uint8_t)SMMU_GET(idr1, IDR1_CMDQS);
	f->evtq_max_log2 = (uint8_t)SMMU_GET(idr1, IDR1_EVENTQS);
	f->priq_max_log2 = (uint8_t)SMMU_GET(idr1, IDR1_PRIQS);
	f->attr_types_ovr = SMMU_GET(idr1, IDR1_ATTR_TYPES_OVR);
	f->attr_perms_ovr = SMMU_GET(idr1, IDR1_ATTR_PERMS_OVR);

	f->ril = SMMU_GET(idr3, IDR3_RIL);
	f->bbml = (uint8_t)SMMU_GET(idr3, IDR3_BBML);
	if (f->bbml > 2) {
		/* reserved: the full break-before-make sequence is correct at every level */
		smmu_log(smmu, SMMU_LOG_WARN, "IDR3.BBML=3 is reserved: splitting blocks with break-before-make");
		f->bbml = 0;
	}

	f->oas_enc = (uint8_t)SMMU_GET(idr5, IDR5_OAS);
	f->oas_bits = (uint8_t)smmu_oas_bits(f->oas_enc);
	f->gran4k = SMMU_GET(idr5, IDR5_GRAN4K);
	f->gran16k = SMMU_GET(idr5, IDR5_GRAN16K);
	f->gran64k = SMMU_GET(idr5, IDR5_GRAN64K);
	f->pgsize_bitmap = 0;
	if (f->gran4k)
		f->pgsize_bitmap |= SMMU_PGSIZES_4K;
	if (f->gran16k)
		f->pgsize_bitmap |= SMMU_PGSIZES_16K;
	if (f->gran64k)
		f->pgsize_bitmap |= SMMU_PGSIZES_64K;
	f->arch_minor = (uint8_t)SMMU_GET(f->aidr, AIDR_ARCH_MINOR);

	smmu_log(smmu, SMMU_LOG_INFO,
		 "SMMUv3.%u IIDR impl 0x%03x product 0x%03x rev %u.%u; IDR0 0x%08x IDR1 0x%08x IDR3 0x%08x IDR5 0x%08x",
		 f->arch_minor, (unsigned)SMMU_GET(f->iidr, IIDR_IMPLEMENTER), (unsigned)SMMU_GET(f->iidr, IIDR_PRODUCTID),
		 (unsigned)SMMU_GET(f->iidr, IIDR_VARIANT), (unsigned)SMMU_GET(f->iidr, IIDR_REVISION), idr0, idr1, idr3,
		 idr5);

	/* what this driver cannot work with */
	if (!f->s1p)
		return refuse(smmu, "no stage-1 translation (IDR0.S1P=0)");
	if (!f->ttf_aarch64)
		return refuse(smmu, "no AArch64 translation tables (IDR0.TTF)");
	if (f->ttendian == IDR0_TTENDIAN_BE)
		return refuse(smmu, "big-endian tables only (IDR0.TTENDIAN)");
	if (f->cmdq_max_log2 <= 6)
		return refuse(smmu, "command queue too small (IDR1.CMDQS <= 6)");
	if (SMMU_GET(idr1, IDR1_REL))
		return refuse(smmu, "relative preset base addresses (IDR1.REL)");
	if (SMMU_GET(idr1, IDR1_TABLES_PRESET))
		return refuse(smmu, "preset stream table (IDR1.TABLES_PRESET)");
	if (SMMU_GET(idr1, IDR1_QUEUES_PRESET))
		return refuse(smmu, "preset queues (IDR1.QUEUES_PRESET)");
	if (!f->pgsize_bitmap)
		return refuse(smmu, "no translation granule (IDR5.GRAN*)");
	if (f->stall_model == IDR0_STALL_MODEL_FORCED)
		smmu_log(smmu, SMMU_LOG_WARN, "stalls are forced: CDs are written with S=1");
	return 0;
}

int smmu_probe(const struct smmu_regif *regif, const struct smmu_options *opts, struct smmu_device **out)
{
	struct smmu_device tmp, *smmu;
	struct smmu_dma_buf self;
	uint32_t log2;
	int ret;

	if (!regif || !out || !regif->read32 || !regif->write32 || !regif->read64 || !regif->write64 ||
	    !regif->dma_alloc || !regif->dma_free || !regif->rmb || !regif->wmb || !regif->mb)
		return -SMMU_EINVAL;
	*out = NULL;
	/* the device object itself comes from the only allocator there is */
	smmu_memset(&tmp, 0, sizeof(tmp));
	tmp.regif = *regif;
	ret = smmu_alloc(&tmp, sizeof(*smmu), 64, &self);
	if (ret)
		return ret;
	smmu = self.cpu;
	smmu_memcpy(smmu, &tmp, sizeof(tmp));
	smmu->self = self;
	if (opts)
		smmu->opts = *opts;

	ret = decode_features(smmu);
	if (ret)
		goto fail;
	if ((unsigned)smmu->opts.cd_layout > SMMU_CD_LAYOUT_2L_64K ||
	    ((smmu->opts.cd_layout == SMMU_CD_LAYOUT_2L_4K || smmu->opts.cd_layout == SMMU_CD_LAYOUT_2L_64K) &&
	     !smmu->feat.cd2l)) {
		/* refused rather than silently linear: the caller asked for a layout it cannot have */
		smmu_log(smmu, SMMU_LOG_ERR, "probe: a 2-level CD table layout needs IDR0.CD2L");
		ret = -SMMU_EINVAL;
		goto fail;
	}
	smmu_ioasid_init(smmu, &smmu->pasids);

	log2 = smmu->opts.cmdq_log2size ? smmu->opts.cmdq_log2size : 8;
	if (log2 > smmu->feat.cmdq_max_log2)
		log2 = smmu->feat.cmdq_max_log2;
	ret = smmu_queue_alloc(smmu, &smmu->cmdq, log2, CMD_SIZE / 8, SMMU_CMDQ_BASE, SMMU_CMDQ_PROD, SMMU_CMDQ_CONS);
	if (ret)
		goto fail;
	log2 = smmu->opts.evtq_log2size ? smmu->opts.evtq_log2size : 7;
	if (log2 > smmu->feat.evtq_max_log2)
		log2 = smmu->feat.evtq_max_log2;
	ret = smmu_queue_alloc(smmu, &smmu->evtq, log2, EVT_SIZE / 8, SMMU_EVENTQ_BASE, SMMU_EVENTQ_PROD,
			       SMMU_EVENTQ_CONS);
	if (ret)
		goto fail;
	ret = smmu_strtab_alloc(smmu);
	if (ret)
		goto fail;
	ret = smmu_alloc(smmu, ((size_t)1 << smmu->feat.asid_bits) / 8, 8, &smmu->asid_map);
	if (ret)
		goto fail;
	((uint8_t *)smmu->asid_map.cpu)[0] = 1; /* ASID 0 is reserved, as in Linux */
	smmu_log(smmu, SMMU_LOG_INFO, "probe: %s stream table, %u SID bits (table covers %u), cmdq %u, evtq %u entries",
		 smmu->strtab_2lvl ? "2-level" : "linear", smmu->feat.sid_bits, smmu->strtab_log2size,
		 1u << smmu->cmdq.log2size, 1u << smmu->evtq.log2size);
	*out = smmu;
	return 0;
fail:
	smmu_free(smmu, &smmu->asid_map);
	smmu_strtab_free(smmu);
	smmu_queue_free(smmu, &smmu->evtq);
	smmu_queue_free(smmu, &smmu->cmdq);
	self = smmu->self;
	tmp.regif = smmu->regif;
	smmu_free(&tmp, &self);
	return ret;
}

const struct smmu_features *smmu_get_features(const struct smmu_device *smmu)
{
	return &smmu->feat;
}

const struct smmu_stats *smmu_get_stats(const struct smmu_device *smmu)
{
	return &smmu->stats;
}

void smmu_clear_stats(struct smmu_device *smmu)
{
	smmu_memset(&smmu->stats, 0, sizeof(smmu->stats));
}

/* Write CR0 and wait until CR0ACK reflects it. */
static int write_cr0(struct smmu_device *smmu, uint32_t val)
{
	smmu_write32(smmu, SMMU_CR0, val);
	for (uint32_t n = 0; smmu_read32(smmu, SMMU_CR0ACK) != val; n++) {
		if (n >= poll_limit(smmu)) {
			smmu_log(smmu, SMMU_LOG_ERR, "CR0ACK timeout waiting for 0x%x (ack 0x%x)", val,
				 smmu_read32(smmu, SMMU_CR0ACK));
			return -SMMU_ETIMEDOUT;
		}
		smmu_relax(smmu);
	}
	/* the acknowledgement before what relies on it, e.g. freeing tables a disabled SMMU no longer reads */
	smmu_mb(smmu);
	return 0;
}

static int write_irq_ctrl(struct smmu_device *smmu, uint32_t val)
{
	smmu_write32(smmu, SMMU_IRQ_CTRL, val);
	for (uint32_t n = 0; smmu_read32(smmu, SMMU_IRQ_CTRLACK) != val; n++) {
		if (n >= poll_limit(smmu)) {
			smmu_log(smmu, SMMU_LOG_ERR, "IRQ_CTRLACK timeout");
			return -SMMU_ETIMEDOUT;
		}
		smmu_relax(smmu);
	}
	return 0;
}

int smmu_set_gbpa(struct smmu_device *smmu, bool abort)
{
	uint32_t val = smmu_read32(smmu, SMMU_GBPA);
	uint32_t n;

	/* an earlier update must have finished before fields may be written */
	for (n = 0; SMMU_GET(val, GBPA_UPDATE); n++) {
		if (n >= poll_limit(smmu))
			goto timeout;
		smmu_relax(smmu);
		val = smmu_read32(smmu, SMMU_GBPA);
	}
	val = (uint32_t)SMMU_SET(val, GBPA_ABORT, abort ? 1 : 0);
	smmu_write32(smmu, SMMU_GBPA, val | (uint32_t)SMMU_PREP(GBPA_UPDATE, 1));
	for (n = 0; SMMU_GET(smmu_read32(smmu, SMMU_GBPA), GBPA_UPDATE); n++) {
		if (n >= poll_limit(smmu))
			goto timeout;
		smmu_relax(smmu);
	}
	return 0;
timeout:
	smmu_log(smmu, SMMU_LOG_ERR, "GBPA update timeout");
	return -SMMU_ETIMEDOUT;
}

int smmu_disable(struct smmu_device *smmu)
{
	smmu->enabled = false;
	return write_cr0(smmu, 0);
}

int smmu_reset(struct smmu_device *smmu)
{
	uint32_t cr0 = 0;
	struct smmu_cmd cmds[2];
	int ret;

	/* 1. if it is live, block traffic through GBPA before turning translation off */
	if (SMMU_GET(smmu_read32(smmu, SMMU_CR0), CR0_SMMUEN)) {
		smmu_log(smmu, SMMU_LOG_WARN, "reset: SMMU was enabled; aborting traffic while it is reset");
		ret = smmu_set_gbpa(smmu, true);
		if (ret)
			return ret;
	}
	ret = smmu_disable(smmu);
	if (ret)
		return ret;

	/* 2. memory attributes of tables and queues, and CR2 */
	smmu_write32(smmu, SMMU_CR1,
		     (uint32_t)(SMMU_PREP(CR1_TABLE_SH, CR1_SH_ISH) | SMMU_PREP(CR1_TABLE_OC, CR1_CACHE_WB) |
				SMMU_PREP(CR1_TABLE_IC, CR1_CACHE_WB) | SMMU_PREP(CR1_QUEUE_SH, CR1_SH_ISH) |
				SMMU_PREP(CR1_QUEUE_OC, CR1_CACHE_WB) | SMMU_PREP(CR1_QUEUE_IC, CR1_CACHE_WB)));
	smmu_write32(smmu, SMMU_CR2, (uint32_t)(SMMU_PREP(CR2_PTM, 1) | SMMU_PREP(CR2_RECINVSID, 1)));

	/* 3. stream table (every STE starts as abort) */
	smmu_wmb(smmu);
	smmu_write64(smmu, SMMU_STRTAB_BASE, smmu_strtab_base_value(smmu));
	smmu_write32(smmu, SMMU_STRTAB_BASE_CFG, smmu_strtab_cfg_value(smmu));

	/* 4. command queue */
	smmu->cmdq.prod = smmu->cmdq.cons = 0;
	smmu_write64(smmu, SMMU_CMDQ_BASE, smmu_queue_base_value(&smmu->cmdq));
	smmu_write32(smmu, SMMU_CMDQ_PROD, 0);
	smmu_write32(smmu, SMMU_CMDQ_CONS, 0);
	cr0 |= (uint32_t)SMMU_PREP(CR0_CMDQEN, 1);
	ret = write_cr0(smmu, cr0);
	if (ret)
		return ret;

	/* 5. nothing cached from before may survive: SMMUEN=0 does not invalidate */
	smmu->enabled = true; /* let commands flow; SMMUEN follows below */
	cmds[0] = smmu_cmd_cfgi_all();
	ret = smmu_cmdq_issue_sync(smmu, cmds, 1);
	if (!ret) {
		cmds[0] = smmu_cmd_tlbi_nsnh_all();
		ret = smmu_cmdq_issue_sync(smmu, cmds, 1);
	}
	if (ret) {
		smmu->enabled = false;
		return ret;
	}

	/* 6. event queue (indexes on page 1) */
	smmu->evtq.prod = smmu->evtq.cons = 0;
	smmu_write64(smmu, SMMU_EVENTQ_BASE, smmu_queue_base_value(&smmu->evtq));
	smmu_write32(smmu, SMMU_EVENTQ_PROD, 0);
	smmu_write32(smmu, SMMU_EVENTQ_CONS, 0);
	cr0 |= (uint32_t)SMMU_PREP(CR0_EVENTQEN, 1);
	ret = write_cr0(smmu, cr0);
	if (ret)
		goto fail;

	/* 7. interrupts: this driver polls (event queue drain, GERROR on every command wait) */
	ret = write_irq_ctrl(smmu, 0);
	if (ret)
		goto fail;

	/* 8. translation on */
	cr0 |= (uint32_t)SMMU_PREP(CR0_SMMUEN, 1);
	ret = write_cr0(smmu, cr0);
	if (ret)
		goto fail;
	smmu->gerrorn = smmu_read32(smmu, SMMU_GERRORN);
	smmu_log(smmu, SMMU_LOG_INFO, "reset: SMMU enabled");
	return 0;
fail:
	smmu->enabled = false;
	return ret;
}

void smmu_remove(struct smmu_device *smmu)
{
	struct smmu_dma_buf self;
	struct smmu_device tmp;

	if (!smmu)
		return;
	/*
	 * Off first: with SMMUEN (and the queues) off the SMMU neither walks nor caches the tables,
	 * so the teardown frees every domain, CD and STE without an invalidation and CMD_SYNC each.
	 */
	if (smmu->enabled || SMMU_GET(smmu_read32(smmu, SMMU_CR0), CR0_SMMUEN))
		smmu_disable(smmu);
	else
		write_cr0(smmu, 0);
	smmu_iommu_teardown(smmu);
	smmu_set_gbpa(smmu, !smmu->opts.gbpa_bypass);
	ioasid_allocator_destroy(&smmu->pasids); /* global PASIDs the caller never freed */
	smmu_free(smmu, &smmu->asid_map);
	smmu_strtab_free(smmu);
	smmu_queue_free(smmu, &smmu->evtq);
	smmu_queue_free(smmu, &smmu->cmdq);
	self = smmu->self;
	smmu_memset(&tmp, 0, sizeof(tmp));
	tmp.regif = smmu->regif;
	smmu_free(&tmp, &self);
}
