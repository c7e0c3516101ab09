/* SPDX-License-Identifier: MIT */
/* The platform a benchmark run drives: configuration, model, reference driver brought up. */
#include "platform.h"

#include <string.h>

#include <smmusim/bringup.h>

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
		if (smmusim_config_set_pair(p->cfg, sets[i], err, sizeof(err)) < 0) {
			snprintf(p->err, sizeof(p->err), "--set %s: %s", sets[i], err);
			return SMMUSIM_EXIT_USAGE;
		}
	}
	struct smmusim_system sys;
	struct smmu_options opts;
	smmusim_driver_options(p->cfg, &opts);
	opts.cd_layout = layout; /* the study's own axis, whatever the configuration says */
	int rc = smmusim_system_create(&sys, p->cfg, p->err, sizeof(p->err));
	if (!rc)
		rc = smmusim_system_probe(&sys, NULL, &opts, p->err, sizeof(p->err));
	p->sim = sys.sim;
	p->smmu = sys.smmu;
	return rc ? SMMUSIM_EXIT_SIM : 0;
}

void bench_platform_close(struct bench_platform *p)
{
	smmusim_system_down(&(struct smmusim_system){.sim = p->sim, .smmu = p->smmu});
	smmusim_config_free(p->cfg);
	memset(p, 0, sizeof(*p));
}

/* The model's counters by name: the delta since `base` is what one phase did. */
uint64_t bench_stat(const struct bench_platform *p, const char *name)
{
	return smmusim_stat(p->sim, name);
}
