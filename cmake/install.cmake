# Installation (docs/install.md): `cmake --install <build> --prefix <dir>` puts the headers, the
# libraries, the `smmusim` executable, a CMake package (find_package(smmusim): imported targets
# smmusim::arch, ::driver, ::ioasid, ::model, ::bringup, ::traces, ::tlm) and pkg-config files in place.
# Included once at the end of the top-level CMakeLists.txt, after every part defined its targets.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SMMUSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/smmusim)

# name in the package (smmusim::<name>) of each installed library target
set(_smmusim_exported
  smmuv3_arch:arch
  smmuv3_ioasid:ioasid
  smmuv3_driver:driver
  smmusim_model_headers:model_headers
  smmusim_model:model
  smmusim_bringup:bringup
  smmusim_traces:traces)
if(TARGET smmusim_tlm)
  list(APPEND _smmusim_exported smmusim_tlm:tlm)
endif()
set(_smmusim_targets "")
foreach(pair ${_smmusim_exported})
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 target)
  list(GET pair 1 name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  list(APPEND _smmusim_targets ${target})
endforeach()

install(TARGETS ${_smmusim_targets} EXPORT smmusimTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS smmusim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Public headers: every part's include/ directory, merged under <prefix>/include.
foreach(dir arch/include driver/include driver/ioasid/include model/include bringup/include traces/include)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
endforeach()
if(TARGET smmusim_tlm)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/tlm/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.hpp")
endif()

install(EXPORT smmusimTargets NAMESPACE smmusim:: DESTINATION ${SMMUSIM_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/smmusimConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/smmusimConfig.cmake
                              INSTALL_DESTINATION ${SMMUSIM_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the API, so only the same minor version is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/smmusimConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/smmusimConfig.cmake ${PROJECT_BINARY_DIR}/smmusimConfigVersion.cmake
        DESTINATION ${SMMUSIM_INSTALL_CMAKEDIR})

# pkg-config: the freestanding driver (with the I/O ASID allocator), and the model with its C API.
# The prefix is found relative to the .pc file, so the installed tree can be moved.
file(RELATIVE_PATH SMMUSIM_PC_UP /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
foreach(pc smmuv3-driver smmusim smmusim-tlm)
  if(pc STREQUAL "smmusim-tlm" AND NOT TARGET smmusim_tlm)
    continue()
  endif()
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
