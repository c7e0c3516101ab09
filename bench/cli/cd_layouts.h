/* SPDX-License-Identifier: MIT */
/* smmusim bench cd-layouts (internal): a point of the sweep, its ID, and running one. */
#ifndef SMMUSIM_BENCH_CD_LAYOUTS_H
#define SMMUSIM_BENCH_CD_LAYOUTS_H

#include "bench.h"
#include "settings.h"

#define CD_MAX_PASID ((1u << 20) - 1) /* SSID 0 is the RID's: 2^20 - 1 usable PASIDs */
#define CD_MAX_AXES 4
#define CD_DEFAULT_PAGES 16u          /* 64 KiB per domain */

enum { L_LINEAR, L_2L4K, L_2L64K, L_COUNT };
enum { A_DENSE, A_SCATTERED, A_STRIDED, A_COUNT };
enum { X_STREAM, X_RANDOM, X_BURST, X_COUNT };

extern const char *const cd_layout_names[L_COUNT], *const cd_alloc_names[A_COUNT], *const cd_access_names[X_COUNT];

struct point {
	char id[224];
	unsigned layout, alloc, access;
	uint32_t pasids, cfg_entries, dmas;
	bool cache_l1;
	uint64_t seed;
	unsigned window;     /* closed loop: outstanding DMAs per device */
	unsigned clock_mhz;  /* SMMU clock assumed for transactions per microsecond */
	/* the workload's other dimensions: in the ID only when not the default */
	uint32_t hot;        /* 0: traffic over every live PASID; H: over H hot ones (hot set) */
	bool zipf;           /* traffic over the live PASIDs by Zipf (s = 1), PASID rank = list order */
	uint32_t pages;      /* 4 KiB pages each domain maps: a PASID's working set [16] */
	unsigned devices;    /* PASID-capable devices, each with the same live PASIDs [1] */
	unsigned tbus;       /* TBUs they share: device d on master port d mod tbus [1] */
	uint32_t churn;      /* bind/unbind cycles of a spare PASID per 1000 DMAs, while traffic runs [0] */
	uint32_t interval;   /* open loop: mean cycles between a device's DMAs (Poisson); 0 = closed loop */
	/* the non-default configuration (preset, file, --set, axis values): a hash in the ID */
	uint32_t xhash;
	const char *axis_sets[CD_MAX_AXES]; /* this point's axis values, "KEY=VALUE" */
	size_t naxis_sets;
};

void cd_point_id(struct point *p);
bool cd_parse_point_id(const char *id, struct point *p);

/* Keys a point sets itself (its dimensions): never from --set or --axis, not in the hash. */
extern const char *const cd_point_keys[];

/* Run one point in this process and write OUT/ID.json. Returns SMMUSIM_EXIT_*. */
int cd_run_point(const char *out, const struct bench_settings *s, const struct point *p);

#endif
