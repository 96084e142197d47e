# The test suite: one GoogleTest binary (fovea_tests) discovered by ctest. It links the static library, whose
# internal headers (src/) the kernel parity tests use.
enable_testing()
find_package(GTest REQUIRED)
file(GLOB_RECURSE FOVEA_TEST_SOURCES CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/*.cpp")
list(FILTER FOVEA_TEST_SOURCES EXCLUDE REGEX "/tests/consumer/")  # a project of its own (tests/consumer/run)
if(FOVEA_SANITIZE STREQUAL "thread")
  list(TRANSFORM FOVEA_CONCURRENCY_TESTS PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE FOVEA_TEST_SOURCES)
endif()
add_executable(fovea_tests ${FOVEA_TEST_SOURCES})
target_include_directories(fovea_tests PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/tests")
target_link_libraries(fovea_tests PRIVATE fovea onnx onnx_proto GTest::gtest_main)  # tests read and check ONNX files
# Compile time, which CI pays twice (the suite and its ASan build): test code runs at -O1, as the library it calls
# keeps its own optimization, and the headers nearly every test file includes are parsed once, precompiled. Both
# halve a test file's compile time. The TSan build compiles two test files: a precompiled header would not pay.
target_compile_options(fovea_tests PRIVATE -O1)
if(NOT FOVEA_SANITIZE STREQUAL "thread")
  target_precompile_headers(fovea_tests PRIVATE <gtest/gtest.h> <nlohmann/json.hpp> [["fovea/fovea.h"]]
                            <cmath> <filesystem> <fstream> <functional> <sstream> <string> <vector>)
endif()
# tests/cli runs the `fovea` command itself (not among the concurrency tests of a TSan build), and calls fovea
# train's settings table (tools/fovea/train_settings.*, which a search reads too) directly: the command is no
# library, so the test binary compiles those sources itself.
if(NOT FOVEA_SANITIZE STREQUAL "thread")
  add_dependencies(fovea_tests fovea_cli)
  target_sources(fovea_tests PRIVATE "${PROJECT_SOURCE_DIR}/tools/fovea/train_settings.cpp"
                                     "${PROJECT_SOURCE_DIR}/tools/fovea/cli_common.cpp")
  target_include_directories(fovea_tests PRIVATE "${PROJECT_SOURCE_DIR}/tools/fovea")
  target_link_libraries(fovea_tests PRIVATE CLI11::CLI11)
endif()
target_compile_definitions(fovea_tests PRIVATE FOVEA_CLI_PATH="$<TARGET_FILE:fovea_cli>"
                                              FOVEA_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
include(GoogleTest)
# ctest runs tests in parallel on few cores: OpenMP threads that spin while waiting would starve each other.
gtest_discover_tests(fovea_tests DISCOVERY_TIMEOUT 60 PROPERTIES ENVIRONMENT OMP_WAIT_POLICY=passive)

# A user's program built against fovea installed into a temporary prefix (tests/consumer/run): needs the shared
# library and the install rules, so not in the sanitizer builds.
if(TARGET fovea_shared AND FOVEA_INSTALL)
  add_test(NAME consumer.InstalledPackage COMMAND bash "${PROJECT_SOURCE_DIR}/tests/consumer/run" "${PROJECT_BINARY_DIR}")
endif()

# The training and search reports opened in headless Chromium (Debian's chromium, npm's playwright-core; scripts/setup installs
# both): skipped without them, and left out of the sanitizer builds, whose suites it would only slow.
if(NOT FOVEA_SANITIZE)
  add_test(NAME viz.ReportInBrowser
           COMMAND bash "${PROJECT_SOURCE_DIR}/tests/viz/report_browser_test.sh" "$<TARGET_FILE:fovea_cli>")
  set_tests_properties(viz.ReportInBrowser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  add_test(NAME tune.SearchReportInBrowser
           COMMAND bash "${PROJECT_SOURCE_DIR}/tests/tune/search_report_browser_test.sh" "$<TARGET_FILE:fovea_cli>")
  set_tests_properties(tune.SearchReportInBrowser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endif()
