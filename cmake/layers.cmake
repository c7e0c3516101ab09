# Layers (docs/architecture.md): every target belongs to one layer and may link only targets of its
# own layer or of a layer it uses. smmusim_check_layers(), called once at the end of the top-level
# CMakeLists.txt, walks every target of the project and stops the configuration on a link (or an
# include directory taken from another part's tree) that points the wrong way, so the
# architecture's dependency rules hold by construction rather than by convention.

#                        layer    may use
set(SMMUSIM_LAYER_USES_arch      "")
set(SMMUSIM_LAYER_USES_driver    "arch")
set(SMMUSIM_LAYER_USES_model     "arch")
set(SMMUSIM_LAYER_USES_bringup   "arch;driver;model")
set(SMMUSIM_LAYER_USES_traces    "arch")
set(SMMUSIM_LAYER_USES_replay    "arch;driver;model;bringup;traces")
set(SMMUSIM_LAYER_USES_bench     "arch;driver;model;bringup;traces;replay")
set(SMMUSIM_LAYER_USES_cli       "arch;driver;model;bringup;traces;replay;bench")
set(SMMUSIM_LAYER_USES_peer      "arch;driver;model;bringup")
set(SMMUSIM_LAYER_USES_examples  "arch;driver;model;bringup;traces")
set(SMMUSIM_LAYER_USES_test      "arch;driver;model;bringup;traces;replay;bench;cli;peer;examples")

define_property(DIRECTORY PROPERTY SMMUSIM_LAYER INHERITED
  BRIEF_DOCS "Layer of the targets defined in this directory and below (cmake/layers.cmake)"
  FULL_DOCS "Set with smmusim_layer(); checked by smmusim_check_layers().")

# smmusim_layer(<layer>): the targets of this directory (and its subdirectories) belong to <layer>.
function(smmusim_layer layer)
  if(NOT DEFINED SMMUSIM_LAYER_USES_${layer})
    message(FATAL_ERROR "smmusim_layer(${layer}): unknown layer (cmake/layers.cmake lists them)")
  endif()
  set_property(DIRECTORY PROPERTY SMMUSIM_LAYER ${layer})
endfunction()

function(_smmusim_targets_in dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _smmusim_targets_in(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(_smmusim_layer_of target out)
  get_target_property(dir ${target} SOURCE_DIR)
  get_property(layer DIRECTORY ${dir} PROPERTY SMMUSIM_LAYER)
  set(${out} "${layer}" PARENT_SCOPE)
endfunction()

# May a target of layer `from` use layer `to`?
function(_smmusim_layer_may from to out)
  if(from STREQUAL to OR to IN_LIST SMMUSIM_LAYER_USES_${from})
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

# SMMUSIM_LAYER_CHECK_TRY=<target>:<dependency> adds that link before the check: the test of the
# check itself (test/layers) configures the project with a wrong-way link and expects a refusal.
set(SMMUSIM_LAYER_CHECK_TRY "" CACHE STRING "Test of the layer check: add the link TARGET:DEPENDENCY first")
mark_as_advanced(SMMUSIM_LAYER_CHECK_TRY)

function(smmusim_check_layers)
  if(SMMUSIM_LAYER_CHECK_TRY MATCHES "^([^:]+):([^:]+)$")
    target_link_libraries(${CMAKE_MATCH_1} PRIVATE ${CMAKE_MATCH_2})
  endif()
  _smmusim_targets_in(${PROJECT_SOURCE_DIR} targets)
  set(errors "")
  foreach(t ${targets})
    _smmusim_layer_of(${t} layer)
    get_target_property(dir ${t} SOURCE_DIR)
    file(RELATIVE_PATH rel_dir ${PROJECT_SOURCE_DIR} ${dir})
    if(NOT layer)
      string(APPEND errors "  ${t} (${rel_dir}/) declares no layer: call smmusim_layer() in its CMakeLists.txt\n")
      continue()
    endif()
    # Links: LINK_LIBRARIES (PRIVATE and PUBLIC) and, for interface libraries, INTERFACE_LINK_LIBRARIES.
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(libs ${t} INTERFACE_LINK_LIBRARIES)
    else()
      get_target_property(libs ${t} LINK_LIBRARIES)
    endif()
    if(NOT libs)
      set(libs "")
    endif()
    foreach(lib ${libs})
      if(lib MATCHES "^\\$<")
        string(APPEND errors "  ${t} (${layer}) links \"${lib}\": link project targets by name, so that this check sees them\n")
        continue()
      endif()
      if(NOT TARGET ${lib})
        continue() # a system library (m, pthread): outside the project's layers
      endif()
      get_target_property(imported ${lib} IMPORTED)
      if(imported)
        continue() # SystemC, zlib, GoogleTest: external packages
      endif()
      _smmusim_layer_of(${lib} to)
      _smmusim_layer_may("${layer}" "${to}" ok)
      if(NOT ok)
        string(APPEND errors "  ${t} (layer ${layer}) links ${lib} (layer ${to}): ${layer} may use only "
                             "[${SMMUSIM_LAYER_USES_${layer}}] and itself\n")
      endif()
    endforeach()
    # Include directories taken from another part's tree obey the same rule as links.
    get_target_property(incs ${t} INCLUDE_DIRECTORIES)
    if(NOT incs)
      set(incs "")
    endif()
    string(REGEX MATCH "^[^/]+" own_part "${rel_dir}")
    foreach(inc ${incs})
      if(inc MATCHES "^\\$<" OR NOT IS_ABSOLUTE "${inc}")
        continue()
      endif()
      file(RELATIVE_PATH rel_inc ${PROJECT_SOURCE_DIR} ${inc})
      if(rel_inc MATCHES "^\\.\\." OR IS_ABSOLUTE "${rel_inc}")
        continue() # outside the source tree (the build tree, system headers)
      endif()
      string(REGEX MATCH "^[^/]+" part "${rel_inc}")
      if(part STREQUAL own_part)
        continue()
      endif()
      set(to "")
      if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${part})
        get_property(to DIRECTORY ${PROJECT_SOURCE_DIR}/${part} PROPERTY SMMUSIM_LAYER)
      endif()
      _smmusim_layer_may("${layer}" "${to}" ok)
      if(NOT to OR NOT ok)
        string(APPEND errors "  ${t} (layer ${layer}) adds the include directory ${rel_inc}/ of ${part}/ (layer ${to}): "
                             "${layer} may use only [${SMMUSIM_LAYER_USES_${layer}}] and itself\n")
      endif()
    endforeach()
  endforeach()
  if(errors)
    message(FATAL_ERROR "Layering (docs/architecture.md, cmake/layers.cmake): dependencies that point the wrong way:\n"
                        "${errors}")
  endif()
endfunction()
