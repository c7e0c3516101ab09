/* SPDX-License-Identifier: MIT */
/* smmusim bench: the configuration of every point (preset, file, --set, axis values) and its diff. */
#include "settings.h"

#include <string.h>

#include <smmusim/bringup.h>
#include <smmusim/cli.h>
#include <smmusim/number.h>

static int set_kv(smmusim_config *cfg, const char *what, const char *kv, char *err, size_t errlen)
{
	char msg[512];
	if (smmusim_config_set_pair(cfg, kv, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s %s: %s", what, kv, msg);
		return SMMUSIM_EXIT_USAGE;
	}
	return 0;
}

int bench_config_build(const struct bench_settings *s, const char *const *extra, size_t nextra, smmusim_config **out,
		       char *err, size_t errlen)
{
	char msg[512];
	int rc = 0;
	smmusim_config *cfg = smmusim_config_new();
	*out = NULL;
	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return SMMUSIM_EXIT_SIM;
	}
	if (s->preset && smmusim_config_preset(cfg, s->preset, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "--preset %s: %s", s->preset, msg);
		rc = SMMUSIM_EXIT_USAGE;
	}
	if (!rc && s->config && smmusim_config_load(cfg, s->config, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s", msg); /* already "FILE:LINE: reason" or "FILE: reason" */
		rc = SMMUSIM_EXIT_INPUT;
	}
	for (size_t i = 0; !rc && i < s->nsets; i++)
		rc = set_kv(cfg, "--set", s->sets[i], err, errlen);
	for (size_t i = 0; !rc && i < nextra; i++)
		rc = set_kv(cfg, "--axis", extra[i], err, errlen);
	if (rc) {
		smmusim_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

/* A value in its canonical spelling: numbers in decimal, booleans 0/1, anything else as written. */
static void canonical(const char *v, char *buf, size_t len)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	uint64_t x;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(v, yes[i]))
			v = "1";
		if (!strcmp(v, no[i]))
			v = "0";
	}
	if (smmusim_parse_u64(v, strlen(v), SMMUSIM_NUM_SUFFIX, &x))
		snprintf(buf, len, "%llu", (unsigned long long)x);
	else
		snprintf(buf, len, "%s", v);
}

size_t bench_config_diff(const smmusim_config *cfg, const char *const *skip, char *buf, size_t len, uint32_t *hash)
{
	smmusim_config *def = smmusim_config_new();
	size_t n = 0, used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; def && i < smmusim_config_count(cfg); i++) {
		const char *k = smmusim_config_key(cfg, i);
		bool skipped = false;
		for (size_t j = 0; skip && skip[j]; j++)
			skipped |= !strcmp(k, skip[j]);
		char v[256], d[256];
		canonical(smmusim_config_get(cfg, k), v, sizeof(v));
		canonical(smmusim_config_get(def, k), d, sizeof(d));
		if (skipped || !strcmp(v, d))
			continue;
		int w = snprintf(buf + used, used < len ? len - used : 0, "%s%s=%s", n ? "\n" : "", k, v);
		if (w > 0)
			used += (size_t)w;
		n++;
	}
	smmusim_config_free(def);
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *p = buf; n && *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	*hash = n ? h : 0;
	return n;
}
