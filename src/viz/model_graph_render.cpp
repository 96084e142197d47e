// render_dot: Graphviz's dot laid out in a child process; fovea draws no graphs itself.
#include <string>

#include "fovea/viz/model_graph.h"
#include "viz/subprocess.h"

namespace fovea::viz {

std::string render_dot(const std::string& dot, GraphFormat format, const std::string& program) {
  const std::string type = format == GraphFormat::png ? "-Tpng" : "-Tsvg";
  const subprocess_detail::ProcessResult r = subprocess_detail::run_process({program, type}, dot);
  if (!r.started) {
    throw GraphvizNotFound(detail::concat("cannot run Graphviz's '", program, "' (", r.start_error,
                                          "): install Debian's graphviz package (apt-get install graphviz) to "
                                          "draw model graphs"));
  }
  FOVEA_CHECK(r.signal == 0, IoError, "Graphviz's '", program, "' was killed by signal ", r.signal);
  FOVEA_CHECK(r.exit_code == 0, IoError, "Graphviz's '", program, "' failed (exit status ", r.exit_code, "): ",
              r.err.empty() ? std::string("no message") : r.err);
  FOVEA_CHECK(!r.out.empty(), IoError, "Graphviz's '", program, "' wrote nothing");
  return r.out;
}

}  // namespace fovea::viz
