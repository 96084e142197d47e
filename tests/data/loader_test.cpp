// DataLoader: epoch orders, batch sizes, determinism across worker counts, errors raised in workers, restarting and
// destroying mid-epoch, and constructor validation.
#include "fovea/data/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>

#include "fovea/core/error.h"

namespace fovea {
namespace {

// x (n, 2) with row i = (i, 100 + i); y int64 (n) with y[i] = 1000 + i.
Tensor rows_x(int64_t n) {
  std::vector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    values.push_back(static_cast<double>(i));
    values.push_back(100.0 + static_cast<double>(i));
  }
  return Tensor::from_vector({n, 2}, values);
}
Tensor labels_y(int64_t n) {
  std::vector<double> values(n);
  std::iota(values.begin(), values.end(), 1000.0);
  return Tensor::from_vector({n}, values, DType::i64);
}

// Every batch of one epoch.
std::vector<Batch> epoch(DataLoader& loader, int64_t e) {
  loader.start_epoch(e);
  std::vector<Batch> batches;
  Batch batch;
  while (loader.next(batch)) batches.push_back(batch);
  return batches;
}

// The sample order an epoch visits, read from column 0 of x.
std::vector<int64_t> order_of(const std::vector<Batch>& batches) {
  std::vector<int64_t> order;
  for (const Batch& b : batches) {
    for (int64_t i = 0; i < b.size; ++i) order.push_back(static_cast<int64_t>(b.x.at({i, 0})));
  }
  return order;
}

template <class Fn>
void expect_error_text(Fn&& fn, const std::string& expected) {
  try {
    fn();
    FAIL() << "expected an error: " << expected;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), expected);
  }
}

// Throws when it meets the sample whose first value is `poison`.
class PoisonTransform : public Transform {
 public:
  explicit PoisonTransform(float poison) : poison_(poison) {}
  std::string_view name() const override { return "Poison"; }
  std::string to_string() const override { return "poison"; }
  void check(const Shape&) const override {}
  void apply(float* sample, const Shape&, Generator&, std::vector<float>&) const override {
    if (sample[0] == poison_) throw ValueError("Poison: met sample " + std::to_string(static_cast<int>(poison_)));
  }

 private:
  float poison_;
};

TEST(DataLoader, WithoutShuffleBatchesAreConsecutiveSlices) {
  for (int workers : {0, 1, 3}) {
    DataLoader loader(rows_x(10), labels_y(10), {.batch_size = 4, .shuffle = false, .num_workers = workers});
    EXPECT_EQ(loader.size(), 10);
    EXPECT_EQ(loader.num_batches(), 3);
    const std::vector<Batch> batches = epoch(loader, 0);
    ASSERT_EQ(batches.size(), 3u);
    for (int64_t b = 0; b < 3; ++b) {
      const int64_t expected_size = b < 2 ? 4 : 2;
      EXPECT_EQ(batches[b].index, b);
      EXPECT_EQ(batches[b].size, expected_size);
      EXPECT_EQ(batches[b].x.shape(), (Shape{expected_size, 2}));
      EXPECT_EQ(batches[b].y.shape(), (Shape{expected_size}));
      EXPECT_EQ(batches[b].y.dtype(), DType::i64);
      for (int64_t i = 0; i < expected_size; ++i) {
        const int64_t row = b * 4 + i;
        EXPECT_EQ(batches[b].x.at({i, 0}), row);
        EXPECT_EQ(batches[b].x.at({i, 1}), 100 + row);
        EXPECT_EQ(batches[b].y.at({i}), 1000 + row);
      }
    }
  }
}

TEST(DataLoader, DropLastDropsTheShortBatch) {
  DataLoader loader(rows_x(10), labels_y(10), {.batch_size = 4, .shuffle = false, .drop_last = true});
  EXPECT_EQ(loader.num_batches(), 2);
  EXPECT_EQ(order_of(epoch(loader, 0)), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  DataLoader exact(rows_x(8), labels_y(8), {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(exact.num_batches(), 2);
  DataLoader empty(Tensor::zeros({0, 3}), Tensor(), {.batch_size = 4});
  EXPECT_EQ(empty.num_batches(), 0);
  Batch batch;
  EXPECT_FALSE(empty.next(batch));
}

TEST(DataLoader, ShuffleVisitsEverySampleOncePerEpochInASeededOrder) {
  DataLoader loader(rows_x(50), labels_y(50), {.batch_size = 8, .seed = 5});
  const std::vector<int64_t> first = order_of(epoch(loader, 0));
  const std::vector<int64_t> second = order_of(epoch(loader, 1));
  std::vector<int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  for (const auto& order : {first, second}) {
    std::vector<int64_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, identity);
    EXPECT_NE(order, identity);
  }
  EXPECT_NE(first, second);
  // The same seed gives the same orders in another loader; labels travel with their rows.
  DataLoader again(rows_x(50), labels_y(50), {.batch_size = 8, .seed = 5, .num_workers = 0});
  const std::vector<Batch> batches = epoch(again, 1);
  EXPECT_EQ(order_of(batches), second);
  EXPECT_EQ(batches[0].y.at({0}), 1000 + second[0]);
  DataLoader other(rows_x(50), labels_y(50), {.batch_size = 8, .seed = 6});
  EXPECT_NE(order_of(epoch(other, 1)), second);
}

TEST(DataLoader, WorksWithoutLabelsAndFromADataset) {
  DataLoader loader(rows_x(5), Tensor(), {.batch_size = 2, .shuffle = false});
  const std::vector<Batch> batches = epoch(loader, 0);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_FALSE(batches[0].y.defined());
  const Dataset data{Tensor::zeros({6, 4, 4, 1}), labels_y(6)};
  DataLoader from_dataset(data, {.batch_size = 4});
  EXPECT_EQ(from_dataset.num_batches(), 2);
  Batch batch;
  ASSERT_TRUE(from_dataset.next(batch));  // next() before start_epoch starts epoch 0
  EXPECT_EQ(batch.x.shape(), (Shape{4, 4, 4, 1}));
}

TEST(DataLoader, AugmentedBatchesAreTheSameForAnyNumberOfWorkers) {
  const Tensor images = Tensor::uniform({37, 6, 6, 2}, 0, 1, nullptr);
  auto augmentation = std::make_shared<const Augmentation>(
      Augmentation::parse("flip,crop=2,rotation=0.1,brightness=0.1:value_range=0..1"));
  std::vector<std::vector<double>> reference;
  for (int workers : {0, 1, 3}) {
    DataLoader loader(
        images, labels_y(37),
        {.batch_size = 5, .seed = 9, .num_workers = workers, .prefetch_batches = 3, .augmentation = augmentation});
    std::vector<std::vector<double>> seen;
    for (int64_t e = 0; e < 2; ++e) {
      for (const Batch& b : epoch(loader, e)) seen.push_back(b.x.to_vector());
    }
    if (reference.empty()) {
      reference = seen;
    } else {
      EXPECT_EQ(seen, reference) << workers << " workers";
    }
  }
  // Each sample is augmented with Generator(sample_seed(seed, epoch, position)), as documented.
  DataLoader loader(images, labels_y(37), {.batch_size = 5, .seed = 9, .augmentation = augmentation});
  const std::vector<Batch> batches = epoch(loader, 1);
  const int64_t position = 7, label = static_cast<int64_t>(batches[1].y.at({2})) - 1000;  // batch 1, row 2
  Generator gen(DataLoader::sample_seed(9, 1, position));
  const std::vector<double> all = images.to_vector();
  const Tensor source =
      Tensor::from_vector({6, 6, 2}, std::vector<double>(all.begin() + label * 72, all.begin() + (label + 1) * 72));
  const Tensor expected = (*augmentation)(source, gen);
  const std::vector<double> row = batches[1].x.to_vector();
  EXPECT_EQ(std::vector<double>(row.begin() + 2 * 72, row.begin() + 3 * 72), expected.to_vector());
}

TEST(DataLoader, ErrorsInWorkersReachNext) {
  auto augmentation = std::make_shared<Augmentation>();
  augmentation->add(std::make_shared<PoisonTransform>(13.0f));
  for (int workers : {0, 1, 3}) {
    DataLoader loader(rows_x(20), labels_y(20),
                      {.batch_size = 4,
                       .shuffle = false,
                       .num_workers = workers,
                       .prefetch_batches = 4,
                       .augmentation = augmentation});
    loader.start_epoch(0);
    Batch batch;
    for (int b = 0; b < 3; ++b) ASSERT_TRUE(loader.next(batch)) << workers << " workers";
    // Batch 3 holds sample 13: its error comes out of next(), and again until the epoch restarts.
    expect_error_text([&] { loader.next(batch); }, "Poison: met sample 13");
    expect_error_text([&] { loader.next(batch); }, "Poison: met sample 13");
    loader.start_epoch(1);
    ASSERT_TRUE(loader.next(batch));
    EXPECT_EQ(batch.x.at({0, 0}), 0);
  }
}

TEST(DataLoader, StartEpochRestartsCleanlyMidEpoch) {
  for (int workers : {0, 2}) {
    LoaderOptions options{.batch_size = 3, .seed = 4, .num_workers = workers};
    DataLoader fresh(rows_x(20), labels_y(20), options);
    const std::vector<int64_t> epoch0 = order_of(epoch(fresh, 0));
    const std::vector<int64_t> epoch1 = order_of(epoch(fresh, 1));
    DataLoader loader(rows_x(20), labels_y(20), options);
    loader.start_epoch(0);
    Batch batch;
    ASSERT_TRUE(loader.next(batch));
    ASSERT_TRUE(loader.next(batch));
    EXPECT_EQ(order_of(epoch(loader, 0)), epoch0);  // from its first batch again
    loader.start_epoch(0);
    ASSERT_TRUE(loader.next(batch));
    EXPECT_EQ(order_of(epoch(loader, 1)), epoch1);
    EXPECT_EQ(epoch(loader, 1).front().index, 0);
  }
}

TEST(DataLoader, DestructionMidEpochStopsTheWorkers) {
  auto augmentation = std::make_shared<const Augmentation>(Augmentation::parse("rotation=0.2,zoom=0.2"));
  const Tensor images = Tensor::zeros({400, 16, 16, 3});
  for (int workers : {1, 4}) {
    DataLoader loader(images, Tensor(),
                      {.batch_size = 8, .num_workers = workers, .prefetch_batches = 4, .augmentation = augmentation});
    loader.start_epoch(0);
    Batch batch;
    ASSERT_TRUE(loader.next(batch));
  }  // the destructor joins workers that are preparing batches
  DataLoader never_started(images, Tensor(), {.num_workers = 2});
}

TEST(DataLoader, ValidatesItsArguments) {
  expect_error_text([] { DataLoader(rows_x(4), labels_y(4), {.batch_size = 0}); },
                    "DataLoader: batch_size must be > 0; got 0");
  expect_error_text(
      [] { DataLoader(rows_x(4), labels_y(5)); },
      "DataLoader: x and y must hold the same number of samples (first dimension); got x (4, 2) and y (5,)");
  expect_error_text([] { DataLoader(rows_x(4), labels_y(4), {.num_workers = -1}); },
                    "DataLoader: num_workers must be >= 0 (0 = no threads); got -1");
  expect_error_text([] { DataLoader(rows_x(4), labels_y(4), {.prefetch_batches = 0}); },
                    "DataLoader: prefetch_batches must be >= 1; got 0");
  auto flip = std::make_shared<const Augmentation>(Augmentation::parse("flip"));
  // 1-D signals (N, L, 1) reach the augmentation as (L, 1) samples, which geometric transforms refuse up front.
  expect_error_text(
      [&] {
        DataLoader(Tensor::zeros({4, 50, 1}), labels_y(4), {.augmentation = flip});
      },
      "RandomFlip needs image samples (height, width, channels); got a sample of shape (50, 1) "
      "(geometric transforms do not apply to 1-D signals (length, channels))");
}

TEST(DataLoader, AugmentationConvertsStoredBytesBatchByBatch) {
  // The same pixels as bytes and as floats give the same augmented float32 batches.
  Tensor bytes = Tensor::empty({8, 5, 5, 1}, DType::u8);
  for (int64_t i = 0; i < bytes.numel(); ++i) bytes.data<uint8_t>()[i] = static_cast<uint8_t>(i % 251);
  auto flip = std::make_shared<const Augmentation>(Augmentation::parse("flip,translation=0.2"));
  DataLoader from_bytes(bytes, labels_y(8), {.batch_size = 3, .seed = 5, .augmentation = flip});
  DataLoader from_floats(bytes.to(DType::f32), labels_y(8), {.batch_size = 3, .seed = 5, .augmentation = flip});
  from_bytes.start_epoch(0);
  from_floats.start_epoch(0);
  Batch a, b;
  while (from_floats.next(b)) {
    ASSERT_TRUE(from_bytes.next(a));
    ASSERT_EQ(a.x.dtype(), DType::f32);
    EXPECT_EQ(a.x.to_vector(), b.x.to_vector());
  }
  EXPECT_FALSE(from_bytes.next(a));
}

TEST(DataLoader, ANormalizerTurnsStoredBytesIntoNormalizedFloatBatches) {
  // Bytes 0..239 as 20 samples of (3, 2, 2); each batch must equal the normalizer applied to its float rows.
  Tensor bytes = Tensor::empty({20, 3, 2, 2}, DType::u8);
  for (int64_t i = 0; i < bytes.numel(); ++i) bytes.data<uint8_t>()[i] = static_cast<uint8_t>(i);
  const Tensor floats = bytes.to(DType::f32);
  auto normalizer = std::make_shared<const Normalizer>(Normalizer::fit(floats, NormalizationKind::z_score, true));
  auto flip = std::make_shared<const Augmentation>(Augmentation::parse("flip"));
  for (bool augment : {false, true}) {
    LoaderOptions options{.batch_size = 6, .seed = 3, .normalizer = normalizer};
    DataLoader from_floats(normalizer->transform(floats), labels_y(20),
                           {.batch_size = 6, .seed = 3, .augmentation = augment ? flip : nullptr});
    options.augmentation = augment ? flip : nullptr;
    DataLoader from_bytes(bytes, labels_y(20), options);
    const std::vector<Batch> expected = epoch(from_floats, 1), actual = epoch(from_bytes, 1);
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t b = 0; b < actual.size(); ++b) {
      EXPECT_EQ(actual[b].x.dtype(), DType::f32);
      EXPECT_EQ(actual[b].x.to_vector(), expected[b].x.to_vector()) << "batch " << b << (augment ? " augmented" : "");
      EXPECT_EQ(actual[b].y.to_vector(), expected[b].y.to_vector());
    }
  }
}

}  // namespace
}  // namespace fovea
