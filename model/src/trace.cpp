// Trace points: pattern selection and the line writer (docs/tracing.md).
#include <smmusim/trace.hpp>

#include <fnmatch.h>

#include <cstdarg>

namespace smmusim {

bool trace_mask_from(const char *patterns, uint64_t &mask, std::string &err)
{
	mask = 0;
	std::string list = patterns ? patterns : "";
	size_t start = 0;
	while (start <= list.size() && !list.empty()) {
		size_t comma = list.find(',', start);
		const std::string pat = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
		uint64_t one = 0;
		for (unsigned i = 0; i < TR_COUNT; i++)
			if (fnmatch(pat.c_str(), kTracePointNames[i], 0) == 0)
				one |= 1ull << i;
		if (!one) {
			err = "trace pattern '" + pat + "' matches no trace point (--trace-events list names them)";
			return false;
		}
		mask |= one;
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	return true;
}

void Tracer::emit(uint64_t cycle, TracePoint p, const char *fmt, ...)
{
	if (!out)
		return;
	std::fprintf(out, "%llu %s ", (unsigned long long)cycle, kTracePointNames[p]);
	va_list ap;
	va_start(ap, fmt);
	std::vfprintf(out, fmt, ap);
	va_end(ap);
	std::fputc('\n', out);
}

} // namespace smmusim
