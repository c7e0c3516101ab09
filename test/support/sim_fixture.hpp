// The fixture every "driver on the model" suite starts from: one simulated platform per test (one
// SystemC elaboration per process, which gtest_discover_tests gives), configured from key/value
// overrides, with the driver probed and enabled on it; DMA and event helpers on top.
//
// Usage: set `config` and `opts` in the test body, call Up() (or CreateSim() + ProbeDriver() with a
// wrapped register interface), then use Dma()/Drain().
#pragma once
#include <gtest/gtest.h>

#include "strict_mode.hpp"

#include <cstring>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include <smmusim/bringup.h>
#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>
}

class SimDriverFixture : public ::testing::Test {
protected:
	smmusim_platform *sim = nullptr;
	smmu_device *smmu = nullptr;
	smmu_options opts{};
	std::vector<std::pair<std::string, std::string>> config; // model parameters to override
	smmusim_system sys{}; // the one bring-up (bringup/): `sim` and `smmu` mirror it

	// Builds the platform and brings the driver up on the model's own register interface.
	void Up()
	{
		CreateSim();
		if (sim)
			ProbeDriver(smmusim_regif(sim));
	}

	// The two halves of Up(), for tests that wrap the register interface in between.
	void CreateSim()
	{
		char err[256] = "";
		smmusim_config *cfg = smmusim_config_new();
		ASSERT_NE(cfg, nullptr);
		ASSERT_EQ(smmusim_config_set(cfg, "smmu.strict", test_strict_value(), err, sizeof err), 0) << err;
		// The driver's register reads take no simulated time unless a test says otherwise: the
		// SMMU then has the least time to finish what the driver did not wait for (a missing
		// CMD_SYNC shows), the choice most likely to expose a driver bug.
		ASSERT_EQ(smmusim_config_set(cfg, "smmu.reg_read_cycles", "0", err, sizeof err), 0) << err;
		for (auto &kv : config)
			ASSERT_EQ(smmusim_config_set(cfg, kv.first.c_str(), kv.second.c_str(), err, sizeof err), 0) << err;
		int rc = smmusim_system_create(&sys, cfg, err, sizeof err);
		smmusim_config_free(cfg);
		sim = sys.sim;
		ASSERT_EQ(rc, 0) << err;
	}
	void ProbeDriver(const smmu_regif *regif)
	{
		char err[256] = "";
		int rc = smmusim_system_probe(&sys, regif, &opts, err, sizeof err);
		smmu = sys.smmu;
		ASSERT_EQ(rc, 0) << err;
	}

	void TearDown() override { smmusim_system_down(&sys); }

	// Synchronous DMA of `size` bytes; ssid < 0 means no SubstreamID. `data` (may be NULL)
	// supplies the bytes written or receives the bytes read; NULL moves a fixed pattern.
	smmusim_dma_result Dma(uint32_t sid, long long ssid, uint64_t addr, bool write, uint32_t size = 64,
			       void *data = nullptr, bool priv = false)
	{
		struct smmusim_dma req{};
		req.sid = sid;
		req.ssv = ssid >= 0;
		req.ssid = ssid >= 0 ? static_cast<uint32_t>(ssid) : 0;
		req.addr = addr;
		req.size = size;
		req.write = write;
		req.priv = priv;
		std::vector<uint8_t> pattern;
		if (!data) {
			pattern.assign(size, 0xA5);
			data = pattern.data();
		}
		smmusim_dma_result res{};
		EXPECT_EQ(smmusim_dma(sim, &req, data, &res), 0);
		return res;
	}

	// Every record waiting in the event queue, decoded by the driver.
	std::vector<smmu_event> Drain()
	{
		std::vector<smmu_event> v;
		int n = smmu_evtq_drain(smmu, [](void *arg, const smmu_event *ev) {
			static_cast<std::vector<smmu_event> *>(arg)->push_back(*ev);
		}, &v);
		EXPECT_EQ(n, static_cast<int>(v.size()));
		return v;
	}
};
