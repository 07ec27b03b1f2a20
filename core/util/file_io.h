// Whole-file reads and atomic writes (write to a temporary name, then rename) with errors that name the path.
#pragma once

#include <string>
#include <string_view>

namespace rf {

std::string file_read_all(const std::string& path);
// Writes `path.tmp` then renames it over `path`, so a crash never leaves a half-written file.
void file_write_atomic(const std::string& path, std::string_view bytes);
bool file_exists(const std::string& path);

}  // namespace rf
