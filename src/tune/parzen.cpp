// TPE's Parzen estimators: a truncated Gaussian mixture per numeric knob, smoothed counts per choice knob, and the
// draw that keeps the candidate with the largest l(x) / g(x).
#include "parzen.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fovea::tune::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A mixture of Gaussians on [0, 1], each truncated to it.
struct Mixture {
  std::vector<double> mu;
  std::vector<double> sigma;
  std::vector<double> weight;  // sums to 1

  // Optuna's Parzen estimator (consider_prior, magic clip, consider_endpoints off): the points sorted with the
  // prior (centre, width 1) among them, each bandwidth the larger gap to a neighbour (the outermost ones their one
  // inner gap), clipped to [1 / min(100, 1 + components), 1].
  static Mixture fit(std::vector<double> points, double prior_weight) {
    std::sort(points.begin(), points.end());
    Mixture m;
    const auto prior_at = static_cast<size_t>(std::lower_bound(points.begin(), points.end(), 0.5) - points.begin());
    m.mu = points;
    m.mu.insert(m.mu.begin() + static_cast<std::ptrdiff_t>(prior_at), 0.5);
    const size_t n = m.mu.size();
    m.sigma.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const double left = m.mu[i] - (i > 0 ? m.mu[i - 1] : 0.0);
      const double right = (i + 1 < n ? m.mu[i + 1] : 1.0) - m.mu[i];
      m.sigma[i] = std::max(left, right);
    }
    if (n >= 2) {
      m.sigma[0] = m.mu[1] - m.mu[0];
      m.sigma[n - 1] = m.mu[n - 1] - m.mu[n - 2];
    }
    m.sigma[prior_at] = 1.0;
    const double min_sigma = 1.0 / std::min(100.0, 1.0 + static_cast<double>(n));
    for (double& s : m.sigma) s = std::clamp(s, min_sigma, 1.0);
    m.weight.assign(n, 1.0);
    m.weight[prior_at] = prior_weight;
    double total = 0;
    for (const double w : m.weight) total += w;
    for (double& w : m.weight) w /= total;
    return m;
  }

  double sample(Generator& gen) const {
    double pick = gen.uniform();
    size_t k = 0;
    while (k + 1 < weight.size() && pick >= weight[k]) pick -= weight[k++];
    for (int attempt = 0; attempt < 100; ++attempt) {
      const double x = gen.normal(mu[k], sigma[k]);
      if (x >= 0 && x <= 1) return x;
    }
    return gen.uniform();  // practically never: a component keeps at least a third of its mass in [0, 1]
  }

  double log_density(double x) const {
    std::vector<double> terms(mu.size());
    double top = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < mu.size(); ++k) {
      const double z = (x - mu[k]) / sigma[k];
      const double mass = 0.5 * (std::erf((1 - mu[k]) / (sigma[k] * std::sqrt(2.0))) -
                                 std::erf((0 - mu[k]) / (sigma[k] * std::sqrt(2.0))));
      terms[k] = std::log(weight[k]) - 0.5 * z * z - std::log(sigma[k] * std::sqrt(2 * kPi)) -
                 std::log(std::max(mass, 1e-300));
      top = std::max(top, terms[k]);
    }
    double sum = 0;
    for (const double t : terms) sum += std::exp(t - top);
    return top + std::log(sum);
  }
};

// Category probabilities: counts plus the prior spread evenly.
std::vector<double> category_weights(const Knob& knob, const std::vector<const Observation*>& group,
                                     double prior_weight) {
  const size_t k = knob.values.size();
  std::vector<double> p(k, prior_weight / static_cast<double>(k));
  for (const Observation* o : group) {
    const auto it = o->config.find(knob.name);
    if (it == o->config.end()) continue;
    const auto at = std::find(knob.values.begin(), knob.values.end(), *it);
    if (at != knob.values.end()) p[static_cast<size_t>(at - knob.values.begin())] += 1;
  }
  double total = 0;
  for (const double w : p) total += w;
  for (double& w : p) w /= total;
  return p;
}

std::vector<double> unit_points(const Knob& knob, const std::vector<const Observation*>& group) {
  std::vector<double> out;
  for (const Observation* o : group) {
    const auto it = o->config.find(knob.name);
    if (it != o->config.end() && it->is_number()) out.push_back(knob.to_unit(*it));
  }
  return out;
}

// One knob's estimators, fitted once per call.
struct KnobModel {
  Mixture good{};
  Mixture bad{};
  std::vector<double> good_p{};
  std::vector<double> bad_p{};
};

nlohmann::json draw(const Knob& knob, const KnobModel& model, int64_t candidates, Generator& gen) {
  if (knob.kind == KnobKind::fixed) return knob.values.at(0);
  double best_ratio = -std::numeric_limits<double>::infinity();
  if (knob.numeric()) {
    double best = 0.5;
    for (int64_t c = 0; c < candidates; ++c) {
      const double x = model.good.sample(gen);
      const double ratio = model.good.log_density(x) - model.bad.log_density(x);
      if (ratio > best_ratio) {
        best_ratio = ratio;
        best = x;
      }
    }
    return knob.from_unit(best);
  }
  size_t best = 0;
  for (int64_t c = 0; c < candidates; ++c) {
    double pick = gen.uniform();
    size_t k = 0;
    while (k + 1 < model.good_p.size() && pick >= model.good_p[k]) pick -= model.good_p[k++];
    const double ratio = std::log(model.good_p[k]) - std::log(model.bad_p[k]);
    if (ratio > best_ratio) {
      best_ratio = ratio;
      best = k;
    }
  }
  return knob.values[best];
}

}  // namespace

std::vector<Config> tpe_sample(const SearchSpace& space, const TpeRequest& request, Generator& gen) {
  const std::vector<Observation> order = ranked(*request.observations);
  const auto n = static_cast<int64_t>(order.size());
  const auto n_scored = static_cast<int64_t>(
      std::count_if(order.begin(), order.end(), [](const Observation& o) { return scored(o.score); }));
  std::vector<Config> out;
  if (n_scored == 0) {
    for (int64_t i = 0; i < request.count; ++i) out.push_back(space.sample(gen));
    return out;
  }
  // Optuna's default gamma: the best tenth, at most 25, and at least one.
  const int64_t n_good = std::min({std::max<int64_t>(1, std::min<int64_t>((n + 9) / 10, 25)), n_scored});
  std::vector<const Observation*> good;
  std::vector<const Observation*> bad;
  for (int64_t i = 0; i < n; ++i) (i < n_good ? good : bad).push_back(&order[static_cast<size_t>(i)]);

  const double prior = request.options.prior_weight;
  std::vector<KnobModel> models;
  for (const Knob& knob : space.knobs()) {
    KnobModel model;
    if (knob.numeric()) {
      model.good = Mixture::fit(unit_points(knob, good), prior);
      model.bad = Mixture::fit(unit_points(knob, bad), prior);
    } else if (knob.kind == KnobKind::choice) {
      model.good_p = category_weights(knob, good, prior);
      model.bad_p = category_weights(knob, bad, prior);
    }
    models.push_back(std::move(model));
  }
  for (int64_t i = 0; i < request.count; ++i) {
    Config config = Config::object();
    for (size_t k = 0; k < models.size(); ++k) {
      const Knob& knob = space.knobs()[k];
      config[knob.name] = draw(knob, models[k], request.options.candidates, gen);
    }
    out.push_back(space.drop_inactive(std::move(config)));
  }
  return out;
}

}  // namespace fovea::tune::detail
