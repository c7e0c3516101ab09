/* SPDX-License-Identifier: MIT */
/*
 * The peer scenarios on QEMU's `virt` machine (-M virt,iommu=smmuv3,highmem=off): the driver's
 * register interface over MMIO at the SMMUv3, DMA memory from guest RAM (bus address = physical
 * address: the CPU runs with the MMU off), barriers, a PL011 console, and QEMU's `edu` PCI devices as DMA
 * masters, found and set up through the PCIe ECAM. The group to run comes from the kernel command
 * line (-append "group=NAME"), which QEMU puts in the device tree's /chosen/bootargs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmuv3/regif.h>
#include <smmuv3/smmu.h>

#include "peer.h"

/* The virt memory map with highmem=off (QEMU hw/arm/virt.c). */
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull /* -m 256M */
#define UART_BASE 0x09000000ull
#define SMMU_BASE 0x09050000ull
#define ECAM_BASE 0x3F000000ull
#define PCI_MMIO_BASE 0x10000000ull

#define EDU_VENDOR_DEVICE 0x11E81234u /* device 0x11E8, vendor 0x1234 */
#define EDU_ID 0x00
#define EDU_ID_VALUE 0x010000EDu
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 0x1u
#define EDU_DMA_TO_MEM 0x2u   /* device buffer -> bus address */
#define EDU_BUFFER 0x40000ull /* the device-side 4 KB buffer, as a DMA address */

extern char __heap_start[];

static inline uint32_t rd32(uint64_t a)
{
	return *(volatile uint32_t *)(uintptr_t)a;
}
static inline void wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)a = v;
}
static inline uint64_t rd64(uint64_t a)
{
	return *(volatile uint64_t *)(uintptr_t)a;
}
static inline void wr64(uint64_t a, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)a = v;
}

/* ---- Console (PL011) --------------------------------------------------------------------------- */

#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)
#define UART_CR 0x30
#define UART_CR_EN_TX (0x101u) /* UARTEN | TXE */

static void uart_putc(char ch)
{
	while (rd32(UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	wr32(UART_BASE + UART_DR, (uint8_t)ch);
}

static void console_puts(void *ctx, const char *s)
{
	(void)ctx;
	while (*s)
		uart_putc(*s++);
	uart_putc('\n');
}

/* ---- Power off (PSCI SYSTEM_OFF over HVC: QEMU then exits with status 0) -------------------- */

void board_power_off(void)
{
	register uint64_t x0 __asm__("x0") = 0x84000008u;
	__asm__ volatile("hvc #0" : "+r"(x0)::"memory");
	for (;;)
		__asm__ volatile("wfe");
}

void board_exception(uint64_t vec, uint64_t esr, uint64_t elr, uint64_t far)
{
	char buf[128];
	smmu_snprintf(buf, sizeof(buf), "PEER FATAL exception vector=%llu esr=0x%llx elr=0x%llx far=0x%llx",
		      (unsigned long long)vec, (unsigned long long)esr, (unsigned long long)elr,
		      (unsigned long long)far);
	console_puts(0, buf);
	board_power_off();
}

/* ---- The register interface -------------------------------------------------------------------- */

/*
 * With the MMU off, RAM and the SMMU's registers are all Device-nGnRnE memory and nothing is
 * cached, so the register interface's barriers only have to order accesses as the SMMU (an
 * outer-shareable observer) sees them: DMB OSH{LD,ST,} do that for Device memory too, as Linux's
 * dma_rmb/dma_wmb/dma_mb do. DSB ST is kept where the CPU hands a buffer to the edu device,
 * which is not an SMMU access and costs nothing here.
 */
static inline void dsb_st(void)
{
	__asm__ volatile("dsb st" ::: "memory");
}

static void ri_rmb(void *ctx)
{
	(void)ctx;
	__asm__ volatile("dmb oshld" ::: "memory");
}

static void ri_wmb(void *ctx)
{
	(void)ctx;
	__asm__ volatile("dmb oshst" ::: "memory");
}

static void ri_mb(void *ctx)
{
	(void)ctx;
	__asm__ volatile("dmb osh" ::: "memory");
}

static uint32_t ri_read32(void *ctx, uint32_t off)
{
	(void)ctx;
	return rd32(SMMU_BASE + off);
}
static void ri_write32(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	wr32(SMMU_BASE + off, v);
}
static uint64_t ri_read64(void *ctx, uint32_t off)
{
	(void)ctx;
	return rd64(SMMU_BASE + off);
}
static void ri_write64(void *ctx, uint32_t off, uint64_t v)
{
	(void)ctx;
	wr64(SMMU_BASE + off, v);
}

/*
 * DMA memory: a bump allocator over the RAM after the image, and a first-fit list of freed blocks
 * (the scenarios free and allocate again all the time). Bus address = physical address = CPU
 * pointer. Everything is zeroed on allocation, as the interface requires.
 */
#define FREE_SLOTS 256
static struct {
	uint64_t next;
	struct {
		uint64_t base, size;
	} free[FREE_SLOTS];
	unsigned nfree;
	uint64_t peak;
} heap;

static int ri_dma_alloc(void *ctx, size_t size, size_t align, struct smmu_dma_buf *buf)
{
	(void)ctx;
	if (!size || !align || (align & (align - 1)))
		return -SMMU_EINVAL;
	uint64_t base = 0;
	for (unsigned i = 0; i < heap.nfree && !base; i++) {
		if ((heap.free[i].base & (align - 1)) || heap.free[i].size < size)
			continue;
		base = heap.free[i].base;
		heap.free[i].base += size;
		heap.free[i].size -= size;
		if (!heap.free[i].size)
			heap.free[i] = heap.free[--heap.nfree];
	}
	if (!base) {
		uint64_t b = (heap.next + align - 1) & ~(uint64_t)(align - 1);
		if (b + size > RAM_BASE + RAM_SIZE)
			return -SMMU_ENOMEM;
		base = b;
		heap.next = b + size;
		if (heap.next > heap.peak)
			heap.peak = heap.next;
	}
	__builtin_memset((void *)(uintptr_t)base, 0, size);
	buf->cpu = (void *)(uintptr_t)base;
	buf->bus = base;
	buf->size = size;
	return 0;
}

static void ri_dma_free(void *ctx, const struct smmu_dma_buf *buf)
{
	(void)ctx;
	if (!buf->cpu || !buf->size)
		return;
	if (heap.nfree < FREE_SLOTS) {
		heap.free[heap.nfree].base = buf->bus;
		heap.free[heap.nfree].size = buf->size;
		heap.nfree++;
	} /* else leaked: the run is short and RAM is plenty */
}

static void ri_relax(void *ctx)
{
	(void)ctx;
	__asm__ volatile("yield");
}

static void ri_log(void *ctx, enum smmu_log_level level, const char *msg)
{
	if (level > SMMU_LOG_WARN)
		return; /* INFO repeats every event record, which the scenarios print anyway */
	char buf[256];
	smmu_snprintf(buf, sizeof(buf), "LOG %s %s", level == SMMU_LOG_ERR ? "err" : "warn", msg);
	console_puts(ctx, buf);
}

static const struct smmu_regif regif = {
	.ctx = 0,
	.read32 = ri_read32,
	.write32 = ri_write32,
	.read64 = ri_read64,
	.write64 = ri_write64,
	.dma_alloc = ri_dma_alloc,
	.dma_free = ri_dma_free,
	.rmb = ri_rmb,
	.wmb = ri_wmb,
	.mb = ri_mb,
	.relax = ri_relax,
	.log = ri_log,
};

/* ---- PCI: find the edu devices on bus 0 through the ECAM, give them a BAR, let them master -- */

#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_COMMAND_MASTER 0x4u
#define PCI_BAR0 0x10

struct edu {
	uint64_t bar;
	uint32_t sid;
};

static struct edu edus[PEER_MAX_DEVS];
static unsigned nedus;

static uint64_t ecam(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) + ((uint64_t)fn << 12) + reg;
}

static void pci_enumerate(void)
{
	uint64_t mmio = PCI_MMIO_BASE;
	for (unsigned dev = 0; dev < 32 && nedus < PEER_MAX_DEVS; dev++) {
		if (rd32(ecam(0, dev, 0, 0)) != EDU_VENDOR_DEVICE)
			continue;
		/* BAR0: 1 MB of 32-bit memory; size it, then place it at the next 1 MB of the window. */
		wr32(ecam(0, dev, 0, PCI_BAR0), 0xFFFFFFFFu);
		uint32_t mask = rd32(ecam(0, dev, 0, PCI_BAR0)) & ~0xFu;
		uint64_t size = (uint64_t)(~mask) + 1u;
		mmio = (mmio + size - 1) & ~(size - 1);
		wr32(ecam(0, dev, 0, PCI_BAR0), (uint32_t)mmio);
		wr32(ecam(0, dev, 0, PCI_COMMAND), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
		edus[nedus].bar = mmio;
		edus[nedus].sid = (0u << 8) | (dev << 3); /* StreamID = requester ID = bus << 8 | devfn */
		mmio += size;
		nedus++;
	}
}

/* One edu transfer; the device finishes it after 100 ms of (icount) virtual time. */
static void edu_dma(void *ctx, unsigned d, uint64_t addr, uint32_t len, bool to_mem)
{
	(void)ctx;
	if (d >= nedus || !len || len > PEER_DMA_MAX)
		return;
	uint64_t bar = edus[d].bar;
	dsb_st(); /* the CPU's writes to the source reach memory before the device reads it */
	wr64(bar + EDU_DMA_SRC, to_mem ? EDU_BUFFER : addr);
	wr64(bar + EDU_DMA_DST, to_mem ? addr : EDU_BUFFER);
	wr64(bar + EDU_DMA_COUNT, len);
	wr64(bar + EDU_DMA_CMD, EDU_DMA_START | (to_mem ? EDU_DMA_TO_MEM : 0));
	while (rd32(bar + EDU_DMA_CMD) & EDU_DMA_START)
		__asm__ volatile("yield");
	__asm__ volatile("dsb sy" ::: "memory"); /* the device's writes before the CPU's reads */
}

/* ---- Command line: /chosen/bootargs in the flattened device tree at the start of RAM ---------- */

static uint32_t be32(const void *p)
{
	const volatile uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static const char *fdt_bootargs(const uint8_t *fdt)
{
	if (be32(fdt) != 0xD00DFEEDu)
		return 0;
	const uint8_t *p = fdt + be32(fdt + 8), *strings = fdt + be32(fdt + 12);
	int depth = 0;
	bool in_chosen = false;
	for (;;) {
		uint32_t tok = be32(p);
		p += 4;
		if (tok == 1) { /* FDT_BEGIN_NODE */
			const char *name = (const char *)p;
			depth++;
			if (depth == 2)
				in_chosen = str_eq(name, "chosen");
			while (*p)
				p++;
			p = fdt + ((p + 1 - fdt + 3) & ~3u);
		} else if (tok == 2) { /* FDT_END_NODE */
			depth--;
		} else if (tok == 3) { /* FDT_PROP: len, nameoff, value */
			uint32_t len = be32(p), nameoff = be32(p + 4);
			if (in_chosen && depth == 2 && str_eq((const char *)strings + nameoff, "bootargs"))
				return (const char *)(p + 8);
			p += 8 + ((len + 3) & ~3u);
		} else if (tok != 4) { /* FDT_NOP; anything else (FDT_END) ends the walk */
			return 0;
		}
	}
}

/* The value of "group=" in the command line, copied into out. */
static bool arg_group(char *out, size_t len)
{
	const char *args = fdt_bootargs((const uint8_t *)(uintptr_t)RAM_BASE);
	for (const char *s = args; s && *s; s++) {
		const char *k = "group=", *t = s;
		while (*k && *t == *k)
			t++, k++;
		if (*k || (s != args && s[-1] != ' '))
			continue;
		size_t n = 0;
		while (t[n] && t[n] != ' ' && n + 1 < len) {
			out[n] = t[n];
			n++;
		}
		out[n] = 0;
		return n > 0;
	}
	return false;
}

int board_main(void);
int board_main(void)
{
	char buf[160], group[32];
	wr32(UART_BASE + UART_CR, UART_CR_EN_TX);
	heap.next = (uint64_t)(uintptr_t)__heap_start;
	if (!arg_group(group, sizeof(group))) {
		console_puts(0, "PEER FATAL no group: boot with -append \"group=NAME\"");
		return 1;
	}
	pci_enumerate();
	struct peer_platform plat = {
		.name = "qemu-virt",
		.regif = &regif,
		.ndevs = nedus,
		.ctx = 0,
		.dma = edu_dma,
		.puts = console_puts,
	};
	for (unsigned i = 0; i < nedus; i++) {
		plat.sid[i] = edus[i].sid;
		uint32_t id = rd32(edus[i].bar + EDU_ID);
		smmu_snprintf(buf, sizeof(buf), "PEER INFO board edu%u bar=0x%llx sid=0x%x id=0x%08x%s", i,
			      (unsigned long long)edus[i].bar, edus[i].sid, id, id == EDU_ID_VALUE ? "" : " (not edu?)");
		console_puts(0, buf);
	}
	if (peer_run_group(&plat, group) != 0) {
		smmu_snprintf(buf, sizeof(buf), "PEER FATAL unknown group '%s'", group);
		console_puts(0, buf);
		return 1;
	}
	smmu_snprintf(buf, sizeof(buf), "PEER INFO board heap_peak=0x%llx",
		      (unsigned long long)(heap.peak - (uint64_t)(uintptr_t)__heap_start));
	console_puts(0, buf);
	return 0;
}
