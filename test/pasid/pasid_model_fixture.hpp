// The fixture of the PASID model tests: one simulated platform per test (per process), the
// driver probed and enabled on it, DMA helpers that carry an optional SubstreamID.
#pragma once
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

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

class PasidModel : public SimDriverFixture {
protected:
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
	// ssid < 0: no SubstreamID. Events are drained so the queue never fills.
	smmusim_dma_result Dma(uint32_t sid, long long ssid, uint64_t addr, bool write = false)
	{
		smmusim_dma_result res = SimDriverFixture::Dma(sid, ssid, addr, write);
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
