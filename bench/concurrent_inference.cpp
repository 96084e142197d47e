// Many threads serving one loaded model: images per second of `--callers` threads calling predict_on_batch on
// one mnist-cnn at once, against one thread calling it alone with every core, at each batch size; then the same in
// PyTorch (bench/torch_concurrent.py: TorchScript, Python threads, which release the GIL inside the ops).
//
//   concurrent_inference [--callers 8] [--batches 16,1] [--seconds 2] [--rounds 5] [--omp-per-caller N] [--no-torch]
//
// The one-caller and many-caller figures alternate --rounds times per batch size, so that both meet the same moments
// of a shared machine; each figure is the median of its rounds.
//
// --omp-per-caller (default: cores / callers, at least 1) is the OpenMP thread count of each calling thread. Each
// caller's kernels start a team of that many threads, so callers x threads above the cores oversubscribe the
// machine: with 8 callers on 2 cores, one thread each keeps both cores busy with no team waiting on a descheduled
// member, and batches this small gain little from splitting one call over cores anyway.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fovea/fovea.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int callers = 8;
  std::vector<int64_t> batches = {16, 1};
  double seconds = 2;
  int rounds = 5;
  int omp_per_caller = 0;  // 0: cores / callers
  bool torch = true;
  std::string python = "/usr/bin/python3";
  std::string torch_script = "bench/torch_concurrent.py";
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
    if (a == "--callers") {
      o.callers = std::stoi(value());
    } else if (a == "--batches") {
      o.batches.clear();
      std::stringstream items(value());
      std::string item;
      while (std::getline(items, item, ',')) o.batches.push_back(std::stoll(item));
    } else if (a == "--seconds") {
      o.seconds = std::stod(value());
    } else if (a == "--rounds") {
      o.rounds = std::stoi(value());
    } else if (a == "--omp-per-caller") {
      o.omp_per_caller = std::stoi(value());
    } else if (a == "--no-torch") {
      o.torch = false;
    } else if (a == "--python") {
      o.python = value();
    } else if (a == "--torch-script") {
      o.torch_script = value();
    } else {
      std::fprintf(stderr,
                   "usage: concurrent_inference [--callers N] [--batches 16,1] [--seconds S] [--rounds R] "
                   "[--omp-per-caller N] "
                   "[--no-torch] [--python PATH] [--torch-script PATH]\n");
      std::exit(2);
    }
  }
  if (o.callers < 1 || o.seconds <= 0 || o.rounds < 1 || o.omp_per_caller < 0 || o.batches.empty() ||
      std::any_of(o.batches.begin(), o.batches.end(), [](int64_t b) { return b < 1; })) {
    std::fprintf(stderr, "concurrent_inference: callers, seconds and batch sizes must be positive\n");
    std::exit(2);
  }
  return o;
}

// Images per second of `callers` threads, each with `omp_threads` OpenMP threads, calling predict_on_batch on
// the model with batches of `batch` for `seconds` (after a warm-up call each, which creates its primitives).
double images_per_second(fovea::Model& model, int callers, int omp_threads, int64_t batch, double seconds) {
  std::barrier start(callers + 1);
  std::atomic<bool> stop{false};
  std::vector<int64_t> calls(static_cast<size_t>(callers), 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      fovea::set_num_threads(omp_threads);
      fovea::Generator gen(static_cast<uint64_t>(t));
      const fovea::Tensor x = fovea::Tensor::uniform({batch, 28, 28, 1}, 0.0, 1.0, &gen);
      model.predict_on_batch(x);
      start.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        model.predict_on_batch(x);
        ++calls[static_cast<size_t>(t)];
      }
    });
  }
  start.arrive_and_wait();
  const Clock::time_point began = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - began).count();
  int64_t total = 0;
  for (int64_t c : calls) total += c;
  return static_cast<double>(total * batch) / elapsed;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// PyTorch's figures, "<callers> <batch> <images/s>" per line, or an empty list when it cannot run.
std::vector<std::string> torch_lines(const Options& o, int cores, int omp_per_caller) {
  std::string batches;
  for (int64_t b : o.batches) batches += (batches.empty() ? "" : ",") + std::to_string(b);
  const std::string cmd = o.python + " '" + o.torch_script + "' --callers " + std::to_string(o.callers) +
                          " --batches " + batches + " --seconds " + std::to_string(o.seconds) + " --rounds " +
                          std::to_string(o.rounds) + " --cores " + std::to_string(cores) + " --omp-per-caller " +
                          std::to_string(omp_per_caller);
  std::vector<std::string> lines;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return lines;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) lines.emplace_back(buffer);
  if (pclose(pipe) != 0) lines.clear();
  return lines;
}

double torch_figure(const std::vector<std::string>& lines, int callers, int64_t batch) {
  for (const std::string& line : lines) {
    int c = 0;
    long long b = 0;
    double ips = 0;
    if (std::sscanf(line.c_str(), "%d %lld %lf", &c, &b, &ips) == 3 && c == callers && b == batch) return ips;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const int cores = fovea::num_threads();
  const int omp_per_caller = o.omp_per_caller > 0 ? o.omp_per_caller : std::max(1, cores / o.callers);
  fovea::manual_seed(0);
  fovea::Sequential model = fovea::zoo::mnist_cnn();

  std::printf(
      "mnist-cnn inference, %d cores; 1 caller with %d OpenMP threads against %d callers with %d each, "
      "median of %d alternating rounds of %.1f s\n",
      cores, cores, o.callers, omp_per_caller, o.rounds, o.seconds);
  const std::vector<std::string> torch = o.torch ? torch_lines(o, cores, omp_per_caller) : std::vector<std::string>();
  if (o.torch && torch.empty()) std::printf("(PyTorch run failed or is not installed: fovea's figures alone)\n");
  std::printf(
      "| batch | fovea 1 caller img/s | fovea %d callers img/s | fovea ratio | PyTorch 1 caller | PyTorch %d "
      "callers | PyTorch ratio | fovea / PyTorch (%d callers) |\n|---|---|---|---|---|---|---|---|\n",
      o.callers, o.callers, o.callers);
  for (int64_t batch : o.batches) {
    std::vector<double> ones, manys;
    for (int round = 0; round < o.rounds; ++round) {
      ones.push_back(images_per_second(model, 1, cores, batch, o.seconds));
      manys.push_back(images_per_second(model, o.callers, omp_per_caller, batch, o.seconds));
    }
    const double one = median(ones), many = median(manys);
    const double torch_one = torch_figure(torch, 1, batch), torch_many = torch_figure(torch, o.callers, batch);
    std::printf("| %lld | %.0f | %.0f | %.2fx |", static_cast<long long>(batch), one, many, many / one);
    if (torch_one > 0 && torch_many > 0) {
      std::printf(" %.0f | %.0f | %.2fx | %.2fx |\n", torch_one, torch_many, torch_many / torch_one, many / torch_many);
    } else {
      std::printf(" - | - | - | - |\n");
    }
  }
  return 0;
}
