/* SPDX-License-Identifier: MIT */
/*
 * The workload shapes that `smmusim gen` writes and `smmusim bench cd-layouts` drives, in one place
 * so a seed and a shape mean the same in both: the random generator, Zipf ranks, a hot set.
 * Header only (C11).
 */
#ifndef SMMUSIM_WORKLOAD_H
#define SMMUSIM_WORKLOAD_H

#include <stdint.h>

/* splitmix64: tiny, fast, and identical on every platform (unlike rand()). */
static inline uint64_t smmusim_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Zipf with s = 1 over ranks 0..n-1 (rank k drawn with probability proportional to 1/(k+1)):
 * cdf[k] = P(rank <= k). */
static inline void smmusim_zipf_cdf(double *cdf, uint64_t n)
{
	double sum = 0;
	for (uint64_t k = 0; k < n; k++)
		cdf[k] = (sum += 1.0 / (double)(k + 1));
	for (uint64_t k = 0; k < n; k++)
		cdf[k] /= sum;
}

/* The rank a 64-bit random number draws: the first k with cdf[k] > u, u uniform in [0, 1). */
static inline uint64_t smmusim_zipf_rank(const double *cdf, uint64_t n, uint64_t x)
{
	double u = (double)(x >> 11) * (1.0 / 9007199254740992.0);
	uint64_t lo = 0, hi = n - 1;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The j-th of h hot items spread evenly over n (0 <= j < h <= n). */
static inline uint64_t smmusim_hot_index(uint64_t j, uint64_t h, uint64_t n)
{
	return j * n / h;
}

#endif
