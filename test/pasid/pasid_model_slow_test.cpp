// The 2^20 run (labels integration + slow, ~6 s): every PASID the I/O ASID allocator can hand a
// 20-bit device, each attached, in the 64 MiB linear CD table.
#include "pasid_model_fixture.hpp"

// Every PASID the allocator can give a 20-bit device (2^20 - 1 of them, PASID 0 reserved), one
// domain attached at each, in the 64 MiB linear table (forced: AUTO would pick 2-level).
TEST_F(PasidModel, EveryPasidUpToTheAllocatorLimit)
{
	opts.cd_layout = SMMU_CD_LAYOUT_LINEAR;
	Up();
	const uint32_t sid = 0x66, bits = 20;
	smmu_master *m = Dev(sid, bits);
	iommu_domain *d = Dom();
	ASSERT_EQ(iommu_map(smmu, d, 0x200000, 0x30000000, 0x1000, RW), 0);
	auto t0 = std::chrono::steady_clock::now();
	uint32_t count = 0, last = 0;
	for (;;) {
		uint32_t pasid = iommu_alloc_global_pasid(smmu, m);
		if (pasid == IOMMU_PASID_INVALID)
			break;
		ASSERT_EQ(pasid, last + 1) << "lowest free first";
		ASSERT_EQ(iommu_attach_device_pasid(smmu, d, m, pasid), 0) << pasid;
		last = pasid;
		count++;
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	EXPECT_EQ(count, (1u << bits) - 1);
	EXPECT_EQ(iommu_master_num_pasids(m), (1u << bits) - 1);
	EXPECT_EQ(smmu_get_mem_usage(smmu).cd_tables, (uint64_t)(1u << bits) * 64) << "64 MiB";
	EXPECT_EQ(smmu_get_mem_usage(smmu).cd_tables, 64 * MiB);
	for (uint32_t p : {1u, 2u, 0x12345u, 0x80000u, 0xFFFFFu})
		ExpectPa(sid, p, 0x200100, 0x30000100);
	ExpectEvent(sid, -1, 0x200100, EVT_F_STREAM_DISABLED);
	RecordProperty("attach_seconds", std::to_string(secs));
	std::printf("[ timing ] %u PASIDs allocated and attached in %.2f s\n", count, secs);
	t0 = std::chrono::steady_clock::now();
	iommu_release_device(smmu, m);
	secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
	std::printf("[ timing ] release with %u PASIDs: %.2f s\n", count, secs);
	EXPECT_EQ(smmu_get_mem_usage(smmu).cd_tables, 0u);
	EXPECT_EQ(iommu_alloc_global_pasid(smmu, Dev(0x67, bits)), IOMMU_PASID_INVALID) << "the global space is still full";
}

