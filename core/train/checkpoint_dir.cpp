// Atomic checkpoint folders (see checkpoint_dir.h).
#include "train/checkpoint_dir.h"

#include <filesystem>

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

void checkpoint_copy_files(const std::vector<std::string>& files, const std::string& dir) {
  for (const std::string& f : files)
    if (fs::exists(f)) fs::copy_file(f, fs::path(dir) / fs::path(f).filename(), fs::copy_options::overwrite_existing);
}

}  // namespace rf
