// scripts/quickstart.sh, the README's first command, with stand-ins for cmake and dpkg-query (the
// real build is what CI's first pass runs): it shows the build's progress while it builds, keeps
// its logs in the build directory, and on a failed build shows the error.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <regex>

#include "helpers.h"

namespace {

std::vector<std::string> entries(const std::string &dir)
{
	std::vector<std::string> names;
	if (DIR *d = opendir(dir.c_str())) {
		while (dirent *e = readdir(d))
			names.push_back(e->d_name);
		closedir(d);
	}
	std::sort(names.begin(), names.end());
	return names;
}

// A PATH directory whose cmake prints a build's "[ NN%]" lines (failing at `fail_at` % when it is
// not 0) and leaves a smmusim that says it ran, and whose dpkg-query says every package is there.
std::string stand_ins(int fail_at)
{
	std::string bin = temp_path("bin");
	std::system(("rm -rf " + bin + " && mkdir -p " + bin).c_str());
	std::ofstream(bin + "/dpkg-query") << "#!/bin/sh\nprintf 'install ok installed'\n";
	std::ofstream(bin + "/cmake") << "#!/bin/sh\n"
					 "[ \"$1\" = --build ] || { echo configured; exit 0; }\n"
					 "mkdir -p \"$2/bin\"\n"
					 "printf '#!/bin/sh\\necho \"replayed $*\"\\n' > \"$2/bin/smmusim\"\n"
					 "chmod +x \"$2/bin/smmusim\"\n"
					 "for p in 0 4 9 13 18 22 27 31 36 40 45 50 54 59 63 68 72 77 81 86 90 95 100; do\n"
					 "  printf '[%3d%%] Building C object x%d.o\\n' $p $p\n"
				      << (fail_at ? "  [ $p -ge " + std::to_string(fail_at) +
							    " ] && { echo 'x.c:1: error: a failure'; exit 2; }\n"
						  : std::string())
				      << "done\n";
	chmod((bin + "/dpkg-query").c_str(), 0755);
	chmod((bin + "/cmake").c_str(), 0755);
	return bin;
}

RunResult quickstart(const std::string &bin, const std::string &build)
{
	std::string out = temp_path("qs.out"), err = temp_path("qs.err");
	int rc = std::system(("PATH=" + bin + ":$PATH BUILD_DIR=" + build + " JOBS=2 bash " + SMMUSIM_SOURCE_DIR +
			      "/scripts/quickstart.sh >" + out + " 2>" + err)
				     .c_str());
	return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(out), read_file(err)};
}

TEST(Quickstart, ShowsProgressAndKeepsItsLogsInTheBuildDirectory)
{
	const std::vector<std::string> root = entries(SMMUSIM_SOURCE_DIR);
	std::string build = temp_path("build");
	RunResult r = quickstart(stand_ins(0), build);
	ASSERT_EQ(r.status, 0) << r.out << r.err;
	// a line per tenth of the build, in order, between the build's announcement and the replay
	std::vector<int> shown;
	std::regex line("quickstart: +([0-9]+) % +\\([0-9]+ s\\)");
	for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line); it != std::sregex_iterator(); ++it)
		shown.push_back(std::stoi((*it)[1]));
	EXPECT_EQ(shown, (std::vector<int>{0, 13, 22, 31, 40, 50, 63, 72, 81, 90, 100})) << r.out;
	EXPECT_LT(r.out.find("3/4 build"), r.out.find("   0 %  (")) << r.out;
	EXPECT_NE(r.out.find("replayed replay traces/examples/streaming-dma.trace"), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("Building C object"), std::string::npos) << "the build's own lines go to its log";
	EXPECT_NE(read_file(build + "/build.log").find("[100%] Building C object x100.o"), std::string::npos);
	EXPECT_EQ(read_file(build + "/configure.log"), "configured\n");
	EXPECT_EQ(entries(SMMUSIM_SOURCE_DIR), root) << "nothing new in the repository's root";
}

TEST(Quickstart, AFailedBuildShowsItsError)
{
	const std::vector<std::string> root = entries(SMMUSIM_SOURCE_DIR);
	std::string build = temp_path("build");
	RunResult r = quickstart(stand_ins(50), build);
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.out.find("  50 %  ("), std::string::npos) << r.out;
	EXPECT_EQ(r.out.find("replayed"), std::string::npos) << "nothing runs after a failed build";
	EXPECT_NE(r.err.find("x.c:1: error: a failure"), std::string::npos) << r.err;
	EXPECT_NE(r.err.find("quickstart: build failed (full log: " + build + "/build.log)"), std::string::npos) << r.err;
	EXPECT_EQ(entries(SMMUSIM_SOURCE_DIR), root);
}

} // namespace
