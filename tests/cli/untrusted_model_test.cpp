// A model file can come from anyone: `fovea eval` reads the data the user names, and follows the data spec stored
// in the file (which may name any path) only when asked with --stored-data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli/bars_data.h"
#include "cli/cli_test_util.h"
#include "fovea/fovea.h"
#include "fovea/io/json.h"

namespace fovea {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run;

class UntrustedModelTest : public testing::CommandTest {
 protected:
  // A model for the bars whose file names `stored_data` as the data it was trained on.
  std::string model_naming(const std::string& stored_data) {
    Sequential model({InputLayer({12, 12, 1}), Flatten(), Dense({.units = 3, .activation = ActivationKind::softmax})});
    const std::string file = path("model.fovea");
    save_model(model, file, {.user = {{"data", stored_data}, {"loss", "sparse_categorical_crossentropy"}}});
    return file;
  }
};

TEST_F(UntrustedModelTest, EvalReadsOnlyTheDataTheUserNames) {
  const std::string secret = path("secret.csv");
  { std::ofstream(secret) << "first cell of a private file,1\n"; }
  const std::string model = model_naming("csv:" + secret);

  CommandResult refused = run("eval " + model);
  EXPECT_EQ(refused.status, 1);
  EXPECT_EQ(refused.out, "fovea: error: fovea eval: give --data SPEC (" + model + " was trained on 'csv:" + secret +
                             "'; --stored-data reads that)\n");

  const std::string data = testing::write_bars_data(dir_, 30, 12);
  CommandResult named = run("eval " + model + " --data " + data);
  EXPECT_EQ(named.status, 0) << named.out;
  EXPECT_NE(named.out.find("12 samples of " + data), std::string::npos) << named.out;
  EXPECT_EQ(named.out.find("private"), std::string::npos) << named.out;

  // Asked for explicitly, the stored spec is followed (and here, the file is not a data set of this model).
  CommandResult stored = run("eval " + model + " --stored-data");
  EXPECT_NE(stored.status, 0);
  EXPECT_NE(stored.out.find(secret), std::string::npos) << stored.out;
}

TEST_F(UntrustedModelTest, StoredDataNeedsAStoredSpecAndExcludesData) {
  Sequential model({InputLayer({12, 12, 1}), Flatten(), Dense({.units = 3})});
  const std::string file = path("plain.fovea");
  save_model(model, file);
  CommandResult none = run("eval " + file + " --stored-data");
  EXPECT_EQ(none.status, 1);
  EXPECT_EQ(none.out, "fovea: error: fovea eval: --stored-data: " + file +
                          " does not say which data it was trained on; give --data SPEC\n");
  EXPECT_EQ(run("eval " + file).out, "fovea: error: fovea eval: give --data SPEC\n");
  EXPECT_EQ(run("eval " + file + " --stored-data --data fashion-mnist").status, 2);
}

}  // namespace
}  // namespace fovea
