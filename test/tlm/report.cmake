# TlmPlatform.ReportMatchesReplay: the example virtual platform (examples/tlm-platform) and
# `smmusim replay` run the same trace and print the same report, line for line, but for the host
# and CPU times (not simulated) and the platform's own line about its interrupt wires.
#   cmake -DPLATFORM=<tlm-platform> -DSMMUSIM=<smmusim> -DTRACE=<trace> -P report.cmake
function(report out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed (${rc}):\n${text}\n${err}")
  endif()
  message("${text}")
  string(REGEX REPLACE "(^|\n)(host|cpu|interrupts): [^\n]*" "" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()
report(replay ${SMMUSIM} replay ${TRACE})
report(platform ${PLATFORM} ${TRACE})
if(NOT replay STREQUAL platform)
  message(FATAL_ERROR "the platform's report differs from smmusim replay's:\n--- replay\n${replay}\n--- platform\n${platform}")
endif()
if(NOT platform MATCHES "transactions: [1-9]")
  message(FATAL_ERROR "no transactions in the report")
endif()
