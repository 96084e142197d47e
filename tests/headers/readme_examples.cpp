// README.md's C++ examples, line for line, wrapped in functions: a user's translation unit that includes only
// the public headers. scripts/check_headers compiles it with -Wall -Wextra -Wpedantic -Werror on GCC and Clang and
// fails when a README example is no longer here as it is in README.md (keep the two in step).
#include <fovea/fovea.h>
#include <fovea/io/json.h>  // for save_model's options: their user data is JSON
using namespace fovea;

#include "readme_examples.h"

namespace fovea_readme {

void top_example() {
  Sequential model({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = {3}, .activation = ActivationKind::relu}),
      Conv2D({.filters = 64, .kernel_size = {3}, .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = ActivationKind::relu}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = ActivationKind::softmax}),
  });
  std::cout << model.summary();   // ... Total params: 1,199,882
}

void training_example() {
  Dataset train = load_fashion_mnist("train"), test = load_fashion_mnist("test");
  Normalizer norm = Normalizer::fit(train.images, NormalizationKind::min_max);  // training split only
  train.images = norm.transform(train.images);
  test.images = norm.transform(test.images);

  Sequential model = zoo::mnist_cnn();
  model.compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                 .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  History history = model.fit(train, {
      .epochs = 12, .batch_size = 128, .validation_split = 0.1,
      .callbacks = {std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 3,
                                                                          .restore_best_weights = true}),
                    std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = "history.csv"})},
      .seed = 42,
      .augmentation = std::make_shared<Augmentation>(Augmentation::parse("translation=0.1"))});
  Logs scores = model.evaluate(test);          // scores.at("accuracy")
  save_model(model, "fashion.fovea", {.user = {{"normalizer", norm.to_json()}}});
}

}  // namespace fovea_readme
