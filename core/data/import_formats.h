// The per-format readers behind data_import() (importer.h), one import_<family>.cpp each. They fill
// items, users and interactions only; data_import() then sets name, source and popularity.
#pragma once

#include "data/dataset.h"

#include <string>
#include <string_view>
#include <vector>

namespace rf {

Dataset import_movielens_100k(const std::string& dir);     // import_movielens.cpp
Dataset import_movielens_1m(const std::string& dir);       // import_movielens.cpp
Dataset import_movielens_latest(const std::string& dir);   // import_movielens_latest.cpp
// `path`: a reviews file, or a folder holding one; `meta_path`: "" -> a meta*.json(l) file beside it, if any.
Dataset import_amazon(const std::string& path, const std::string& meta_path);  // import_amazon.cpp
// `path`: a sequence file or a folder with one; `meta_path`: the item table ("" -> items.jsonl beside it).
Dataset import_sequence(const std::string& path, const std::string& meta_path);  // import_sequence.cpp
Dataset import_esci(const std::string& path);       // import_esci.cpp: a CSV file or a folder with one
Dataset import_generic(const std::string& dir);     // import_generic.cpp

// "reviews" or "meta" when a JSON line looks like an Amazon review or product record, else "".
std::string amazon_json_kind(std::string_view first_line);
// The first line of `path` with something on it, reading at most `max_bytes` ("" when unreadable).
std::string first_nonblank_line(const std::string& path, size_t max_bytes);

// The files of a folder whose names end in `suffix` (sorted), for formats that accept a folder.
std::vector<std::string> folder_files_with_suffix(const std::string& dir, const std::string& suffix);

}  // namespace rf
