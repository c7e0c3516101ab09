# TlmEquivalence.SameTranslationsEventsStatistics: the same workload through the C API and through
# the TLM sockets (two processes: SystemC elaborates once per process) prints the same lines.
# Only the C API's platform statistics are left out: its DMA allocator figure (mem.dma_bytes) and
# the CPU's register reads through its interface (regif.reads, regif.read_cycles).
#   cmake -DEXE=<tlm-equivalence> -DWORK=<dir> -P equivalence.cmake
foreach(mode capi tlm)
  execute_process(COMMAND ${EXE} ${mode} RESULT_VARIABLE rc OUTPUT_VARIABLE out_${mode} ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tlm-equivalence ${mode} failed (${rc}):\n${out_${mode}}\n${err}")
  endif()
  string(REGEX REPLACE "\n  \"(mem.dma_bytes|regif.reads|regif.read_cycles)\": [0-9]+," "" out_${mode} "${out_${mode}}")
  file(WRITE ${WORK}/${mode}.txt "${out_${mode}}")
endforeach()
if(NOT out_capi STREQUAL out_tlm)
  execute_process(COMMAND diff -u ${WORK}/capi.txt ${WORK}/tlm.txt OUTPUT_VARIABLE d)
  message(FATAL_ERROR "the C API and the TLM sockets differ:\n${d}")
endif()
string(REGEX MATCHALL "\ndma [0-9]+:" dmas "${out_capi}")
string(REGEX MATCHALL "\nevent: " events "${out_capi}")
list(LENGTH dmas n)
list(LENGTH events e)
message("identical: ${n} DMAs, ${e} events, every statistic")
