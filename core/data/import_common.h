// Shared by the importers (core/data/import_*.cpp): reading a source file, errors in the one form
// users see ("<file>:<line>: field '<name>': <problem>"), field parsers that throw them, and small list
// and id-map helpers. Internal to the data area; callers use importer.h.
#pragma once

#include "data/dataset.h"
#include "data/id_index.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace rf {

// Throws rf::Error "<file>:<line>: field '<field>': <problem>" (no "field" part when `field` is empty).
[[noreturn]] void data_fail(std::string_view file, int64_t line, std::string_view field, const std::string& problem);

// The whole file (a UTF-8 byte-order mark removed). A missing file, a folder, or an empty file is an error
// naming the path; `expected` says what should be in it ("ratings: userId,movieId,rating,timestamp").
std::string source_read(const std::string& path, const std::string& expected);

// Throws naming the file, line, field and byte offset when `text` is not valid UTF-8. `line_offset` is
// where `text` starts within its line, so the offset reported is the byte's position in that line.
void source_check_utf8(std::string_view file, int64_t line, std::string_view field, std::string_view text,
                       size_t line_offset = 0);

// The same for one JSON line; the field named is the key whose value holds the bad byte (found by
// looking back for `"key":`), so the message says which field to fix without parsing invalid text.
void source_check_utf8_json(std::string_view file, int64_t line, std::string_view text);

// Calls fn(line_number, object) for each non-blank line of a JSON-lines text. A line that is not valid
// UTF-8, not valid JSON or not one JSON object fails with its file and line; a Python literal (the 2014
// Amazon metadata's form, `{'asin': ...}`) gets a message saying how to convert the file.
void jsonl_objects_each(const std::string& text, const std::string& file,
                        const std::function<void(int64_t, const nlohmann::json&)>& fn);

// Whole-field parsers (surrounding spaces allowed) that throw "... field 'x': 'text' is not ..." errors.
int64_t field_int(std::string_view file, int64_t line, std::string_view field, std::string_view text);
double field_number(std::string_view file, int64_t line, std::string_view field, std::string_view text);
// A number in [lo, hi]; anything outside is an error naming the range.
float field_rating(std::string_view file, int64_t line, std::string_view field, std::string_view text, double lo,
                   double hi);
// Text shown in a message, cut to a readable length.
std::string quote_excerpt(std::string_view text);

// "Toy Story (1995)" -> "1995"; "" when the title does not end with a 4-digit year in brackets.
std::string title_year(std::string_view title);

// Appends `value` (trimmed) unless it is empty or already in `list`.
void list_add_unique(std::vector<std::string>& list, std::string_view value);
// The same, comparing ASCII case-insensitively (the first spelling seen is kept).
void list_add_unique_nocase(std::vector<std::string>& list, std::string_view value);

// Finds `id` in `index` or adds a user with that id (and no profile) to `ds`; returns its index.
int32_t user_get_or_add(Dataset& ds, IdIndex& index, std::string_view id);

// Path helpers with the folder/file tests the importers need.
std::string path_join(const std::string& dir, const std::string& name);
bool path_is_file(const std::string& path);
bool path_is_dir(const std::string& path);

}  // namespace rf
