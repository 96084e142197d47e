// Model files: architecture, weights, optimizer and training extras in one safetensors file; weights alone in a
// safetensors file or a folder of NPY files. Weight matching is by name and all or nothing.
#include "fovea/io/model_file.h"
#include "fovea/io/json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/json_error.h"
#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/data/datasets.h"
#include "fovea/io/onnx.h"
#include "fovea/models/config.h"
#include "io/safetensors.h"

#include <zlib.h>

namespace fovea {
namespace {

namespace fs = std::filesystem;
using io_detail::Metadata;
using io_detail::NamedTensors;
using io_detail::SafetensorsContent;

constexpr char kFormat[] = "fovea";
constexpr char kFormatVersion[] = "1";
// Optimizer and callback state entries live under these prefixes, next to the "<layer>/<weight>" names.
constexpr std::string_view kOptimizerPrefix = "optimizer/";
constexpr std::string_view kCallbacksPrefix = "callbacks/";

// A weight of the model and its name in files: "<layer name>/<weight name>".
struct NamedWeight {
  std::string key;
  Weight* weight;
};

std::string describe(const Tensor& t) { return detail::concat(dtype_name(t.dtype()), " ", t.shape().to_string()); }

bool is_optimizer_entry(const std::string& name) {
  return name.compare(0, kOptimizerPrefix.size(), kOptimizerPrefix) == 0;
}

bool is_callback_entry(const std::string& name) {
  return name.compare(0, kCallbacksPrefix.size(), kCallbacksPrefix) == 0;
}

// Entries that are not weights of the model.
bool is_training_state_entry(const std::string& name) { return is_optimizer_entry(name) || is_callback_entry(name); }

// A Sequential without an Input layer gets its weights only once it knows its input shape.
bool unbuilt_sequential(Model& model) {
  const auto* sequential = dynamic_cast<const Sequential*>(&model);
  return sequential != nullptr && !sequential->built();
}

// The model's weights in model.weights() order, with their file names. where prefixes errors.
std::vector<NamedWeight> named_weights(Model& model, const std::string& where) {
  FOVEA_CHECK(!unbuilt_sequential(model), ValueError, where, ": Sequential '", model.name(),
              "' is not built, so its weights do not exist yet; start it with an InputLayer, call build(input_shape) "
              "or run it on data first");
  std::vector<NamedWeight> out;
  std::set<std::string> seen;
  for (const Layer& layer : model.layers()) {
    for (Weight& w : layer->weights()) {
      std::string key = layer->name() + "/" + w.name;
      FOVEA_CHECK(!is_optimizer_entry(key), ValueError, where, ": layer '", layer->name(),
                  "' has a name that model files reserve for the optimizer state (names starting with 'optimizer/'); "
                  "rename the layer");
      FOVEA_CHECK(!is_callback_entry(key), ValueError, where, ": layer '", layer->name(),
                  "' has a name that model files reserve for the callbacks' state (names starting with "
                  "'callbacks/'); rename the layer");
      FOVEA_CHECK(seen.insert(key).second, ValueError, where, ": two weights of model '", model.name(),
                  "' are named '", key, "'");
      out.push_back({std::move(key), &w});
    }
  }
  return out;
}

// The names of model.trainable_weights(), in its order (the optimizer's parameter list), for messages.
std::vector<std::string> trainable_keys(Model& model) {
  std::vector<std::string> out;
  for (const Layer& layer : model.layers()) {
    if (!layer->trainable()) continue;
    for (const Weight& w : layer->weights()) {
      if (w.trainable) out.push_back(layer->name() + "/" + w.name);
    }
  }
  return out;
}

NamedTensors weight_tensors(const std::vector<NamedWeight>& weights) {
  NamedTensors out;
  out.reserve(weights.size());
  for (const NamedWeight& w : weights) out.emplace_back(w.key, w.weight->value);
  return out;
}

Metadata format_metadata() { return {{"format", kFormat}, {"format_version", kFormatVersion}}; }

std::string dump_json(const nlohmann::json& value, const std::string& where, const char* what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(detail::concat(where, ": ", what, " cannot be written as JSON (", e.what(), ")"));
  }
}

// The first NaN or infinity in a floating-point tensor: its index and value, or index -1.
std::pair<int64_t, double> first_non_finite(const Tensor& t) {
  const auto scan = [&](const auto* p) -> std::pair<int64_t, double> {
    for (int64_t i = 0; i < t.numel(); ++i) {
      if (!std::isfinite(p[i])) return {i, static_cast<double>(p[i])};
    }
    return {-1, 0.0};
  };
  if (t.dtype() == DType::f32) return scan(static_cast<const float*>(t.raw_data()));
  if (t.dtype() == DType::f64) return scan(static_cast<const double*>(t.raw_data()));
  return {-1, 0.0};
}

// CRC-32 of a tensor's bytes as 8 hex digits: flipped bits or a partial copy show as a mismatch on load.
std::string crc32_hex(const Tensor& t) {
  const auto crc = crc32_z(0L, static_cast<const Bytef*>(t.raw_data()), t.nbytes());
  char text[9];
  std::snprintf(text, sizeof text, "%08lx", static_cast<unsigned long>(crc));
  return text;
}

// Adds "checksums" ({tensor name: CRC-32}) to the metadata of a file about to be written with these tensors.
void add_checksums(const NamedTensors& tensors, Metadata& metadata, const std::string& where) {
  nlohmann::json checksums = nlohmann::json::object();
  for (const auto& [name, tensor] : tensors) checksums[name] = crc32_hex(tensor);
  metadata["checksums"] = dump_json(checksums, where, "the checksums");
}

// Checks every tensor against the file's "checksums" and every floating-point weight for NaN and infinity.
// Files written before fovea stored checksums have none: returns a note saying so, or "" when all was checked.
std::string verify_tensors(const SafetensorsContent& file, const std::string& path) {
  std::string note;
  const auto entry = file.metadata.find("checksums");
  if (entry == file.metadata.end()) {
    note = path + ": no checksums (written by an older fovea), so damaged weights cannot be detected; saving the "
                  "model again adds them";
  } else {
    nlohmann::json checksums;
    try {
      checksums = nlohmann::json::parse(entry->second);
    } catch (const nlohmann::json::exception& e) {
      throw IoError(detail::concat(path, ": 'checksums' in __metadata__ is not valid JSON (",
                                   core_detail::json_error_reason(e), ")"));
    }
    FOVEA_CHECK(checksums.is_object() && checksums.size() == file.tensors.size(), IoError, path,
                ": 'checksums' in __metadata__ should map each of the file's ", file.tensors.size(),
                " tensors to its CRC-32");
    for (const auto& [name, tensor] : file.tensors) {
      const auto stored = checksums.find(name);
      FOVEA_CHECK(stored != checksums.end() && stored->is_string(), IoError, path, ": 'checksums' in __metadata__ "
                  "has no CRC-32 for tensor '", name, "'");
      FOVEA_CHECK(stored->get<std::string>() == crc32_hex(tensor), IoError, path, ": tensor '", name,
                  "' does not match its checksum: the file is damaged (changed bytes or an incomplete copy)");
    }
  }
  for (const auto& [name, tensor] : file.tensors) {
    if (is_training_state_entry(name)) continue;
    const auto [index, value] = first_non_finite(tensor);
    FOVEA_CHECK(index < 0, IoError, path, ": weight '", name, "' holds ", value, " at index ", index,
                "; a model's weights must be finite (was it saved after training diverged?)");
  }
  return note;
}

// The optimizer's state, checked against the model: every per-parameter slot must have the shape and dtype of
// the trainable weight at its index, or the file could not be resumed.
OptimizerState checked_optimizer_state(const Optimizer& optimizer, Model& model, const std::string& where) {
  OptimizerState state = optimizer.state();
  const std::vector<Tensor> params = model.trainable_weights();
  const std::vector<std::string> keys = trainable_keys(model);
  for (const auto& [name, value] : state) {
    const size_t slash = name.find('/');
    if (slash == std::string::npos) continue;
    const size_t index = std::stoul(name.substr(0, slash));  // state() writes "<index>/<slot>"
    if (index < params.size() && params[index].shape() == value.shape() && params[index].dtype() == value.dtype()) {
      continue;
    }
    const std::string target =
        index < params.size()
            ? detail::concat("trainable weight ", index, " '", keys[index], "' is ", describe(params[index]))
            : detail::concat("the model has only ", params.size(), " trainable weights");
    throw ValueError(detail::concat(where, ": the optimizer's state '", name, "' is ", describe(value), " but ",
                                    target, "; the optimizer must be stepped with this model's trainable weights "
                                    "(model.trainable_weights(), as fit() does)"));
  }
  return state;
}

void check_format(const SafetensorsContent& file, const std::string& path) {
  const auto format = file.metadata.find("format");
  FOVEA_CHECK(format != file.metadata.end(), IoError, path,
              ": no 'format' in the header's __metadata__; expected \"fovea\" (a safetensors file not written by "
              "fovea?)");
  FOVEA_CHECK(format->second == kFormat, IoError, path, ": 'format' is \"", format->second, "\"; expected \"",
              kFormat, "\"");
  const auto version = file.metadata.find("format_version");
  FOVEA_CHECK(version != file.metadata.end(), IoError, path,
              ": no 'format_version' in the header's __metadata__; expected \"", kFormatVersion, "\"");
  FOVEA_CHECK(version->second == kFormatVersion, IoError, path, ": 'format_version' is \"", version->second,
              "\"; this fovea reads version \"", kFormatVersion, "\"");
}

// Sets the model's weights from source (name -> tensor; optimizer entries are skipped) after checking all of
// them, so that a mismatch changes nothing. With adopt_dtype, a weight takes the source's dtype (the
// architecture does not record dtypes, so a model rebuilt from a file takes them from its tensors).
void assign_weights(Model& model, const NamedTensors& source, const std::string& source_name, const char* kind,
                    bool adopt_dtype) {
  const std::vector<NamedWeight> weights = named_weights(model, source_name);
  std::unordered_map<std::string, const Tensor*> by_name;
  for (const auto& [name, tensor] : source) {
    if (!is_training_state_entry(name)) by_name.emplace(name, &tensor);
  }
  std::vector<std::string> problems;
  std::set<std::string> matched;
  for (const NamedWeight& w : weights) {
    const auto found = by_name.find(w.key);
    const Tensor& mine = w.weight->value;
    if (found == by_name.end()) {
      problems.push_back(detail::concat("'", w.key, "' is missing (the model's is ", describe(mine), ")"));
      continue;
    }
    matched.insert(w.key);
    const Tensor& theirs = *found->second;
    if (theirs.shape() != mine.shape() || (!adopt_dtype && theirs.dtype() != mine.dtype())) {
      problems.push_back(detail::concat("'", w.key, "' is ", describe(theirs), " in the ", kind, " but ",
                                        describe(mine), " in the model"));
    }
  }
  for (const auto& [name, tensor] : source) {
    if (!is_training_state_entry(name) && !matched.count(name)) {
      problems.push_back(detail::concat("'", name, "' (", describe(tensor), ") is not a weight of the model"));
    }
  }
  if (!problems.empty()) {
    std::string list;
    for (const std::string& p : problems) list += (list.empty() ? "" : "; ") + p;
    throw IoError(detail::concat(source_name, ": the weights do not fit model '", model.name(), "': ", list));
  }
  for (const NamedWeight& w : weights) {
    const Tensor& theirs = *by_name.at(w.key);
    Tensor& mine = w.weight->value;
    if (theirs.dtype() == mine.dtype()) {
      mine.copy_(theirs);
    } else {
      Tensor replacement = theirs.clone();
      replacement.set_requires_grad(mine.requires_grad());
      mine = replacement;
    }
  }
}

std::shared_ptr<Model> architecture_model(const std::string& text, const std::string& path) {
  register_onnx_layers();  // an imported model's file names the ONNX-semantics layers
  std::shared_ptr<Model> model;
  try {
    model = model_from_json(text, path + " (architecture)");
  } catch (const ValueError& e) {
    throw IoError(e.what());
  } catch (const ShapeError& e) {
    throw IoError(e.what());
  } catch (const nlohmann::json::exception& e) {
    throw IoError(detail::concat(path, " (architecture): not a model config (", e.what(), ")"));
  }
  FOVEA_CHECK(!unbuilt_sequential(*model), IoError, path,
              " (architecture): a Sequential without an InputLayer, so its weights cannot be created; save the "
              "model after building it");
  return model;
}

OptimizerPtr restore_optimizer(const SafetensorsContent& file, Model& model, const std::string& path) {
  OptimizerState state;
  for (const auto& [name, tensor] : file.tensors) {
    if (is_optimizer_entry(name)) state.emplace_back(name.substr(kOptimizerPrefix.size()), tensor);
  }
  const auto config = file.metadata.find("optimizer");
  if (config == file.metadata.end()) {
    FOVEA_CHECK(state.empty(), IoError, path, ": holds optimizer state ('optimizer/", state.front().first,
                "') but no 'optimizer' config in its __metadata__");
    return nullptr;
  }
  OptimizerPtr optimizer;
  try {
    optimizer = optimizers::from_json(nlohmann::json::parse(config->second));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(detail::concat(path, ": the 'optimizer' entry of __metadata__ is not an optimizer config (",
                                 e.what(), ")"));
  } catch (const ValueError& e) {
    throw IoError(detail::concat(path, ": the 'optimizer' entry of __metadata__: ", e.what()));
  }
  if (state.empty()) return optimizer;  // saved before its first step
  try {
    optimizer->load_state(state, model.trainable_weights());
  } catch (const Error& e) {
    throw IoError(detail::concat(path, ": the optimizer state does not fit the model: ", e.what()));
  }
  return optimizer;
}

int64_t parse_epoch(const std::string& text, const std::string& path) {
  int64_t value = -1;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  FOVEA_CHECK(error == std::errc() && stop == end && value >= 0, IoError, path, ": 'epoch' in __metadata__ is \"",
              text, "\"; expected a non-negative integer");
  return value;
}

nlohmann::json parse_user(const std::string& text, const std::string& path) {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IoError(
        detail::concat(path, ": 'user' in __metadata__ is not valid JSON (", core_detail::json_error_reason(e), ")"));
  }
  FOVEA_CHECK(value.is_object(), IoError, path, ": 'user' in __metadata__ is a JSON ", value.type_name(),
              "; expected an object");
  return value;
}

// Callback values as hexadecimal float text: exact, and infinities (EarlyStopping's starting best) survive, which
// JSON numbers cannot carry.
std::string float_text(double value) {
  std::ostringstream out;
  out << std::hexfloat << value;
  return out.str();
}

void add_callback_states(const std::vector<CallbackState>& states, Metadata& metadata, NamedTensors& tensors,
                         const std::string& where) {
  nlohmann::json list = nlohmann::json::array();
  for (size_t i = 0; i < states.size(); ++i) {
    nlohmann::json values = nlohmann::json::object();
    for (const auto& [name, value] : states[i].values) values[name] = float_text(value);
    list.push_back({{"values", values}, {"tensors", states[i].tensors.size()}});
    for (size_t j = 0; j < states[i].tensors.size(); ++j) {
      tensors.emplace_back(detail::concat(kCallbacksPrefix, i, "/", j), states[i].tensors[j]);
    }
  }
  metadata["callbacks"] = dump_json(list, where, "the callbacks' state");
}

std::vector<CallbackState> read_callback_states(const SafetensorsContent& file, const std::string& path) {
  const auto entry = file.metadata.find("callbacks");
  if (entry == file.metadata.end()) return {};
  const auto bad = [&](const std::string& what) {
    return IoError(detail::concat(path, ": 'callbacks' in __metadata__ ", what,
                                  "; expected an array of {\"values\": {name: float text}, \"tensors\": count}"));
  };
  nlohmann::json list;
  try {
    list = nlohmann::json::parse(entry->second);
  } catch (const nlohmann::json::exception& e) {
    throw bad(detail::concat("is not valid JSON (", core_detail::json_error_reason(e), ")"));
  }
  if (!list.is_array()) throw bad(detail::concat("is a JSON ", list.type_name()));
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, tensor] : file.tensors) {
    if (is_callback_entry(name)) by_name.emplace(name, &tensor);
  }
  std::vector<CallbackState> states(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& item = list[i];
    if (!item.is_object() || !item.contains("values") || !item["values"].is_object() || !item.contains("tensors") ||
        !item["tensors"].is_number_unsigned()) {
      throw bad(detail::concat("has a malformed entry ", i));
    }
    for (const auto& [name, text] : item["values"].items()) {
      const std::string s = text.is_string() ? text.get<std::string>() : std::string();
      char* end = nullptr;
      const double value = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) throw bad(detail::concat("entry ", i, " has a value '", name, "' that is not a number"));
      states[i].values[name] = value;
    }
    const auto count = item["tensors"].get<size_t>();
    for (size_t j = 0; j < count; ++j) {
      const std::string name = detail::concat(kCallbacksPrefix, i, "/", j);
      const auto tensor = by_name.find(name);
      if (tensor == by_name.end()) throw bad(detail::concat("entry ", i, " names tensor '", name, "', which the file lacks"));
      states[i].tensors.push_back(*tensor->second);
      by_name.erase(tensor);
    }
  }
  FOVEA_CHECK(by_name.empty(), IoError, path, ": tensor '", by_name.empty() ? "" : by_name.begin()->first,
              "' belongs to no entry of 'callbacks' in __metadata__");
  return states;
}

// Reads, checks the format and verifies the tensors of a fovea file; the note of an unverifiable (older) file goes
// to std::clog, as one line, and into *note.
SafetensorsContent read_verified(const std::string& path, std::string* note = nullptr) {
  SafetensorsContent file = io_detail::read_safetensors(path);
  check_format(file, path);
  const std::string unverified = verify_tensors(file, path);
  if (!unverified.empty()) std::clog << "fovea: note: " << unverified << "\n";
  if (note != nullptr) *note = unverified;
  return file;
}

LoadedModel read_model_file(const std::string& path, bool with_training_state) {
  LoadedModel out;
  const SafetensorsContent file = read_verified(path, &out.note);
  const auto architecture = file.metadata.find("architecture");
  FOVEA_CHECK(architecture != file.metadata.end(), IoError, path,
              ": holds weights only (no 'architecture' in its __metadata__; written by save_weights?); build the "
              "model in code and call load_weights");
  out.model = architecture_model(architecture->second, path);
  assign_weights(*out.model, file.tensors, path, "file", /*adopt_dtype=*/true);
  if (!with_training_state) return out;
  out.optimizer = restore_optimizer(file, *out.model, path);
  if (const auto epoch = file.metadata.find("epoch"); epoch != file.metadata.end()) {
    out.epoch = parse_epoch(epoch->second, path);
  }
  if (const auto user = file.metadata.find("user"); user != file.metadata.end()) {
    out.user = parse_user(user->second, path);
  }
  if (const auto generator = file.metadata.find("generator_state"); generator != file.metadata.end()) {
    try {
      Generator().set_state(generator->second);
    } catch (const ValueError& e) {
      throw IoError(detail::concat(path, ": 'generator_state' in __metadata__: ", e.what()));
    }
    out.generator_state = generator->second;
  }
  out.callback_states = read_callback_states(file, path);
  return out;
}

// Each '/'-separated part of a weight name becomes a folder or file name: none may escape the folder.
void check_npy_key(const std::string& key, const std::string& where) {
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const std::string part = key.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    FOVEA_CHECK(!part.empty() && part != "." && part != "..", ValueError, where, ": weight '", key,
                "' cannot be a path inside the folder; rename its layer");
    if (slash == std::string::npos) return;
    start = slash + 1;
  }
}

}  // namespace

void save_model(Model& model, const std::string& path, const SaveOptions& options) {
  const std::string where = detail::concat("save_model(", path, ")");
  FOVEA_CHECK(options.epoch >= -1, ValueError, where, ": epoch must be >= 0, or -1 for none, got ", options.epoch);
  FOVEA_CHECK(options.user.is_null() || options.user.is_object(), ValueError, where,
              ": user must be a JSON object (or null for none), got a JSON ", options.user.type_name());
  const std::vector<NamedWeight> weights = named_weights(model, where);
  Metadata metadata = format_metadata();
  metadata["architecture"] = dump_json(model.to_config(), where, "the architecture");
  NamedTensors tensors = weight_tensors(weights);
  if (options.optimizer != nullptr) {
    metadata["optimizer"] = dump_json(optimizers::to_json(*options.optimizer), where, "the optimizer config");
    for (auto& [name, value] : checked_optimizer_state(*options.optimizer, model, where)) {
      tensors.emplace_back(std::string(kOptimizerPrefix) + name, std::move(value));
    }
  }
  if (options.epoch >= 0) metadata["epoch"] = std::to_string(options.epoch);
  if (!options.user.is_null()) metadata["user"] = dump_json(options.user, where, "user");
  if (!options.generator_state.empty()) {
    try {
      Generator().set_state(options.generator_state);
    } catch (const ValueError& e) {
      throw ValueError(detail::concat(where, ": generator_state: ", e.what()));
    }
    metadata["generator_state"] = options.generator_state;
  }
  if (!options.callback_states.empty()) add_callback_states(options.callback_states, metadata, tensors, where);
  add_checksums(tensors, metadata, where);
  io_detail::write_safetensors(path, tensors, metadata);
}

void save_model(Model& model, const std::string& path) { save_model(model, path, SaveOptions{}); }

LoadedModel load_model_file(const std::string& path) { return read_model_file(path, /*with_training_state=*/true); }

std::shared_ptr<Model> load_model(const std::string& path) {
  return read_model_file(path, /*with_training_state=*/false).model;
}

void save_weights(Model& model, const std::string& path) {
  const std::vector<NamedWeight> weights = named_weights(model, detail::concat("save_weights(", path, ")"));
  const NamedTensors tensors = weight_tensors(weights);
  Metadata metadata = format_metadata();
  add_checksums(tensors, metadata, detail::concat("save_weights(", path, ")"));
  io_detail::write_safetensors(path, tensors, metadata);
}

void load_weights(Model& model, const std::string& path) {
  const SafetensorsContent file = read_verified(path);
  assign_weights(model, file.tensors, path, "file", /*adopt_dtype=*/false);
}

void export_weights_npy(Model& model, const std::string& dir) {
  const std::string where = detail::concat("export_weights_npy(", dir, ")");
  const std::vector<NamedWeight> weights = named_weights(model, where);
  for (const NamedWeight& w : weights) check_npy_key(w.key, where);
  for (const NamedWeight& w : weights) {
    const fs::path file = fs::path(dir) / (w.key + ".npy");
    std::error_code error;
    fs::create_directories(file.parent_path(), error);
    FOVEA_CHECK(!error, IoError, file.parent_path().string(), ": cannot create the folder (", error.message(), ")");
    write_npy(file.string(), w.weight->value);
  }
}

void import_weights_npy(Model& model, const std::string& dir) {
  std::error_code error;
  FOVEA_CHECK(fs::is_directory(dir, error), IoError, dir,
              ": not a folder; import_weights_npy reads <folder>/<layer name>/<weight name>.npy");
  // Every .npy file below dir is a candidate, so that one the model lacks is reported rather than ignored.
  NamedTensors found;
  try {
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".npy") continue;
      std::string key = fs::relative(entry.path(), dir).replace_extension().generic_string();
      found.emplace_back(std::move(key), read_npy(entry.path().string()));
    }
  } catch (const fs::filesystem_error& e) {
    throw IoError(detail::concat(dir, ": cannot list the folder (", e.code().message(), ")"));
  }
  // Directory order is unspecified; sorted, the messages are the same everywhere.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  assign_weights(model, found, dir, "folder", /*adopt_dtype=*/false);
}

}  // namespace fovea
