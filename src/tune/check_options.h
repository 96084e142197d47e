// The checks on StrategyOptions that make_strategy and each strategy's own constructor function share.
#pragma once

#include <string>

#include "fovea/tune/strategies.h"

namespace fovea::tune::detail {

// Throws ValueError naming the strategy and the option when an option the strategy `name` reads is out of range.
void check_options(const std::string& name, const StrategyOptions& options);

}  // namespace fovea::tune::detail
