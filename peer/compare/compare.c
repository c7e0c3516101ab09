/* SPDX-License-Identifier: MIT */
/*
 * peer-compare: compare the PEER lines of a QEMU run with those of the model run of the same
 * scenario group, line by line and field by field (peer/scenarios/scenarios.c describes the lines).
 *
 *   peer-compare --qemu-version X.Y.Z QEMU_LOG MODEL_LOG
 *
 * Exit 0 when every difference is a known QEMU deviation listed in the table below for that QEMU
 * version, and every CHECK of the model run is ok; 1 otherwise, with each difference printed.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * QEMU's known deviations from the architecture (and from the model), the one table of them.
 * A row applies to QEMU versions in [from, below) (major*10000 + minor*100 + micro), to lines of
 * `kind` in `scenario` ("*": any), to field `key`; the QEMU and model values must be exactly the
 * given ones, or, when xor_mask is non-zero, the two numbers must differ in exactly those bits.
 * Rows with key NULL are deviations the scenarios avoid by construction: listed here so that
 * nothing is hidden, printed in every report, never applied.
 */
struct deviation {
	unsigned from, below;
	const char *seen_on;
	const char *kind, *scenario, *key;
	const char *qemu, *model;
	uint64_t xor_mask;
	const char *why;
};

#define V(a, b, c) ((a) * 10000u + (b) * 100u + (c))

static const struct deviation deviations[] = {
	/* Event records. */
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "EVT", "*", "class", "0", "2", 0,
	 "CLASS=CD for a fault on the input address; IHI 0070 §7.3 says IN (the model's value)"},
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "EVT", "*", "raw1", 0, 0, 0x20000000000ull,
	 "the same CLASS field (dword 1 bits [41:40]) in the raw record"},
	/* GBPA. */
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "RES", "remove_gbpa_abort", "gbpa_abort", "0", "1", 0,
	 "SMMU_GBPA is not implemented (reads as zero, writes ignored)"},
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "CHECK", "remove_gbpa_abort", "gbpa", "FAIL", "ok", 0,
	 "SMMU_GBPA is not implemented (reads as zero, writes ignored)"},
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "RES", "remove_gbpa_abort", "dst", "new", "canary", 0,
	 "with SMMUEN=0 QEMU always bypasses: GBPA.ABORT has no effect"},
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "CHECK", "remove_gbpa_abort", "dst", "FAIL", "ok", 0,
	 "with SMMUEN=0 QEMU always bypasses: GBPA.ABORT has no effect"},
	/* ID registers that differ from what the model is configured with (QEMU 7.2's). */
	{V(10, 0, 0), V(11, 0, 0), "10.0.2", "RES", "probe", "s2p", "1", "0", 0,
	 "the virt-10.0 machine creates its SMMU with stage 2 (IDR0.S2P=1); the scenarios use stage 1 only"},
	{V(10, 0, 0), V(11, 0, 0), "10.0.2", "RES", "probe", "vmid16", "1", "0", 0,
	 "IDR0.VMID16=1 from QEMU 10; VMIDs are unused with stage 1 only"},
	/* Avoided by construction (never applied). */
	{V(7, 2, 0), V(8, 0, 0), "7.2.22", "-", "*", 0, 0, 0, 0,
	 "edu stops QEMU (hw_error) on a transfer reaching the end of its 4 KB buffer: transfers are at most "
	 "2048 bytes"},
	{V(7, 2, 0), V(11, 0, 0), "7.2.22, 10.0.2", "-", "*", 0, 0, 0, 0,
	 "one event record per 4-byte chunk of a faulting DMA: faulting transfers are 4 bytes"},
	{V(7, 2, 0), V(11, 0, 0), "7.2.22, 10.0.2", "-", "*", 0, 0, 0, 0,
	 "STRTAB_BASE_CFG.FMT stays 2-level once set, until reset: each stream-table format is its own QEMU run"},
	{V(7, 2, 0), V(11, 0, 0), "7.2.22, 10.0.2", "-", "*", 0, 0, 0, 0,
	 "IDR1.SSIDSIZE=0 (no SubstreamIDs, no CD tables): PASID scenarios run on the model only (test/pasid)"},
};
#define NDEV (sizeof(deviations) / sizeof(deviations[0]))

/* ---- Log lines ---------------------------------------------------------------------------------- */

#define MAX_FIELDS 32

struct pline {
	char kind[16], scen[48];
	unsigned nf;
	char key[MAX_FIELDS][32];
	char val[MAX_FIELDS][48];
	char text[1024];
};

struct plog {
	struct pline *l;
	size_t n, cap;
	bool fatal;
	char fatal_text[1024];
};

static void add(struct plog *g, const struct pline *p)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->l = realloc(g->l, g->cap * sizeof(*g->l));
		if (!g->l) {
			fprintf(stderr, "peer-compare: out of memory\n");
			exit(2);
		}
	}
	g->l[g->n++] = *p;
}

/* PEER lines only; INFO lines are kept apart (reported, not compared). */
static int load(const char *path, struct plog *g, struct plog *info)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "peer-compare: cannot open %s\n", path);
		return -1;
	}
	char buf[1024];
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\r\n")] = 0;
		if (strncmp(buf, "PEER ", 5) != 0)
			continue;
		struct pline p;
		memset(&p, 0, sizeof p);
		snprintf(p.text, sizeof p.text, "%s", buf);
		char *save = 0, *tok = strtok_r(buf + 5, " ", &save);
		if (!tok)
			continue;
		snprintf(p.kind, sizeof p.kind, "%s", tok);
		if ((tok = strtok_r(0, " ", &save)))
			snprintf(p.scen, sizeof p.scen, "%s", tok);
		if (!strcmp(p.kind, "FATAL")) {
			g->fatal = true;
			snprintf(g->fatal_text, sizeof g->fatal_text, "%s", p.text);
			continue;
		}
		while ((tok = strtok_r(0, " ", &save)) && p.nf < MAX_FIELDS) {
			char *eq = strchr(tok, '=');
			if (!eq)
				continue;
			*eq = 0;
			snprintf(p.key[p.nf], sizeof p.key[0], "%s", tok);
			snprintf(p.val[p.nf], sizeof p.val[0], "%s", eq + 1);
			p.nf++;
		}
		if (strcmp(p.kind, "INFO"))
			add(g, &p);
		else if (strcmp(p.scen, "board")) /* the QEMU board's own notes have no model twin */
			add(info, &p);
	}
	fclose(f);
	return 0;
}

static unsigned parse_version(const char *s)
{
	unsigned a = 0, b = 0, c = 0;
	if (sscanf(s, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	return V(a, b, c);
}

/* The row that explains this difference, or -1. */
static int explain(unsigned ver, const struct pline *p, const char *key, const char *q, const char *m)
{
	for (size_t i = 0; i < NDEV; i++) {
		const struct deviation *d = &deviations[i];
		if (!d->key || ver < d->from || ver >= d->below || strcmp(d->kind, p->kind) || strcmp(d->key, key))
			continue;
		if (strcmp(d->scenario, "*") && strcmp(d->scenario, p->scen))
			continue;
		if (d->xor_mask) {
			if ((strtoull(q, 0, 0) ^ strtoull(m, 0, 0)) == d->xor_mask)
				return (int)i;
		} else if (!strcmp(d->qemu, q) && !strcmp(d->model, m)) {
			return (int)i;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 5 || strcmp(argv[1], "--qemu-version")) {
		fprintf(stderr, "usage: peer-compare --qemu-version X.Y.Z QEMU_LOG MODEL_LOG\n");
		return 2;
	}
	unsigned ver = parse_version(argv[2]);
	struct plog q = {0}, m = {0}, qi = {0}, mi = {0};
	if (load(argv[3], &q, &qi) || load(argv[4], &m, &mi))
		return 2;

	unsigned fails = 0, events = 0, fields = 0, explained[NDEV] = {0};
	for (const struct plog *g = &q; g; g = g == &q ? &m : 0) {
		const char *who = g == &q ? "QEMU" : "model";
		if (g->fatal) {
			printf("FAIL: the %s run stopped: %s\n", who, g->fatal_text);
			fails++;
		}
		if (g->n < 2 || strcmp(g->l[0].kind, "BEGIN") || strcmp(g->l[g->n - 1].kind, "END")) {
			printf("FAIL: the %s run is incomplete (no BEGIN ... END): did it crash or hang?\n", who);
			fails++;
		}
	}
	/* The model is the architecture's side here: each of its own checks must hold. */
	for (size_t i = 0; i < m.n; i++)
		for (unsigned k = 0; k < m.l[i].nf; k++)
			if (!strcmp(m.l[i].kind, "CHECK") && strcmp(m.l[i].val[k], "ok")) {
				printf("FAIL: model check failed: %s\n", m.l[i].text);
				fails++;
			}

	size_t n = q.n < m.n ? q.n : m.n;
	for (size_t i = 0; i < n; i++) {
		const struct pline *a = &q.l[i], *b = &m.l[i];
		bool same_shape = !strcmp(a->kind, b->kind) && !strcmp(a->scen, b->scen) && a->nf == b->nf;
		for (unsigned k = 0; same_shape && k < a->nf; k++)
			same_shape = !strcmp(a->key[k], b->key[k]);
		if (!same_shape) {
			printf("FAIL: the runs diverge at line %zu:\n  QEMU:  %s\n  model: %s\n", i + 1, a->text, b->text);
			fails++;
			break; /* everything after is out of step */
		}
		events += !strcmp(a->kind, "EVT");
		for (unsigned k = 0; k < a->nf; k++) {
			if (!strcmp(a->kind, "BEGIN") && !strcmp(a->key[k], "backend"))
				continue;
			fields++;
			if (!strcmp(a->val[k], b->val[k]))
				continue;
			int d = explain(ver, a, a->key[k], a->val[k], b->val[k]);
			if (d >= 0) {
				explained[d]++;
				continue;
			}
			printf("FAIL: %s %s %s: QEMU %s, model %s\n  QEMU:  %s\n  model: %s\n", a->kind, a->scen, a->key[k],
			       a->val[k], b->val[k], a->text, b->text);
			fails++;
		}
	}
	if (q.n != m.n && fails == 0) {
		printf("FAIL: QEMU printed %zu lines, the model %zu\n", q.n, m.n);
		fails++;
	}

	printf("QEMU %s vs model: %zu lines, %u fields, %u event records compared\n", argv[2], n, fields, events);
	for (size_t i = 0; i < qi.n && i < mi.n; i++)
		if (strcmp(qi.l[i].text + 5, mi.l[i].text + 5))
			printf("info (not compared):\n  QEMU:  %s\n  model: %s\n", qi.l[i].text, mi.l[i].text);
	printf("known QEMU deviations (peer/compare/compare.c):\n");
	for (size_t i = 0; i < NDEV; i++) {
		const struct deviation *d = &deviations[i];
		bool applies = ver >= d->from && ver < d->below;
		if (!d->key)
			printf("  [avoided]  %s (seen on %s)\n", d->why, d->seen_on);
		else if (applies)
			printf("  [%s] %s %s %s: %s (seen on %s)\n", explained[i] ? "expected" : "not seen", d->kind,
			       d->scenario, d->key, d->why, d->seen_on);
	}
	printf(fails ? "peer: %u difference(s) not explained\n" : "peer: PASS\n", fails);
	free(q.l);
	free(m.l);
	free(qi.l);
	free(mi.l);
	return fails ? 1 : 0;
}
