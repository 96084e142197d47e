// A fovea user's program: the README's network, a few training steps and a prediction, an error caught by its
// type, and a callback of the user's own. tests/consumer/run compiles it with -Wall -Wextra -Wpedantic -Werror
// against an installed fovea (statically and shared) and checks what it prints.
#include <fovea/fovea.h>

#include <cstdio>
#include <iostream>
#include <memory>

using namespace fovea;

namespace {

// A user's callback: a class derived across the library boundary (its vtable and type information).
class CountBatches : public Callback {
 public:
  void on_train_batch_end(int64_t, const Logs&) override { ++batches; }
  int batches = 0;
};

}  // namespace

int main() {
  std::cout << "fovea " << version() << ", headers " << FOVEA_VERSION_MAJOR << "." << FOVEA_VERSION_MINOR << "."
            << FOVEA_VERSION_PATCH << "\n";

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
  std::cout << model.summary();

  manual_seed(7);
  const Tensor x = Tensor::uniform({32, 28, 28, 1}, 0.0, 1.0);
  const Tensor y = Tensor::from_vector({32}, std::vector<double>(32, 3.0));
  model.compile({.optimizer = optimizers::Adam({.learning_rate = 1e-3}),
                 .loss = "sparse_categorical_crossentropy", .metrics = {"accuracy"}});
  auto counter = std::make_shared<CountBatches>();
  const History history = model.fit(x, y, {.epochs = 2, .batch_size = 8, .callbacks = {counter}, .verbose = 0});
  std::cout << "epochs: " << history.epochs().size() << ", batches seen by the callback: " << counter->batches
            << "\n";

  const Tensor p = model.predict(x);
  double row_sum = 0;
  for (int64_t k = 0; k < 10; ++k) row_sum += p.at({0, k});
  std::printf("prediction rows: %lld, first row sums to %.4f, class 3 after training: %.2f\n",
              static_cast<long long>(p.dim(0)), row_sum, p.at({0, 3}));

  try {
    Dense({.units = -1});
  } catch (const ValueError& e) {  // thrown inside the library, caught here by its type
    std::cout << "caught fovea::ValueError\n";
  }
  return 0;
}
