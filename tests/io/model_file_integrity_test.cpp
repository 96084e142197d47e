// Model files from elsewhere are checked before they are used: every tensor against its stored CRC-32, every
// weight for NaN and infinity; files written before checksums existed still load, with a one-line note.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "data/data_test_util.h"
#include "fovea/io/json.h"
#include "fovea/io/model_file.h"
#include "fovea/layers/dense.h"
#include "fovea/layers/input_layer.h"
#include "io/safetensors.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;

Sequential small_model() { return Sequential({InputLayer({4}), Dense({.units = 3}), Dense({.units = 2})}); }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string load_error(const std::string& path) {
  try {
    load_model_file(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ModelFileIntegrity, AFlippedBitInAWeightIsAnErrorNamingTheTensor) {
  Sequential model = small_model();
  const std::string path = (testing_data::test_temp_dir() / "flipped.fovea").string();
  save_model(model, path);
  std::string bytes = read_bytes(path);
  bytes[bytes.size() - 3] ^= 0x10;  // inside the last tensor's data: dense_1/bias
  write_bytes(path, bytes);
  EXPECT_EQ(load_error(path), path +
                                  ": tensor 'dense_1/bias' does not match its checksum: the file is damaged "
                                  "(changed bytes or an incomplete copy)");
  try {
    load_weights(model, path);
    ADD_FAILURE() << "load_weights accepted a damaged file";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match its checksum"), std::string::npos) << e.what();
  }
}

TEST(ModelFileIntegrity, NonFiniteWeightsAreAnErrorNamingTheWeightIndexAndValue) {
  Sequential model = small_model();
  Tensor& kernel = model.get_layer("dense")->weight("kernel").value;
  kernel.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
  const std::string path = (testing_data::test_temp_dir() / "nan.fovea").string();
  save_model(model, path);  // a diverged model can still be saved, to be looked at
  EXPECT_EQ(load_error(path), path +
                                  ": weight 'dense/kernel' holds nan at index 5; a model's weights must be "
                                  "finite (was it saved after training diverged?)");
}

TEST(ModelFileIntegrity, FilesWithoutChecksumsLoadWithANote) {
  Sequential model = small_model();
  const std::string path = (testing_data::test_temp_dir() / "old.fovea").string();
  save_model(model, path);
  // The same file as an older fovea wrote it: no "checksums" entry.
  io_detail::SafetensorsContent content = io_detail::read_safetensors(path);
  content.metadata.erase("checksums");
  io_detail::write_safetensors(path, content.tensors, content.metadata);

  std::streambuf* saved = std::clog.rdbuf();
  std::ostringstream captured;
  std::clog.rdbuf(captured.rdbuf());
  LoadedModel loaded = load_model_file(path);
  std::clog.rdbuf(saved);
  const std::string note = path +
                           ": no checksums (written by an older fovea), so damaged weights cannot be "
                           "detected; saving the model again adds them";
  EXPECT_EQ(loaded.note, note);
  EXPECT_EQ(captured.str(), "fovea: note: " + note + "\n");
  EXPECT_EQ(loaded.model->count_params(), model.count_params());

  save_model(*loaded.model, path);
  EXPECT_EQ(load_model_file(path).note, "");
}

TEST(ModelFileIntegrity, AFifoIsRefusedWithoutWaitingForAWriter) {
  const std::string fifo = (testing_data::test_temp_dir() / "model.fovea").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(load_error(fifo), fifo + ": is a FIFO, not a regular file; expected a model or safetensors file");
}

}  // namespace
}  // namespace fovea
