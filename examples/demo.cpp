// The demo run by `bash scripts/main` until the training issue brings `fovea train`: the course's worked
// examples computed by fovea, the slides' Keras MNIST CNN and its parameter table, then a tiny CNN trained with
// autograd and Adam on synthetic images (a horizontal or a vertical bar), showing the loss fall.
#include <cstdio>
#include <vector>

#include "fovea/fovea.h"

using namespace fovea;

namespace {

void print_matrix(const char* title, const Tensor& t) {
  std::printf("%s\n", title);
  const int64_t rows = t.dim(-2), cols = t.dim(-1);
  const std::vector<double> v = t.to_vector();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) std::printf("%6.0f", v[r * cols + c]);
    std::printf("\n");
  }
}

void worked_examples() {
  Tensor image = Tensor::from_vector({1, 1, 5, 5}, std::vector<double>{3, 3, 2, 1, 0, 0, 0, 1, 3, 1, 3, 1, 2, 2, 3,
                                                                        2, 0, 0, 2, 2, 2, 0, 0, 0, 1});
  Tensor kernel = Tensor::from_vector({1, 1, 3, 3}, std::vector<double>{0, 1, 2, 2, 2, 0, 0, 1, 2});
  print_matrix("5x5 input (*) 3x3 kernel:", conv(image, {kernel}));
  print_matrix("with bias 2:", conv(image, {kernel, Tensor::full({1}, 2.0)}));
  Tensor p = softmax(Tensor::from_vector({3}, std::vector<double>{8, 5, 0}));
  std::printf("softmax([8, 5, 0]) = [%.4f, %.4f, %.4f]\n\n", p.at({0}), p.at({1}), p.at({2}));
}

// n images of 8x8 with one bar; label 0 = horizontal, 1 = vertical.
void make_bars(int n, Generator& gen, Tensor& images, Tensor& onehot) {
  images = Tensor::zeros({n, 1, 8, 8});
  onehot = Tensor::zeros({n, 2});
  float* x = images.data<float>();
  for (int i = 0; i < n; ++i) {
    const int label = gen.uniform() < 0.5 ? 0 : 1;
    const int at = 1 + static_cast<int>(gen.uniform() * 6);
    for (int k = 0; k < 8; ++k) x[i * 64 + (label == 0 ? at * 8 + k : k * 8 + at)] = 1.0f;
    for (int k = 0; k < 64; ++k) x[i * 64 + k] += static_cast<float>(gen.normal(0, 0.1));
    onehot.data<float>()[i * 2 + label] = 1.0f;
  }
}

double accuracy(const Tensor& logits, const Tensor& onehot) {
  int correct = 0;
  for (int64_t i = 0; i < logits.dim(0); ++i) {
    const int predicted = logits.at({i, 1}) > logits.at({i, 0}) ? 1 : 0;
    correct += onehot.at({i, predicted}) == 1.0;
  }
  return static_cast<double>(correct) / logits.dim(0);
}

// The slides' Keras MNIST CNN from the zoo; prints the parameter table (Total params: 1,199,882).
void print_seed_model() { std::printf("%s\n", zoo::mnist_cnn().summary().c_str()); }

void train_tiny_cnn() {
  manual_seed(7);
  Sequential model({
      InputLayer({1, 8, 8}),
      Conv2D({.filters = 4, .kernel_size = {3}, .data_format = DataFormat::channels_first,
              .activation = ActivationKind::relu}),
      MaxPooling2D({.pool_size = {2}, .data_format = DataFormat::channels_first}),
      Flatten({.data_format = DataFormat::channels_first}),
      Dense({.units = 2}),
  }, "tiny_cnn");
  auto optimizer = optimizers::Adam({.learning_rate = 0.02});
  Generator gen(7);
  Tensor test_x, test_y;
  make_bars(200, gen, test_x, test_y);
  std::printf("training a tiny CNN (conv 3x3 relu -> max-pool 2 -> dense, Adam) on synthetic bar images\n");
  for (int step = 1; step <= 60; ++step) {
    Tensor x, y;
    make_bars(32, gen, x, y);
    const std::vector<Tensor> params = model.trainable_weights();
    for (Tensor p : params) p.zero_grad();
    Tensor loss = -mean(sum(log_softmax(model(x, true)) * y, {1}));  // cross-entropy
    loss.backward();
    optimizer->step(params);
    if (step % 10 == 0) {
      autograd::NoGradGuard no_grad;
      std::printf("step %2d  loss %.4f  test accuracy %.3f\n", step, loss.item(), accuracy(model(test_x), test_y));
    }
  }
}

}  // namespace

int main() {
  set_num_threads(2);
  std::printf("fovea engine demo (backend: %s)\n\n", std::string(backend_name(preferred_backend())).c_str());
  worked_examples();
  print_seed_model();
  train_tiny_cnn();
  return 0;
}
