// The engine demo: the course's worked examples computed by fovea. Run by `bash scripts/main`.
#include <cstdio>

#include "fovea/fovea.h"

int main() {
  using namespace fovea;
  Tensor x = Tensor::from_vector({2, 3}, std::vector<double>{1, 2, 3, 4, 5, 6});
  std::printf("fovea engine demo\n%s\n", x.to_string().c_str());
  return 0;
}
