// I/O ASID allocator: every semantic and error return of Linux v5.5's
// drivers/iommu/ioasid.c API,
// memory accounting through counting mem ops, and failure injection.
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "smmuv3/ioasid.h"

namespace {

// Counting mem ops with optional failure injection: fail_at = index of the allocation call that
// returns NULL (-1 = never).
struct Mem {
	long outstanding = 0;
	size_t bytes = 0;
	long calls = 0;
	long fail_at = -1;
	bool fail_all = false;
	static void *alloc(void *ctx, size_t size)
	{
		auto *m = static_cast<Mem *>(ctx);
		const long n = m->calls++;
		if (m->fail_all || n == m->fail_at)
			return nullptr;
		m->outstanding++;
		m->bytes += size;
		return std::malloc(size);
	}
	static void free(void *ctx, void *p, size_t size)
	{
		auto *m = static_cast<Mem *>(ctx);
		m->outstanding--;
		m->bytes -= size;
		std::free(p);
	}
	ioasid_mem_ops ops() { return ioasid_mem_ops{&Mem::alloc, &Mem::free, this}; }
};

struct Ioasid : ::testing::Test {
	Mem mem;
	ioasid_allocator a{};
	ioasid_set s1{}, s2{};
	void SetUp() override
	{
		auto ops = mem.ops();
		ASSERT_EQ(ioasid_allocator_init(&a, &ops), 0);
	}
	void TearDown() override
	{
		ioasid_allocator_destroy(&a);
		EXPECT_EQ(mem.outstanding, 0);
		EXPECT_EQ(mem.bytes, 0u);
		EXPECT_EQ(ioasid_mem_bytes(&a), 0u);
	}
	int err(void *p) { return IOASID_IS_ERR(p) ? IOASID_PTR_ERR(p) : 0; }
};

int tag1, tag2;

} // namespace

TEST(IoasidInit, RejectsMissingArguments)
{
	ioasid_allocator a{};
	ioasid_mem_ops none{nullptr, nullptr, nullptr};
	EXPECT_EQ(ioasid_allocator_init(&a, nullptr), -SMMU_EINVAL);
	EXPECT_EQ(ioasid_allocator_init(&a, &none), -SMMU_EINVAL);
	EXPECT_EQ(ioasid_allocator_init(nullptr, &none), -SMMU_EINVAL);
	EXPECT_EQ(SMMU_ENOENT, 2);
	EXPECT_EQ(SMMU_EACCES, 13);
	EXPECT_EQ(SMMU_EAGAIN, 11);
	EXPECT_EQ(INVALID_IOASID, 0xFFFFFFFFu);
}

TEST_F(Ioasid, BoundsAreInclusive)
{
	EXPECT_EQ(ioasid_alloc(&a, &s1, 5, 5, nullptr), 5u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 5, 5, nullptr), INVALID_IOASID);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 10, 12, nullptr), 10u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 10, 12, nullptr), 11u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 10, 12, nullptr), 12u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 10, 12, nullptr), INVALID_IOASID);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 7, 6, nullptr), INVALID_IOASID); // min > max
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0, 0, nullptr), 0u);		   // 0 is valid for the allocator
	// The all-ones value is never handed out: max is clamped to 0xFFFFFFFE.
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0xFFFFFFFEu, 0xFFFFFFFFu, nullptr), 0xFFFFFFFEu);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0xFFFFFFFEu, 0xFFFFFFFFu, nullptr), INVALID_IOASID);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0xFFFFFFFFu, 0xFFFFFFFFu, nullptr), INVALID_IOASID);
	EXPECT_EQ(ioasid_count(&a), 6u);
}

TEST_F(Ioasid, LowestFreeFirstAndReuseAfterFree)
{
	for (ioasid_t i = 1; i <= 100; ++i)
		ASSERT_EQ(ioasid_alloc(&a, &s1, 1, 1000, nullptr), i);
	ioasid_free(&a, 50);
	ioasid_free(&a, 20);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 1000, nullptr), 20u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 1000, nullptr), 50u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 1000, nullptr), 101u);
	// min in the middle of a used run, across a 64-ID leaf boundary.
	ioasid_free(&a, 70);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 66, 1000, nullptr), 70u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 66, 1000, nullptr), 102u);
	// Free IDs below min are not taken.
	ioasid_free(&a, 3);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 4, 1000, nullptr), 103u);
}

TEST_F(Ioasid, FullSubtreesAreSkippedAndReopened)
{
	for (ioasid_t i = 0; i < 4096; ++i) // one complete level-1 subtree
		ASSERT_EQ(ioasid_alloc(&a, nullptr, 0, INVALID_IOASID, nullptr), i);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0, INVALID_IOASID, nullptr), 4096u);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0, 4095, nullptr), INVALID_IOASID);
	ioasid_free(&a, 4000);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0, INVALID_IOASID, nullptr), 4000u);
	// A sparse ID far away gets its own path; a range with nothing free returns INVALID.
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0x8000'0000u, 0x8000'0000u, nullptr), 0x8000'0000u);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0x7FFF'FFFFu, 0x8000'0001u, nullptr), 0x7FFF'FFFFu);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0x7FFF'FFFFu, 0x8000'0001u, nullptr), 0x8000'0001u);
	EXPECT_EQ(ioasid_alloc(&a, nullptr, 0x7FFF'FFFFu, 0x8000'0001u, nullptr), INVALID_IOASID);
}

TEST_F(Ioasid, FindReturnsPrivateOrErrors)
{
	const ioasid_t id1 = ioasid_alloc(&a, &s1, 1, 100, &tag1);
	const ioasid_t id2 = ioasid_alloc(&a, &s2, 1, 100, nullptr);
	ASSERT_EQ(id1, 1u);
	ASSERT_EQ(id2, 2u);
	EXPECT_EQ(ioasid_find(&a, &s1, id1, nullptr), &tag1);
	EXPECT_EQ(ioasid_find(&a, nullptr, id1, nullptr), &tag1); // NULL set matches any
	EXPECT_EQ(err(ioasid_find(&a, &s2, id1, nullptr)), -SMMU_EACCES);
	EXPECT_EQ(err(ioasid_find(&a, &s1, 3, nullptr)), -SMMU_ENOENT);
	EXPECT_EQ(err(ioasid_find(&a, nullptr, INVALID_IOASID, nullptr)), -SMMU_ENOENT);
	// NULL private is a valid result, not an error.
	void *p = ioasid_find(&a, &s2, id2, nullptr);
	EXPECT_EQ(p, nullptr);
	EXPECT_FALSE(IOASID_IS_ERR(p));
	ioasid_free(&a, id1);
	EXPECT_EQ(err(ioasid_find(&a, nullptr, id1, nullptr)), -SMMU_ENOENT);
}

namespace {
void *seen;
bool refuse(void *p)
{
	seen = p;
	return false;
}
bool accept(void *p)
{
	seen = p;
	return true;
}
} // namespace

TEST_F(Ioasid, GetterRefusalReturnsNull)
{
	const ioasid_t id = ioasid_alloc(&a, &s1, 1, 10, &tag1);
	seen = nullptr;
	EXPECT_EQ(ioasid_find(&a, &s1, id, refuse), nullptr);
	EXPECT_EQ(seen, &tag1);
	EXPECT_EQ(ioasid_find(&a, &s1, id, accept), &tag1);
	// The getter is not called when the lookup itself fails.
	seen = nullptr;
	EXPECT_EQ(err(ioasid_find(&a, &s2, id, refuse)), -SMMU_EACCES);
	EXPECT_EQ(err(ioasid_find(&a, &s1, id + 1, refuse)), -SMMU_ENOENT);
	EXPECT_EQ(seen, nullptr);
}

TEST_F(Ioasid, SetDataReplacesPrivate)
{
	const ioasid_t id = ioasid_alloc(&a, &s1, 1, 10, &tag1);
	EXPECT_EQ(ioasid_set_data(&a, id, &tag2), 0);
	EXPECT_EQ(ioasid_find(&a, &s1, id, nullptr), &tag2);
	EXPECT_EQ(ioasid_set_data(&a, id + 1, &tag2), -SMMU_ENOENT);
	ioasid_free(&a, id);
	EXPECT_EQ(ioasid_set_data(&a, id, &tag1), -SMMU_ENOENT);
}

TEST_F(Ioasid, FreeOfUnknownIdIsIgnored)
{
	const ioasid_t id = ioasid_alloc(&a, &s1, 1, 10, nullptr);
	ioasid_free(&a, 9);
	ioasid_free(&a, INVALID_IOASID);
	ioasid_free(&a, 0x1234'5678u);
	EXPECT_EQ(ioasid_count(&a), 1u);
	ioasid_free(&a, id);
	ioasid_free(&a, id); // double free
	EXPECT_EQ(ioasid_count(&a), 0u);
	EXPECT_EQ(mem.outstanding, 0); // empty nodes are released at once
}

// ---- custom allocators ------------------------------------------------------------------------
namespace {
struct Custom {
	ioasid_t next = 1000;
	ioasid_t force = INVALID_IOASID; // returned instead of next when set
	bool fail = false;
	std::vector<ioasid_t> freed;
	static ioasid_t alloc(ioasid_t min, ioasid_t max, void *data)
	{
		auto *c = static_cast<Custom *>(data);
		if (c->fail)
			return INVALID_IOASID;
		if (c->force != INVALID_IOASID)
			return c->force;
		ioasid_t id = c->next < min ? min : c->next;
		if (id > max)
			return INVALID_IOASID;
		c->next = id + 1;
		return id;
	}
	static void free(ioasid_t id, void *data) { static_cast<Custom *>(data)->freed.push_back(id); }
	static ioasid_t alloc_other(ioasid_t min, ioasid_t max, void *data) { return alloc(min, max, data); }
};
} // namespace

TEST_F(Ioasid, RegisterRejectsBadOpsAndOutstandingDefaultIds)
{
	Custom c;
	ioasid_allocator_ops ops{&Custom::alloc, &Custom::free, &c, nullptr};
	ioasid_allocator_ops no_free{&Custom::alloc, nullptr, &c, nullptr};
	EXPECT_EQ(ioasid_register_allocator(&a, nullptr), -SMMU_EINVAL);
	EXPECT_EQ(ioasid_register_allocator(&a, &no_free), -SMMU_EINVAL);
	const ioasid_t id = ioasid_alloc(&a, &s1, 1, 10, nullptr);
	EXPECT_EQ(ioasid_register_allocator(&a, &ops), -SMMU_EAGAIN);
	ioasid_free(&a, id);
	mem.fail_all = true;
	EXPECT_EQ(ioasid_register_allocator(&a, &ops), -SMMU_ENOMEM);
	mem.fail_all = false;
	EXPECT_EQ(ioasid_register_allocator(&a, &ops), 0);
	EXPECT_EQ(ioasid_register_allocator(&a, &ops), -SMMU_EEXIST);
	EXPECT_EQ(ioasid_unregister_allocator(&a, &ops), 0);
	EXPECT_EQ(ioasid_unregister_allocator(&a, &ops), -SMMU_ENOENT);
}

TEST_F(Ioasid, CustomAllocatorIsUsedAndTracked)
{
	Custom c;
	ioasid_allocator_ops ops{&Custom::alloc, &Custom::free, &c, nullptr};
	ASSERT_EQ(ioasid_register_allocator(&a, &ops), 0);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 5000, &tag1), 1000u);
	EXPECT_EQ(ioasid_alloc(&a, &s2, 1, 5000, &tag2), 1001u);
	EXPECT_EQ(ioasid_find(&a, &s1, 1000, nullptr), &tag1);
	EXPECT_EQ(err(ioasid_find(&a, &s1, 1001, nullptr)), -SMMU_EACCES);
	EXPECT_EQ(ioasid_count(&a), 2u);
	ioasid_free(&a, 1000);
	ASSERT_EQ(c.freed.size(), 1u);
	EXPECT_EQ(c.freed[0], 1000u);
	ioasid_free(&a, 4242); // unknown: the hook is not called
	EXPECT_EQ(c.freed.size(), 1u);
	// Hook failure, an out-of-range answer and a duplicate all fail the allocation; the last two
	// hand the ID back to the hook (Linux does the same for a failed record).
	c.fail = true;
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 5000, nullptr), INVALID_IOASID);
	c.fail = false;
	c.force = 9000;
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 5000, nullptr), INVALID_IOASID);
	EXPECT_EQ(c.freed.back(), 9000u);
	c.force = 1001;
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 5000, nullptr), INVALID_IOASID);
	EXPECT_EQ(c.freed.back(), 1001u);
	EXPECT_EQ(ioasid_find(&a, &s2, 1001, nullptr), &tag2); // the record stays
	c.force = INVALID_IOASID;
	// Memory failure while recording: the hook's ID is returned to it.
	mem.fail_all = true;
	const size_t before = c.freed.size();
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0x7000'0000u, 0x7FFF'FFFFu, nullptr), INVALID_IOASID);
	mem.fail_all = false;
	ASSERT_EQ(c.freed.size(), before + 1);
	EXPECT_EQ(c.freed.back(), 0x7000'0000u);
	// Unregistering with an outstanding ID reports -EBUSY and drops it; default is back.
	EXPECT_EQ(ioasid_unregister_allocator(&a, &ops), -SMMU_EBUSY);
	EXPECT_EQ(err(ioasid_find(&a, nullptr, 1001, nullptr)), -SMMU_ENOENT);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 5000, nullptr), 1u);
}

TEST_F(Ioasid, SharedOpsJoinAndSwitchingFollowsRegistrationOrder)
{
	Custom c1, c2, c3;
	c3.next = 7000;
	ioasid_allocator_ops first{&Custom::alloc, &Custom::free, &c1, nullptr};
	ioasid_allocator_ops same{&Custom::alloc, &Custom::free, &c2, nullptr};
	ioasid_allocator_ops other{&Custom::alloc_other, &Custom::free, &c3, nullptr};
	ASSERT_EQ(ioasid_register_allocator(&a, &first), 0);
	ASSERT_EQ(ioasid_register_allocator(&a, &same), 0);	// joins: same functions
	ASSERT_EQ(ioasid_register_allocator(&a, &other), 0);	// registered, not active
	EXPECT_EQ(ioasid_register_allocator(&a, &same), -SMMU_EEXIST); // non-head ops also checked
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 100000, &tag1), 1000u); // first's pdata (c1)
	EXPECT_EQ(c2.next, 1000u);
	// Removing the head keeps the group (and its IDs); the next ops' pdata is used from now on.
	EXPECT_EQ(ioasid_unregister_allocator(&a, &first), 0);
	EXPECT_EQ(ioasid_find(&a, &s1, 1000, nullptr), &tag1);
	c2.next = 2000;
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 100000, nullptr), 2000u);
	EXPECT_EQ(c2.next, 2001u);
	EXPECT_EQ(c1.next, 1001u);
	ioasid_free(&a, 1000);
	ioasid_free(&a, 2000);
	ASSERT_EQ(c2.freed.size(), 2u); // freed through the remaining ops
	EXPECT_TRUE(c1.freed.empty());
	// Removing the last ops of the active group activates the next registered group.
	EXPECT_EQ(ioasid_unregister_allocator(&a, &same), 0);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 100000, nullptr), 7000u);
	EXPECT_EQ(ioasid_unregister_allocator(&a, &other), -SMMU_EBUSY);
	// Back to the default allocator.
	EXPECT_EQ(ioasid_count(&a), 0u);
	EXPECT_EQ(ioasid_alloc(&a, &s1, 1, 100000, nullptr), 1u);
}

TEST_F(Ioasid, MemoryFailureAtEveryStepLeaksNothing)
{
	// A fresh sparse ID needs 6 nodes (root..leaf): fail each allocation in turn.
	for (long k = 0; k < 6; ++k) {
		mem.calls = 0;
		mem.fail_at = k;
		EXPECT_EQ(ioasid_alloc(&a, &s1, 0x1234'5678u, 0x1234'5678u, nullptr), INVALID_IOASID) << k;
		EXPECT_EQ(mem.outstanding, 0) << k;
		EXPECT_EQ(ioasid_mem_bytes(&a), 0u) << k;
		EXPECT_EQ(ioasid_count(&a), 0u);
	}
	mem.fail_at = -1;
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0x1234'5678u, 0x1234'5678u, nullptr), 0x1234'5678u);
	EXPECT_EQ(mem.outstanding, 6);
	// With a partial tree, a failed new leaf releases only what was created for it.
	const long before = mem.outstanding;
	const size_t bytes = mem.bytes;
	mem.calls = 0;
	mem.fail_at = 1; // the new level-1 node succeeds, the leaf fails
	EXPECT_EQ(ioasid_alloc(&a, &s1, 0x1234'8000u, 0x1234'8000u, nullptr), INVALID_IOASID);
	EXPECT_EQ(mem.outstanding, before);
	EXPECT_EQ(mem.bytes, bytes);
	EXPECT_EQ(ioasid_find(&a, &s1, 0x1234'5678u, nullptr), nullptr); // existing ID intact
	mem.fail_at = -1;
}

TEST_F(Ioasid, MillionLiveIdsThenMemoryReturnsToZero)
{
	constexpr ioasid_t N = 1u << 20;
	for (ioasid_t i = 1; i <= N; ++i)
		ASSERT_EQ(ioasid_alloc(&a, &s1, 1, INVALID_IOASID, reinterpret_cast<void *>(uintptr_t{i})), i);
	EXPECT_EQ(ioasid_count(&a), N);
	// Memory is proportional: about 16 B per dense ID plus small interior overhead.
	EXPECT_LT(ioasid_mem_bytes(&a), size_t{N} * 17);
	for (ioasid_t i = 1; i <= N; i += 4099)
		ASSERT_EQ(ioasid_find(&a, &s1, i, nullptr), reinterpret_cast<void *>(uintptr_t{i}));
	EXPECT_EQ(err(ioasid_find(&a, &s1, N + 1, nullptr)), -SMMU_ENOENT);
	for (ioasid_t i = 1; i <= N; ++i)
		ioasid_free(&a, i);
	EXPECT_EQ(ioasid_count(&a), 0u);
	EXPECT_EQ(mem.outstanding, 0);
	EXPECT_EQ(ioasid_mem_bytes(&a), 0u);
}

TEST_F(Ioasid, DestroyReleasesEverything)
{
	Custom c;
	ioasid_allocator_ops ops{&Custom::alloc, &Custom::free, &c, nullptr};
	for (int i = 0; i < 1000; ++i)
		ioasid_alloc(&a, &s1, static_cast<ioasid_t>(i) * 100003u, INVALID_IOASID, nullptr);
	EXPECT_GT(mem.outstanding, 0);
	ioasid_allocator_destroy(&a);
	EXPECT_EQ(mem.outstanding, 0);
	auto mops = mem.ops();
	ASSERT_EQ(ioasid_allocator_init(&a, &mops), 0);
	ASSERT_EQ(ioasid_register_allocator(&a, &ops), 0);
	ioasid_alloc(&a, &s1, 1, 5000, nullptr);
	// TearDown destroys with a custom group registered and an ID outstanding.
}
