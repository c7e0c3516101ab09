/* SPDX-License-Identifier: MIT */
/* Event records (IHI 0070 §7.3): decode into a struct and print one line. */
#include "internal.h"

const char *smmu_event_name(uint8_t type)
{
	switch (type) {
	case EVT_F_UUT:
		return "F_UUT";
	case EVT_C_BAD_STREAMID:
		return "C_BAD_STREAMID";
	case EVT_F_STE_FETCH:
		return "F_STE_FETCH";
	case EVT_C_BAD_STE:
		return "C_BAD_STE";
	case EVT_F_BAD_ATS_TREQ:
		return "F_BAD_ATS_TREQ";
	case EVT_F_STREAM_DISABLED:
		return "F_STREAM_DISABLED";
	case EVT_F_TRANSL_FORBIDDEN:
		return "F_TRANSL_FORBIDDEN";
	case EVT_C_BAD_SUBSTREAMID:
		return "C_BAD_SUBSTREAMID";
	case EVT_F_CD_FETCH:
		return "F_CD_FETCH";
	case EVT_C_BAD_CD:
		return "C_BAD_CD";
	case EVT_F_WALK_EABT:
		return "F_WALK_EABT";
	case EVT_F_TRANSLATION:
		return "F_TRANSLATION";
	case EVT_F_ADDR_SIZE:
		return "F_ADDR_SIZE";
	case EVT_F_ACCESS:
		return "F_ACCESS";
	case EVT_F_PERMISSION:
		return "F_PERMISSION";
	case EVT_F_TLB_CONFLICT:
		return "F_TLB_CONFLICT";
	case EVT_F_CFG_CONFLICT:
		return "F_CFG_CONFLICT";
	case EVT_E_PAGE_REQUEST:
		return "E_PAGE_REQUEST";
	case EVT_F_VMS_FETCH:
		return "F_VMS_FETCH";
	default:
		return type >= EVT_IMPDEF_FIRST && type <= EVT_IMPDEF_LAST ? "IMPDEF" : "UNKNOWN";
	}
}

void smmu_event_decode(const uint64_t raw[4], struct smmu_event *ev)
{
	smmu_memset(ev, 0, sizeof(*ev));
	for (int i = 0; i < 4; i++)
		ev->raw[i] = raw[i];
	ev->type = (uint8_t)SMMU_GET(raw[0], EVT0_TYPE);
	ev->ssv = SMMU_GET(raw[0], EVT0_SSV);
	ev->ssid = (uint32_t)SMMU_GET(raw[0], EVT0_SSID);
	ev->sid = (uint32_t)SMMU_GET(raw[0], EVT0_SID);
	ev->stall = SMMU_GET(raw[1], EVT1_STALL);
	ev->stag = (uint16_t)SMMU_GET(raw[1], EVT1_STAG);
	ev->pnu = SMMU_GET(raw[1], EVT1_PNU);
	ev->ind = SMMU_GET(raw[1], EVT1_IND);
	ev->rnw = SMMU_GET(raw[1], EVT1_RNW);
	ev->s2 = SMMU_GET(raw[1], EVT1_S2);
	ev->class_ = (uint8_t)SMMU_GET(raw[1], EVT1_CLASS);
	ev->ttrnw = SMMU_GET(raw[1], EVT1_TTRNW);
	ev->input_addr = raw[2];
	ev->ipa = SMMU_ADDR(raw[3], EVT3_IPA);
	ev->fetch_addr = SMMU_ADDR(raw[3], EVT3_FETCHADDR);
}

static const char *class_name(uint8_t c)
{
	return c == EVT_CLASS_CD ? "CD" : c == EVT_CLASS_TT ? "TT" : c == EVT_CLASS_IN ? "IN" : "RES";
}

size_t smmu_event_format(const struct smmu_event *ev, char *buf, size_t len)
{
	size_t n = smmu_snprintf(buf, len, "%s (0x%02x) sid 0x%x", smmu_event_name(ev->type), ev->type, ev->sid);
	char *p = n < len ? buf + n : NULL;
	size_t rem = n < len ? len - n : 0;

#define APPEND(...)                                                   \
	do {                                                          \
		size_t k_ = smmu_snprintf(p ? p : buf, p ? rem : 0, __VA_ARGS__); \
		n += k_;                                              \
		if (p && k_ < rem) {                                  \
			p += k_;                                      \
			rem -= k_;                                    \
		} else {                                              \
			p = NULL;                                     \
			rem = 0;                                      \
		}                                                     \
	} while (0)

	if (ev->ssv || ev->type == EVT_C_BAD_SUBSTREAMID)
		APPEND(" ssid 0x%x", ev->ssid);
	switch (ev->type) {
	case EVT_F_TRANSLATION:
	case EVT_F_ADDR_SIZE:
	case EVT_F_ACCESS:
	case EVT_F_PERMISSION:
		APPEND(" addr 0x%llx %s%s%s S%d class %s", (unsigned long long)ev->input_addr, ev->rnw ? "read" : "write",
		       ev->pnu ? " priv" : " unpriv", ev->ind ? " instr" : " data", ev->s2 ? 2 : 1, class_name(ev->class_));
		if (ev->stall)
			APPEND(" stall stag 0x%x", ev->stag);
		if (ev->s2)
			APPEND(" ipa 0x%llx", (unsigned long long)ev->ipa);
		break;
	case EVT_F_WALK_EABT:
		APPEND(" addr 0x%llx %s S%d class %s fetch 0x%llx reason 0x%x", (unsigned long long)ev->input_addr,
		       ev->rnw ? "read" : "write", ev->s2 ? 2 : 1, class_name(ev->class_),
		       (unsigned long long)ev->fetch_addr, ev->stag);
		break;
	case EVT_F_STE_FETCH:
	case EVT_F_CD_FETCH:
	case EVT_F_VMS_FETCH:
		APPEND(" fetch 0x%llx reason 0x%x", (unsigned long long)ev->fetch_addr, ev->stag);
		break;
	case EVT_F_TRANSL_FORBIDDEN:
		APPEND(" addr 0x%llx %s", (unsigned long long)ev->input_addr, ev->rnw ? "read" : "write");
		break;
	case EVT_F_BAD_ATS_TREQ:
	case EVT_E_PAGE_REQUEST:
	case EVT_F_UUT:
	case EVT_F_TLB_CONFLICT:
		APPEND(" addr 0x%llx dw1 0x%llx", (unsigned long long)ev->input_addr, (unsigned long long)ev->raw[1]);
		break;
	case EVT_C_BAD_STREAMID:
	case EVT_C_BAD_STE:
	case EVT_C_BAD_SUBSTREAMID:
	case EVT_C_BAD_CD:
	case EVT_F_STREAM_DISABLED:
	case EVT_F_CFG_CONFLICT:
		break;
	default:
		APPEND(" raw 0x%016llx 0x%016llx 0x%016llx 0x%016llx", (unsigned long long)ev->raw[0],
		       (unsigned long long)ev->raw[1], (unsigned long long)ev->raw[2], (unsigned long long)ev->raw[3]);
		break;
	}
#undef APPEND
	return n;
}
