// libFuzzer target: JSON model configs (model_from_json: Keras's Sequential and Functional layouts, every layer's
// config, shapes checked as the graph is built). Seeds: fuzz/corpus/model_config.
#include "fovea/io/onnx.h"
#include "fovea/models/config.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fovea::register_onnx_layers();  // configs may name the ONNX-semantics layers too, as imported models' do
  const std::string text(fovea::fuzz::as_text(data, size));
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::model_from_json(text, "fuzz.json"); });
  return 0;
}
