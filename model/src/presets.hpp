// The presets' text, generated at build time from configs/*.ini (model/CMakeLists.txt writes
// presets.cpp from presets.cpp.in); read only by src/config.cpp.
#ifndef SMMUSIM_PRESETS_HPP
#define SMMUSIM_PRESETS_HPP

#include <cstddef>

struct SmmuPresetText {
	const char *name, *text;
};
extern const SmmuPresetText kSmmuPresets[];
extern const std::size_t kSmmuPresetCount;

#endif
