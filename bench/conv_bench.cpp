// Times fovea's oneDNN convolution kernels on the seed's MNIST layer (batch 128, 32->64 channels, 26x26 input,
// 3x3 kernel, 'valid', bias, relu; channels_first as PyTorch) forward, backward-data and backward-weights, then
// runs bench/torch_conv.py with the same shapes and threads right after, and prints both side by side with the
// fovea/PyTorch speed ratio (> 1: fovea is faster).
//   conv_bench [--repeats N] [--warmup N] [--threads N] [--python PATH] [--torch-script PATH] [--no-torch]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "fovea/fovea.h"

namespace {

using fovea::Tensor;

struct Options {
  int repeats = 20;
  int warmup = 3;
  int threads = 2;
  bool torch = true;
  std::string python = "/usr/bin/python3";
  std::string torch_script = (std::filesystem::path(__FILE__).parent_path() / "torch_conv.py").string();
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--repeats")
      o.repeats = std::stoi(value());
    else if (a == "--warmup")
      o.warmup = std::stoi(value());
    else if (a == "--threads")
      o.threads = std::stoi(value());
    else if (a == "--python")
      o.python = value();
    else if (a == "--torch-script")
      o.torch_script = value();
    else if (a == "--no-torch")
      o.torch = false;
    else {
      std::fprintf(stderr,
                   "usage: conv_bench [--repeats N] [--warmup N] [--threads N] [--python PATH] "
                   "[--torch-script PATH] [--no-torch]\n");
      std::exit(a == "--help" ? 0 : 2);
    }
  }
  if (o.repeats < 1) o.repeats = 1;
  return o;
}

struct Stats {
  double min = 0, median = 0, max = 0;
};

Stats stats_of(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  return {ms.front(), median, ms.back()};
}

template <class Fn>
std::vector<double> time_ms(const Options& o, Fn&& fn) {
  for (int i = 0; i < o.warmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < o.repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return ms;
}

// Runs the PyTorch script and parses its `<phase> <ms>...` lines; empty when PyTorch is not available.
std::map<std::string, std::vector<double>> run_torch(const Options& o, std::string& header) {
  std::map<std::string, std::vector<double>> result;
  const std::string cmd = o.python + " '" + o.torch_script + "' --threads " + std::to_string(o.threads) + " --warmup " +
                          std::to_string(o.warmup) + " --repeats " + std::to_string(o.repeats) + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return result;
  char line[65536];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::istringstream in(line);
    std::string first;
    in >> first;
    if (first == "torch") {
      header = line;
      continue;
    }
    if (first != "forward" && first != "backward_data" && first != "backward_weights") {
      std::fprintf(stderr, "pytorch: %s", line);
      continue;
    }
    for (double v; in >> v;) result[first].push_back(v);
  }
  if (pclose(pipe) != 0) {
    std::fprintf(stderr, "PyTorch run failed (is python3-torch installed?); showing fovea's numbers alone\n");
    result.clear();
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  fovea::set_num_threads(o.threads);

  // The seed's second MNIST layer: (128, 32, 26, 26) -> (128, 64, 24, 24) with a 3x3 kernel.
  fovea::ConvGeometry g;
  g.spatial_rank = 2;
  g.batch = 128;
  g.in_channels = 32;
  g.out_channels = 64;
  g.in_size = {26, 26};
  g.kernel_size = {3, 3};
  g.out_size = {24, 24};
  g.strides = {1, 1};
  g.dilation = {1, 1};
  g.pads_begin = {0, 0};
  g.pads_end = {0, 0};
  g.layout = fovea::Layout::channels_first;
  g.activation = fovea::Activation::relu();
  fovea::Generator gen(0);
  const Tensor x = Tensor::uniform({128, 32, 26, 26}, -1, 1, &gen);
  const Tensor w = Tensor::uniform({64, 32, 3, 3}, -0.1, 0.1, &gen);
  const Tensor b = Tensor::uniform({64}, -1, 1, &gen);
  const Tensor dy = Tensor::uniform({128, 64, 24, 24}, -1, 1, &gen);
  fovea::Backend& be = fovea::onednn_backend();

  // Outputs are allocated inside the timed region, as fovea::conv and its backward rule do (and as PyTorch does).
  std::map<std::string, std::vector<double>> fovea_ms;
  fovea_ms["forward"] = time_ms(o, [&] {
    Tensor y = Tensor::empty(dy.shape());
    be.conv_forward(g, x, w, b, y);
  });
  fovea_ms["backward_data"] = time_ms(o, [&] {
    Tensor dx = Tensor::empty(x.shape());
    be.conv_backward_data(g, dy, w, dx);
  });
  fovea_ms["backward_weights"] = time_ms(o, [&] {
    Tensor dw = Tensor::empty(w.shape()), db = Tensor::empty(b.shape());
    be.conv_backward_weights(g, x, dy, dw, db);
  });

  std::string torch_header;
  const auto torch_ms = o.torch ? run_torch(o, torch_header) : std::map<std::string, std::vector<double>>{};

  const double gflop = 2.0 * 128 * 64 * 24 * 24 * 32 * 3 * 3 / 1e9;
  std::printf(
      "conv 3x3 valid, x (128, 32, 26, 26) -> y (128, 64, 24, 24), bias + relu, NCHW float32, %d threads, "
      "%d repeats after %d warm-up; %.3f GFLOP per call\n",
      o.threads, o.repeats, o.warmup, gflop);
  if (!torch_header.empty()) std::printf("%s", torch_header.c_str());
  std::printf("%-17s %-26s %8s %-26s %8s %8s\n", "phase", "fovea ms (min/med/max)", "GFLOP/s",
              "pytorch ms (min/med/max)", "GFLOP/s", "speed");
  for (const char* phase : {"forward", "backward_data", "backward_weights"}) {
    const Stats f = stats_of(fovea_ms[phase]);
    char fcol[64];
    std::snprintf(fcol, sizeof fcol, "%.2f/%.2f/%.2f", f.min, f.median, f.max);
    std::printf("%-17s %-26s %8.1f", phase, fcol, gflop / (f.median / 1e3));
    auto it = torch_ms.find(phase);
    if (it != torch_ms.end() && !it->second.empty()) {
      const Stats t = stats_of(it->second);
      char tcol[64];
      std::snprintf(tcol, sizeof tcol, "%.2f/%.2f/%.2f", t.min, t.median, t.max);
      std::printf(" %-26s %8.1f %7.2fx", tcol, gflop / (t.median / 1e3), t.median / f.median);
    }
    std::printf("\n");
  }
  if (!torch_ms.empty()) std::printf("speed = PyTorch median / fovea median (above 1: fovea is faster)\n");
  return 0;
}
