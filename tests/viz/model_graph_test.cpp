// The model graph: DOT text with one node per layer and one edge per connection (branches and merges of functional
// models), labels escaped, and Graphviz's dot laying it out into SVG and PNG.
#include "fovea/viz/model_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "error_text.h"
#include "fovea/fovea.h"

namespace fovea::viz {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The DOT id of the node labelled with a layer name.
std::string node_id(const std::string& dot, const std::string& layer) {
  std::smatch m;
  const std::regex line("  (n[0-9]+) \\[label=<<table[^\\n]*<b>" + layer + "</b>");
  EXPECT_TRUE(std::regex_search(dot, m, line)) << layer;
  return m.size() > 1 ? m[1].str() : "?";
}

Sequential small_sequential() {
  Sequential model({InputLayer({28, 28, 1}), Conv2D({.filters = 4, .kernel_size = {3}, .name = "conv"}),
                    Flatten({.name = "flat"}), Dense({.units = 10, .activation = ActivationKind::softmax, .name = "out"})},
                   "seq");
  return model;
}

TEST(ModelGraph, SequentialIsAChainWithShapes) {
  Sequential model = small_sequential();
  const std::string dot = model_to_dot(model);
  EXPECT_EQ(dot.rfind("digraph seq {", 0), 0u) << dot;
  EXPECT_NE(dot.find("rankdir=TB"), std::string::npos);
  EXPECT_NE(dot.find("<b>conv</b> : Conv2D"), std::string::npos) << dot;
  EXPECT_NE(dot.find("<b>out</b> : Dense"), std::string::npos);
  EXPECT_NE(dot.find("<td>output:</td><td>(None, 26, 26, 4)</td>"), std::string::npos);
  EXPECT_EQ(dot.find("input:"), std::string::npos);
  EXPECT_EQ(count(dot, "[label=<"), 4);  // the Input layer, as Keras draws it, and three layers
  EXPECT_EQ(count(dot, " -> "), 3);
  EXPECT_NE(dot.find(node_id(dot, "conv") + " -> " + node_id(dot, "flat") + ";"), std::string::npos);

  const std::string lr = model_to_dot(model, {.show_input_shapes = true, .rank_direction = RankDirection::LR});
  EXPECT_NE(lr.find("rankdir=LR"), std::string::npos);
  EXPECT_NE(lr.find("<td>input:</td><td>(None, 26, 26, 4)</td>"), std::string::npos) << lr;
  const std::string bare = model_to_dot(model, {.show_shapes = false, .show_layer_class = false});
  EXPECT_EQ(bare.find("output:"), std::string::npos);
  EXPECT_EQ(bare.find(" : Conv2D"), std::string::npos);
}

// A residual block: the first activation feeds both the convolution and the add.
Model residual_block() {
  SymbolicTensor x = Input({8, 8, 4}, "image");
  SymbolicTensor a = ReLU({.name = "stem"})(x);
  SymbolicTensor h = Conv2D({.filters = 4, .kernel_size = {3}, .padding = Padding::same, .name = "conv"})(a);
  SymbolicTensor y = Add({.name = "add"})({h, a});
  return Model(x, y, "residual");
}

TEST(ModelGraph, BranchesAndMergesAreEdges) {
  const Model model = residual_block();
  const std::string dot = model_to_dot(model, {.show_input_shapes = true});
  const std::string add = node_id(dot, "add");
  const std::string stem = node_id(dot, "stem");
  EXPECT_EQ(count(dot, " -> " + add + ";"), 2) << dot;
  EXPECT_EQ(count(dot, "  " + stem + " -> "), 2) << dot;
  EXPECT_NE(dot.find("<td>input:</td><td>[(None, 8, 8, 4), (None, 8, 8, 4)]</td>"), std::string::npos) << dot;

  // GoogLeNet's Inception modules: a Concatenate with four incoming edges.
  std::shared_ptr<Model> googlenet = zoo::create("googlenet", {.input_shape = {64, 64, 3}, .num_classes = 10});
  const std::string big = model_to_dot(*googlenet);
  int edges = 0;
  for (const auto& node : googlenet->nodes()) edges += static_cast<int>(node->inputs.size());
  EXPECT_EQ(count(big, " -> "), edges);
  EXPECT_EQ(count(big, "[label=<"), static_cast<int>(googlenet->layers().size()));
  bool four = false;
  for (const Layer& l : googlenet->layers()) {
    if (l->class_name() == "Concatenate") four = four || count(big, " -> " + node_id(big, l->name()) + ";") == 4;
  }
  EXPECT_TRUE(four);
}

TEST(ModelGraph, NamesAreEscapedForHtmlLabels) {
  SymbolicTensor x = Input({3}, "in<put>");
  Model model(x, Dense({.units = 2, .name = "a&b \"c\" 'd'\x01"})(x), "my model/1");
  const std::string dot = model_to_dot(model);
  EXPECT_EQ(dot.rfind("digraph my_model_1 {", 0), 0u);
  EXPECT_NE(dot.find("<b>in&lt;put&gt;</b>"), std::string::npos) << dot;
  EXPECT_NE(dot.find("<b>a&amp;b &quot;c&quot; &#39;d&#39;</b>"), std::string::npos) << dot;
}

bool have_dot() { return std::filesystem::exists("/usr/bin/dot"); }

TEST(ModelGraph, RendersSvgAndPngWithGraphviz) {
  if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed (Debian package graphviz)";
  const Model model = residual_block();
  const std::string svg = render_dot(model_to_dot(model));
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  for (const Layer& l : model.layers()) EXPECT_NE(svg.find(">" + l->name() + "</text>"), std::string::npos) << l->name();
  const std::string png = render_dot(model_to_dot(model), GraphFormat::png);
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // A large graph goes through the pipes whole (more than a pipe buffer each way).
  std::shared_ptr<Model> resnet = zoo::create("resnet18", {.input_shape = {32, 32, 3}, .num_classes = 10});
  const std::string big = render_dot(model_to_dot(*resnet, {.show_input_shapes = true}));
  for (const Layer& l : resnet->layers()) EXPECT_NE(big.find(">" + l->name() + "</text>"), std::string::npos) << l->name();
}

TEST(ModelGraph, RenderErrorsSayWhatToDo) {
  const std::string dot = model_to_dot(residual_block());
  try {
    render_dot(dot, GraphFormat::svg, "/nonexistent/fovea-dot");
    FAIL() << "no error";
  } catch (const GraphvizNotFound& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot run Graphviz's '/nonexistent/fovea-dot' (No such file or directory): install Debian's graphviz "
              "package (apt-get install graphviz) to draw model graphs");
  }
  EXPECT_THROW(render_dot(dot, GraphFormat::svg, "fovea-no-such-program"), IoError);  // GraphvizNotFound is one
  if (!have_dot()) GTEST_SKIP() << "Graphviz's dot is not installed (Debian package graphviz)";
  const std::string text = testing::error_text([] { render_dot("digraph { a -> ; }"); });
  EXPECT_EQ(text.rfind("Graphviz's 'dot' failed (exit status 1): ", 0), 0u) << text;
  EXPECT_NE(text.find("syntax error"), std::string::npos) << text;
}

TEST(ModelGraph, AnUnbuiltSequentialHasNoGraph) {
  Sequential model({Dense({.units = 2})}, "pending");
  EXPECT_EQ(testing::error_text([&] { model_to_dot(model); }),
            "model_to_dot: model 'pending' has no graph yet; build it (or call it once) first");
}

}  // namespace
}  // namespace fovea::viz
