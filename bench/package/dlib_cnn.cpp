// The slides' MNIST CNN in dlib's DNN API (see fovea_cnn.cpp). dlib's networks are types; its fc layers
// flatten their input.
#include <dlib/dnn.h>

#include <iostream>

using namespace dlib;

using net_type = loss_multiclass_log<
    fc<10, dropout<relu<fc<128, dropout<max_pool<2, 2, 2, 2, relu<con<64, 3, 3, 1, 1,
    relu<con<32, 3, 3, 1, 1, input<matrix<float>>>>>>>>>>>>>;

int main() {
  net_type net;
  std::cout << net << "\n";
  matrix<float> image = zeros_matrix<float>(28, 28);
  const unsigned long label = net(image);
  std::cout << label << " predicted\n";
}
