// Helpers shared by the importers: see import_common.h.
#include "data/import_common.h"

#include "data/import_progress.h"
#include "data/line_reader.h"
#include "data/text_checks.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <system_error>

namespace rf {

namespace fs = std::filesystem;

void data_fail(std::string_view file, int64_t line, std::string_view field, const std::string& problem) {
  std::string msg(file);
  if (line > 0) msg += ":" + std::to_string(line);
  msg += ": ";
  if (!field.empty()) {
    msg += "field '";
    msg += field;
    msg += "': ";
  }
  msg += problem;
  throw Error(msg);
}

namespace {

nlohmann::json json_line_parse(const std::string& file, int64_t ln, std::string_view line) {
  source_check_utf8_json(file, ln, line);
  const std::string_view t = text_trim(line);
  if (t.size() >= 2 && t[0] == '{' && t[1] == '\'') {
    data_fail(file, ln, "",
              "this line is a Python literal (single quotes), not JSON; convert the file first, e.g. "
              "python3 -c \"import ast,json,sys; [print(json.dumps(ast.literal_eval(l))) for l in sys.stdin]\" "
              "< in.json > out.jsonl");
  }
  nlohmann::json j = nlohmann::json::parse(t.begin(), t.end(), nullptr, false);
  if (j.is_discarded()) data_fail(file, ln, "", "not valid JSON (expected one JSON object per line)");
  if (!j.is_object()) data_fail(file, ln, "", std::string("expected a JSON object, found ") + j.type_name());
  return j;
}

}  // namespace

void jsonl_objects_each(const std::string& text, const std::string& file,
                        const std::function<void(int64_t, const nlohmann::json&)>& fn) {
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int64_t ln = lines.line_number();
    if (text_trim(line).empty()) continue;
    fn(ln, json_line_parse(file, ln, line));
  }
}

std::string source_read(const std::string& path, const std::string& expected) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(path + ": is a folder, expected a file (" + expected + ")");
  if (!fs::exists(path, ec)) throw Error(path + ": no such file (" + expected + ")");
  std::string text = file_read_all(path);
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1F && static_cast<unsigned char>(text[1]) == 0x8B) {
    throw Error(path + ": is gzip-compressed; unpack it first (gunzip -k " + path + ")");
  }
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF) {
    text.erase(0, 3);
  }
  if (text_trim(text).empty()) throw Error(path + ":1: the file is empty (expected " + expected + ")");
  import_progress_file(path, static_cast<int64_t>(text.size()));
  return text;
}

void source_check_utf8(std::string_view file, int64_t line, std::string_view field, std::string_view text,
                       size_t line_offset) {
  const size_t bad = utf8_find_invalid(text);
  if (bad == std::string_view::npos) return;
  // Multi-line fields: report the line the bad byte is on, and its offset within that line.
  const TextPosition pos = text_position_of(text, bad);
  const size_t column = pos.line == 1 ? line_offset + bad : static_cast<size_t>(pos.column);
  data_fail(file, line + pos.line - 1, field,
            "invalid UTF-8: byte " + byte_hex(static_cast<unsigned char>(text[bad])) + " at byte offset " +
                std::to_string(column) + " of the line");
}

void source_check_utf8_json(std::string_view file, int64_t line, std::string_view text) {
  const size_t bad = utf8_find_invalid(text);
  if (bad == std::string_view::npos) return;
  std::string key;
  const size_t colon = text.substr(0, bad).rfind("\":");
  if (colon != std::string_view::npos) {
    const size_t open = text.substr(0, colon).rfind('"');
    if (open != std::string_view::npos) key = std::string(text.substr(open + 1, colon - open - 1));
  }
  if (utf8_find_invalid(key) != std::string_view::npos) key.clear();  // the key itself is the bad text
  data_fail(file, line, key,
            "invalid UTF-8: byte " + byte_hex(static_cast<unsigned char>(text[bad])) + " at byte offset " +
                std::to_string(bad) + " of the line");
}

void import_progress_file(const std::string& file, int64_t size) {
  ImportProgressState* s = import_progress_state;
  if (!s || !s->fn) return;
  s->file = file;
  s->last_permille = 0;
  (*s->fn)(file, 0, size);
}

std::string quote_excerpt(std::string_view text) {
  std::string s(text.substr(0, 60));
  if (text.size() > 60) s += "...";
  return "'" + s + "'";
}

int64_t field_int(std::string_view file, int64_t line, std::string_view field, std::string_view text) {
  int64_t v = 0;
  if (!parse_int64(text_trim(text), v)) {
    data_fail(file, line, field,
              text_trim(text).empty() ? "is empty, expected an integer" : quote_excerpt(text) + " is not an integer");
  }
  return v;
}

double field_number(std::string_view file, int64_t line, std::string_view field, std::string_view text) {
  double v = 0;
  if (!parse_double(text_trim(text), v)) {
    data_fail(file, line, field,
              text_trim(text).empty() ? "is empty, expected a number" : quote_excerpt(text) + " is not a number");
  }
  return v;
}

float field_rating(std::string_view file, int64_t line, std::string_view field, std::string_view text, double lo,
                   double hi) {
  const double v = field_number(file, line, field, text);
  if (v < lo || v > hi) {
    auto num = [](double x) {
      std::string s = std::to_string(x);
      while (!s.empty() && s.back() == '0') s.pop_back();
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    };
    data_fail(file, line, field, "rating " + num(v) + " is outside this format's range " + num(lo) + ".." + num(hi));
  }
  return static_cast<float>(v);
}

std::string title_year(std::string_view title) {
  title = text_trim(title);
  if (title.size() < 6 || title.back() != ')') return {};
  const std::string_view tail = title.substr(title.size() - 6);
  if (tail[0] != '(') return {};
  for (size_t i = 1; i < 5; ++i)
    if (tail[i] < '0' || tail[i] > '9') return {};
  return std::string(tail.substr(1, 4));
}

void list_add_unique(std::vector<std::string>& list, std::string_view value) {
  value = text_trim(value);
  if (value.empty()) return;
  for (const auto& x : list)
    if (x == value) return;
  list.emplace_back(value);
}

namespace {
bool equal_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

void list_add_unique_nocase(std::vector<std::string>& list, std::string_view value) {
  value = text_trim(value);
  if (value.empty()) return;
  for (const auto& x : list)
    if (equal_nocase(x, value)) return;
  list.emplace_back(value);
}

int32_t user_get_or_add(Dataset& ds, IdIndex& index, std::string_view id) {
  const int32_t found = index.find(id);
  if (found >= 0) return found;
  const int32_t u = dataset_add_user(ds, User{std::string(id), ""});
  index.insert(id, u);
  return u;
}

std::string path_join(const std::string& dir, const std::string& name) { return (fs::path(dir) / name).string(); }

bool path_is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool path_is_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

}  // namespace rf
