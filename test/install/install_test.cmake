# The install test (ctest Install.OutOfTreeConsumer): `cmake --install` the build into a fresh
# prefix, then configure and build test/install/consumer against that prefix only, through the
# CMake package and through pkg-config, and run what was built.
#   cmake -DBUILD=<build dir> -DSRC=<consumer sources> -DWORK=<scratch dir> -DCC=<C compiler> -DCXX=<C++ compiler>
#         [-DFLAGS=<extra compile/link flags, ;-separated>] -P install_test.cmake
foreach(v BUILD SRC WORK CC CXX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install_test.cmake: -D${v}=... is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
run("cmake --install" ${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
foreach(f bin/smmusim include/smmusim/smmusim.h include/smmuv3/smmu.h include/smmuv3/regif.h
          include/smmuv3/ioasid.h include/smmusim/trace.h lib/libsmmusim_model.a lib/libsmmuv3_driver.a
          lib/libsmmuv3_ioasid.a lib/libsmmusim_traces.a
          lib/libsmmusim_bringup.a include/smmusim/bringup.h lib/libsmmusim_tlm.a include/smmusim/smmuv3_tlm.hpp lib/cmake/smmusim/smmusimConfig.cmake
          lib/cmake/smmusim/smmusimConfigVersion.cmake lib/pkgconfig/smmusim.pc lib/pkgconfig/smmuv3-driver.pc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
run("installed smmusim --version" ${prefix}/bin/smmusim --version)

# CMake package: the consumer sees the prefix and nothing else (no package registry, no build tree).
string(REPLACE ";" " " flags "${FLAGS}")
run("consumer configure" ${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/consumer -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_C_COMPILER=${CC} -DCMAKE_CXX_COMPILER=${CXX} "-DCMAKE_C_FLAGS=${flags}"
    "-DCMAKE_CXX_FLAGS=${flags}" "-DCMAKE_EXE_LINKER_FLAGS=${flags}")
run("consumer build" ${CMAKE_COMMAND} --build ${WORK}/consumer)
run("consumer_dma (CMake package)" ${WORK}/consumer/consumer_dma)
if(EXISTS ${WORK}/consumer/consumer_tlm)
  run("consumer_tlm (CMake package)" ${WORK}/consumer/consumer_tlm)
endif()

if(NOT EXISTS ${WORK}/consumer/consumer_tlm)
  message(FATAL_ERROR "consumer_tlm was not built: smmusim::tlm missing from the package?")
endif()

# pkg-config: the same programs, compiled and linked with nothing but the .pc files' flags.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs smmusim smmuv3-driver RESULT_VARIABLE rc
                OUTPUT_VARIABLE pc_flags ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config smmusim smmuv3-driver failed:\n${err}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run("consumer_dma (pkg-config) build" ${CC} ${FLAGS} ${SRC}/dma.c -o ${WORK}/dma-pkgconfig ${pc_flags})
run("consumer_dma (pkg-config)" ${WORK}/dma-pkgconfig)
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs smmusim-tlm RESULT_VARIABLE rc OUTPUT_VARIABLE pc_flags
                ERROR_VARIABLE err OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config smmusim-tlm failed:\n${err}")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run("consumer_tlm (pkg-config) build" ${CXX} -std=c++17 ${FLAGS} ${SRC}/tlm.cpp -o ${WORK}/tlm-pkgconfig ${pc_flags})
run("consumer_tlm (pkg-config)" ${WORK}/tlm-pkgconfig)
