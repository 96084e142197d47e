// Tests for the CSV signal reader: layouts (label last or first, header, delimiter, CRLF, gzip) and the errors
// that must name the file, line and column.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/data_test_util.h"
#include "fovea/data/datasets.h"

namespace fovea {
namespace {

using namespace testing_data;
namespace fs = std::filesystem;

TEST(CsvTest, ReadsSignalsWithTheLabelInTheLastColumn) {
  fs::path dir = temp_dir("csv_basic");
  write_bytes(dir / "s.csv", "0.5,1,-2.25,1\n3, 4e-1 ,5,0\n\n");
  Dataset d = read_csv(dir / "s.csv");
  ASSERT_EQ(d.images.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(d.images.dtype(), DType::f32);
  EXPECT_EQ(d.images.to_vector(), (std::vector<double>{0.5, 1, -2.25, 3, static_cast<double>(0.4f), 5}));
  ASSERT_EQ(d.labels.dtype(), DType::i64);
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{1, 0}));
}

TEST(CsvTest, HeaderDelimiterFirstColumnLabelCrlfAndGzip) {
  fs::path dir = temp_dir("csv_options");
  std::string text = "label;t0;t1\r\n2;1.5;-1\r\n   \r\n0;+7;8.0\r\n";
  write_gzip(dir / "s.csv.gz", text);
  Dataset d = read_csv(dir / "s.csv.gz", {.label_column = 0, .has_header = true, .delimiter = ';', .num_classes = 3});
  ASSERT_EQ(d.images.shape(), (Shape{2, 2, 1}));
  EXPECT_EQ(d.images.to_vector(), (std::vector<double>{1.5, -1, 7, 8}));
  EXPECT_EQ(d.labels.to_vector(), (std::vector<double>{2, 0}));
  // A label written as a float with no fraction is still an integer label.
  write_bytes(dir / "f.csv", "1,2,3.0\n");
  EXPECT_EQ(read_csv(dir / "f.csv").labels.to_vector(), (std::vector<double>{3}));
}

TEST(CsvTest, BadNumberNamesFileLineAndColumn) {
  fs::path dir = temp_dir("csv_badcell");
  write_bytes(dir / "s.csv", "1,2,3,0\n4,five,6,1\n");
  expect_io_error([&] { read_csv(dir / "s.csv"); }, {"s.csv: line 2, column 2: cannot read 'five' as a number"});
  write_bytes(dir / "empty_cell.csv", "1,,3,0\n");
  expect_io_error([&] { read_csv(dir / "empty_cell.csv"); }, {"empty_cell.csv: line 1, column 2: cannot read ''"});
  // With a header, line numbers still count the header line.
  write_bytes(dir / "h.csv", "a,b,y\n1,2,0\n1,2e,0\n");
  expect_io_error([&] { read_csv(dir / "h.csv", {.has_header = true}); },
                  {"h.csv: line 3, column 2: cannot read '2e'"});
}

TEST(CsvTest, BadLabelsAreReported) {
  fs::path dir = temp_dir("csv_badlabel");
  write_bytes(dir / "s.csv", "1,2,0\n3,4,1.5\n");
  expect_io_error([&] { read_csv(dir / "s.csv"); }, {"s.csv: line 2, column 3: cannot read '1.5' as an integer"});
  write_bytes(dir / "neg.csv", "1,2,-1\n");
  expect_io_error([&] { read_csv(dir / "neg.csv"); }, {"neg.csv: line 1, column 3: label -1 is out of range"});
  write_bytes(dir / "range.csv", "1,2,0\n1,2,4\n");
  expect_io_error([&] { read_csv(dir / "range.csv", {.num_classes = 4}); },
                  {"range.csv: line 2, column 3: label 4 is out of range; expected 0 to 3 (4 classes)"});
}

TEST(CsvTest, RaggedRowsAndUnusableFilesAreReported) {
  fs::path dir = temp_dir("csv_shape");
  write_bytes(dir / "ragged.csv", "1,2,3,0\n1,2,3,0\n1,2,0\n");
  expect_io_error([&] { read_csv(dir / "ragged.csv"); },
                  {"ragged.csv: line 3 has 3 columns; expected 4 like the first data line"});
  write_bytes(dir / "empty.csv", "\n\n");
  expect_io_error([&] { read_csv(dir / "empty.csv"); }, {"empty.csv: no data lines"});
  write_bytes(dir / "one.csv", "1;2;0\n");  // wrong delimiter: a single column
  expect_io_error([&] { read_csv(dir / "one.csv"); }, {"one.csv: line 1 has 1 column", "delimiter ','"});
  write_bytes(dir / "s.csv", "1,2,0\n");
  expect_io_error([&] { read_csv(dir / "s.csv", {.label_column = 5}); }, {"s.csv: label_column 5 does not exist"});
  expect_io_error([&] { read_csv(dir / "absent.csv"); }, {"absent.csv: cannot open"});
}

}  // namespace
}  // namespace fovea
