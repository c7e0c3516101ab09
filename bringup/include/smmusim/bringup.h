/* SPDX-License-Identifier: MIT */
/*
 * One bring-up of a simulated system (docs/architecture.md): configuration -> model platform ->
 * reference driver probed on the platform's register interface -> driver reset (SMMU enabled).
 * Everything that runs the driver on the model starts here.
 *
 * Errors come back as a negative errno and a message in the caller's buffer that names the step
 * that failed ("cannot build the platform: ...", "smmu_probe: ...", "smmu_reset: ...").
 */
#ifndef SMMUSIM_BRINGUP_H
#define SMMUSIM_BRINGUP_H

#include <stddef.h>

#include <smmusim/smmusim.h>
#include <smmuv3/smmu.h>

#ifdef __cplusplus
extern "C" {
#endif

struct smmusim_system {
	smmusim_platform *sim;
	struct smmu_device *smmu;
};

/* Apply one "KEY=VALUE" string (a command line's --set). 0, or -EINVAL with the reason alone in
 * `err` (the caller names the pair, quoted as its output needs). */
int smmusim_config_set_pair(smmusim_config *cfg, const char *pair, char *err, size_t errlen);

/* The driver options a configuration asks for: its driver-policy keys st.layout and cd.layout;
 * everything else at the driver's defaults (queue sizes from IDR1, smmu_options). */
void smmusim_driver_options(const smmusim_config *cfg, struct smmu_options *opts);

/* The platform alone (s->smmu stays NULL), for a caller that wraps the register interface. */
int smmusim_system_create(struct smmusim_system *s, const smmusim_config *cfg, char *err, size_t errlen);

/* Probe the driver on `regif` (NULL: the platform's own) with `opts` (NULL: driver defaults), then
 * reset it. On failure s->smmu is NULL. */
int smmusim_system_probe(struct smmusim_system *s, const struct smmu_regif *regif, const struct smmu_options *opts,
			 char *err, size_t errlen);

/* Both steps, with the options the configuration asks for (smmusim_driver_options). */
int smmusim_system_up(struct smmusim_system *s, const smmusim_config *cfg, char *err, size_t errlen);

/* Remove the driver (if probed) and destroy the platform (if built); safe on a partial bring-up. */
void smmusim_system_down(struct smmusim_system *s);

#ifdef __cplusplus
}
#endif

#endif
