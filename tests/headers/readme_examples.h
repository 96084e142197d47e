// The code examples of README.md as functions (tests/headers/readme_examples.cpp), so that the build proves they
// compile and link and a test can run the quick ones.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>

namespace fovea {
class Model;
class Tensor;
}  // namespace fovea

namespace fovea_readme {

// README's first example: builds the Keras MNIST CNN and prints its summary to std::cout.
void top_example();
// "Training in C++": trains on Fashion-MNIST for minutes, so it is only compiled, never run by the tests.
void training_example();
// "Seeing what the network learned": a model, data and one image of the caller's.
void viz_example(fovea::Model& model, const fovea::Tensor& x, const fovea::Tensor& y, const fovea::Tensor& image);

// "Searching hyperparameters": Hyperband in process over the caller's objective (writes search-out/), only compiled.
void tune_example(const std::function<double(const nlohmann::json&, double)>& train_for);

}  // namespace fovea_readme
