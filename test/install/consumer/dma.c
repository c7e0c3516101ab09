/* An out-of-tree program built against an installed smmusim only: the reference driver brings the
 * model's SMMU up through the C API's register interface, maps two pages for one device, and a
 * few DMAs go through the SMMU. Exit status 0 only if every translation is the mapped one and the
 * unmapped access aborts with a recorded F_TRANSLATION. */
#include <stdio.h>
#include <string.h>

#include <smmusim/smmusim.h>
#include <smmuv3/arch.h>
#include <smmuv3/iommu.h>
#include <smmuv3/smmu.h>

#define FAIL(...) do { fprintf(stderr, "consumer: " __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

int main(void)
{
	char err[256];
	smmusim_config *cfg = smmusim_config_new();
	smmusim_platform *sim = smmusim_create(cfg, err, sizeof(err));
	if (!sim)
		FAIL("smmusim_create: %s", err);
	struct smmu_device *smmu;
	struct smmu_options opts = {0};
	if (smmu_probe(smmusim_regif(sim), &opts, &smmu) || smmu_reset(smmu))
		FAIL("driver bring-up failed");
	const uint32_t sid = 5;
	struct smmu_master *dev;
	struct iommu_domain *dom;
	if (iommu_probe_device(smmu, &sid, 1, &dev) || iommu_domain_alloc(smmu, IOMMU_DOMAIN_DMA, &dom) ||
	    iommu_attach_device(smmu, dom, dev))
		FAIL("device, domain or attach failed");
	const uint64_t iova = 0x10000000, pa = 0x40000000;
	if (iommu_map(smmu, dom, iova, pa, 0x2000, IOMMU_READ | IOMMU_WRITE))
		FAIL("iommu_map failed");
	const char msg[] = "through the SMMU";
	struct smmusim_dma d = {.port = 0, .sid = sid, .addr = iova + 0x1010, .size = sizeof msg, .write = true};
	struct smmusim_dma_result r;
	if (smmusim_dma(sim, &d, (void *)msg, &r) || r.status != SMMUSIM_DMA_OK || r.pa != pa + 0x1010)
		FAIL("write: status %d pa 0x%llx", (int)r.status, (unsigned long long)r.pa);
	char back[sizeof msg] = {0};
	if (smmusim_mem_read(sim, pa + 0x1010, back, sizeof back) || memcmp(back, msg, sizeof msg))
		FAIL("the written bytes are not at the physical address");
	d.write = false;
	memset(back, 0, sizeof back);
	if (smmusim_dma(sim, &d, back, &r) || r.status != SMMUSIM_DMA_OK || memcmp(back, msg, sizeof msg))
		FAIL("read back through the SMMU failed");
	d.addr = iova + 0x4000; /* not mapped */
	if (smmusim_dma(sim, &d, back, &r) || r.status != SMMUSIM_DMA_ABORT || r.event != EVT_F_TRANSLATION ||
	    !r.event_recorded)
		FAIL("unmapped access: status %d event 0x%x", (int)r.status, r.event);
	printf("consumer: 3 DMAs, %llu transactions, %llu cycles, F_TRANSLATION=%llu\n",
	       (unsigned long long)smmusim_stat(sim, "dma.transactions"), (unsigned long long)smmusim_now(sim),
	       (unsigned long long)smmusim_stat(sim, "events.F_TRANSLATION"));
	smmu_remove(smmu);
	smmusim_destroy(sim);
	smmusim_config_free(cfg);
	return 0;
}
