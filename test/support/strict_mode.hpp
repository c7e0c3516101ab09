// Strict mode (configuration key smmu.strict, docs/model.md "Strict mode") in the test suites:
// ONE switch for every fixture (th::Sim, SimDriverFixture, the isolation test). A suite compiled
// with SMMUSIM_TEST_STRICT=1 (conformance, isolation) runs strict by default; the environment
// variable SMMUSIM_STRICT=0 or 1 overrides that for a whole run (to see whether the lenient model
// also catches a driver bug). A test that sets smmu.strict itself wins over both.
#pragma once

#include <cstdlib>

#ifndef SMMUSIM_TEST_STRICT
#define SMMUSIM_TEST_STRICT 0
#endif

// "1" or "0", the value fixtures give smmu.strict before a test's own settings.
inline const char *test_strict_value()
{
	const char *e = std::getenv("SMMUSIM_STRICT");
	if (e && (e[0] == '0' || e[0] == '1') && e[1] == '\0')
		return e[0] == '1' ? "1" : "0";
	return SMMUSIM_TEST_STRICT ? "1" : "0";
}
