#include "tune/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fovea/core/error.h"

namespace fovea::tune::detail {

namespace {

std::string system_reason() { return std::strerror(errno); }

// Cuts a last line that a killed writer left without its newline, so that the next event starts a line of its own.
void drop_partial_last_line(int fd, const std::string& path) {
  struct stat info {};
  FOVEA_CHECK(fstat(fd, &info) == 0, IoError, path, ": cannot read its size (", system_reason(), ")");
  off_t end = info.st_size;
  while (end > 0) {
    char c = 0;
    FOVEA_CHECK(pread(fd, &c, 1, end - 1) == 1, IoError, path, ": cannot read it (", system_reason(), ")");
    if (c == '\n') break;
    --end;
  }
  if (end != info.st_size) {
    FOVEA_CHECK(ftruncate(fd, end) == 0, IoError, path, ": cannot cut its unfinished last line (", system_reason(),
                ")");
  }
}

}  // namespace

nlohmann::json step_to_json(const TrialStep& step) {
  return {{"trial", step.trial},     {"config", step.config},     {"budget", step.budget},
          {"previous_budget", step.previous_budget}, {"continues", step.continues},
          {"bracket", step.bracket}, {"rung", step.rung},         {"round", step.round}};
}

TrialStep step_from_json(const nlohmann::json& value) {
  return {.trial = value.at("trial").get<int64_t>(),
          .config = value.at("config"),
          .budget = value.at("budget").get<double>(),
          .previous_budget = value.at("previous_budget").get<double>(),
          .continues = value.at("continues").get<bool>(),
          .bracket = value.at("bracket").get<int64_t>(),
          .rung = value.at("rung").get<int64_t>(),
          .round = value.at("round").get<int64_t>()};
}

JournalContents read_journal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FOVEA_CHECK(in.good(), IoError, path, ": cannot open the search journal (", system_reason(), ")");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  JournalContents contents;
  size_t begin = 0;
  int64_t line_number = 0;
  while (begin < text.size()) {
    const size_t newline = text.find('\n', begin);
    ++line_number;
    if (newline == std::string::npos) break;  // the search was killed while writing this line: it never happened
    const std::string line = text.substr(begin, newline - begin);
    begin = newline + 1;
    try {
      const nlohmann::json event = nlohmann::json::parse(line);
      const std::string kind = event.at("event").get<std::string>();
      if (kind == "search") {
        FOVEA_CHECK(line_number == 1, IoError, "the search's description appears again");
        contents.description = event.at("description");
      } else if (kind == "end") {
        JournalContents::Ended ended;
        if (event.contains("value")) ended.value = event["value"].get<double>();
        ended.failure = event.value("failure", std::string());
        ended.seconds = event.value("seconds", 0.0);
        FOVEA_CHECK(ended.value || !ended.failure.empty(), IoError, "an end without a value or a failure");
        const std::pair<int64_t, double> key{event.at("trial").get<int64_t>(), event.at("budget").get<double>()};
        contents.ended[key] = ended;
        contents.unfinished.erase(key);
      } else if (kind == "start") {
        const TrialStep step = step_from_json(event.at("step"));
        contents.unfinished.insert({step.trial, step.budget});
        contents.configs.emplace(step.trial, step.config);
      } else {
        FOVEA_CHECK(kind == "stopped" || kind == "message", IoError, "unknown event '", kind,
                    "'");
      }
      FOVEA_CHECK(line_number > 1 || kind == "search", IoError, "it does not start with the search's description");
    } catch (const std::exception& e) {
      throw IoError(::fovea::detail::concat(path, ": line ", line_number, ": ", e.what()));
    }
  }
  FOVEA_CHECK(line_number > 0, IoError, path, ": the search journal is empty");
  return contents;
}

JournalWriter::JournalWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  FOVEA_CHECK(fd_ >= 0, IoError, path, ": cannot open the search journal for writing (", system_reason(), ")");
  try {
    drop_partial_last_line(fd_, path);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void JournalWriter::append(const nlohmann::json& event) {
  // One write() of the whole line: a kill between two writes could otherwise leave half a line in the middle.
  const std::string line = event.dump() + "\n";
  size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    FOVEA_CHECK(n > 0, IoError, path_, ": cannot append to the search journal (", system_reason(), ")");
    written += static_cast<size_t>(n);
  }
  FOVEA_CHECK(::fdatasync(fd_) == 0, IoError, path_, ": cannot flush the search journal to disk (", system_reason(),
              ")");
}

}  // namespace fovea::tune::detail
