// `fovea bench --data`: training measured on a data set held in memory, run as a user would on IDX files the test
// writes itself.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "cli/cli_test_util.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run;
using testing::run_json;

using BenchCommandTest = testing::CommandTest;

void append_be32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

void write_file(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// An uncompressed IDX training split as MNIST names it: count random 28x28 images and labels 0-9.
void write_idx_training_split(const fs::path& dir, uint32_t count) {
  std::mt19937 rng(7);
  std::vector<uint8_t> images, labels;
  append_be32(images, 0x00000803);
  append_be32(images, count);
  append_be32(images, 28);
  append_be32(images, 28);
  for (uint32_t i = 0; i < count * 28 * 28; ++i) images.push_back(static_cast<uint8_t>(rng() % 256));
  append_be32(labels, 0x00000801);
  append_be32(labels, count);
  for (uint32_t i = 0; i < count; ++i) labels.push_back(static_cast<uint8_t>(rng() % 10));
  write_file(dir / "train-images-idx3-ubyte", images);
  write_file(dir / "train-labels-idx1-ubyte", labels);
}

TEST_F(BenchCommandTest, TrainsOnADataSetHeldInMemory) {
  const uint32_t samples = 300;  // not a multiple of the batch: the steps wrap around past the partial last batch
  const fs::path data = dir_ / "idx";
  fs::create_directories(data);
  write_idx_training_split(data, samples);

  nlohmann::json report = run_json("bench mnist-cnn --data idx:" + data.string() +
                                        " -b 32 --warmup 1 --repeats 12 --threads 1 --training-only --json",
                                    dir_);
  EXPECT_EQ(report["data"].get<std::string>(), "idx:" + data.string());
  EXPECT_EQ(report["data_samples"].get<int64_t>(), samples);
  // The stored pixel bytes (as `fovea train` holds them) and int64 labels: 300 x 784 + 300 x 8 bytes.
  EXPECT_NEAR(report["data_mib"].get<double>(), (samples * 784.0 + samples * 8.0) / (1024.0 * 1024.0), 1e-9);
  // The model's input and classes come from the data: the seed CNN on 28x28x1 with 10 classes.
  EXPECT_EQ(report["parameters"].get<int64_t>(), 1199882);
  ASSERT_TRUE(report.contains("training"));
  EXPECT_GT(report["training"]["median_ms"].get<double>(), 0.0);
  EXPECT_GT(report["training"]["peak_rss_mib"].get<double>(), report["data_mib"].get<double>());
  EXPECT_FALSE(report.contains("inference"));
}

TEST_F(BenchCommandTest, WithoutDataTheReportNamesNone) {
  nlohmann::json report = run_json("bench lwls-6.3 -b 2 --warmup 0 --repeats 1 --training-only --json", dir_);
  EXPECT_FALSE(report.contains("data"));
  EXPECT_FALSE(report.contains("data_samples"));
  EXPECT_GT(report["training"]["median_ms"].get<double>(), 0.0);
}

TEST_F(BenchCommandTest, BadDataNamesFailClearly) {
  CommandResult unknown = run("bench mnist-cnn --data no-such-data -b 4 --repeats 1 --training-only --json");
  EXPECT_NE(unknown.status, 0) << unknown.out;
  EXPECT_NE(unknown.out.find("data source 'no-such-data': unknown name"), std::string::npos) << unknown.out;
  EXPECT_NE(unknown.out.find("idx:DIR"), std::string::npos) << unknown.out;  // the forms it accepts

  const fs::path empty = dir_ / "empty";
  fs::create_directories(empty);
  CommandResult missing = run("bench mnist-cnn --data idx:" + empty.string() + " -b 4 --repeats 1 --training-only");
  EXPECT_NE(missing.status, 0) << missing.out;
  EXPECT_NE(missing.out.find("train-images-idx3-ubyte"), std::string::npos) << missing.out;

  // Fewer samples than one batch.
  const fs::path small = dir_ / "small";
  fs::create_directories(small);
  write_idx_training_split(small, 3);
  CommandResult tiny = run("bench mnist-cnn --data idx:" + small.string() + " -b 4 --repeats 1 --training-only");
  EXPECT_NE(tiny.status, 0) << tiny.out;
  EXPECT_NE(tiny.out.find("has 3 training samples; expected at least one batch of 4"), std::string::npos) << tiny.out;
}

}  // namespace
}  // namespace fovea
