// Helpers of the smmusim bench tests: run the smmusim binary, read result files.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench_test {

struct CliRun {
	int status;
	std::string out, err;
};

inline std::string slurp(const std::string &path)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream s;
	s << f.rdbuf();
	return s.str();
}

inline std::string tmpdir()
{
	char d[] = "/tmp/smmusim-bench-test-XXXXXX";
	EXPECT_NE(mkdtemp(d), nullptr);
	return d;
}

inline CliRun run(const std::string &args)
{
	std::string d = tmpdir();
	std::string cmd = std::string(SMMUSIM_BIN) + " " + args + " >" + d + "/out 2>" + d + "/err";
	int ws = std::system(cmd.c_str());
	CliRun r{WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, slurp(d + "/out"), slurp(d + "/err")};
	std::system(("rm -rf " + d).c_str());
	return r;
}

inline std::vector<std::string> lines(const std::string &s)
{
	std::vector<std::string> v;
	std::stringstream ss(s);
	std::string l;
	while (std::getline(ss, l))
		v.push_back(l);
	return v;
}

// The flat result file: "key": value per line.
inline std::map<std::string, std::string> result(const std::string &path)
{
	std::map<std::string, std::string> m;
	for (const std::string &l : lines(slurp(path))) {
		size_t q = l.find('"'), e = q == std::string::npos ? q : l.find("\":", q + 1);
		if (e == std::string::npos)
			continue;
		std::string v = l.substr(e + 2);
		while (!v.empty() && (v.back() == ',' || v.back() == ' '))
			v.pop_back();
		while (!v.empty() && v.front() == ' ')
			v.erase(0, 1);
		if (v.size() >= 2 && v.front() == '"')
			v = v.substr(1, v.size() - 2);
		m[l.substr(q + 1, e - q - 1)] = v;
	}
	return m;
}

// The deterministic part of a result file: everything but the host-time line.
inline std::string without_host(const std::string &text)
{
	std::string o;
	for (const std::string &l : lines(text))
		if (l.find("\"host\"") == std::string::npos)
			o += l + "\n";
	return o;
}

constexpr unsigned kMaxPasid = (1u << 20) - 1;

} // namespace bench_test
