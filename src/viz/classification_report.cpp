// Precision, recall and F1 per class from confusion counts, with sklearn's averages and zero_division=0.
#include "fovea/viz/classification_report.h"

#include "confusion_counts.h"

namespace fovea::viz {
namespace {

double ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0.0; }

ClassificationReport report_of(const pictures_detail::CountMatrix& counts, const std::vector<std::string>& names) {
  const int64_t k = counts.classes;
  ClassificationReport report;
  double total = 0;
  double correct = 0;
  for (int64_t i = 0; i < k; ++i) {
    double truly = 0;      // row i: samples of class i
    double predicted = 0;  // column i: samples predicted as class i
    for (int64_t j = 0; j < k; ++j) {
      truly += counts.at(i, j);
      predicted += counts.at(j, i);
    }
    const double hits = counts.at(i, i);
    ClassMetrics metrics{.name = names[static_cast<size_t>(i)],
                         .precision = ratio(hits, predicted),
                         .recall = ratio(hits, truly),
                         .f1 = 0,
                         .support = static_cast<int64_t>(truly)};
    metrics.f1 = ratio(2 * metrics.precision * metrics.recall, metrics.precision + metrics.recall);
    report.classes.push_back(metrics);
    total += truly;
    correct += hits;
  }
  report.accuracy = ratio(correct, total);
  report.macro_avg = {
      .name = "macro avg", .precision = 0, .recall = 0, .f1 = 0, .support = static_cast<int64_t>(total)};
  report.weighted_avg = {
      .name = "weighted avg", .precision = 0, .recall = 0, .f1 = 0, .support = report.macro_avg.support};
  for (const ClassMetrics& m : report.classes) {
    const double weight = ratio(static_cast<double>(m.support), total);
    report.macro_avg.precision += m.precision / static_cast<double>(k);
    report.macro_avg.recall += m.recall / static_cast<double>(k);
    report.macro_avg.f1 += m.f1 / static_cast<double>(k);
    report.weighted_avg.precision += m.precision * weight;
    report.weighted_avg.recall += m.recall * weight;
    report.weighted_avg.f1 += m.f1 * weight;
  }
  return report;
}

}  // namespace

ClassificationReport classification_report(const Tensor& matrix, const std::vector<std::string>& class_names) {
  const std::string who = "classification_report";
  const pictures_detail::CountMatrix counts = pictures_detail::read_counts(matrix, who);
  return report_of(counts, pictures_detail::class_names_for(class_names, counts.classes, who));
}

ClassificationReport classification_report(const std::vector<std::vector<int64_t>>& matrix,
                                           const std::vector<std::string>& class_names) {
  const std::string who = "classification_report";
  const pictures_detail::CountMatrix counts = pictures_detail::read_counts(matrix, who);
  return report_of(counts, pictures_detail::class_names_for(class_names, counts.classes, who));
}

}  // namespace fovea::viz
