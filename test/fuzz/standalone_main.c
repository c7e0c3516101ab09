/*
 * Standalone driver for the fuzz targets when libFuzzer is not available (gcc, CI).
 *   fuzz_X [--runs N] [--seed S] [--max-len L] [FILE|DIR ...]
 *   fuzz_X --write-seeds DIR     writes the built-in seeds as files: a starting corpus for libFuzzer
 * Runs every seed (built-in ones, then files and the files of directories), then N inputs made
 * by mutating seeds with a seeded PRNG: deterministic, so a CI failure reproduces exactly; the
 * failing input is written to ./fuzz-crash-input before it runs, for replay under a debugger.
 */
#define _POSIX_C_SOURCE 200809L /* scandir, unlink */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

struct blob {
	uint8_t *data;
	size_t size;
};

static uint64_t rng_state;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static struct blob *seeds;
static uint8_t *scratch; /* max bytes, for mutate() */
static size_t nseeds, capseeds;

static void add_seed(const uint8_t *data, size_t size)
{
	if (nseeds == capseeds) {
		capseeds = capseeds ? 2 * capseeds : 16;
		seeds = realloc(seeds, capseeds * sizeof *seeds);
		if (!seeds) {
			perror("fuzz");
			exit(2);
		}
	}
	seeds[nseeds].data = malloc(size ? size : 1);
	if (!seeds[nseeds].data) {
		perror("fuzz");
		exit(2);
	}
	memcpy(seeds[nseeds].data, data, size);
	seeds[nseeds].size = size;
	nseeds++;
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	uint8_t *buf = NULL;
	size_t size = 0, cap = 0, n;
	do {
		if (cap - size < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				perror("fuzz");
				exit(2);
			}
		}
		n = fread(buf + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	add_seed(buf, size);
	free(buf);
}

static void add_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort); /* sorted: the same order on every machine */
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char full[4096];
			snprintf(full, sizeof full, "%s/%s", path, names[i]->d_name);
			add_file(full);
		}
		free(names[i]);
	}
	free(names);
}

/* Byte flips, random bytes, deletions, duplications and splices of another seed. */
static size_t mutate(uint8_t *buf, size_t size, size_t max)
{
	unsigned k = 1 + (unsigned)(rng() % 8);
	while (k--) {
		switch (rng() % 6) {
		case 0: /* flip a bit */
			if (size)
				buf[rng() % size] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* overwrite a byte */
			if (size)
				buf[rng() % size] = (uint8_t)rng();
			break;
		case 2: /* delete a range */
			if (size) {
				size_t at = rng() % size, len = 1 + rng() % (size - at);
				memmove(buf + at, buf + at + len, size - at - len);
				size -= len;
			}
			break;
		case 3: /* duplicate a range: copied aside first, the shift may move part of it */
			if (size && size < max) {
				size_t at = rng() % size, len = 1 + rng() % (size - at);
				if (len > max - size)
					len = max - size;
				size_t to = rng() % (size + 1);
				memcpy(scratch, buf + at, len);
				memmove(buf + to + len, buf + to, size - to);
				memcpy(buf + to, scratch, len);
				size += len;
			}
			break;
		case 4: /* insert a random byte */
			if (size < max) {
				size_t to = rng() % (size + 1);
				memmove(buf + to + 1, buf + to, size - to);
				buf[to] = (uint8_t)rng();
				size++;
			}
			break;
		default: /* splice: the tail of another seed */
			if (nseeds) {
				const struct blob *o = &seeds[rng() % nseeds];
				size_t at = size ? rng() % size : 0, from = o->size ? rng() % o->size : 0;
				size_t len = o->size - from;
				if (len > max - at)
					len = max - at;
				memcpy(buf + at, o->data + from, len);
				size = at + len;
			}
			break;
		}
	}
	return size;
}

static void run_one(const uint8_t *data, size_t size)
{
	/* Kept only if the run never returns. Unlinked, not truncated: ext4 writes back a file that
	 * is truncated and rewritten (auto_da_alloc), ~7 ms per input, which made the smoke tests
	 * disk-bound (100 s under load) instead of CPU-bound. */
	unlink("fuzz-crash-input");
	FILE *f = fopen("fuzz-crash-input", "wb");
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
	}
	LLVMFuzzerTestOneInput(data, size);
}

int main(int argc, char **argv)
{
	unsigned long long runs = 1000, seed = 1;
	size_t max = 4096;
	const uint8_t **bseeds;
	const size_t *bsizes;
	size_t nb = fuzz_builtin_seeds(&bseeds, &bsizes);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--write-seeds") && i + 1 < argc) {
			for (size_t k = 0; k < nb; k++) {
				char name[4096];
				snprintf(name, sizeof name, "%s/seed-%zu", argv[i + 1], k);
				FILE *f = fopen(name, "wb");
				if (!f || fwrite(bseeds[k], 1, bsizes[k], f) != bsizes[k]) {
					fprintf(stderr, "fuzz: %s: %s\n", name, strerror(errno));
					return 2;
				}
				fclose(f);
			}
			return 0;
		}
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--max-len") && i + 1 < argc)
			max = (size_t)strtoull(argv[++i], NULL, 0);
		else if (argv[i][0] == '-') {
			fprintf(stderr, "usage: %s [--runs N] [--seed S] [--max-len L] [FILE|DIR ...]\n", argv[0]);
			return 1;
		} else
			add_path(argv[i]);
	}
	for (size_t i = 0; i < nb; i++)
		add_seed(bseeds[i], bsizes[i]);
	if (!nseeds)
		add_seed((const uint8_t *)"", 0);

	rng_state = seed;
	for (size_t i = 0; i < nseeds; i++)
		run_one(seeds[i].data, seeds[i].size);
	uint8_t *buf = malloc(max);
	scratch = malloc(max);
	if (!buf || !scratch)
		return 2;
	for (unsigned long long r = 0; r < runs; r++) {
		const struct blob *s = &seeds[rng() % nseeds];
		size_t size = s->size < max ? s->size : max;
		memcpy(buf, s->data, size);
		size = mutate(buf, size, max);
		run_one(buf, size);
	}
	remove("fuzz-crash-input");
	printf("fuzz: %zu seeds and %llu mutated inputs ran (seed %llu)\n", nseeds, runs, seed);
	free(buf);
	free(scratch);
	return 0;
}
