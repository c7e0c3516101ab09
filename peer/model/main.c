/* SPDX-License-Identifier: MIT */
/*
 * The peer scenarios on the SystemC model, through the smmusim C API: the model is configured with
 * the ID registers QEMU's `virt` SMMUv3 advertises (so the driver makes the same choices on both),
 * and two master ports stand in for the two `edu` devices, with their StreamIDs.
 *
 * Usage: peer-model GROUP   (prints the group's PEER lines on stdout; exit 0 if it ran)
 */
#include <stdio.h>
#include <string.h>

#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>

#include "peer.h"

/* What QEMU's SMMUv3 on `virt` reports (IDR0/1/3/5), as model parameters. docs/peer.md lists
 * the ID-register fields that still differ and why they do not change the driver's behaviour. */
static const char *const qemu_like[][2] = {
	{"smmu.sidsize", "16"},  /* IDR1.SIDSIZE */
	{"smmu.ssidsize", "0"},  /* IDR1.SSIDSIZE: no substreams */
	{"smmu.cd2l", "0"},      /* IDR0.CD2L */
	{"smmu.s2p", "0"},       /* IDR0.S2P (QEMU 7.2; 10.x advertises stage 2 as well) */
	{"smmu.vmid16", "0"},    /* IDR0.VMID16 (QEMU 7.2) */
	{"smmu.msi", "0"},       /* IDR0.MSI: wired interrupts only */
	{"smmu.sev", "0"},       /* IDR0.SEV */
	{"smmu.oas", "44"},      /* IDR5.OAS */
	{"smmu.st_level", "2lvl"},
	{"smmu.ril", "1"},       /* IDR3.RIL */
	{"smmu.had", "1"},       /* IDR3.HAD */
	{"smmu.bbml", "2"},      /* IDR3.BBML: the driver splits a block in place */
	{"smmu.gran4k", "1"},
	{"smmu.gran16k", "1"},
	{"smmu.gran64k", "1"},
	{"smmu.cmdqs", "19"},
	{"smmu.eventqs", "19"},
};

struct master {
	uint32_t sid;
	uint8_t buf[4096]; /* the device-side buffer, as edu's */
};

struct board {
	smmusim_platform *sim;
	struct master dev[PEER_MAX_DEVS];
};

/* Split at 4 KB boundaries (a transaction may not cross one); a terminated chunk moves nothing. */
static void dma(void *ctx, unsigned d, uint64_t addr, uint32_t len, bool to_mem)
{
	struct board *b = ctx;
	uint32_t done = 0;
	while (done < len) {
		uint64_t a = addr + done;
		uint32_t n = len - done, room = 4096u - (uint32_t)(a & 4095u);
		if (n > room)
			n = room;
		struct smmusim_dma req = {.port = d, .sid = b->dev[d].sid, .addr = a, .size = n, .write = to_mem};
		struct smmusim_dma_result res;
		uint8_t tmp[4096];
		if (to_mem)
			memcpy(tmp, b->dev[d].buf + done, n);
		if (smmusim_dma(b->sim, &req, tmp, &res) != 0) {
			fprintf(stderr, "peer-model: malformed DMA at 0x%llx\n", (unsigned long long)a);
			return;
		}
		if (!to_mem && res.status == SMMUSIM_DMA_OK)
			memcpy(b->dev[d].buf + done, tmp, n);
		done += n;
	}
}

static void out(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: peer-model GROUP\ngroups:");
		for (unsigned i = 0; i < peer_num_groups; i++)
			fprintf(stderr, " %s", peer_groups[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	char err[256] = "";
	smmusim_config *cfg = smmusim_config_new();
	for (size_t i = 0; i < sizeof(qemu_like) / sizeof(qemu_like[0]); i++) {
		if (smmusim_config_set(cfg, qemu_like[i][0], qemu_like[i][1], err, sizeof err) != 0) {
			fprintf(stderr, "peer-model: %s\n", err);
			return 1;
		}
	}
	static struct board b;
	struct smmusim_system sys; /* the platform only: the scenarios probe the driver themselves */
	int made = smmusim_system_create(&sys, cfg, err, sizeof err);
	smmusim_config_free(cfg);
	b.sim = sys.sim;
	if (made) {
		fprintf(stderr, "peer-model: %s\n", err);
		return 1;
	}
	/* The StreamIDs of edu at 00:02.0 and 00:03.0 on QEMU (RID = bus << 8 | devfn). */
	b.dev[0].sid = 0x10;
	b.dev[1].sid = 0x18;
	struct peer_platform plat = {
		.name = "model",
		.regif = smmusim_regif(b.sim),
		.ndevs = 2,
		.sid = {b.dev[0].sid, b.dev[1].sid},
		.ctx = &b,
		.dma = dma,
		.puts = out,
	};
	int rc = peer_run_group(&plat, argv[1]);
	smmusim_system_down(&sys);
	if (rc) {
		fprintf(stderr, "peer-model: unknown group '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}
