/* SPDX-License-Identifier: MIT */
/*
 * Arm SMMUv3 architecture definitions: the one place that knows every register offset and every
 * bit field of the programming interface (registers, STE, CD, L1 descriptors, commands, events,
 * VMSAv8-64 descriptors). Shared by the C driver and the C++ model; it contains no code beyond
 * field accessors, so it is freestanding and includes nothing but <stdint.h>.
 *
 * A field is written as "hi, lo": inclusive bit positions inside one 32-bit register or one 64-bit
 * doubleword. Structure fields are named <STRUCT><dword>_<FIELD>, so STE1_S1DSS lives in dword 1.
 * Source: Arm IHI 0070 (SMMUv3): registers §6, commands §4, STE §5.2, CD §5.4, L1 descriptors
 * §5.1 and §5.3, event records §7.3; translation table descriptors as in the Armv8-A VMSAv8-64
 * translation system, to which IHI 0070 §3.3.2 defers. Bit positions checked against Linux's
 * arm-smmu-v3.h and QEMU's smmuv3-internal.h. Code outside this header writes no mask, shift or
 * field width of the architecture as a literal.
 */
#ifndef SMMUV3_ARCH_H
#define SMMUV3_ARCH_H

#include <stdint.h>

/* ---- Field accessors ------------------------------------------------------------------------ */
#define SMMU_MASK_(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1ULL))
#define SMMU_GET_(v, hi, lo) (((uint64_t)(v) & SMMU_MASK_(hi, lo)) >> (lo))
#define SMMU_PREP_(x, hi, lo) (((uint64_t)(x) << (lo)) & SMMU_MASK_(hi, lo))
/* SMMU_GET(word, FIELD): extract; SMMU_PREP(FIELD, value): place; SMMU_MASK(FIELD): mask. */
#define SMMU_GET(v, f) SMMU_GET_(v, f)
#define SMMU_PREP(f, x) SMMU_PREP_(x, f)
#define SMMU_MASK(f) SMMU_MASK_(f)
/* Replace a field inside a word. */
#define SMMU_SET_(v, x, hi, lo) (((uint64_t)(v) & ~SMMU_MASK_(hi, lo)) | SMMU_PREP_(x, hi, lo))
#define SMMU_SET(v, f, x) SMMU_SET_(v, x, f)
/* The largest value field f holds (all its bits set). */
#define SMMU_FIELD_MAX(f) SMMU_GET_(~0ULL, f)
/*
 * Address fields (base registers, table pointers, TTBs, PTE_OA, EVT3_IPA/FETCHADDR, CMD1_ADDR) hold
 * the address bits [hi:lo] in place: SMMU_ADDR(word, FIELD) is the address the field holds (the bits
 * below lo read as zero), SMMU_PREP_ADDR(FIELD, addr) places an address (its bits outside [hi:lo]
 * are dropped; an address aligned as the field requires loses nothing below lo).
 */
#define SMMU_ADDR_(v, hi, lo) ((uint64_t)(v) & SMMU_MASK_(hi, lo))
#define SMMU_ADDR(v, f) SMMU_ADDR_(v, f)
#define SMMU_PREP_ADDR(f, a) SMMU_ADDR_(a, f)

/* ---- MMIO register map (IHI 0070 §6) ------------------------------------------------------ */
#define SMMU_REG_SPACE_SIZE 0x20000u /* two 64 KB pages */
#define SMMU_PAGE1 0x10000u

#define SMMU_IDR0 0x000u
#define SMMU_IDR1 0x004u
#define SMMU_IDR2 0x008u
#define SMMU_IDR3 0x00Cu
#define SMMU_IDR4 0x010u
#define SMMU_IDR5 0x014u
#define SMMU_IIDR 0x018u
#define SMMU_AIDR 0x01Cu
#define SMMU_CR0 0x020u
#define SMMU_CR0ACK 0x024u
#define SMMU_CR1 0x028u
#define SMMU_CR2 0x02Cu
#define SMMU_STATUSR 0x040u
#define SMMU_GBPA 0x044u
#define SMMU_AGBPA 0x048u
#define SMMU_IRQ_CTRL 0x050u
#define SMMU_IRQ_CTRLACK 0x054u
#define SMMU_GERROR 0x060u
#define SMMU_GERRORN 0x064u
#define SMMU_GERROR_IRQ_CFG0 0x068u /* 64-bit */
#define SMMU_GERROR_IRQ_CFG1 0x070u
#define SMMU_GERROR_IRQ_CFG2 0x074u
#define SMMU_STRTAB_BASE 0x080u /* 64-bit */
#define SMMU_STRTAB_BASE_CFG 0x088u
#define SMMU_CMDQ_BASE 0x090u /* 64-bit */
#define SMMU_CMDQ_PROD 0x098u
#define SMMU_CMDQ_CONS 0x09Cu
#define SMMU_EVENTQ_BASE 0x0A0u /* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG0 0x0B0u /* 64-bit */
#define SMMU_EVENTQ_IRQ_CFG1 0x0B8u
#define SMMU_EVENTQ_IRQ_CFG2 0x0BCu
#define SMMU_PRIQ_BASE 0x0C0u /* 64-bit */
#define SMMU_PRIQ_IRQ_CFG0 0x0D0u /* 64-bit */
#define SMMU_PRIQ_IRQ_CFG1 0x0D8u
#define SMMU_PRIQ_IRQ_CFG2 0x0DCu
#define SMMU_GATOS_CTRL 0x100u
#define SMMU_GATOS_SID 0x108u
#define SMMU_GATOS_ADDR 0x110u
#define SMMU_GATOS_PAR 0x118u
#define SMMU_IDR6 0x190u
#define SMMU_PIDR4 0xFD0u
#define SMMU_PIDR0 0xFE0u
#define SMMU_CIDR0 0xFF0u
/* Page 1: output-queue indexes. */
#define SMMU_EVENTQ_PROD (SMMU_PAGE1 + 0x0A8u)
#define SMMU_EVENTQ_CONS (SMMU_PAGE1 + 0x0ACu)
#define SMMU_PRIQ_PROD (SMMU_PAGE1 + 0x0C8u)
#define SMMU_PRIQ_CONS (SMMU_PAGE1 + 0x0CCu)

/* IDR0 */
#define IDR0_S2P 0, 0
#define IDR0_S1P 1, 1
#define IDR0_TTF 3, 2
#define IDR0_TTF_AARCH32 1u
#define IDR0_TTF_AARCH64 2u
#define IDR0_TTF_BOTH 3u
#define IDR0_COHACC 4, 4
#define IDR0_BTM 5, 5
#define IDR0_HTTU 7, 6
#define IDR0_DORMHINT 8, 8
#define IDR0_HYP 9, 9
#define IDR0_ATS 10, 10
#define IDR0_NS1ATS 11, 11
#define IDR0_ASID16 12, 12
#define IDR0_MSI 13, 13
#define IDR0_SEV 14, 14
#define IDR0_ATOS 15, 15
#define IDR0_PRI 16, 16
#define IDR0_VMW 17, 17
#define IDR0_VMID16 18, 18
#define IDR0_CD2L 19, 19
#define IDR0_VATOS 20, 20
#define IDR0_TTENDIAN 22, 21
#define IDR0_TTENDIAN_MIXED 0u
#define IDR0_TTENDIAN_LE 2u
#define IDR0_TTENDIAN_BE 3u
#define IDR0_ATSRECERR 23, 23
#define IDR0_STALL_MODEL 25, 24
#define IDR0_STALL_MODEL_BOTH 0u
#define IDR0_STALL_MODEL_TERMINATE 1u
#define IDR0_STALL_MODEL_FORCED 2u
#define IDR0_TERM_MODEL 26, 26
#define IDR0_ST_LEVEL 28, 27
#define IDR0_ST_LEVEL_LINEAR 0u
#define IDR0_ST_LEVEL_2LVL 1u

/* IDR1 */
#define IDR1_SIDSIZE 5, 0
#define IDR1_SSIDSIZE 10, 6
#define IDR1_PRIQS 15, 11
#define IDR1_EVENTQS 20, 16
#define IDR1_CMDQS 25, 21
#define IDR1_ATTR_PERMS_OVR 26, 26
#define IDR1_ATTR_TYPES_OVR 27, 27
#define IDR1_REL 28, 28
#define IDR1_QUEUES_PRESET 29, 29
#define IDR1_TABLES_PRESET 30, 30
#define IDR1_ECMDQ 31, 31

/* IDR3 */
#define IDR3_HAD 2, 2
#define IDR3_RIL 10, 10
#define IDR3_BBML 12, 11 /* 0, 1 (nT bit) or 2: what a change of block size needs (IHI 0070 §3.21.1.1) */

/* IDR5 */
#define IDR5_OAS 2, 0
#define IDR5_GRAN4K 4, 4
#define IDR5_GRAN16K 5, 5
#define IDR5_GRAN64K 6, 6
#define IDR5_DS 7, 7
#define IDR5_VAX 11, 10
#define IDR5_STALL_MAX 31, 16

/* IIDR / AIDR */
#define IIDR_IMPLEMENTER 11, 0
#define IIDR_REVISION 15, 12
#define IIDR_VARIANT 19, 16
#define IIDR_PRODUCTID 31, 20
#define AIDR_ARCH_MINOR 3, 0
#define AIDR_ARCH_MAJOR 7, 4

/* CR0 / CR0ACK */
#define CR0_SMMUEN 0, 0
#define CR0_PRIQEN 1, 1
#define CR0_EVENTQEN 2, 2
#define CR0_CMDQEN 3, 3
#define CR0_ATSCHK 4, 4
#define CR0_VMW 8, 6

/* CR1 */
#define CR1_QUEUE_IC 1, 0
#define CR1_QUEUE_OC 3, 2
#define CR1_QUEUE_SH 5, 4
#define CR1_TABLE_IC 7, 6
#define CR1_TABLE_OC 9, 8
#define CR1_TABLE_SH 11, 10
#define CR1_CACHE_NC 0u
#define CR1_CACHE_WB 1u
#define CR1_CACHE_WT 2u
#define CR1_SH_NSH 0u
#define CR1_SH_OSH 2u
#define CR1_SH_ISH 3u

/* CR2 */
#define CR2_E2H 0, 0
#define CR2_RECINVSID 1, 1
#define CR2_PTM 2, 2

/* GBPA */
#define GBPA_MEMATTR 3, 0
#define GBPA_MTCFG 4, 4
#define GBPA_ALLOCCFG 11, 8
#define GBPA_SHCFG 13, 12
#define GBPA_PRIVCFG 17, 16
#define GBPA_INSTCFG 19, 18
#define GBPA_ABORT 20, 20
#define GBPA_UPDATE 31, 31
#define GBPA_RESET_VALUE 0x00001000u /* SHCFG = use incoming */

/* IRQ_CTRL / IRQ_CTRLACK */
#define IRQ_CTRL_GERROR_IRQEN 0, 0
#define IRQ_CTRL_PRIQ_IRQEN 1, 1
#define IRQ_CTRL_EVENTQ_IRQEN 2, 2

/* GERROR / GERRORN */
#define GERROR_CMDQ_ERR 0, 0
#define GERROR_EVENTQ_ABT_ERR 2, 2
#define GERROR_PRIQ_ABT_ERR 3, 3
#define GERROR_MSI_CMDQ_ABT_ERR 4, 4
#define GERROR_MSI_EVENTQ_ABT_ERR 5, 5
#define GERROR_MSI_PRIQ_ABT_ERR 6, 6
#define GERROR_MSI_GERROR_ABT_ERR 7, 7
#define GERROR_SFM_ERR 8, 8
#define GERROR_KNOWN_MASK 0x1FDu

/* *_IRQ_CFG0/2 */
#define IRQ_CFG0_ADDR 55, 2
#define IRQ_CFG2_MEMATTR 3, 0
#define IRQ_CFG2_SH 5, 4

/* STRTAB_BASE / STRTAB_BASE_CFG */
#define STRTAB_BASE_ADDR 55, 6
#define STRTAB_BASE_RA 62, 62
#define STRTAB_BASE_CFG_LOG2SIZE 5, 0
#define STRTAB_BASE_CFG_SPLIT 10, 6
#define STRTAB_BASE_CFG_FMT 17, 16
#define STRTAB_FMT_LINEAR 0u
#define STRTAB_FMT_2LVL 1u

/* Queue BASE registers and PROD/CONS */
#define Q_BASE_LOG2SIZE 4, 0
#define Q_BASE_ADDR 55, 5
#define Q_BASE_RWA 62, 62 /* RA for CMDQ, WA for EVENTQ/PRIQ */
#define Q_IDX_WR_RD 19, 0 /* index + wrap flag at bit LOG2SIZE */
#define CMDQ_CONS_ERR 30, 24
#define Q_OVFLG 31, 31 /* EVENTQ/PRIQ PROD.OVFLG and CONS.OVACKFLG */
#define Q_MAX_LOG2SIZE 19u

/* ---- Stream table (IHI 0070 §3.3.1, §5.1 L1STD, §5.2 STE) ----------------------------------- */
#define STE_SIZE 64u
#define STE_DWORDS 8u
#define L1STD_SIZE 8u
#define L1STD_SPAN 4, 0
#define L1STD_L2PTR 55, 6

#define STE0_V 0, 0
#define STE0_CONFIG 3, 1
#define STE_CONFIG_ABORT 0u
#define STE_CONFIG_BYPASS 4u
#define STE_CONFIG_S1_TRANS 5u
#define STE_CONFIG_S2_TRANS 6u
#define STE_CONFIG_NESTED 7u
#define STE_CONFIG_S1_EN 1u /* Config[0]: stage 1 translates (0b1x1) */
#define STE_CONFIG_S2_EN 2u /* Config[1]: stage 2 translates (0b11x) */
#define STE0_S1FMT 5, 4
#define STE_S1FMT_LINEAR 0u
#define STE_S1FMT_64K_L2 2u /* 2-level, 1024 CDs (64 KB) per leaf */
#define STE_S1FMT_4K_L2 1u  /* 2-level, 64 CDs (4 KB) per leaf */
#define STE0_S1CONTEXTPTR 55, 6
#define STE0_S1CDMAX 63, 59

#define STE1_S1DSS 1, 0
#define STE_S1DSS_TERMINATE 0u
#define STE_S1DSS_BYPASS 1u
#define STE_S1DSS_SSID0 2u
#define STE1_S1CIR 3, 2
#define STE1_S1COR 5, 4
#define STE1_S1CSH 7, 6
#define STE1_DRE 12, 12
#define STE1_CONT 16, 13
#define STE1_DCP 17, 17
#define STE1_PPAR 18, 18
#define STE1_MEV 19, 19
#define STE1_S2FWB 25, 25
#define STE1_S1STALLD 27, 27
#define STE1_EATS 29, 28
#define STE1_STRW 31, 30
#define STE_STRW_NSEL1 0u
#define STE_STRW_EL2 2u
#define STE1_MEMATTR 35, 32
#define STE1_MTCFG 36, 36
#define STE1_ALLOCCFG 40, 37
#define STE1_SHCFG 45, 44
#define STE_SHCFG_INCOMING 1u
#define STE1_NSCFG 47, 46
#define STE1_PRIVCFG 49, 48
#define STE1_INSTCFG 51, 50
#define STE_XCFG_INCOMING 0u
#define STE_PRIVCFG_UNPRIV 2u
#define STE_PRIVCFG_PRIV 3u
#define STE_INSTCFG_DATA 2u
#define STE_INSTCFG_INSTR 3u

#define STE2_S2VMID 15, 0
#define STE2_S2T0SZ 37, 32
#define STE2_S2SL0 39, 38
#define STE2_S2IR0 41, 40
#define STE2_S2OR0 43, 42
#define STE2_S2SH0 45, 44
#define STE2_S2TG 47, 46
#define STE_S2TG_4K 0u
#define STE_S2TG_64K 1u
#define STE_S2TG_16K 2u
#define STE2_S2PS 50, 48
#define STE2_S2AA64 51, 51
#define STE2_S2ENDI 52, 52
#define STE2_S2AFFD 53, 53
#define STE2_S2PTW 54, 54
#define STE2_S2HD 55, 55
#define STE2_S2HA 56, 56
#define STE2_S2S 57, 57
#define STE2_S2R 58, 58
#define STE3_S2TTB 55, 4
/* Bits software must write as zero in a Non-secure STE of an SMMUv3.1 without HYP, PBHA, FWB,
 * MPAM, Secure stage 2, VMS, DPT, RME or later features (IHI 0070 §5.2): dw0 [58:56]; dw1
 * S2HWU [11:8], S1PIE/S2FWB/S1MPAM [26:24], [43:41], STRW [31:30] (RES0 without IDR0.HYP); dw2
 * [63:59]; dw3 [3:0] and [63:56]; dw4 [63:16]; dw5..dw7. (SW_RESERVED and the IMPLEMENTATION
 * DEFINED fields are not RES0.) Strict mode reports them (docs/model.md). */
#define STE_RES0_DW0 SMMU_MASK_(58, 56)
#define STE_RES0_DW1 (SMMU_MASK_(11, 8) | SMMU_MASK_(26, 24) | SMMU_MASK_(31, 30) | SMMU_MASK_(43, 41))
#define STE_RES0_DW2 SMMU_MASK_(63, 59)
#define STE_RES0_DW3 (SMMU_MASK_(3, 0) | SMMU_MASK_(63, 56))
#define STE_RES0_DW4 SMMU_MASK_(63, 16)
#define STE_RES0_DW5_7 (~0ULL)

/* ---- Context descriptors (IHI 0070 §5.3 L1CD, §5.4 CD) -------------------------------------- */
#define CD_SIZE 64u
#define CD_DWORDS 8u
#define L1CD_SIZE 8u
#define L1CD_V 0, 0
#define L1CD_L2PTR 55, 12
#define L1CD_L2PTR_64K 55, 16 /* S1Fmt 10 (64 KB leaves): L2Ptr[15:12] are RES0 */
#define CD_SPLIT_4K 6u   /* S1Fmt 01: 64 CDs per leaf */
#define CD_SPLIT_64K 10u /* S1Fmt 10: 1024 CDs per leaf */

#define CD0_T0SZ 5, 0
#define CD0_TG0 7, 6
#define CD_TG0_4K 0u
#define CD_TG0_64K 1u
#define CD_TG0_16K 2u
#define CD0_IR0 9, 8
#define CD0_OR0 11, 10
#define CD0_SH0 13, 12
#define CD0_EPD0 14, 14
#define CD0_ENDI 15, 15
#define CD0_T1SZ 21, 16
#define CD0_TG1 23, 22
#define CD_TG1_16K 1u
#define CD_TG1_4K 2u
#define CD_TG1_64K 3u
#define CD0_IR1 25, 24
#define CD0_OR1 27, 26
#define CD0_SH1 29, 28
#define CD0_EPD1 30, 30
#define CD0_V 31, 31
#define CD0_IPS 34, 32
#define CD0_AFFD 35, 35
#define CD0_WXN 36, 36
#define CD0_UWXN 37, 37
#define CD0_TBI0 38, 38
#define CD0_TBI1 39, 39
#define CD0_PAN 40, 40
#define CD0_AA64 41, 41
#define CD0_HD 42, 42
#define CD0_HA 43, 43
#define CD0_S 44, 44
#define CD0_R 45, 45
#define CD0_A 46, 46
#define CD0_ASET 47, 47
#define CD0_ASID 63, 48
#define CD1_HAD0 1, 1 /* CD bit 65: hierarchical attributes disabled for TTB0 (IDR3.HAD) */
#define CD1_TTB0 55, 4
#define CD2_HAD1 1, 1 /* CD bit 129: the same for TTB1 */
#define CD2_TTB1 55, 4
#define CD3_MAIR 63, 0
/* The same for a CD (IHI 0070 §5.4): dw1/dw2 [3:2] (E0PD, HAFT/AIE) and [63:56] (PnCH/DS, EPAN/PIE,
 * HWU), HADx without IDR3.HAD; dw5 [63:32] (MPAM and above); dw6, dw7. NSCFGx, AMAIR and the
 * IMPLEMENTATION DEFINED dw5 [31:0] are not checked. */
#define CD_RES0_TTB (SMMU_MASK_(3, 2) | SMMU_MASK_(63, 56))
#define CD_RES0_DW5 SMMU_MASK_(63, 32)
#define CD_RES0_DW6_7 (~0ULL)

/* Walk/fetch cacheability encodings shared by CD.IRx/ORx, STE.S1CIR/S1COR. */
#define SMMU_WALK_NC 0u
#define SMMU_WALK_WBWA 1u
#define SMMU_WALK_WT 2u
#define SMMU_WALK_WB_NOWA 3u
#define SMMU_SH_NSH 0u
#define SMMU_SH_OSH 2u
#define SMMU_SH_ISH 3u

/* Output-size encodings (IDR5.OAS, CD.IPS, STE.S2PS) and their bit widths. */
#define SMMU_OAS_32 0u
#define SMMU_OAS_36 1u
#define SMMU_OAS_40 2u
#define SMMU_OAS_42 3u
#define SMMU_OAS_44 4u
#define SMMU_OAS_48 5u
#define SMMU_OAS_52 6u
static inline unsigned smmu_oas_bits(unsigned enc)
{
	static const unsigned char bits[8] = {32, 36, 40, 42, 44, 48, 52, 56};
	return bits[enc & 7u];
}

/* ASID and VMID widths: 16 bits with SMMU_IDR0.ASID16 / VMID16, else 8 (upper bits then RES0). */
#define SMMU_ASID_BITS(asid16) ((asid16) ? 16u : 8u)
#define SMMU_VMID_BITS(vmid16) ((vmid16) ? 16u : 8u)
#define SMMU_ID_MASK(bits) ((1u << (bits)) - 1u)

/* SubstreamIDs are at most 20 bits wide (SMMU_IDR1.SSIDSIZE <= 20, the PCIe PASID width). A
 * (StreamID, SubstreamID) pair packs into one 64-bit key as SIDSSID_SID | SIDSSID_SSID. */
#define SMMU_MAX_SSID_BITS 20u
#define SIDSSID_SSID 19, 0
#define SIDSSID_SID 51, 20

/* ---- Commands (IHI 0070 §4) ------------------------------------------------------------------ */
#define CMD_SIZE 16u
#define CMD0_OPCODE 7, 0
#define CMD0_SSEC 10, 10
#define CMD0_SSV 11, 11
#define CMD0_SSID 31, 12
#define CMD0_SID 63, 32
#define CMD0_VMID 47, 32
#define CMD0_ASID 63, 48
#define CMD0_TLBI_NUM 16, 12
#define CMD0_TLBI_SCALE 25, 20
/* Range TLBI (IDR3.RIL): one command covers (NUM + 1) << SCALE pages; the driver uses SCALE < 31. */
#define CMD_TLBI_RANGE_SCALE_LIMIT 31u
#define CMD0_ATC_GLOBAL 9, 9
#define CMD0_SYNC_CS 13, 12
#define CMD0_SYNC_MSH 23, 22
#define CMD0_SYNC_MSIATTR 27, 24
#define CMD0_SYNC_MSIDATA 63, 32
#define CMD0_RESUME_AC 12, 12
#define CMD0_RESUME_AB 13, 13
#define CMD1_LEAF 0, 0
#define CMD1_RANGE 4, 0
#define CMD1_TLBI_TTL 9, 8
#define CMD1_TLBI_TG 11, 10 /* range granule: 0 none, 1 4K, 2 16K, 3 64K */
#define CMD_TLBI_TG_SHIFT(tg) (10u + 2u * (tg)) /* granule shift of a nonzero TG */
#define CMD_TLBI_TG_OF(shift) (((shift) - 10u) / 2u) /* TG of a granule shift */
#define CMD1_ADDR 63, 12
#define CMD1_IPA 55, 12 /* TLBI_S2_IPA */
#define CMD1_PREFETCH_SIZE 4, 0
#define CMD1_ATC_SIZE 5, 0
#define CMD1_PRI_PRGINDEX 8, 0
#define CMD1_PRI_RESP 13, 12
#define CMD1_RESUME_STAG 15, 0
#define CMD1_SYNC_MSIADDR 55, 2

#define CMD_SYNC_CS_NONE 0u
#define CMD_SYNC_CS_IRQ 1u
#define CMD_SYNC_CS_SEV 2u

#define CMD_PREFETCH_CONFIG 0x01u
#define CMD_PREFETCH_ADDR 0x02u
#define CMD_CFGI_STE 0x03u
#define CMD_CFGI_STE_RANGE 0x04u /* Range 31 = CFGI_ALL */
#define CMD_CFGI_ALL_RANGE 31u
#define CMD_CFGI_CD 0x05u
#define CMD_CFGI_CD_ALL 0x06u
#define CMD_CFGI_VMS_PIDM 0x07u
#define CMD_TLBI_NH_ALL 0x10u
#define CMD_TLBI_NH_ASID 0x11u
#define CMD_TLBI_NH_VA 0x12u
#define CMD_TLBI_NH_VAA 0x13u
#define CMD_TLBI_EL3_ALL 0x18u
#define CMD_TLBI_EL3_VA 0x1Au
#define CMD_TLBI_EL2_ALL 0x20u
#define CMD_TLBI_EL2_ASID 0x21u
#define CMD_TLBI_EL2_VA 0x22u
#define CMD_TLBI_EL2_VAA 0x23u
#define CMD_TLBI_S12_VMALL 0x28u
#define CMD_TLBI_S2_IPA 0x2Au
#define CMD_TLBI_NSNH_ALL 0x30u
#define CMD_ATC_INV 0x40u
#define CMD_PRI_RESP 0x41u
#define CMD_RESUME 0x44u
#define CMD_STALL_TERM 0x45u
#define CMD_SYNC 0x46u

/* CMDQ_CONS.ERR codes */
#define CERROR_NONE 0x00u
#define CERROR_ILL 0x01u
#define CERROR_ABT 0x02u
#define CERROR_ATC_INV_SYNC 0x03u

/* ---- Events (IHI 0070 §7.3) ----------------------------------------------------------------- */
#define EVT_SIZE 32u
#define EVT0_TYPE 7, 0
#define EVT0_SSV 11, 11
#define EVT0_SSID 31, 12
#define EVT0_SID 63, 32
#define EVT1_STAG 15, 0
#define EVT1_REASON 15, 0
#define EVT1_STALL 31, 31
#define EVT1_PNU 33, 33
#define EVT1_IND 34, 34
#define EVT1_RNW 35, 35
#define EVT1_S2 39, 39
#define EVT1_CLASS 41, 40
#define EVT1_TTRNW 44, 44
#define EVT2_INPUTADDR 63, 0
#define EVT3_IPA 55, 12
#define EVT3_FETCHADDR 55, 3

#define EVT_CLASS_CD 0u
#define EVT_CLASS_TT 1u
#define EVT_CLASS_IN 2u

#define EVT_F_UUT 0x01u
#define EVT_C_BAD_STREAMID 0x02u
#define EVT_F_STE_FETCH 0x03u
#define EVT_C_BAD_STE 0x04u
#define EVT_F_BAD_ATS_TREQ 0x05u
#define EVT_F_STREAM_DISABLED 0x06u
#define EVT_F_TRANSL_FORBIDDEN 0x07u
#define EVT_C_BAD_SUBSTREAMID 0x08u
#define EVT_F_CD_FETCH 0x09u
#define EVT_C_BAD_CD 0x0Au
#define EVT_F_WALK_EABT 0x0Bu
#define EVT_F_TRANSLATION 0x10u
#define EVT_F_ADDR_SIZE 0x11u
#define EVT_F_ACCESS 0x12u
#define EVT_F_PERMISSION 0x13u
#define EVT_F_TLB_CONFLICT 0x20u
#define EVT_F_CFG_CONFLICT 0x21u
#define EVT_E_PAGE_REQUEST 0x24u
#define EVT_F_VMS_FETCH 0x25u
#define EVT_IMPDEF_FIRST 0xE0u /* 0xE0..0xEF: IMPLEMENTATION DEFINED event types */
#define EVT_IMPDEF_LAST 0xEFu

/* ---- VMSAv8-64 translation table descriptors and input addresses ---------------------------- */
#define PTE_VALID 0, 0
#define PTE_TYPE 1, 1 /* 1 = table (levels 0-2) or page (level 3); 0 = block */
#define PTE_ATTRINDX 4, 2
#define PTE_NS 5, 5
#define PTE_AP1 6, 6 /* unprivileged (EL0) access allowed */
#define PTE_AP2 7, 7 /* read-only */
#define PTE_S2AP_R 6, 6 /* stage 2: S2AP[0], reads allowed */
#define PTE_S2AP_W 7, 7 /* stage 2: S2AP[1], writes allowed */
#define PTE_SH 9, 8
#define PTE_AF 10, 10
#define PTE_NG 11, 11
#define PTE_NT 16, 16 /* block descriptors with BBML=1: never cached in a way that conflicts (IHI 0070 §3.21.1.2) */
#define PTE_OA 47, 12 /* output/next-table address bits; the low bits below the level's shift are RES0 */
#define PTE_DBM 51, 51
#define PTE_CONT 52, 52
#define PTE_PXN 53, 53
#define PTE_UXN 54, 54
#define PTE_S2XN 54, 54 /* stage 2: XN[1], execution not allowed (XN[0] needs IDR3.XNX) */
#define PTE_PXNTABLE 59, 59
#define PTE_UXNTABLE 60, 60
#define PTE_APTABLE0 61, 61 /* no EL0 access below */
#define PTE_APTABLE1 62, 62 /* read-only below */
#define PTE_NSTABLE 63, 63

/* Translation granules (TG0/TG1/S2TG select one), as the shift of their page size, and the page
 * and block sizes each one maps (4K: 4K 2M 1G; 16K: 16K 32M; 64K: 64K 512M). */
#define SMMU_GRANULE_4K 12u
#define SMMU_GRANULE_16K 14u
#define SMMU_GRANULE_64K 16u
#define SMMU_PGSIZES_4K ((1ULL << 12) | (1ULL << 21) | (1ULL << 30))
#define SMMU_PGSIZES_16K ((1ULL << 14) | (1ULL << 25))
#define SMMU_PGSIZES_64K ((1ULL << 16) | (1ULL << 29))

/* Stage-1 input address: VA[55] selects TTB0 or TTB1; with TBI the top byte is ignored. */
#define VA_TTBSEL 55, 55
#define VA_TOP_BYTE 63, 56

/* Linux's MAIR (attribute index 0 Normal NC, 1 Normal WB, 2 Device-nGnRE, 3 inner NC outer WB). */
#define SMMU_MAIR_LINUX 0x00000000F404FF44ULL
#define MAIR_IDX_NC 0u
#define MAIR_IDX_CACHE 1u
#define MAIR_IDX_DEV 2u

#endif /* SMMUV3_ARCH_H */
