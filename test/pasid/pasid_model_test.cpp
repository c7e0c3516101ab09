// PASID support against the SystemC model (integration): DMA carrying SubstreamIDs through every
// CD table layout lands where the driver mapped it; the architecture's events for SSIDs beyond
// S1CDMax, missing leaves, SSID 0 and detached PASIDs; 1024 aux domains at once; table bytes
// against the formulas; allocation-failure unwinding checked with the model's own memory
// counter. Expectations are computed here, never read back from the driver's bookkeeping.
#include "pasid_model_fixture.hpp"

namespace {

struct LayoutParam {
	const char *name;
	smmu_cd_layout layout;
	unsigned split; // 0 linear
};

class PasidModelLayout : public PasidModel, public ::testing::WithParamInterface<LayoutParam> {};

} // namespace

// 12 SSID bits: PASIDs in the first, a middle and the last leaf of each layout, each with its own
// domain mapping the same IOVA to a different PA; the RID (no SSID) uses CD 0.
TEST_P(PasidModelLayout, DmaWithSsidsLandsAtTheMappedAddresses)
{
	const LayoutParam p = GetParam();
	opts.cd_layout = p.layout;
	Up();
	const uint32_t sid = 0x33, bits = 12;
	smmu_master *m = Dev(sid, bits);
	iommu_domain *rid = Dom();
	ASSERT_EQ(iommu_map(smmu, rid, 0x10000, 0x7000000, 0x1000, RW), 0);
	ASSERT_EQ(iommu_attach_device(smmu, rid, m), 0);
	const std::vector<uint32_t> pasids = {1, 63, 64, 65, 1023, 1024, 2047, 4095};
	std::vector<iommu_domain *> ds;
	for (size_t i = 0; i < pasids.size(); i++) {
		ds.push_back(Dom());
		ASSERT_EQ(iommu_map(smmu, ds[i], 0x10000, 0x8000000 + i * 0x10000, 0x1000, RW), 0);
		ASSERT_EQ(iommu_attach_device_pasid(smmu, ds[i], m, pasids[i]), 0) << pasids[i];
	}
	ExpectPa(sid, -1, 0x10040, 0x7000040);
	for (size_t i = 0; i < pasids.size(); i++)
		ExpectPa(sid, pasids[i], 0x10080, 0x8000000 + i * 0x10000 + 0x80);

	// footprint: the formula for 2^12 CDs
	smmu_mem_usage u = smmu_get_mem_usage(smmu);
	if (!p.split) {
		EXPECT_EQ(u.cd_tables, (1u << bits) * 64u);
	} else {
		std::vector<bool> used(1u << (bits - p.split));
		used[0] = true;
		for (uint32_t x : pasids)
			used[x >> p.split] = true;
		uint64_t leaves = std::count(used.begin(), used.end(), true);
		EXPECT_EQ(u.cd_l1, (1u << (bits - p.split)) * 8u);
		EXPECT_EQ(u.cd_leaves, leaves * (64u << p.split));
	}

	// SSID 0 with S1DSS = SSID0 is terminated (CD 0 is for traffic without an SSID)
	ExpectEvent(sid, 0, 0x10040, EVT_F_STREAM_DISABLED);
	// beyond S1CDMax
	ExpectEvent(sid, 1u << bits, 0x10040, EVT_C_BAD_SUBSTREAMID);
	ExpectEvent(sid, (1u << 20) - 1, 0x10040, EVT_C_BAD_SUBSTREAMID);
	// an SSID nobody attached: a missing leaf (invalid L1CD) or an invalid CD
	uint32_t unused = 3000; // leaf 46 (4 KB leaves) or 2 (64 KB leaves); no PASID there
	ExpectEvent(sid, unused, 0x10040, p.split ? EVT_C_BAD_SUBSTREAMID : EVT_C_BAD_CD);
	ExpectEvent(sid, 1022, 0x10040, EVT_C_BAD_CD); // in an allocated leaf (or the linear table)
	// an unmapped IOVA through a PASID: the domain's translation fault
	ExpectEvent(sid, 64, 0x20000, EVT_F_TRANSLATION);

	// detach makes the PASID fault, the others keep translating
	iommu_detach_device_pasid(smmu, ds[2], m, 64);
	ExpectEvent(sid, 64, 0x10080, EVT_C_BAD_CD);
	ExpectPa(sid, 65, 0x10080, 0x8000000 + 3 * 0x10000 + 0x80);
	// and the RID going away leaves the PASIDs working: S1DSS becomes terminate
	iommu_detach_device(smmu, rid, m);
	ExpectEvent(sid, -1, 0x10040, EVT_F_STREAM_DISABLED);
	ExpectPa(sid, 4095, 0x10080, 0x8000000 + 7 * 0x10000 + 0x80);
}

INSTANTIATE_TEST_SUITE_P(Layouts, PasidModelLayout,
			 ::testing::Values(LayoutParam{"linear", SMMU_CD_LAYOUT_LINEAR, 0},
					   LayoutParam{"l2_4k", SMMU_CD_LAYOUT_2L_4K, 6},
					   LayoutParam{"l2_64k", SMMU_CD_LAYOUT_2L_64K, 10}),
			 [](const ::testing::TestParamInfo<LayoutParam> &i) { return std::string(i.param.name); });

TEST_F(PasidModel, IdentityRidBypassesNonSsidTrafficWhilePasidsTranslate)
{
	Up();
	const uint32_t sid = 0x44;
	smmu_master *m = Dev(sid, 8);
	iommu_domain *ident = Dom(IOMMU_DOMAIN_IDENTITY), *d = Dom();
	ASSERT_EQ(iommu_attach_device(smmu, ident, m), 0);
	ASSERT_EQ(iommu_map(smmu, d, 0x40000, 0x9000000, 0x1000, RW), 0);
	ASSERT_EQ(iommu_attach_device_pasid(smmu, d, m, 7), 0);
	ExpectPa(sid, -1, 0x40040, 0x40040);             // S1DSS = bypass
	ExpectPa(sid, 7, 0x40040, 0x9000040);            // CD 7
	ExpectEvent(sid, 8, 0x40040, EVT_C_BAD_CD);
	iommu_detach_device_pasid(smmu, d, m, 7);
	ExpectPa(sid, -1, 0x40040, 0x40040);             // a plain bypass STE again
	iommu_detach_device(smmu, ident, m);
	ASSERT_EQ(iommu_attach_device_pasid(smmu, d, m, 7), 0);
	ExpectEvent(sid, -1, 0x40040, EVT_F_STREAM_DISABLED); // no RID domain: S1DSS = terminate
	ExpectPa(sid, 7, 0x40040, 0x9000040);
}

// The cover letter's flow, 1024 times at once: enable AUX, allocate, aux-attach, map, ask the PASID.
TEST_F(PasidModel, AuxDomainsOnManyPasidsAtOnce)
{
	Up();
	const uint32_t sid = 0x55, n = 1024;
	smmu_master *m = Dev(sid, 20);
	iommu_domain *parent = Dom();
	ASSERT_EQ(iommu_attach_device(smmu, parent, m), 0);
	ASSERT_EQ(iommu_dev_enable_feature(smmu, m, IOMMU_DEV_FEAT_AUX), 0);
	std::vector<iommu_domain *> aux(n);
	for (uint32_t i = 0; i < n; i++) {
		aux[i] = Dom();
		ASSERT_EQ(iommu_aux_attach_device(smmu, aux[i], m), 0) << i;
		ASSERT_EQ(iommu_map(smmu, aux[i], 0x100000, 0x10000000 + (uint64_t)i * 0x1000, 0x1000, RW), 0);
		ASSERT_EQ(iommu_aux_get_pasid(aux[i], m), (int)(i + 1)) << "lowest free from 1";
	}
	EXPECT_EQ(iommu_master_num_pasids(m), n);
	for (uint32_t i = 0; i < n; i++) {
		smmusim_dma_result r = Dma(sid, i + 1, 0x100000 + 8 * (i % 64), i & 1);
		ASSERT_EQ(r.status, SMMUSIM_DMA_OK) << "pasid " << i + 1 << " " << smmu_event_name(r.event);
		ASSERT_EQ(r.pa, 0x10000000 + (uint64_t)i * 0x1000 + 8 * (i % 64)) << "pasid " << i + 1;
	}
	// 20 SSID bits, AUTO: 2-level with 64 KB leaves; SSIDs 0..1024 fill leaves 0 and 1
	smmu_mem_usage u = smmu_get_mem_usage(smmu);
	EXPECT_EQ(u.cd_l1, (1u << (20 - 10)) * 8u);
	EXPECT_EQ(u.cd_l1, 8 * KiB);
	EXPECT_EQ(u.cd_leaves, 2 * (1024u * 64u));
	// detach the odd ones: they fault, the even ones still translate
	for (uint32_t i = 1; i < n; i += 2)
		iommu_aux_detach_device(smmu, aux[i], m);
	for (uint32_t i = 0; i < n; i += 97) {
		smmusim_dma_result r = Dma(sid, i + 1, 0x100000);
		if (i & 1) {
			EXPECT_EQ(r.event, EVT_C_BAD_CD) << i + 1;
		} else {
			EXPECT_EQ(r.pa, 0x10000000 + (uint64_t)i * 0x1000) << i + 1;
		}
	}
	// freeing detached aux domains gives their PASIDs back: a new one gets PASID 2
	for (uint32_t i = 1; i < n; i += 2)
		iommu_domain_free(smmu, aux[i]);
	iommu_domain *again = Dom();
	ASSERT_EQ(iommu_aux_attach_device(smmu, again, m), 0);
	EXPECT_EQ(iommu_aux_get_pasid(again, m), 2);
}

// Linux patch 7: fail each allocation of a PASID bring-up in turn. Every failure unwinds: the
// model's count of allocated bytes comes back (level-2 stream tables stay, as Linux) and the
// device can be added again. Memory is measured by the model, not by the driver.
TEST_F(PasidModel, EveryAllocationFailureUnwindsWithoutLeaks)
{
	Up();
	uint64_t base = smmusim_stat(sim, "mem.dma_bytes");
	const uint32_t sid = 0x4321;
	int successes = 0;
	long long n;
	for (n = 0; n < 500 && !successes; n++) {
		iommu_pci_function pci{};
		pci.pasid_cap = true;
		pci.max_pasid_width = 20;
		pci.tlp_prefix = true;
		iommu_device_desc desc = {&sid, 1, 0, &pci};
		smmu_master *m = nullptr;
		iommu_domain *parent = nullptr, *aux = nullptr, *pd = nullptr;
		smmusim_fail_alloc_after(sim, n);
		int ret = iommu_probe_device_ex(smmu, &desc, &m);
		if (!ret)
			ret = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &parent);
		if (!ret)
			ret = iommu_map(smmu, parent, 0x1000, 0x5000000, 0x1000, RW);
		if (!ret)
			ret = iommu_attach_device(smmu, parent, m);
		if (!ret)
			ret = iommu_dev_enable_feature(smmu, m, IOMMU_DEV_FEAT_AUX);
		if (!ret)
			ret = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &aux);
		if (!ret)
			ret = iommu_map(smmu, aux, 0x1000, 0x6000000, 0x1000, RW);
		bool aux_step = !ret;
		if (!ret)
			ret = iommu_aux_attach_device(smmu, aux, m);
		aux_step = aux_step && ret;
		if (!ret)
			ret = iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &pd);
		if (!ret)
			ret = iommu_map(smmu, pd, 0x1000, 0x7000000, 0x1000, RW);
		if (!ret)
			ret = iommu_attach_device_pasid(smmu, pd, m, 0xABCDE);
		smmusim_fail_alloc_after(sim, -1);
		if (ret) {
			// v1 maps every I/O ASID allocation failure (memory included) to -EINVAL
			EXPECT_EQ(ret, aux_step && ret == -EINVAL ? -EINVAL : -ENOMEM) << n;
			if (m && pd) {
				EXPECT_NE(Dma(sid, 0xABCDE, 0x1000).status, SMMUSIM_DMA_OK) << "failed PASID attach translates, n=" << n;
			}
		} else {
			successes++;
			ExpectPa(sid, -1, 0x1000, 0x5000000);
			ExpectPa(sid, iommu_aux_get_pasid(aux, m), 0x1000, 0x6000000);
			ExpectPa(sid, 0xABCDE, 0x1000, 0x7000000);
		}
		if (pd)
			iommu_domain_free(smmu, pd);
		if (aux)
			iommu_domain_free(smmu, aux);
		if (parent)
			iommu_domain_free(smmu, parent);
		if (m)
			iommu_release_device(smmu, m);
		EXPECT_FALSE(pci.pasid_enabled) << n;
		// the level-2 stream table for sid (64 STEs << split 8) is the only thing allowed to stay
		uint64_t now = smmusim_stat(sim, "mem.dma_bytes");
		EXPECT_TRUE(now == base || now == base + (64u << 8)) << "n=" << n << " leaked " << (now - base);
	}
	EXPECT_EQ(successes, 1) << "no success within " << n << " allocations";
	EXPECT_GT(n, 20) << "the sweep must have failed many steps";
	EXPECT_EQ(smmusim_stat(sim, "mem.dma_bytes"), base + (64u << 8));
	// and the device can be added again
	smmu_master *m = Dev(sid, 20);
	ASSERT_NE(m, nullptr);
	iommu_release_device(smmu, m);
	EXPECT_EQ(smmusim_stat(sim, "mem.dma_bytes"), base + (64u << 8));
}
