// RFC 4180 CSV over a buffer held in memory: quoted fields with delimiters, doubled quotes and line
// breaks inside them, LF or CRLF endings, blank lines skipped. Fields come back as string_views (into
// the buffer, or into the reader's scratch space for fields with doubled quotes), so a row costs no
// allocation. The reader knows the line each record starts on and the header's column names, so every
// error it or its caller raises reads "<file>:<line>: field '<column>': <problem>".
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

class CsvReader {
 public:
  // `text` must outlive the reader. `file` is the name used in messages.
  CsvReader(std::string_view text, std::string file, char delimiter = ',');

  // The next record; false at the end of the input. Views stay valid until the next call.
  bool next(std::vector<std::string_view>& fields);

  int64_t record_line() const { return record_line_; }  // 1-based line the last record started on
  const std::string& file() const { return file_; }
  char delimiter() const { return delim_; }

  // Reads the first record as the header: its names are used in messages and by column()/require().
  // An empty file, or a header that is one field holding tabs or semicolons (a file written with
  // another delimiter), is an error; `expected` lists the columns wanted, for the message.
  void read_header(const std::string& expected);
  const std::vector<std::string>& header() const { return names_; }
  int column(std::string_view name) const;  // -1 when the header lacks it
  // The column's index; a header without it is an error naming the column and the columns found.
  size_t require(std::string_view name) const;

  // The field's name in messages: the header's name, or "#3" for the third field without a header.
  std::string field_name(size_t index) const;

  // Throws when `fields` does not have `expected` fields, saying when the line looks tab- or
  // semicolon-separated instead.
  void check_field_count(const std::vector<std::string_view>& fields, size_t expected) const;

  // With this on, next() checks that every field is valid UTF-8 (naming line, field and byte offset).
  void set_check_utf8(bool on) { check_utf8_ = on; }

 private:
  std::string_view text_;
  std::string file_;
  char delim_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  int64_t record_line_ = 0;
  int64_t records_ = 0;  // read so far, to report progress every 256 (import_progress.h)
  bool check_utf8_ = false;
  std::vector<std::string> names_;
  std::deque<std::string> scratch_;  // a deque: growing it never moves the strings already handed out
  size_t scratch_used_ = 0;
};

}  // namespace rf
