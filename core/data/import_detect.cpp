// data_import(): picks the format ("auto" recognises a folder or file by its file names and first
// lines), runs that format's reader (import_*.cpp), then names the dataset, records its source and
// counts item popularity.
#include "data/import_formats.h"
#include "data/importer.h"

#include "data/import_common.h"
#include "data/text_checks.h"
#include "util/error.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

namespace rf {

namespace fs = std::filesystem;

std::vector<std::string> folder_files_with_suffix(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        it->is_regular_file(ec)) {
      out.push_back(it->path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

const std::vector<std::string> kFormats = {"movielens-100k", "movielens-1m", "movielens-latest", "amazon",
                                           "sequence",       "esci",         "generic"};

bool exists_in(const fs::path& dir, const char* name) { return path_is_file((dir / name).string()); }

// `user item item ...`: at least two whitespace-separated ids and nothing that looks like another format.
bool looks_like_sequence_line(std::string_view line) {
  line = text_trim(line);
  if (line.empty()) return false;
  int tokens = 0;
  bool in_token = false;
  for (char c : line) {
    if (c == ' ' || c == '\t') {
      in_token = false;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
    if (!in_token) ++tokens;
    in_token = true;
  }
  return tokens >= 2;
}

bool looks_like_esci(const std::string& file) {
  const std::string first = first_nonblank_line(file, 4096);
  return first.find("query") != std::string::npos && first.find("product_id") != std::string::npos &&
         first.find("esci_label") != std::string::npos;
}

std::string detect_folder(const fs::path& dir) {
  if ((exists_in(dir, "items.jsonl") || exists_in(dir, "items.csv")) &&
      (exists_in(dir, "interactions.csv") || exists_in(dir, "interactions.jsonl"))) {
    return "generic";
  }
  if (exists_in(dir, "u.data")) return "movielens-100k";
  if (exists_in(dir, "ratings.dat")) return "movielens-1m";
  if (exists_in(dir, "ratings.csv") && exists_in(dir, "movies.csv")) return "movielens-latest";
  for (const auto& f : folder_files_with_suffix(dir.string(), ".csv"))
    if (looks_like_esci(f)) return "esci";
  for (const auto& f : folder_files_with_suffix(dir.string(), ".txt")) {
    std::string stem = fs::path(f).stem().string();
    std::transform(stem.begin(), stem.end(), stem.begin(), [](unsigned char c) { return std::tolower(c); });
    if (stem != "readme" && stem != "license" && looks_like_sequence_line(first_nonblank_line(f, 1 << 16))) {
      return "sequence";
    }
  }
  for (const char* suffix : {".json", ".jsonl"})
    for (const auto& f : folder_files_with_suffix(dir.string(), suffix))
      if (amazon_json_kind(first_nonblank_line(f, 1 << 16)) == "reviews") return "amazon";
  return {};
}

std::string detect_file(const fs::path& file) {
  const std::string name = file.filename().string();
  if (name == "u.data" || name == "u.item") return "movielens-100k";
  if (name == "ratings.dat" || name == "movies.dat") return "movielens-1m";
  if (name == "ratings.csv" || name == "movies.csv" || name == "tags.csv") return "movielens-latest";
  if (name == "interactions.csv" || name == "interactions.jsonl") return "generic";
  const std::string first = first_nonblank_line(file.string(), 1 << 16);
  if (looks_like_esci(file.string())) return "esci";
  if (amazon_json_kind(first) == "reviews") return "amazon";
  if (looks_like_sequence_line(first)) return "sequence";
  return {};
}

// Formats read from a folder take a file inside it as meaning that folder.
std::string folder_of(const std::string& path) {
  if (path_is_dir(path)) return path;
  const std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

std::string default_name(const std::string& path) {
  fs::path p = fs::absolute(fs::path(path)).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
  if (path_is_dir(p.string())) return p.filename().string();
  const std::string parent = p.parent_path().filename().string();
  return parent.empty() ? p.stem().string() : parent;
}

}  // namespace

std::vector<std::string> data_import_formats() { return kFormats; }

std::string data_detect_format(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or folder");
  const std::string found = path_is_dir(path) ? detect_folder(path) : detect_file(path);
  if (!found.empty()) return found;
  throw Error(path +
              ": cannot tell the data format; looked for items.jsonl|items.csv + interactions.csv|jsonl (generic), "
              "u.data (movielens-100k), ratings.dat (movielens-1m), ratings.csv + movies.csv (movielens-latest), "
              "a CSV with query,product_id,esci_label (esci), a .txt of `user item item ...` lines (sequence), "
              "JSON lines with reviewerID|user_id and overall|rating (amazon). Name it with --format");
}

Dataset data_import(const std::string& path, const ImportOptions& options) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or folder");
  const std::string format = options.format.empty() || options.format == "auto" ? data_detect_format(path) : options.format;
  if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end()) {
    std::string list;
    for (const auto& f : kFormats) list += (list.empty() ? "" : ", ") + f;
    throw Error("unknown data format '" + format + "' (known: auto, " + list + ")");
  }
  if (!options.meta_path.empty() && format != "amazon" && format != "sequence") {
    throw Error("a metadata file (--meta) is only read by the amazon and sequence formats, not " + format);
  }
  if (!options.meta_path.empty() && !path_is_file(options.meta_path)) throw Error(options.meta_path + ": no such file");

  const ImportProgressScope progress(options.progress);
  Dataset ds;
  if (format == "movielens-100k") ds = import_movielens_100k(folder_of(path));
  else if (format == "movielens-1m") ds = import_movielens_1m(folder_of(path));
  else if (format == "movielens-latest") ds = import_movielens_latest(folder_of(path));
  else if (format == "amazon") ds = import_amazon(path, options.meta_path);
  else if (format == "sequence") ds = import_sequence(path, options.meta_path);
  else if (format == "esci") ds = import_esci(path);
  else ds = import_generic(folder_of(path));

  ds.name = options.name.empty() ? default_name(path) : options.name;
  ds.source = format + ":" + fs::absolute(fs::path(path)).lexically_normal().string();
  dataset_update_popularity(ds);
  return ds;
}

}  // namespace rf
