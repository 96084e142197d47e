// Writes the seed corpora of the fuzz targets: small valid inputs of every format, one folder per target
// (make_seeds fuzz/corpus). Run by `scripts/fuzz seeds`; the corpora are committed, with what the fuzzers added.
// jpeglib.h uses FILE and size_t without including what declares them.
// clang-format off
#include <cstddef>
#include <cstdio>
#include <jpeglib.h>
// clang-format on
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "fovea/fovea.h"
#include "fovea/io/json.h"
#include "io/safetensors.h"

namespace {

namespace fs = std::filesystem;
using namespace fovea;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A target whose first input byte picks options: the seed is that byte, then the file.
void write_with_flags(const fs::path& path, uint8_t flags, const std::string& bytes) {
  write_text(path, std::string(1, static_cast<char>(flags)) + bytes);
}

Sequential small_cnn() {
  return Sequential({InputLayer({8, 8, 1}),
                     Conv2D({.filters = 2, .kernel_size = {3}, .activation = ActivationKind::relu}),
                     BatchNormalization(), MaxPooling2D({.pool_size = {2}}), Flatten(), Dropout({.rate = 0.5}),
                     Dense({.units = 3, .activation = ActivationKind::softmax})});
}

Model branching_model() {
  SymbolicTensor x = Input({6, 6, 2});
  SymbolicTensor a = Conv2D({.filters = 2, .kernel_size = {3}, .padding = Padding::same})(x);
  SymbolicTensor b = Conv2D({.filters = 2, .kernel_size = {1}})(x);
  SymbolicTensor y = Dense({.units = 2})(GlobalAveragePooling2D()(Concatenate()({Add()({a, b}), x})));
  return Model(x, y, "branching");
}

// A tiny JPEG through libjpeg, so that the image fuzzer starts from a real one as well as a PNG.
std::string jpeg_bytes(int width, int height, int channels) {
  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = static_cast<JDIMENSION>(width);
  info.image_height = static_cast<JDIMENSION>(height);
  info.input_components = channels;
  info.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&info);
  jpeg_start_compress(&info, TRUE);
  std::vector<unsigned char> row(static_cast<size_t>(width * channels));
  while (info.next_scanline < info.image_height) {
    for (size_t i = 0; i < row.size(); ++i)
      row[i] = static_cast<unsigned char>((i * 37 + info.next_scanline * 11) % 256);
    JSAMPROW rows[] = {row.data()};
    jpeg_write_scanlines(&info, rows, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::string out(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return out;
}

// An IDX file: magic (0, 0, type, rank), big-endian dimensions, then the data.
std::string idx_bytes(uint8_t type, const std::vector<uint32_t>& dims, const std::string& data) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  return out + data;
}

void model_files(const fs::path& dir) {
  Sequential cnn = small_cnn();
  save_model(cnn, (dir / "sequential.fovea").string());
  // A checkpoint: optimizer state after one step, epoch, generator and callback state, user JSON.
  cnn.compile({.optimizer = optimizers::Adam({}), .loss = "sparse_categorical_crossentropy"});
  Generator gen(1);
  cnn.train_on_batch(Tensor::uniform({4, 8, 8, 1}, 0, 1, &gen),
                     Tensor::from_vector(Shape{4}, std::vector<double>{0, 1, 2, 1}, DType::i64));
  save_model(cnn, (dir / "checkpoint.fovea").string(),
             {.optimizer = &cnn.optimizer(),
              .epoch = 3,
              .user = {{"class_names", {"a", "b", "c"}}},
              .generator_state = gen.state(),
              .callback_states = {CallbackState{.values = {{"best", 0.5}}, .tensors = {Tensor::full({2}, 1.0)}}}});
  Model branching = branching_model();
  save_model(branching, (dir / "functional.fovea").string());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* target :
       {"model_file", "safetensors", "npy", "idx", "cifar", "csv", "image", "model_config", "onnx", "augmentation"}) {
    fs::create_directories(root / target);
  }
  manual_seed(0);

  model_files(root / "model_file");

  Sequential cnn = small_cnn();
  save_weights(cnn, (root / "safetensors" / "weights.safetensors").string());
  fs::copy_file(root / "model_file" / "checkpoint.fovea", root / "safetensors" / "checkpoint.safetensors",
                fs::copy_options::overwrite_existing);

  Generator gen(2);
  write_npy((root / "npy" / "f32.npy").string(), Tensor::uniform({2, 3}, -1, 1, &gen));
  write_npy((root / "npy" / "f64_scalar.npy").string(), Tensor::full({}, 2.5, DType::f64));
  write_npy((root / "npy" / "i64.npy").string(),
            Tensor::from_vector(Shape{4}, std::vector<double>{0, 1, 2, 3}, DType::i64));
  write_npy((root / "npy" / "u8.npy").string(), Tensor::full({2, 2, 2}, 7, DType::u8));

  const std::string pixels(3 * 4 * 4, '\x20');
  write_text(root / "idx" / "images.idx", idx_bytes(0x08, {3, 4, 4}, pixels));
  write_text(root / "idx" / "labels.idx", idx_bytes(0x08, {3}, std::string("\x00\x01\x02", 3)));
  write_text(root / "idx" / "floats.idx", idx_bytes(0x0d, {2}, std::string(8, '\0')));
  {
    // The gzipped form the IDX downloads have.
    gzFile out = gzopen((root / "idx" / "images.idx.gz").c_str(), "wb");
    const std::string bytes = idx_bytes(0x08, {2, 2, 2}, std::string(8, '\x40'));
    gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(out);
  }

  std::string cifar10, cifar100;
  for (int record = 0; record < 2; ++record) {
    cifar10 += static_cast<char>(record);
    cifar10 += std::string(3072, static_cast<char>(record * 50));
    cifar100 += std::string{static_cast<char>(record), static_cast<char>(record + 3)};
    cifar100 += std::string(3072, static_cast<char>(record * 30));
  }
  write_with_flags(root / "cifar" / "cifar10.bin", 0, cifar10);
  write_with_flags(root / "cifar" / "cifar100.bin", 1, cifar100);

  write_with_flags(root / "csv" / "plain.csv", 0, "0.5,1.5,2.5,0\n1,2,3,1\n");
  write_with_flags(root / "csv" / "header.csv", 1 | 4, "label,a,b\n2,0.1,0.2\n0,-1e3,4\n");

  const fs::path png = root / "image" / "gray.png";
  write_png(png.string(), Tensor::uniform({5, 4, 1}, 0, 255, &gen));
  write_with_flags(png, 0, read_bytes(png));
  const fs::path rgb = root / "image" / "rgb.png";
  write_png(rgb.string(), Tensor::uniform({3, 6, 3}, 0, 255, &gen));
  write_with_flags(rgb, 1, read_bytes(rgb));
  write_with_flags(root / "image" / "rgb.jpg", 0, jpeg_bytes(6, 4, 3));
  write_with_flags(root / "image" / "gray.jpg", 2, jpeg_bytes(5, 3, 1));

  write_text(root / "model_config" / "sequential.json", small_cnn().to_json());
  write_text(root / "model_config" / "functional.json", branching_model().to_json());
  write_text(root / "model_config" / "lenet.json", zoo::create("lenet5")->to_json());

  Sequential exported = small_cnn();
  export_onnx(exported, (root / "onnx" / "sequential.onnx").string());
  Model exported_branching = branching_model();
  export_onnx(exported_branching, (root / "onnx" / "functional.onnx").string());

  int spec = 0;
  for (const char* text : {"flip,crop=2,rotation=0.05", "translation=0.1:fill=reflect,zoom=0.2:interpolation=nearest",
                           "brightness=0.2:value_range=0..1,contrast=0.3", "cutout=0.3:value=random",
                           "crop=4:fill=constant:fill_value=0.5,flip"}) {
    write_text(root / "augmentation" / ("spec" + std::to_string(spec++) + ".txt"), text);
  }
  std::cout << "wrote the seed corpora under " << root.string() << "\n";
  return 0;
}
