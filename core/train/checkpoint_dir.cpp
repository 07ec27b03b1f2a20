// Atomic checkpoint folders (see checkpoint_dir.h).
#include "train/checkpoint_dir.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <utility>

namespace rf {

namespace fs = std::filesystem;

void checkpoint_dir_write(const std::string& dir, const std::function<void(const std::string& tmp)>& fill) {
  const fs::path final_dir(dir), tmp(dir + ".tmp");
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  fill(tmp.string());
  if (fs::exists(final_dir)) {  // replace: move the old one aside first so a crash never leaves neither
    const fs::path old(dir + ".old");
    fs::remove_all(old, ec);
    fs::rename(final_dir, old);
    fs::rename(tmp, final_dir);
    fs::remove_all(old, ec);
  } else {
    fs::rename(tmp, final_dir);
  }
}

std::vector<std::string> checkpoint_dirs_prune(const std::string& root, int keep, const std::set<std::string>& spare) {
  std::vector<std::string> removed;
  std::error_code ec;
  if (keep <= 0 || !fs::is_directory(root, ec)) return removed;
  const std::string prefix = "checkpoint-";
  std::vector<std::pair<int64_t, fs::path>> found;  // (step, folder)
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 || !e.is_directory(ec)) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      continue;  // "checkpoint-12.tmp", "checkpoint-12.old", "checkpoint-best": not a committed step folder
    found.emplace_back(std::stoll(digits), e.path());
  }
  std::sort(found.begin(), found.end());
  const size_t drop = found.size() > static_cast<size_t>(keep) ? found.size() - static_cast<size_t>(keep) : 0;
  std::set<std::string> spared;
  for (const std::string& p : spare) spared.insert(fs::weakly_canonical(p, ec).string());
  for (size_t i = 0; i < drop; ++i) {
    if (spared.count(fs::weakly_canonical(found[i].second, ec).string())) continue;
    fs::remove_all(found[i].second, ec);
    if (!ec) removed.push_back(found[i].second.string());
  }
  return removed;
}

void checkpoint_copy_files(const std::vector<std::string>& files, const std::string& dir) {
  for (const std::string& f : files)
    if (fs::exists(f)) fs::copy_file(f, fs::path(dir) / fs::path(f).filename(), fs::copy_options::overwrite_existing);
}

}  // namespace rf
