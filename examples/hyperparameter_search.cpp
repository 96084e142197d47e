// A hyperparameter search in C++: Hyperband over the learning rate, the width of the dense layer and the dropout
// rate of a small CNN on 6,000 Fashion-MNIST images, in this process. A trial that Hyperband promotes keeps training
// the same model from where its last step stopped. The journal in tune-example/ lets a killed run continue (run the
// program again). Usage: hyperparameter_search [max_epochs] (default 9)
#include <fovea/fovea.h>
#include <fovea/tune/search.h>
#include <fovea/tune/strategies.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>

using namespace fovea;

std::shared_ptr<Model> small_cnn(const tune::Config& config) {
  auto model = std::make_shared<Sequential>(std::vector<Layer>{
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 16, .kernel_size = 3, .activation = "relu"}),
      MaxPooling2D({.pool_size = 2}),
      Flatten(),
      Dense({.units = config["units"].get<int64_t>(), .activation = "relu"}),
      Dropout({.rate = config["dropout"].get<double>()}),
      Dense({.units = 10, .activation = "softmax"}),
  });
  model->compile({.optimizer = optimizers::Adam({.learning_rate = config["lr"].get<double>()}),
                  .loss = "sparse_categorical_crossentropy",
                  .metrics = {"accuracy"}});
  return model;
}

int main(int argc, char** argv) {
  try {
    const double max_epochs = argc > 1 ? std::stod(argv[1]) : 9;
    Dataset train = take(load_fashion_mnist("train"), 6000);
    train.images = Normalizer::fit(train.images, NormalizationKind::min_max).transform(train.images);

    tune::SearchSpace space;
    space.add(tune::log_uniform("lr", 1e-4, 1e-2));
    space.add(tune::int_range("units", 16, 256, {.log = true}));
    space.add(tune::float_range("dropout", 0.0, 0.5));
    auto strategy = tune::hyperband(space, {.max_budget = max_epochs, .eta = 3, .seed = 1});

    std::map<int64_t, std::shared_ptr<Model>> models;  // by trial: a promoted trial continues its model
    auto objective = [&](const tune::Config& config, const tune::TrialStep& step) {
      std::shared_ptr<Model>& model = models[step.trial];
      // A step continues its trial's model; after a restart (the earlier step came from the journal) it trains a
      // new one for the whole budget.
      const bool continues = step.continues && model;
      if (!continues) model = small_cnn(config);
      History history = model->fit(train, {.epochs = static_cast<int64_t>(step.budget),
                                           .validation_split = 0.1,
                                           .verbose = 0,
                                           .initial_epoch = continues ? static_cast<int64_t>(step.previous_budget) : 0,
                                           .seed = 42});
      return history.at("val_accuracy").back();
    };
    tune::SearchResult result = tune::search(*strategy, objective, {
        .directory = "tune-example",
        .resume = true,  // a journal from an earlier, interrupted run continues; none: a new search
        .description = {{"strategy", strategy->name()}, {"settings", strategy->settings()}},
        .on_event = [](const tune::SearchEvent& event) {
          if (event.kind == tune::SearchEvent::Kind::message) std::cout << event.message << "\n";
        }});
    const tune::StepRecord& best = *result.best;
    std::cout << "best val_accuracy " << *best.value << " (trial " << best.step.trial << ", " << best.step.budget
              << " epochs): " << best.step.config.dump() << "\n"
              << result.steps.size() << " steps, " << result.budget_used << " epochs in " << result.seconds
              << " s\n";
  } catch (const Error& e) {
    std::cerr << "hyperparameter_search: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
