// Splits a buffer into lines (LF or CRLF endings) and counts them from 1, so line-oriented importers
// (u.data, *.dat, sequence files, JSON lines) can name the line of every error without copying text.
// It also reports how far it has got to the import's progress callback (import_progress.h).
#pragma once

#include "data/import_progress.h"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace rf {

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // The next line without its ending; false at the end. A final line without '\n' still counts.
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) {
      import_progress_at(pos_, text_.size());  // the file is done
      return false;
    }
    if ((line_ & 255) == 0) import_progress_at(pos_, text_.size());
    const char* begin = text_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', text_.size() - pos_));
    size_t len = nl ? static_cast<size_t>(nl - begin) : text_.size() - pos_;
    pos_ += len + (nl ? 1 : 0);
    if (len > 0 && begin[len - 1] == '\r') --len;
    line = std::string_view(begin, len);
    ++line_;
    return true;
  }

  int64_t line_number() const { return line_; }  // of the line last returned (1-based)

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t line_ = 0;
};

}  // namespace rf
