/* SPDX-License-Identifier: MIT */
/* The platform a benchmark run drives: configuration, model, reference driver brought up. */
#include "platform.h"

#include <string.h>

#include <smmuv3/arch.h>

int bench_platform_open(struct bench_platform *p, const char *const *sets, size_t nsets, enum smmu_cd_layout layout)
{
	return bench_platform_open_preset(p, NULL, sets, nsets, layout);
}

int bench_platform_open_preset(struct bench_platform *p, const char *preset, const char *const *sets, size_t nsets,
			       enum smmu_cd_layout layout)
{
	char err[512];
	memset(p, 0, sizeof(*p));
	p->cfg = smmusim_config_new();
	if (!p->cfg) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		return SMMUSIM_EXIT_SIM;
	}
	if (preset && smmusim_config_preset(p->cfg, preset, err, sizeof(err)) < 0) {
		snprintf(p->err, sizeof(p->err), "--preset: %s", err);
		return SMMUSIM_EXIT_USAGE;
	}
	for (size_t i = 0; i < nsets; i++) {
		char kv[256];
		snprintf(kv, sizeof(kv), "%s", sets[i]);
		char *eq = strchr(kv, '=');
		if (!eq) {
			snprintf(p->err, sizeof(p->err), "--set %s: expected KEY=VALUE", sets[i]);
			return SMMUSIM_EXIT_USAGE;
		}
		*eq = '\0';
		if (smmusim_config_set(p->cfg, kv, eq + 1, err, sizeof(err)) < 0) {
			snprintf(p->err, sizeof(p->err), "--set %s: %s", sets[i], err);
			return SMMUSIM_EXIT_USAGE;
		}
	}
	p->sim = smmusim_create(p->cfg, err, sizeof(err));
	if (!p->sim) {
		snprintf(p->err, sizeof(p->err), "cannot build the platform: %s", err);
		return SMMUSIM_EXIT_SIM;
	}
	const struct smmu_regif *ri = smmusim_regif(p->sim);
	struct smmu_options opts = {0};
	uint32_t idr1 = ri->read32(ri->ctx, SMMU_IDR1);
	unsigned cq = (unsigned)SMMU_GET(idr1, IDR1_CMDQS), eq = (unsigned)SMMU_GET(idr1, IDR1_EVENTQS);
	opts.cmdq_log2size = cq < 8 ? cq : 8;
	opts.evtq_log2size = eq < 7 ? eq : 7;
	opts.cd_layout = layout;
	int rc = smmu_probe(ri, &opts, &p->smmu);
	if (rc) {
		snprintf(p->err, sizeof(p->err), "smmu_probe: error %d", rc);
		return SMMUSIM_EXIT_SIM;
	}
	rc = smmu_reset(p->smmu);
	if (rc) {
		snprintf(p->err, sizeof(p->err), "smmu_reset: error %d", rc);
		return SMMUSIM_EXIT_SIM;
	}
	return 0;
}

void bench_platform_close(struct bench_platform *p)
{
	if (p->smmu)
		smmu_remove(p->smmu);
	smmusim_destroy(p->sim);
	smmusim_config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The model's counters by name: the delta since `base` is what one phase did. */
uint64_t bench_stat(const struct bench_platform *p, const char *name)
{
	return smmusim_stat(p->sim, name);
}
