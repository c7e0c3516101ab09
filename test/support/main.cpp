// main() for every test executable. It lives in the executable (not in a library) so that it wins
// over the main() that Debian's libsystemc.so exports, whatever the link order.
#include <ftw.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

static int remove_entry(const char *path, const struct stat *, int, struct FTW *) { return std::remove(path); }

int main(int argc, char **argv)
{
	::testing::InitGoogleTest(&argc, argv);
	// Each test process works in a directory of its own (TempDir() reads TEST_TMPDIR): ctest runs
	// the tests in parallel, and another checkout may run the same suite at the same time, so a
	// file name derived from the test's name alone would be shared between two processes.
	std::string tmpl = ::testing::TempDir() + "smmusim-test-XXXXXX";
	std::vector<char> dir(tmpl.begin(), tmpl.end());
	dir.push_back('\0');
	if (!mkdtemp(dir.data()) || setenv("TEST_TMPDIR", dir.data(), 1) != 0) {
		std::perror(tmpl.c_str());
		return 1;
	}
	const int rc = RUN_ALL_TESTS();
	nftw(dir.data(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
