// The `fovea` command given what a hostile or careless user gives: numeric flags out of range (nan, negative
// counts), output paths that cannot be folders, FIFOs as input files, empty batches and malformed configs. Each
// ends with one line naming the flag or file and a non-zero exit status, never a signal, a hang or a raw library
// message; an empty batch gives an empty output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli/cli_test_util.h"
#include "fovea/fovea.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;

// A command that blocks (on a FIFO) ends with status 124 after a minute instead of hanging the test.
CommandResult run_briefly(const std::string& args) { return testing::run(args, 60); }

class HostileInputTest : public testing::CommandTest {
 protected:
  // The output with the last newline removed, for exact comparisons of one-line errors.
  // Lines a sanitizer writes ("==1234==WARNING: AddressSanitizer failed to allocate ...", in the ASan build of CI)
  // are not the command's output and are left out.
  static std::string line(const CommandResult& r) {
    std::string out;
    std::istringstream lines(r.out);
    for (std::string l; std::getline(lines, l);) {
      if (l.rfind("==", 0) != 0) out += (out.empty() ? "" : "\n") + l;
    }
    return out;
  }
  // Runs args and expects a failure that prints exactly `expected`.
  void expect_refused(const std::string& args, const std::string& expected, int status = 1) {
    const CommandResult r = run_briefly(args);
    EXPECT_EQ(r.status, status) << args << "\n" << r.out;
    EXPECT_EQ(line(r), expected) << args;
  }
};

TEST_F(HostileInputTest, NumericFlagsOutOfRangeAreRefusedNamingTheFlag) {
  // Usage errors: one line naming the flag and the subcommand's help, status 2 (as argparse). --lr nan and -1 were
  // replaced by the default, --limit -5 trained on all, -k -5 and --repeats 0 crashed, -b 0 raised SIGFPE.
  const std::string out = " -o " + path("run");
  const auto usage = [&](const std::string& args, const std::string& message, const std::string& command) {
    expect_refused(args, "fovea: error: " + message + " (see fovea " + command + " --help)", 2);
  };
  usage("train --lr nan" + out, "--lr: expected a learning rate >= 0 (0: the optimizer's default); got 'nan'", "train");
  usage("train --lr -1" + out, "--lr: expected a learning rate >= 0 (0: the optimizer's default); got '-1'", "train");
  usage("train --limit -5" + out, "--limit: expected a number >= 0; got '-5'", "train");
  usage("train --threads -1" + out, "--threads: expected a thread count from 0 (all cores) to 4096; got '-1'", "train");
  usage("train --validation-split 1" + out,
        "--validation-split: expected a fraction of the training samples, at least 0 and below 1; got '1'", "train");
  usage("train -v 3" + out, "--verbose: expected -1 (auto), 0, 1 or 2; got '3'", "train");
  usage("predict mnist-cnn x.npy -k -5", "--top-k: expected a number >= 1; got '-5'", "predict");
  usage("predict mnist-cnn x.npy -k 0", "--top-k: expected a number >= 1; got '0'", "predict");
  usage("bench mnist-cnn --repeats 0", "--repeats: expected a number >= 1; got '0'", "bench");
  usage("bench mnist-cnn --warmup -1", "--warmup: expected a number >= 0; got '-1'", "bench");
  usage("bench mnist-cnn -b 0", "--batch-size: expected a number >= 1; got '0'", "bench");
  usage("eval mnist-cnn -b 0", "--batch-size: expected a number >= 1; got '0'", "eval");
  usage("eval mnist-cnn --limit -5", "--limit: expected a number >= 0; got '-5'", "eval");
  usage("run mnist-cnn -i x.npy -o y.npy --threads -2",
        "--threads: expected a thread count from 0 (all cores) to 4096; got '-2'", "run");
  usage("summary mnist-cnn --batch-size -1", "--batch-size: expected a number >= 0; got '-1'", "summary");
  usage("onnx-test --rtol nan " + path("none"), "--rtol: expected a tolerance >= 0; got 'nan'", "onnx-test");
  usage("train --seed -1" + out, "--seed: expected a seed from 0 to 18446744073709551615; got '-1'", "train");
  usage("train --workers -1" + out, "--workers: expected a number of data threads from 0 to 256; got '-1'", "train");
  usage("train --bogus" + out, "The following argument was not expected: --bogus", "train");
  // Checked once the command runs: still one line, status 1.
  expect_refused("bench mnist-cnn --input-shape 28,-1,1",
                 "fovea: error: fovea bench: --input-shape '28,-1,1' is not a list of positive sizes like 224,224,3");
  const CommandResult opset1 = run_briefly("export mnist-cnn -o " + path("m.onnx") + " --opset 1");
  EXPECT_EQ(opset1.status, 1) << opset1.out;
  EXPECT_EQ(line(opset1).rfind("fovea: error: export_onnx: opset 1 is not supported; choose 13 to ", 0), 0u)
      << opset1.out;
  const CommandResult opset999 = run_briefly("export mnist-cnn -o " + path("m.onnx") + " --opset 999");
  EXPECT_EQ(opset999.status, 1) << opset999.out;
  EXPECT_EQ(line(opset999).rfind("fovea: error: export_onnx: opset 999 is not supported; choose 13 to ", 0), 0u)
      << opset999.out;
  EXPECT_FALSE(fs::exists(path("run")));  // refused before anything was created
}

TEST_F(HostileInputTest, AnOutputPathThatCannotBeAFolderIsOneLine) {
  std::ofstream(path("file")) << "not a folder";
  // Each was a raw "filesystem error: cannot create directories: ..." after the data had loaded.
  expect_refused("train -o " + path("file"), "fovea: error: " + path("file") +
                                                 ": is a file; expected a folder (-o) to write the model, history.csv "
                                                 "and metrics.json into");
  expect_refused("train -o /proc/fovea_output",
                 "fovea: error: /proc/fovea_output: cannot create the output folder (No such file or directory)");
  expect_refused("train -o " + path("file") + "/below",
                 "fovea: error: " + path("file") + "/below: cannot create the output folder (Not a directory)");
}

TEST_F(HostileInputTest, AugmentationThatBlanksTheImagesIsRefused) {
  write_npy(path("x.npy"), Tensor::uniform(Shape{8, 28, 28, 1}, 0, 1));
  write_npy(path("y.npy"), Tensor::from_vector(Shape{8}, {0, 1, 0, 1, 0, 1, 0, 1}, DType::i64));
  const CommandResult r = run_briefly("train --data npy:" + path("x.npy") + "," + path("y.npy") +
                                      " --augment crop=100000 --epochs 1 -v 0 --validation-split 0 -o " + path("run"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("fovea: error: RandomCrop: padding 100000 can shift a 28x28 image (width x height) out of view "
                       "with fill=constant; expected less than 28\n"),
            std::string::npos)
      << r.out;
}

TEST_F(HostileInputTest, AFifoAsAnyInputFileIsRefusedWithoutBlocking) {
  const std::string fifo_npy = path("pipe.npy"), fifo_json = path("pipe.json"), fifo_model = path("pipe.fovea");
  for (const std::string& p : {fifo_npy, fifo_json, fifo_model}) ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  // Each blocked forever in open().
  const std::string not_a_model =
      ": is a FIFO, not a regular file; expected a model file, a JSON config or an ONNX file";
  expect_refused("summary " + fifo_json, "fovea: error: " + fifo_json + not_a_model);
  expect_refused("summary " + fifo_model, "fovea: error: " + fifo_model + not_a_model);
  const std::string not_npy = ": is a FIFO, not a regular file; expected an NPY file";
  expect_refused("run mnist-cnn -i " + fifo_npy + " -o " + path("y.npy"), "fovea: error: " + fifo_npy + not_npy);
  expect_refused("predict mnist-cnn " + fifo_npy, "fovea: error: " + fifo_npy + not_npy);
  expect_refused(
      "onnx-test --list " + fifo_json,
      "fovea: error: " + fifo_json + ": is a FIFO, not a regular file; expected a list of case folders, one per line");
}

TEST_F(HostileInputTest, AnEmptyBatchGivesAnEmptyOutput) {
  write_npy(path("empty.npy"), Tensor::zeros(Shape{0, 28, 28, 1}));
  const CommandResult r = run_briefly("run mnist-cnn -i " + path("empty.npy") + " -o " + path("y.npy"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(line(r), path("y.npy") + ": (0, 10)");
  EXPECT_EQ(read_npy(path("y.npy")).shape(), Shape({0, 10}));
  const CommandResult p = run_briefly("predict mnist-cnn " + path("empty.npy"));
  EXPECT_EQ(p.status, 0) << p.out;
  EXPECT_EQ(line(p), path("empty.npy") + ": no samples");
  const CommandResult j = run_briefly("predict mnist-cnn " + path("empty.npy") + " --json");
  EXPECT_EQ(j.status, 0) << j.out;
  EXPECT_EQ(nlohmann::json::parse(j.out), nlohmann::json::array());
  write_npy(path("wrong.npy"), Tensor::zeros(Shape{0, 5}));
  expect_refused(
      "predict mnist-cnn " + path("wrong.npy"),
      "fovea: error: " + path("wrong.npy") +
          ": an array of shape (0, 5); expected samples of shape (28, 28, 1) (one sample or a batch) for the "
          "model's input");
}

TEST_F(HostileInputTest, MalformedConfigsAreOneLineNamingFileAndLayer) {
  std::ofstream(path("huge.json")) << R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4]}},
    {"class_name": "Dense", "config": {"units": 4611686018427387904}}]}})";
  expect_refused("summary " + path("huge.json"),
                 "fovea: error: " + path("huge.json") +
                     ": layers[1] (Dense): Dense 'dense' gives an output of shape (None, 4611686018427387904), more "
                     "elements than fovea can index (at most 2^60)");
  std::ofstream(path("oom.json")) << R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4096]}},
    {"class_name": "Dense", "config": {"units": 1099511627776}}]}})";
  // Was "unexpected error: std::bad_alloc".
  expect_refused("summary " + path("oom.json"),
                 "fovea: error: " + path("oom.json") +
                     ": layers[1] (Dense): Dense 'dense': weight 'kernel': out of memory: a float32 tensor of shape "
                     "(4096, 1099511627776) needs 16.0 PiB (18014398509481984 bytes)");
  std::ofstream(path("malformed.json")) << R"({"class_name": "Functional", "config": {"name": "f", "layers": [
    {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4]}, "inbound_nodes": []},
    {"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["x", "zero", 0, {}]]]}],
    "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}})";
  // Was a raw "[json.exception.type_error.302] type must be number, but is string".
  expect_refused("summary " + path("malformed.json"),
                 "fovea: error: " + path("malformed.json") +
                     ": layers[1] (Dense 'd'): inbound_nodes entries must look like [\"layer_name\", node_index, "
                     "tensor_index, {}]; got [\"x\",\"zero\",0,{}]");
}

}  // namespace
}  // namespace fovea
