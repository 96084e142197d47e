// A fit() callback that keeps a training report up to date: it rewrites the page (atomically) after every epoch
// while training runs, so that it can be left open in a browser, and marks it finished when training ends.
#pragma once

#include <string>

#include "fovea/train/callbacks.h"
#include "fovea/viz/report.h"

namespace fovea::viz {

struct ReportCallbackOptions {
  std::string path{};        // required: where the page goes (report.html)
  TrainingReport report{};   // what is known before training: title, command, settings, facts, class names, summary,
                             // graph, and the history of earlier epochs when a run resumes
  ReportOptions page{};
  double reload_seconds = 5;  // how often the live page reloads
  // false: the last page is left live-looking until the caller adds what only the end knows (confusion matrix,
  // pictures) and writes it with finish() or write_report.
  bool finish_on_train_end = true;
};

// Each epoch's logs are appended to the report's history (a name that appears later gets NaN for earlier epochs);
// the page is then rewritten as live, and stops reloading by itself once it is older than three epochs (at least a
// minute) so that a killed run does not leave a page reloading forever. Not for use from several threads at once.
//
//   auto report = std::make_shared<viz::ReportCallback>(viz::ReportCallbackOptions{.path = "run/report.html"});
//   model.fit(x, y, {.epochs = 10, .validation_split = 0.1, .callbacks = {report}});
class ReportCallback : public Callback {
 public:
  // Throws ValueError when options.path is empty.
  explicit ReportCallback(ReportCallbackOptions options);

  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int64_t epoch, Logs& logs) override;
  void on_train_end(const Logs& logs) override;

  // The report as it stands; add the end's parts to it and pass it to finish().
  const TrainingReport& report() const { return options_.report; }
  TrainingReport& report() { return options_.report; }
  // Writes the report as the finished page.
  void finish();

  // Wall time spent building and writing pages so far: the report's cost to training.
  double seconds_writing() const { return seconds_writing_; }
  int64_t pages_written() const { return pages_written_; }

 private:
  void write(RunState state);

  ReportCallbackOptions options_;
  int64_t epochs_planned_ = 0;
  double last_epoch_seconds_ = 0;
  double seconds_writing_ = 0;
  int64_t pages_written_ = 0;
  double epoch_started_ = 0;  // steady-clock seconds
};

}  // namespace fovea::viz
