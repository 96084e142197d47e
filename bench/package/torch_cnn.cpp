// The slides' MNIST CNN in LibTorch's C++ API (see fovea_cnn.cpp).
#include <torch/torch.h>

#include <iostream>

int main() {
  namespace nn = torch::nn;
  nn::Sequential model(nn::Conv2d(nn::Conv2dOptions(1, 32, 3)), nn::ReLU(), nn::Conv2d(nn::Conv2dOptions(32, 64, 3)),
                       nn::ReLU(), nn::MaxPool2d(nn::MaxPool2dOptions(2)), nn::Dropout(0.25), nn::Flatten(),
                       nn::Linear(64 * 12 * 12, 128), nn::ReLU(), nn::Dropout(0.5), nn::Linear(128, 10),
                       nn::Softmax(nn::SoftmaxOptions(1)));
  std::cout << model << "\n";
  model->eval();
  const torch::Tensor y = model->forward(torch::zeros({1, 1, 28, 28}));
  std::cout << y.size(1) << " outputs\n";
}
