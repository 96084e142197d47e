// libFuzzer target: CSV signal files (read_csv). The first byte picks the options (bit 0: a header line, bit 1:
// skip bad samples, bit 2: label in the first column instead of the last, bit 3: ';' as the delimiter); the rest is
// the file. Seeds: fuzz/corpus/csv.
#include "fovea/data/datasets.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string path = fovea::fuzz::input_file(data + 1, size - 1, ".csv");
  fovea::CsvOptions options{.label_column = (flags & 4) ? 0 : -1,
                            .has_header = (flags & 1) != 0,
                            .delimiter = (flags & 8) ? ';' : ',',
                            .skip_bad_samples = (flags & 2) != 0,
                            .on_skip = [](const std::string&) {}};
  fovea::fuzz::expect_only_fovea_errors([&] { fovea::read_csv(path, options); });
  return 0;
}
