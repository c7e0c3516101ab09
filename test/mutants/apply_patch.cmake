# Copy driver/src to DST and apply one mutant's patch to the copy (cmake -P, at build time).
#   -DNAME=<mutant> -DSRC=<driver/src> -DDST=<copy> -DPATCH=<file> -DPATCH_EXE=<patch>
# A patch that no longer applies exactly (no fuzz) fails the build with the mutant's name: a driver
# edit must never turn a mutant into a silent no-op.
file(REMOVE_RECURSE ${DST})
file(MAKE_DIRECTORY ${DST})
file(GLOB files ${SRC}/*.c ${SRC}/*.h)
file(COPY ${files} DESTINATION ${DST})
execute_process(COMMAND ${PATCH_EXE} -p1 --fuzz=0 --forward --batch --no-backup-if-mismatch -d ${DST} -i ${PATCH}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  file(REMOVE_RECURSE ${DST})
  message(FATAL_ERROR "driver mutant '${NAME}': ${PATCH} no longer applies to driver/src "
                      "(update the patch to the driver's current code):\n${out}")
endif()
file(TOUCH ${DST}/.applied)
