/* SPDX-License-Identifier: MIT */
/* The platform a benchmark run drives: configuration, model, reference driver brought up. */
#include "platform.h"

#include <string.h>

#include <smmusim/bringup.h>

#include "settings.h"

int bench_platform_open(struct bench_platform *p, const char *const *sets, size_t nsets, enum smmu_cd_layout layout)
{
	return bench_platform_open_preset(p, NULL, sets, nsets, layout);
}

int bench_platform_open_preset(struct bench_platform *p, const char *preset, const char *const *sets, size_t nsets,
			       enum smmu_cd_layout layout)
{
	/* the one configuration path of the benchmarks: defaults < preset < --set (settings.c) */
	struct bench_settings s = {.preset = preset, .sets = (const char **)sets, .nsets = nsets};
	smmusim_config *cfg;
	memset(p, 0, sizeof(*p));
	int rc = bench_config_build(&s, NULL, 0, &cfg, p->err, sizeof(p->err));
	return rc ? rc : bench_platform_open_cfg(p, cfg, layout);
}

int bench_platform_open_cfg(struct bench_platform *p, smmusim_config *cfg, enum smmu_cd_layout layout)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
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

void bench_evtq_drain(struct bench_platform *p)
{
	const int timed = smmusim_reg_read_timing(p->sim, 0);
	smmu_evtq_drain(p->smmu, NULL, NULL);
	smmusim_reg_read_timing(p->sim, timed);
}
