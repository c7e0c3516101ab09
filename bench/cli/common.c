/* SPDX-License-Identifier: MIT */
/* smmusim bench: dispatcher, child processes, host time, flat result files. */
#include "bench.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: smmusim bench [--help] SUBCOMMAND [OPTIONS]\n\n"
		"subcommands:\n"
		"  cd-layouts   sweep CD-table layouts x PASID counts x allocation/access patterns x\n"
		"               configuration-cache sizes (--list, --point ID, --shard I/N, --out DIR)\n"
		"  speed        simulated transactions per host second, timed model vs functional-only\n"
		"  aggregate    merge cd-layouts result files of DIR into CSV, JSON, Markdown and plots\n\n"
		"`smmusim bench SUBCOMMAND --help` describes one. Exit status: 0 success, 1 bad usage,\n"
		"2 bad input, 3 simulation error. docs/benchmarks.md has the measured results.\n");
}

int smmusim_cmd_bench(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "smmusim bench: missing subcommand (cd-layouts, speed, aggregate; --help)\n");
		return SMMUSIM_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage(stdout);
		return SMMUSIM_EXIT_OK;
	}
	if (!strcmp(sub, "cd-layouts"))
		return bench_cd_layouts(argc - 1, argv + 1);
	if (!strcmp(sub, "speed"))
		return bench_speed(argc - 1, argv + 1);
	if (!strcmp(sub, "aggregate"))
		return bench_aggregate(argc - 1, argv + 1);
	fprintf(stderr, "smmusim bench: unknown subcommand \"%s\" (cd-layouts, speed, aggregate)\n", sub);
	return SMMUSIM_EXIT_USAGE;
}

double bench_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- child processes ------------------------------------------------------------------------ */
static pid_t spawn_one(char **args)
{
	/* args[0] is the subcommand; the child gets "smmusim" args... through /proc/self/exe */
	size_t n = 0;
	while (args[n])
		n++;
	char **full = calloc(n + 2, sizeof(*full));
	if (!full)
		return -1;
	full[0] = "smmusim";
	for (size_t i = 0; i < n; i++)
		full[i + 1] = args[i];
	pid_t pid;
	int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, full, environ);
	free(full);
	if (rc) {
		fprintf(stderr, "smmusim bench: cannot start a child process: %s\n", strerror(rc));
		return -1;
	}
	return pid;
}

size_t bench_spawn_all(char ***argvs, size_t n, unsigned jobs, int *status, bool progress)
{
	return bench_spawn_all_rss(argvs, n, jobs, status, NULL, progress);
}

size_t bench_spawn_all_rss(char ***argvs, size_t n, unsigned jobs, int *status, long *peak_rss_kib, bool progress)
{
	if (jobs < 1)
		jobs = 1;
	pid_t *pids = calloc(n ? n : 1, sizeof(*pids));
	size_t failed = 0, next = 0, done = 0, running = 0;
	if (!pids) {
		for (size_t i = 0; i < n; i++)
			status[i] = SMMUSIM_EXIT_SIM;
		return n;
	}
	while (done < n) {
		while (next < n && running < jobs) {
			pids[next] = spawn_one(argvs[next]);
			if (pids[next] < 0) {
				status[next] = SMMUSIM_EXIT_SIM;
				failed++;
				done++;
			} else {
				running++;
			}
			next++;
		}
		if (!running)
			continue;
		int ws;
		struct rusage ru;
		pid_t p = wait4(-1, &ws, 0, &ru);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < next; i++)
			if (pids[i] == p) {
				status[i] = WIFEXITED(ws) ? WEXITSTATUS(ws) : SMMUSIM_EXIT_SIM;
				if (peak_rss_kib)
					peak_rss_kib[i] = ru.ru_maxrss;
				if (status[i] != 0) {
					failed++;
					if (!WIFEXITED(ws))
						fprintf(stderr, "smmusim bench: %s %s: killed by signal %d\n", argvs[i][0],
							argvs[i][2] ? argvs[i][2] : "", WTERMSIG(ws));
				}
				pids[i] = 0;
				running--;
				done++;
				if (progress)
					fprintf(stderr, "\r[%zu/%zu]%s", done, n, done == n ? "\n" : "");
				break;
			}
	}
	free(pids);
	return failed;
}

/* ---- flat result files ----------------------------------------------------------------------- */
int bench_kv_read(const char *path, struct bench_kv *kv)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[512];
	kv->n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *q = strchr(line, '"');
		if (!q)
			continue;
		char *e = strchr(q + 1, '"');
		if (!e || e[1] != ':' || kv->n >= BENCH_MAX_KEYS)
			continue;
		size_t kl = (size_t)(e - q - 1);
		if (kl >= sizeof(kv->key[0]))
			continue;
		memcpy(kv->key[kv->n], q + 1, kl);
		kv->key[kv->n][kl] = '\0';
		char *v = e + 2;
		while (*v == ' ')
			v++;
		size_t vl = strcspn(v, "\n");
		while (vl && (v[vl - 1] == ',' || v[vl - 1] == ' '))
			vl--;
		kv->str[kv->n] = vl >= 2 && v[0] == '"' && v[vl - 1] == '"';
		if (kv->str[kv->n]) {
			v++;
			vl -= 2;
		}
		if (vl >= sizeof(kv->val[0]))
			vl = sizeof(kv->val[0]) - 1;
		memcpy(kv->val[kv->n], v, vl);
		kv->val[kv->n][vl] = '\0';
		kv->n++;
	}
	fclose(f);
	return 0;
}

const char *bench_kv_get(const struct bench_kv *kv, const char *key)
{
	for (size_t i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}
