// The slides' MNIST CNN defined and summarised: the one-file program bench/package/compare.sh compiles with each
// library (fovea_cnn.cpp, torch_cnn.cpp, dlib_cnn.cpp) to compare compile time and link dependencies.
#include <fovea/fovea.h>

#include <iostream>

using namespace fovea;

int main() {
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
  const Tensor y = model.predict(Tensor::zeros({1, 28, 28, 1}));
  std::cout << y.dim(1) << " outputs\n";
}
