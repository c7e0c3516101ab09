// The fixture of the PASID model tests: one simulated platform per test (per process), the
// driver probed and enabled on it, DMA helpers that carry an optional SubstreamID.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

namespace {

const uint64_t KiB = 1024, MiB = KiB * KiB;
const int RW = IOMMU_READ | IOMMU_WRITE;

class PasidModel : public ::testing::Test {
protected:
	smmusim *sim = nullptr;
	smmu_device *smmu = nullptr;
	smmu_options opts{};
	std::vector<std::pair<std::string, std::string>> config;

	void Up()
	{
		char err[256] = "";
		smmusim_config *cfg = smmusim_config_new();
		ASSERT_NE(cfg, nullptr);
		for (auto &kv : config)
			ASSERT_EQ(smmusim_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err), 0) << err;
		sim = smmusim_create(cfg, err, sizeof err);
		smmusim_config_free(cfg);
		ASSERT_NE(sim, nullptr) << err;
		ASSERT_EQ(smmu_probe(smmusim_regif(sim), &opts, &smmu), 0);
		ASSERT_EQ(smmu_reset(smmu), 0);
	}
	void TearDown() override
	{
		if (smmu)
			smmu_remove(smmu);
		if (sim)
			smmusim_destroy(sim);
	}
	smmu_master *Dev(uint32_t sid, uint32_t bits)
	{
		iommu_device_desc desc = {&sid, 1, bits, nullptr};
		smmu_master *m = nullptr;
		EXPECT_EQ(iommu_probe_device_ex(smmu, &desc, &m), 0);
		return m;
	}
	iommu_domain *Dom(unsigned type = IOMMU_DOMAIN_DMA)
	{
		iommu_domain *d = nullptr;
		EXPECT_EQ(iommu_domain_alloc(smmu, type, &d), 0);
		return d;
	}
	// ssid < 0: no SubstreamID
	smmusim_dma_result Dma(uint32_t sid, long long ssid, uint64_t addr, bool write = false)
	{
		struct smmusim_dma req{};
		req.sid = sid;
		req.ssv = ssid >= 0;
		req.ssid = ssid >= 0 ? (uint32_t)ssid : 0;
		req.addr = addr;
		req.size = 64;
		req.write = write;
		uint8_t buf[64];
		std::memset(buf, 0x5A, sizeof buf);
		smmusim_dma_result res{};
		EXPECT_EQ(smmusim_dma(sim, &req, buf, &res), 0);
		smmu_evtq_drain(smmu, nullptr, nullptr);
		return res;
	}
	void ExpectPa(uint32_t sid, long long ssid, uint64_t addr, uint64_t pa)
	{
		for (bool w : {false, true}) {
			smmusim_dma_result r = Dma(sid, ssid, addr, w);
			EXPECT_EQ(r.status, SMMUSIM_DMA_OK) << "ssid " << ssid << std::hex << " addr 0x" << addr << " event "
							    << smmu_event_name(r.event);
			EXPECT_EQ(r.pa, pa) << "ssid " << ssid << std::hex << " addr 0x" << addr;
		}
	}
	void ExpectEvent(uint32_t sid, long long ssid, uint64_t addr, uint8_t event)
	{
		smmusim_dma_result r = Dma(sid, ssid, addr);
		EXPECT_EQ(r.status, SMMUSIM_DMA_ABORT) << "ssid " << ssid;
		EXPECT_EQ(r.event, event) << "ssid " << ssid << ": got " << smmu_event_name(r.event) << ", want "
					  << smmu_event_name(event);
	}
};

} // namespace
