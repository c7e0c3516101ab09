// main() for every test executable. It lives in the executable (not in a library) so that it wins
// over the main() that Debian's libsystemc.so exports, whatever the link order.
#include <gtest/gtest.h>

int main(int argc, char **argv)
{
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
