// RFC 4180 CSV reader: see csv_reader.h.
#include "data/csv_reader.h"

#include "data/import_common.h"
#include "data/import_progress.h"
#include "data/text_checks.h"

#include <algorithm>
#include <cstring>

namespace rf {

CsvReader::CsvReader(std::string_view text, std::string file, char delimiter)
    : text_(text), file_(std::move(file)), delim_(delimiter) {}

bool CsvReader::next(std::vector<std::string_view>& fields) {
  fields.clear();
  scratch_used_ = 0;
  const size_t n = text_.size();
  const char* s = text_.data();
  // Blank lines between records carry nothing (Python's csv module skips them too).
  while (pos_ < n && (s[pos_] == '\n' || (s[pos_] == '\r' && pos_ + 1 < n && s[pos_ + 1] == '\n'))) {
    pos_ += s[pos_] == '\r' ? 2 : 1;
    ++line_;
  }
  if (pos_ >= n) {
    import_progress_at(n, n);  // the file is done
    return false;
  }
  if ((++records_ & 255) == 0) import_progress_at(pos_, n);
  record_line_ = line_;

  auto check = [&](size_t raw_begin, size_t raw_end) {
    if (!check_utf8_) return;
    const size_t bad = utf8_find_invalid(text_.substr(raw_begin, raw_end - raw_begin));
    if (bad == std::string_view::npos) return;
    const size_t at = raw_begin + bad;
    const TextPosition p = text_position_of(text_, at);
    data_fail(file_, p.line, field_name(fields.size()),
              "invalid UTF-8: byte " + byte_hex(static_cast<unsigned char>(s[at])) + " at byte offset " +
                  std::to_string(p.column) + " of the line (offset " + std::to_string(at) + " in the file)");
  };

  for (;;) {
    if (pos_ >= n) {  // the record ended with a delimiter: one more, empty field
      fields.emplace_back();
      return true;
    }
    if (s[pos_] == '"') {
      const int64_t open_line = line_;
      const size_t begin = pos_ + 1;
      size_t i = begin;
      bool doubled = false;
      size_t end = 0;
      for (;;) {
        const auto* q = static_cast<const char*>(std::memchr(s + i, '"', n - i));
        if (!q) {
          data_fail(file_, open_line, field_name(fields.size()),
                    "a quoted field opened on this line is never closed (missing '\"')");
        }
        const auto qi = static_cast<size_t>(q - s);
        line_ += std::count(s + i, q, '\n');
        if (qi + 1 < n && s[qi + 1] == '"') {
          doubled = true;
          i = qi + 2;
          continue;
        }
        end = qi;
        pos_ = qi + 1;
        break;
      }
      check(begin, end);
      std::string_view value(s + begin, end - begin);
      if (doubled) {
        if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
        std::string& buf = scratch_[scratch_used_++];
        buf.clear();
        for (size_t k = 0; k < value.size(); ++k) {
          buf.push_back(value[k]);
          if (value[k] == '"') ++k;  // the second quote of a doubled pair
        }
        value = buf;
      }
      fields.push_back(value);
      if (pos_ >= n) return true;
      const char c = s[pos_];
      if (c == delim_) {
        ++pos_;
        continue;
      }
      if (c == '\n' || (c == '\r' && pos_ + 1 < n && s[pos_ + 1] == '\n')) {
        pos_ += c == '\r' ? 2 : 1;
        ++line_;
        return true;
      }
      data_fail(file_, line_, field_name(fields.size() - 1),
                std::string("unexpected '") + c +
                    "' after the closing quote (a quote inside a quoted field must be doubled: \"\")");
    }
    // Unquoted: up to the delimiter or the end of the line. A stray quote inside is kept as text.
    size_t i = pos_;
    while (i < n && s[i] != delim_ && s[i] != '\n') ++i;
    size_t end = i;
    if (end > pos_ && s[end - 1] == '\r' && (i >= n || s[i] == '\n')) --end;
    check(pos_, end);
    fields.emplace_back(s + pos_, end - pos_);
    if (i >= n) {
      pos_ = n;
      return true;
    }
    if (s[i] == delim_) {
      pos_ = i + 1;
      continue;
    }
    pos_ = i + 1;
    ++line_;
    return true;
  }
}

void CsvReader::read_header(const std::string& expected) {
  std::vector<std::string_view> fields;
  if (!next(fields)) data_fail(file_, 1, "", "the file is empty (expected a header: " + expected + ")");
  names_.clear();
  for (auto f : fields) names_.emplace_back(text_trim(f));
  if (fields.size() == 1) {
    const std::string& h = names_[0];
    const char* other = h.find('\t') != std::string::npos ? "tabs"
                        : h.find(';') != std::string::npos ? "semicolons"
                        : (delim_ != ',' && h.find(',') != std::string::npos) ? "commas"
                                                                                : nullptr;
    if (other) {
      data_fail(file_, record_line_, "",
                std::string("the header is separated by ") + other + ", expected '" + std::string(1, delim_) +
                    "' between columns (" + expected + ")");
    }
  }
}

int CsvReader::column(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

size_t CsvReader::require(std::string_view name) const {
  const int c = column(name);
  if (c >= 0) return static_cast<size_t>(c);
  std::string found;
  for (const auto& n : names_) found += (found.empty() ? "" : ",") + n;
  data_fail(file_, 1, name, "missing column in the header (the header has: " + found + ")");
}

std::string CsvReader::field_name(size_t index) const {
  if (index < names_.size()) return names_[index];
  return "#" + std::to_string(index + 1);
}

void CsvReader::check_field_count(const std::vector<std::string_view>& fields, size_t expected) const {
  if (fields.size() == expected) return;
  if (fields.size() == 1 && expected > 1) {
    const std::string_view f = fields[0];
    const char* other = f.find('\t') != std::string_view::npos ? "tabs"
                        : f.find(';') != std::string_view::npos ? "semicolons"
                                                                : nullptr;
    if (other) {
      data_fail(file_, record_line_, "",
                std::string("fields are separated by ") + other + ", expected '" + std::string(1, delim_) + "'");
    }
  }
  std::string columns;
  for (const auto& n : names_) columns += (columns.empty() ? "" : ",") + n;
  if (!columns.empty()) columns = " (" + columns + ")";
  if (fields.size() < expected) {
    data_fail(file_, record_line_, field_name(fields.size()),
              "missing: expected " + std::to_string(expected) + " fields" + columns + ", found " +
                  std::to_string(fields.size()));
  }
  data_fail(file_, record_line_, field_name(expected),
            "too many fields: expected " + std::to_string(expected) + " fields" + columns + ", found " +
                std::to_string(fields.size()) + " (an unquoted field with a '" + std::string(1, delim_) + "' in it?)");
}

}  // namespace rf
