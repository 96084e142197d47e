// A strategy that runs a list of configurations fixed up front, each once at one budget: grid and random search.
#pragma once

#include <string>
#include <vector>

#include "fovea/tune/strategy.h"
#include "steps.h"

namespace fovea::tune::detail {

class ListStrategy : public Strategy {
 public:
  ListStrategy(std::string name, nlohmann::json settings, std::vector<Config> configs, double budget);

  std::optional<TrialStep> suggest() override;
  void report(const TrialResult& result) override;
  bool finished() const override;
  std::string name() const override { return name_; }
  nlohmann::json settings() const override { return settings_; }

 private:
  std::string name_;
  nlohmann::json settings_;
  std::vector<Config> configs_;
  double budget_ = 0;
  size_t next_ = 0;
  StepBook book_;
};

}  // namespace fovea::tune::detail
