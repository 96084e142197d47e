// Tests of classification_report: sklearn's per-class precision, recall, F1 and support, accuracy, macro and
// weighted averages, zero_division=0, both matrix forms, and errors.
#include "fovea/viz/classification_report.h"

#include <gtest/gtest.h>

#include "error_text.h"

namespace fovea::viz {
namespace {

using fovea::testing::error_text;

TEST(ClassificationReport, MatchesSklearn) {
  // Rows true, columns predicted. sklearn: precision 5/7, 6/7, 10/12; recall 5/6, 6/10, 10/10.
  const Tensor matrix = Tensor::from_vector(Shape{3, 3}, std::vector<double>{5, 1, 0, 2, 6, 2, 0, 0, 10});
  const ClassificationReport report = classification_report(matrix, {"cat", "dog", "emu"});
  ASSERT_EQ(report.classes.size(), 3u);
  const double precision[] = {5.0 / 7, 6.0 / 7, 10.0 / 12};
  const double recall[] = {5.0 / 6, 6.0 / 10, 1.0};
  const int64_t support[] = {6, 10, 10};
  double macro_f1 = 0, weighted_f1 = 0;
  for (size_t i = 0; i < 3; ++i) {
    const ClassMetrics& m = report.classes[i];
    const double f1 = 2 * precision[i] * recall[i] / (precision[i] + recall[i]);
    EXPECT_DOUBLE_EQ(m.precision, precision[i]) << i;
    EXPECT_DOUBLE_EQ(m.recall, recall[i]) << i;
    EXPECT_DOUBLE_EQ(m.f1, f1) << i;
    EXPECT_EQ(m.support, support[i]);
    macro_f1 += f1 / 3;
    weighted_f1 += f1 * static_cast<double>(support[i]) / 26;
  }
  EXPECT_EQ(report.classes[1].name, "dog");
  EXPECT_DOUBLE_EQ(report.accuracy, 21.0 / 26);
  EXPECT_EQ(report.macro_avg.name, "macro avg");
  EXPECT_DOUBLE_EQ(report.macro_avg.precision, (5.0 / 7 + 6.0 / 7 + 10.0 / 12) / 3);
  EXPECT_DOUBLE_EQ(report.macro_avg.recall, (5.0 / 6 + 0.6 + 1.0) / 3);
  EXPECT_DOUBLE_EQ(report.macro_avg.f1, macro_f1);
  EXPECT_EQ(report.macro_avg.support, 26);
  EXPECT_EQ(report.weighted_avg.name, "weighted avg");
  EXPECT_DOUBLE_EQ(report.weighted_avg.recall, (6 * 5.0 / 6 + 10 * 0.6 + 10 * 1.0) / 26);
  EXPECT_DOUBLE_EQ(report.weighted_avg.f1, weighted_f1);
  EXPECT_EQ(report.weighted_avg.support, 26);
}

TEST(ClassificationReport, ZeroDivisionGivesZeroAndRowsWork) {
  // Class 1 is never predicted and class 2 never occurs nor is predicted: their scores are 0, as sklearn's
  // zero_division=0 gives.
  const std::vector<std::vector<int64_t>> rows = {{3, 0, 0}, {1, 0, 0}, {0, 0, 0}};
  const ClassificationReport report = classification_report(rows);
  EXPECT_EQ(report.classes[0].name, "0");
  EXPECT_DOUBLE_EQ(report.classes[0].precision, 0.75);
  EXPECT_DOUBLE_EQ(report.classes[0].recall, 1.0);
  EXPECT_EQ(report.classes[1].precision, 0);
  EXPECT_EQ(report.classes[1].recall, 0);
  EXPECT_EQ(report.classes[1].f1, 0);
  EXPECT_EQ(report.classes[2].support, 0);
  EXPECT_DOUBLE_EQ(report.accuracy, 0.75);
  const Tensor same = Tensor::from_vector(Shape{3, 3}, std::vector<double>{3, 0, 0, 1, 0, 0, 0, 0, 0});
  EXPECT_DOUBLE_EQ(classification_report(same).macro_avg.f1, report.macro_avg.f1);
  // No samples at all.
  EXPECT_EQ(classification_report(Tensor::zeros(Shape{2, 2})).accuracy, 0);
}

TEST(ClassificationReport, Errors) {
  EXPECT_EQ(error_text([] { classification_report(Tensor::zeros(Shape{3})); }),
            "classification_report: expected a square (K, K) matrix of counts with K >= 1, got (3,)");
  EXPECT_EQ(error_text([] {
              classification_report(std::vector<std::vector<int64_t>>{{1, 2}, {3}});
            }),
            "classification_report: expected a square (K, K) matrix of counts; row 1 has 1 counts, not 2");
  EXPECT_EQ(error_text([] { classification_report(std::vector<std::vector<int64_t>>{}); }),
            "classification_report: expected a square (K, K) matrix of counts with K >= 1, got no rows");
  EXPECT_EQ(error_text([] {
              classification_report(std::vector<std::vector<int64_t>>{{1, -2}, {3, 4}});
            }),
            "classification_report: the count at (0, 1) is -2; counts must be finite and >= 0");
  EXPECT_EQ(error_text([] {
              classification_report(Tensor::zeros(Shape{2, 2}), {"a"});
            }),
            "classification_report: 1 class names for 2 classes; give one name per class, or none");
}

}  // namespace
}  // namespace fovea::viz
