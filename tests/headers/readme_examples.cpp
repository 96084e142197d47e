// README.md's C++ examples, line for line, wrapped in functions: a user's translation unit that includes only
// the public headers. scripts/check_headers compiles it with -Wall -Wextra -Wpedantic -Werror on GCC and Clang and
// fails when a README example is no longer here as it is in README.md (keep the two in step).
#include <fovea/fovea.h>
#include <fovea/tune/search.h>
#include <fovea/tune/strategies.h>
using namespace fovea;

#include "readme_examples.h"

namespace fovea_readme {

void top_example() {
  Sequential model({
      InputLayer({28, 28, 1}),
      Conv2D({.filters = 32, .kernel_size = 3, .activation = "relu"}),
      Conv2D({.filters = 64, .kernel_size = 3, .activation = "relu"}),
      MaxPooling2D({.pool_size = 2}),
      Dropout({.rate = 0.25}),
      Flatten(),
      Dense({.units = 128, .activation = "relu"}),
      Dropout({.rate = 0.5}),
      Dense({.units = 10, .activation = "softmax"}),
  });
  std::cout << model.summary();   // ... Total params: 1,199,882
}

void training_example() {
  // The pixels as the files store them (uint8, a quarter of float32's memory): the model converts them itself.
  const std::string root = "/usr/share/datasets/fashion-mnist";
  Dataset train = load_fashion_mnist("train", root, DType::u8), test = load_fashion_mnist("test", root, DType::u8);
  Layer norm = Normalization();                       // Keras's: (x - mean) / std, statistics per channel
  norm.as<NormalizationImpl>()->adapt(train.images);  // fitted on the training split only
  std::shared_ptr<Model> model = with_preprocessing(zoo::mnist_cnn(), {norm});  // or Normalization in a Sequential

  model->compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                  .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  History history = model->fit(train, {
      .epochs = 12, .batch_size = 128, .validation_split = 0.1,
      .callbacks = {std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 3,
                                                                          .restore_best_weights = true}),
                    std::make_shared<CSVLogger>(CSVLoggerOptions{.filename = "history.csv"})},
      .seed = 42,
      .augmentation = std::make_shared<Augmentation>(Augmentation::parse("translation=0.1"))});
  Logs scores = model->evaluate(test);         // scores.at("accuracy")
  save_model(*model, "fashion.fovea");         // normalization included: `fovea predict fashion.fovea shoe.png`
}

void viz_example(Model& model, const Tensor& x, const Tensor& y, const Tensor& image) {
  auto report = std::make_shared<viz::ReportCallback>(viz::ReportCallbackOptions{.path = "report.html"});
  model.fit(x, y, {.epochs = 5, .validation_split = 0.1, .callbacks = {report}});  // the page, live every epoch
  write_png("filters.png", viz::filter_grid(model, "conv2d"));
  viz::GradCamResult cam = viz::grad_cam(model, image);  // the predicted class at the last convolution block
  write_png("cam.png", viz::overlay_heatmap(image, cam.heatmap));
  write_png("maps.png", viz::feature_maps(model, image).front().image);
}

void tune_example(const std::function<double(const tune::Config&, double)>& train_for) {
  tune::SearchSpace space;
  space.add(tune::log_uniform("lr", 1e-4, 1e-2));
  space.add(tune::int_range("units", 16, 256, {.log = true}));
  auto strategy = tune::hyperband(space, {.max_budget = 9, .eta = 3, .seed = 1});
  tune::SearchResult result = tune::search(*strategy, [&](const tune::Config& config, const tune::TrialStep& step) {
    return train_for(config, step.budget);  // the validation accuracy; higher is better
  }, {.directory = "search-out"});         // the journal: run again with .resume = true to continue
  (void)result;
}

}  // namespace fovea_readme
