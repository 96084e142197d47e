// TPE's sampler (Bergstra et al. 2011, shaped as Optuna's independent TPE sampler): new configurations from
// per-knob Parzen estimators of the good and the bad results; used by the tpe strategy and by BOHB.
#pragma once

#include <cstdint>
#include <vector>

#include "fovea/core/rng.h"
#include "fovea/tune/space.h"
#include "fovea/tune/strategies.h"
#include "steps.h"

namespace fovea::tune::detail {

// The observations to fit on and what to draw.
struct TpeRequest {
  const std::vector<Observation>* observations = nullptr;
  int64_t count = 1;
  TpeOptions options{};
};

// `count` configurations. The observations (any order: they are ranked first) split into the good ones, the best
// min(ceil(0.1 n), 25) scored ones (at least 1), and the bad ones (the rest, failed ones included). Each knob is
// drawn on its own: a numeric knob from a mixture of Gaussians in its unit interval (Knob::to_unit: log space for
// log knobs) truncated to it, one per observation where the knob is active plus a prior one at the centre, with
// bandwidths from the neighbours' distances clipped as Optuna's "magic clip"; a choice from smoothed category
// counts. Of `candidates` draws from the good estimator l the one maximizing l / g is kept. With no scored
// observation every knob is drawn at random (SearchSpace::sample). Inactive knobs are dropped.
std::vector<Config> tpe_sample(const SearchSpace& space, const TpeRequest& request, Generator& gen);

}  // namespace fovea::tune::detail
