// Throughput of ioasid_alloc / ioasid_find / ioasid_free with N live IDs (N = 2^10, 2^16, 2^20),
// using libc malloc behind the mem ops. For each N: fill [1, N] (alloc rate), look up every ID in a
// scrambled order (find rate), then free and re-allocate scattered IDs while N stay live (churn:
// each step frees one ID and allocates the lowest free one), then free all (free rate).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "smmuv3/ioasid.h"

namespace {

void *mem_alloc(void *, size_t size) { return std::malloc(size); }
void mem_free(void *, void *p, size_t) { std::free(p); }

double now()
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace

int main()
{
	DECLARE_IOASID_SET(set);
	const ioasid_mem_ops ops{mem_alloc, mem_free, nullptr};
	std::printf("%-8s %14s %14s %14s %14s %12s\n", "live", "alloc/s", "find/s", "churn/s", "free/s",
		    "bytes/live");
	for (unsigned log2 : {10u, 16u, 20u}) {
		const ioasid_t n = 1u << log2;
		ioasid_allocator a{};
		ioasid_allocator_init(&a, &ops);
		// Repeat small sizes so each timed phase runs long enough to measure.
		const unsigned reps = log2 >= 20 ? 1 : (1u << (20 - log2));
		double t_alloc = 0, t_find = 0, t_free = 0, t_churn = 0;
		size_t bytes = 0;
		uintptr_t sink = 0;
		for (unsigned r = 0; r < reps; ++r) {
			double t0 = now();
			for (ioasid_t i = 1; i <= n; ++i)
				if (ioasid_alloc(&a, &set, 1, 0xFFFFFu + 1, nullptr) == INVALID_IOASID)
					return 1;
			t_alloc += now() - t0;
			bytes = ioasid_mem_bytes(&a);
			t0 = now();
			for (ioasid_t i = 0; i < n; ++i) // odd multiplier: a permutation of [0, n)
				sink += reinterpret_cast<uintptr_t>(
					ioasid_find(&a, &set, 1 + ((i * 2654435761u) & (n - 1)), nullptr));
			t_find += now() - t0;
			t0 = now();
			for (ioasid_t i = 0; i < n; ++i) {
				ioasid_free(&a, 1 + ((i * 40503u) & (n - 1)));
				ioasid_alloc(&a, &set, 1, 0xFFFFFu + 1, nullptr);
			}
			t_churn += now() - t0;
			t0 = now();
			for (ioasid_t i = 1; i <= n; ++i)
				ioasid_free(&a, i);
			t_free += now() - t0;
			if (ioasid_mem_bytes(&a) != 0)
				return 2;
		}
		const double ops_total = double(n) * reps;
		std::printf("2^%-6u %14.0f %14.0f %14.0f %14.0f %12.1f\n", log2, ops_total / t_alloc,
			    ops_total / t_find, ops_total / t_churn, ops_total / t_free, double(bytes) / n);
		ioasid_allocator_destroy(&a);
		if (sink == 1)
			std::puts("");
	}
	return 0;
}
