// ONNX's backend test cases (Debian's libonnx-testdata) through import_onnx: one test per case listed in
// conformance_cases.txt, each comparing every data set's outputs at ONNX's tolerances. Cases that cannot pass are
// listed there as "# excluded: <case> <reason>" so nothing is hidden; they do not run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fovea/io/onnx.h"

namespace fovea {
namespace {

const char* const kTestData = "/usr/share/libonnx-testdata/data";

std::string cases_file() { return std::string(FOVEA_SOURCE_DIR) + "/tests/onnx/conformance_cases.txt"; }

// The listed case folders (relative to the test data), in file order.
std::vector<std::string> listed_cases() {
  std::vector<std::string> cases;
  std::ifstream in(cases_file());
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    cases.push_back(line);
  }
  return cases;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class OnnxConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxConformance, MatchesReferenceOutputs) {
  const std::filesystem::path dir = std::filesystem::path(kTestData) / GetParam();
  if (!std::filesystem::exists(kTestData)) GTEST_SKIP() << kTestData << " is missing (Debian's libonnx-testdata)";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " is listed in " << cases_file() << " but does not exist";
  const OnnxCaseResult result = run_onnx_test_case(dir.string());
  EXPECT_TRUE(result.passed) << result.name << ": " << result.message << " (worst abs error " << result.worst_abs_error
                             << ", worst rel error " << result.worst_rel_error << ")";
  EXPECT_GE(result.data_sets, 1);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxConformance);
INSTANTIATE_TEST_SUITE_P(Onnx, OnnxConformance, ::testing::ValuesIn(listed_cases()), test_name);

TEST(OnnxConformanceList, IsReadableAndNonEmpty) { EXPECT_GE(listed_cases().size(), 100u) << cases_file(); }

// The runner reports a broken case instead of throwing.
TEST(OnnxConformanceRunner, ReportsAMissingFolderWithoutThrowing) {
  const OnnxCaseResult result = run_onnx_test_case("/nonexistent/test_nothing");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.name, "test_nothing");
  EXPECT_NE(result.message.find("/nonexistent/test_nothing"), std::string::npos) << result.message;
}

}  // namespace
}  // namespace fovea
