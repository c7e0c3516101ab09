/* SPDX-License-Identifier: MIT */
#include <smmusim/bringup.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <smmuv3/errno.h>

int smmusim_config_set_pair(smmusim_config *cfg, const char *pair, char *err, size_t errlen)
{
	const char *eq = strchr(pair, '=');
	char key[128];
	if (!eq || eq == pair) {
		snprintf(err, errlen, "expected KEY=VALUE");
		return -EINVAL;
	}
	if ((size_t)(eq - pair) >= sizeof(key)) {
		snprintf(err, errlen, "unknown key");
		return -EINVAL;
	}
	memcpy(key, pair, (size_t)(eq - pair));
	key[eq - pair] = '\0';
	return smmusim_config_set(cfg, key, eq + 1, err, errlen) < 0 ? -EINVAL : 0;
}

void smmusim_driver_options(const smmusim_config *cfg, struct smmu_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	const char *st = smmusim_config_get(cfg, "st.layout");
	opts->force_linear_strtab = st && strcmp(st, "linear") == 0;
	opts->force_2lvl_strtab = st && strcmp(st, "2lvl") == 0;
	const char *cd = smmusim_config_get(cfg, "cd.layout");
	opts->cd_layout = !cd || strcmp(cd, "auto") == 0 ? SMMU_CD_LAYOUT_AUTO
			  : strcmp(cd, "linear") == 0  ? SMMU_CD_LAYOUT_LINEAR
			  : strcmp(cd, "2l-4k") == 0   ? SMMU_CD_LAYOUT_2L_4K
						       : SMMU_CD_LAYOUT_2L_64K;
}

int smmusim_system_create(struct smmusim_system *s, const smmusim_config *cfg, char *err, size_t errlen)
{
	char why[512];
	memset(s, 0, sizeof(*s));
	s->sim = smmusim_create(cfg, why, sizeof(why));
	if (!s->sim) {
		snprintf(err, errlen, "cannot build the platform: %s", why);
		return -EINVAL;
	}
	return 0;
}

int smmusim_system_probe(struct smmusim_system *s, const struct smmu_regif *regif, const struct smmu_options *opts,
			 char *err, size_t errlen)
{
	int rc = smmu_probe(regif ? regif : smmusim_regif(s->sim), opts, &s->smmu);
	if (rc) {
		s->smmu = NULL;
		if (rc == -SMMU_EINVAL && opts && opts->cd_layout >= SMMU_CD_LAYOUT_2L_4K)
			snprintf(err, errlen, "smmu_probe: cd.layout=%s needs smmu.cd2l=1",
				 opts->cd_layout == SMMU_CD_LAYOUT_2L_4K ? "2l-4k" : "2l-64k");
		else
			snprintf(err, errlen, "smmu_probe: %s", strerror(-rc));
		return rc;
	}
	rc = smmu_reset(s->smmu);
	if (rc) {
		snprintf(err, errlen, "smmu_reset: %s", strerror(-rc));
		smmu_remove(s->smmu);
		s->smmu = NULL;
	}
	return rc;
}

int smmusim_system_up(struct smmusim_system *s, const smmusim_config *cfg, char *err, size_t errlen)
{
	struct smmu_options opts;
	int rc = smmusim_system_create(s, cfg, err, errlen);
	if (rc)
		return rc;
	smmusim_driver_options(cfg, &opts);
	return smmusim_system_probe(s, NULL, &opts, err, errlen);
}

void smmusim_system_down(struct smmusim_system *s)
{
	if (s->smmu)
		smmu_remove(s->smmu);
	smmusim_destroy(s->sim);
	s->smmu = NULL;
	s->sim = NULL;
}
