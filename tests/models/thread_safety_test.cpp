// A loaded model called from many threads at once gives exactly the outputs of one call at a time; the
// process-wide state those calls and model loading touch (primitive caches, the default generator, the layer
// registry) is safe to share. These tests also run under ThreadSanitizer in CI (tests/tsan.supp).
#include <gtest/gtest.h>

#include <barrier>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/data_test_util.h"
#include "fovea/autograd/autograd.h"
#include "fovea/core/rng.h"
#include "fovea/core/threading.h"
#include "fovea/io/model_file.h"
#include "fovea/layers/layer_config.h"
#include "fovea/layers/reshaping.h"
#include "fovea/models/config.h"
#include "fovea/train/training.h"
#include "fovea/zoo/modern.h"
#include "fovea/zoo/zoo.h"

namespace fovea {
namespace {

constexpr int kThreads = 8;

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// The model written to a file and read back, as a serving program would hold it.
std::shared_ptr<Model> saved_and_loaded(Model& model, const std::string& name) {
  const std::string path = (testing_data::test_temp_dir() / (name + ".fovea")).string();
  save_model(model, path);
  return load_model(path);
}

// Runs work(thread_index) on kThreads threads that start together. Every thread runs kernels with the OpenMP
// thread count of the caller, so that results cannot differ by a thread-count-dependent split of the work. An
// exception in a thread is a test failure (not std::terminate).
void run_together(const std::function<void(int)>& work) {
  const int omp_threads = num_threads();
  std::barrier start(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      set_num_threads(omp_threads);
      start.arrive_and_wait();
      try {
        work(t);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
}

// n images of height x width x channels, uniform in [0, 1).
Tensor images(int64_t n, int64_t height, int64_t width, int64_t channels, uint64_t seed) {
  Generator gen(seed);
  return Tensor::uniform({n, height, width, channels}, 0.0, 1.0, &gen);
}

TEST(ThreadSafety, ThreadsPredictingOnOneModelWithTheSameBatchSizeGetTheSerialOutputs) {
  Sequential built = zoo::mnist_cnn();
  std::shared_ptr<Model> model = saved_and_loaded(built, "mnist_cnn_same");
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(images(16, 28, 28, 1, 100 + t));
    expected.push_back(model->predict(inputs.back(), {.batch_size = 16}));
  }
  std::vector<int> matches(kThreads, 0);
  run_together([&](int t) {
    for (int repeat = 0; repeat < 3; ++repeat)
      matches[t] += same_bits(model->predict(inputs[t], {.batch_size = 16}), expected[t]);
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(matches[t], 3) << "thread " << t;
}

TEST(ThreadSafety, ThreadsWithDifferentBatchSizesAndEntryPointsGetTheSerialOutputs) {
  Model built = zoo::resnet18({.input_shape = {32, 32, 3}, .num_classes = 10});
  std::shared_ptr<Model> model = saved_and_loaded(built, "resnet18_mixed");
  std::vector<Tensor> inputs, expected;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(images(1 + t % 4, 32, 32, 3, 200 + t));
    expected.push_back(model->predict(inputs.back(), {.batch_size = 4}));
  }
  std::vector<int> matches(kThreads, 0);
  run_together([&](int t) {
    // predict, operator() and predict_on_batch in turn: all three are documented as safe to call concurrently.
    for (int repeat = 0; repeat < 3; ++repeat) {
      Tensor y;
      switch ((t + repeat) % 3) {
        case 0:
          y = model->predict(inputs[t], {.batch_size = 4});
          break;
        case 1: {
          autograd::NoGradGuard no_grad;
          y = (*model)(inputs[t]);
          break;
        }
        case 2:
          y = model->predict_on_batch(inputs[t]);
          break;
      }
      matches[t] += same_bits(y, expected[t]);
    }
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(matches[t], 3) << "thread " << t;
}

TEST(ThreadSafety, ThreadsWithAModelEachGetTheSerialOutputs) {
  Sequential built = zoo::mnist_cnn();
  const std::string path = (testing_data::test_temp_dir() / "mnist_cnn_each.fovea").string();
  save_model(built, path);
  const Tensor x = images(16, 28, 28, 1, 300);
  const Tensor expected = load_model(path)->predict(x);
  std::vector<int> matches(kThreads, 0);
  run_together([&](int t) {
    std::shared_ptr<Model> own = load_model(path);  // loading concurrently too
    matches[t] = same_bits(own->predict(x), expected);
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(matches[t], 1) << "thread " << t;
}

TEST(ThreadSafety, ConcurrentDrawsFromTheDefaultGeneratorTakeWholeCallsFromOneSequence) {
  constexpr int64_t kDraws = 1000;
  manual_seed(7);
  std::vector<double> serial = Tensor::uniform({kThreads * kDraws}, 0.0, 1.0, nullptr, DType::f64).to_vector();
  manual_seed(7);
  std::vector<std::vector<double>> drawn(kThreads);
  run_together([&](int t) { drawn[t] = Tensor::uniform({kDraws}, 0.0, 1.0, nullptr, DType::f64).to_vector(); });
  // Each call holds the generator for all its draws, so every thread got one contiguous block of the sequence.
  std::vector<bool> block_used(kThreads, false);
  for (int t = 0; t < kThreads; ++t) {
    bool found = false;
    for (int block = 0; block < kThreads && !found; ++block) {
      if (block_used[block]) continue;
      found = std::equal(drawn[t].begin(), drawn[t].end(), serial.begin() + block * kDraws);
      if (found) block_used[block] = true;
    }
    EXPECT_TRUE(found) << "thread " << t << "'s draws are not one block of the serial sequence";
  }
}

TEST(ThreadSafety, LayerClassesCanBeRegisteredWhileOtherThreadsLoadModels) {
  Sequential built = zoo::mnist_cnn();
  const nlohmann::json config = built.to_config();
  std::vector<int> loaded(kThreads, 0);
  run_together([&](int t) {
    if (t % 2 == 0) {
      register_layer_class("ThreadSafetyLayer" + std::to_string(t),
                           [](const ConfigReader&) { return Layer(Flatten()); });
    }
    loaded[t] = model_from_config(config)->count_params() == built.count_params();
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(loaded[t], 1) << "thread " << t;
}

TEST(GeneratorState, ARestoredGeneratorDrawsWhatTheOriginalDraws) {
  Generator original(123);
  for (int i = 0; i < 5; ++i) original.next_u64();
  original.normal();  // leaves a spare normal value, which is part of the state
  Generator restored(0);
  restored.set_state(original.state());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(restored.normal(), original.normal());
    EXPECT_EQ(restored.next_u64(), original.next_u64());
  }
}

TEST(GeneratorState, MalformedStateTextIsAValueError) {
  Generator gen(1);
  const std::string before = gen.state();
  for (const std::string bad : {std::string(""), std::string("1 2 3"), gen.state() + " trailing"}) {
    try {
      gen.set_state(bad);
      ADD_FAILURE() << "no error for '" << bad.substr(0, 20) << "'";
    } catch (const ValueError& e) {
      EXPECT_EQ(std::string(e.what()),
                "random generator state: expected the text Generator::state() writes (the mt19937_64 state, a flag "
                "and a number), got " +
                    std::to_string(bad.size()) + " characters that do not parse");
    }
  }
  EXPECT_EQ(gen.state(), before);  // a failed set_state changes nothing
}

}  // namespace
}  // namespace fovea
