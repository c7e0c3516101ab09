// Shared helpers for the trace tests.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <zlib.h>

#include "smmusim/trace.h"

inline std::string temp_path(const std::string &name)
{
	const ::testing::TestInfo *info = ::testing::UnitTest::GetInstance()->current_test_info();
	return ::testing::TempDir() + "smmusim-" + info->test_suite_name() + "-" + info->name() + "-" + name;
}

inline std::string write_file(const std::string &name, const std::string &text)
{
	std::string path = temp_path(name);
	std::ofstream(path, std::ios::binary) << text;
	return path;
}

inline std::string write_gz(const std::string &name, const std::string &text)
{
	std::string path = temp_path(name);
	gzFile gz = gzopen(path.c_str(), "wb");
	gzwrite(gz, text.data(), (unsigned)text.size());
	gzclose(gz);
	return path;
}

inline std::string read_file(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// Read a whole trace through the reader and the checker. Returns "" on success or the one error
// line ("FILE:LINE: reason") the tools would print.
struct ReadResult {
	std::string error;
	std::vector<trace_record> records; // name pointers dangle after the read: compare, never dereference
	std::vector<std::string> lines;    // every record formatted back to text
};

inline ReadResult read_trace(const std::string &path, bool check = true)
{
	ReadResult res;
	char err[512];
	trace_reader *r = trace_reader_open(path.c_str(), err, sizeof(err));
	if (!r) {
		res.error = err;
		return res;
	}
	trace_checker *c = check ? trace_checker_new() : nullptr;
	trace_record rec;
	int rc;
	while ((rc = trace_reader_next(r, &rec)) > 0) {
		if (c && trace_checker_apply(c, &rec, err, sizeof(err)) < 0) {
			res.error = path + ":" + std::to_string(rec.line) + ": " + err;
			break;
		}
		char line[512];
		trace_format_record(&rec, line, sizeof(line));
		res.lines.push_back(line);
		res.records.push_back(rec);
	}
	if (rc < 0)
		res.error = trace_reader_error(r);
	trace_checker_free(c);
	trace_reader_close(r);
	return res;
}

// Run a shell command; stdout and stderr land in files. Returns the exit status.
struct RunResult {
	int status;
	std::string out, err;
};

// Runs smmusim with args; wrapper, if any, is a command line smmusim runs under (e.g. setpriv).
inline RunResult run(const std::string &args, const std::string &wrapper = "")
{
	std::string out = temp_path("stdout"), err = temp_path("stderr");
	std::string cmd = wrapper + std::string(SMMUSIM_BIN) + " " + args + " >" + out + " 2>" + err;
	int rc = std::system(cmd.c_str());
	RunResult res;
	res.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	res.out = read_file(out);
	res.err = read_file(err);
	return res;
}

inline std::string data(const std::string &name) { return std::string(TRACES_TEST_DATA) + "/" + name; }

inline size_t count_prefix(const std::vector<std::string> &lines, const std::string &needle)
{
	size_t n = 0;
	for (const std::string &l : lines)
		n += l.find(needle) != std::string::npos;
	return n;
}

inline bool has_line(const std::vector<std::string> &lines, const std::string &line)
{
	for (const std::string &l : lines)
		if (l == line)
			return true;
	return false;
}
