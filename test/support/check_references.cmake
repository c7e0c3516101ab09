# Fails if a tracked file cites something a reader of the repository cannot open: the
# developers' digests and notes and their section numbers, files outside the repository, issue
# numbers, the developers' own tools.
# Cite the Arm SMMUv3 specification as "IHI 0070 §N.N" and Linux by source path instead.
#   cmake -DSRC=<source dir> -P check_references.cmake
# Generated benchmark data (docs/benchmarks/) and binary files are not scanned.
cmake_minimum_required(VERSION 3.16)
if(NOT SRC)
  message(FATAL_ERROR "usage: cmake -DSRC=<source dir> -P check_references.cmake")
endif()

# "§" is two bytes: grouped so that "?" applies to both. CMake regexes have no word boundary.
set(bad "digest|\\.\\./shared|/work/shared|^[Ii]ssues? #?[0-9]|[^A-Za-z][Ii]ssues? #?[0-9]")
string(APPEND bad "|^(arch|ref) (§)?[0-9]|[^A-Za-z](arch|ref) (§)?[0-9]")
string(APPEND bad "|pasid-series|smmuv3-architecture|reference/[a-z0-9-]+\\.md")
# The developers' design notes, their other background files and the tools of the machine they ran on.
string(APPEND bad "|DESIGN\\.md|/work/|gem5-smmuv3-timing|one-node-slurm|qemu-smmuv3-peer|seed-cover-letter")
string(APPEND bad "|systemc-and-traces|farm-bench|farm-studio")

find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SRC}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" ls-files OUTPUT_VARIABLE files RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "git ls-files failed in ${SRC}")
  endif()
  string(REPLACE "\n" ";" files "${files}")
else()
  file(GLOB_RECURSE files RELATIVE "${SRC}" "${SRC}/*")
  list(FILTER files EXCLUDE REGEX "^(build[^/]*|\\.git)/")
endif()
# This file names the patterns it forbids.
list(FILTER files EXCLUDE REGEX "^docs/benchmarks/|\\.(png|gz|jpg|pdf)$|^test/support/check_references\\.cmake$")

set(found 0)
foreach(f IN LISTS files)
  if(f STREQUAL "" OR NOT EXISTS "${SRC}/${f}" OR IS_DIRECTORY "${SRC}/${f}")
    continue()
  endif()
  file(STRINGS "${SRC}/${f}" hits ENCODING UTF-8 REGEX "${bad}")
  foreach(h IN LISTS hits)
    message("${f}: ${h}")
    math(EXPR found "${found} + 1")
  endforeach()
endforeach()
if(found GREATER 0)
  message(FATAL_ERROR "${found} line(s) cite something outside the repository: cite IHI 0070 sections or Linux source paths")
endif()
list(LENGTH files n)
message(STATUS "${n} files, no reference outside the repository")
