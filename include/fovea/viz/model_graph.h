// The model graph (Keras's plot_model): a model's layers and connections as Graphviz DOT text, and that text laid
// out into SVG or PNG by Graphviz's own `dot` program (Debian package graphviz), run as a child process.
//
//   std::string dot = viz::model_to_dot(model, {.show_input_shapes = true});
//   std::string svg = viz::render_dot(dot);  // GraphvizNotFound when dot is not installed
#pragma once

#include <string>

#include "fovea/core/error.h"
#include "fovea/models/model.h"

namespace fovea::viz {

// Graphviz's rankdir: TB lays the layers out top to bottom, LR left to right.
enum class RankDirection { TB, LR };

struct ModelGraphOptions {
  bool show_shapes = true;         // each layer's output shape, batch as None
  bool show_input_shapes = false;  // and the shapes it takes (a list for merge layers)
  bool show_layer_class = true;    // "conv2d : Conv2D" rather than "conv2d"
  RankDirection rank_direction = RankDirection::TB;
};

// DOT text of a digraph with one node per layer (Input layers included, as Keras draws them) labelled with its
// name, class and shapes in an HTML-like table, and one edge per connection in topological order: a merge layer
// (Add, Concatenate) gets one edge per input, a layer read by several gets one edge to each. Requires a built
// model (a Sequential without an input shape has no graph yet: ValueError). Names are escaped for HTML-like labels
// (&, <, >, quotes; control characters dropped), so any layer name gives valid DOT.
std::string model_to_dot(const Model& model, const ModelGraphOptions& options = {});

// What render_dot makes: the bytes of an SVG document or of a PNG file.
enum class GraphFormat { svg, png };

// Thrown by render_dot when Graphviz's dot program cannot be found or started; a caller that can do without the
// picture (the HTML report) catches it and says the graph is missing. An IoError, as other failures to produce the
// picture are.
class GraphvizNotFound : public IoError {
 public:
  using IoError::IoError;
};

// Lays dot text out with Graphviz's `dot -T<format>`, fed on stdin, and returns what it writes on stdout. program
// is the dot executable: a name looked up on PATH, or a path. Runs it directly (no shell); safe to call from
// several threads. Throws GraphvizNotFound when program cannot be found or started (install Debian's graphviz
// package), IoError with dot's own message when it exits with an error (invalid DOT) or is killed.
std::string render_dot(const std::string& dot, GraphFormat format = GraphFormat::svg,
                       const std::string& program = "dot");

}  // namespace fovea::viz
