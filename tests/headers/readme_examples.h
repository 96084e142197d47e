// The code examples of README.md as functions (tests/headers/readme_examples.cpp), so that the build proves they
// compile and link and a test can run the quick ones.
#pragma once

namespace fovea_readme {

// README's first example: builds the Keras MNIST CNN and prints its summary to std::cout.
void top_example();
// "Training in C++": trains on Fashion-MNIST for minutes, so it is only compiled, never run by the tests.
void training_example();

}  // namespace fovea_readme
