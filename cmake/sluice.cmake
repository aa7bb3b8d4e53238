# Helpers shared by the module CMakeLists files.
include(GoogleTest)

# sluice_library(NAME SOURCES... [LIBS ...]) - a module library `sluice_NAME` from its sources.
# Public headers live beside the sources and are included as "filter/<module>/<file>.h".
function(sluice_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_library(sluice_${name} STATIC ${ARG_SOURCES})
  target_include_directories(sluice_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(sluice_${name} PUBLIC ${ARG_LIBS} Threads::Threads)
endfunction()

# sluice_unit_test(NAME SOURCES... LIBS ...) - a GoogleTest binary registered with CTest.
# Test cases are discovered when ctest runs, so each TEST() is its own CTest test.
function(sluice_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    SLUICE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" SLUICE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS unit ENVIRONMENT "SLUICE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# sluice_fuzz_target(NAME SOURCES... LIBS ...) - a libFuzzer target (SOURCES define
# LLVMFuzzerTestOneInput). In a fuzz build (-DSLUICE_FUZZ=ON, clang) it builds the fuzzer
# `fuzz_NAME`; in every build it also builds `fuzz_NAME_regress`, which replays each file in
# tests/data/fuzz/NAME/ (seeds and former crashers) and is registered as a unit test.
function(sluice_fuzz_target name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  set(corpus ${PROJECT_SOURCE_DIR}/tests/data/fuzz/${name})
  if(SLUICE_FUZZ)
    add_executable(fuzz_${name} ${ARG_SOURCES})
    target_link_libraries(fuzz_${name} PRIVATE ${ARG_LIBS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    add_dependencies(fuzz_targets fuzz_${name})
  endif()
  add_executable(fuzz_${name}_regress ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/regress_main.cc)
  target_link_libraries(fuzz_${name}_regress PRIVATE ${ARG_LIBS})
  add_test(NAME fuzz_regress.${name} COMMAND fuzz_${name}_regress ${corpus})
  set_tests_properties(fuzz_regress.${name} PROPERTIES LABELS unit)
endfunction()

# sluice_unit_tests_in_dir(PREFIX LIBS ...) - one test binary PREFIX_<stem> per *_test.cc in the
# calling directory, so a test file that does not compile breaks only itself.
function(sluice_unit_tests_in_dir prefix)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  foreach(source ${test_sources})
    get_filename_component(stem ${source} NAME_WE)
    sluice_unit_test(${prefix}_${stem} SOURCES ${source} LIBS ${ARG_LIBS})
  endforeach()
endfunction()

# sluice_dependency(NAME SHARED target ARCHIVE file-or-target) - an interface target
# `sluice_dep_NAME` that links the shared library, or its static archive in programs whose
# SLUICE_STATIC_DEPS property is set (the `sluice` binary). Each exec of a program linked
# to the shared libraries resolves their symbol relocations (RocksDB's vtables alone are
# ~16,000): a few ms of every one-message `sluice score`. Tests and benchmarks keep the
# shared libraries (smaller, faster to link). Without the archive, both use the shared one.
function(sluice_dependency name)
  cmake_parse_arguments(ARG "" "SHARED;ARCHIVE" "" ${ARGN})
  add_library(sluice_dep_${name} INTERFACE)
  if(TARGET ${ARG_ARCHIVE} OR EXISTS "${ARG_ARCHIVE}")
    set(static "$<BOOL:$<TARGET_PROPERTY:SLUICE_STATIC_DEPS>>")
    target_link_libraries(sluice_dep_${name} INTERFACE
      "$<${static}:${ARG_ARCHIVE}>" "$<$<NOT:${static}>:${ARG_SHARED}>")
    # Headers (the static targets may not carry them).
    target_include_directories(sluice_dep_${name} INTERFACE
      $<TARGET_PROPERTY:${ARG_SHARED},INTERFACE_INCLUDE_DIRECTORIES>)
  else()
    target_link_libraries(sluice_dep_${name} INTERFACE ${ARG_SHARED})
  endif()
endfunction()
