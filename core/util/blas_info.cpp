// Finds the library that provides sgemm_ in this process (dladdr) and names its family.
#include "util/blas_info.h"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>

namespace rf {

BlasInfo blas_info_detect() {
  BlasInfo info;
  info.name = "unknown";
  void* sym = dlsym(RTLD_DEFAULT, "sgemm_");
  if (!sym) return info;
  Dl_info dl{};
  if (!dladdr(sym, &dl) || !dl.dli_fname) return info;
  std::error_code ec;
  std::filesystem::path resolved = std::filesystem::canonical(dl.dli_fname, ec);
  info.library_path = ec ? std::string(dl.dli_fname) : resolved.string();
  std::string lower = info.library_path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower.find("openblas") != std::string::npos) info.name = "openblas";
  else if (lower.find("mkl") != std::string::npos) info.name = "mkl";
  else if (lower.find("blis") != std::string::npos) info.name = "blis";
  else if (lower.find("/blas/") != std::string::npos || lower.find("libblas.so") != std::string::npos) info.name = "reference";
  return info;
}

std::string blas_info_warning(const BlasInfo& info) {
  if (!info.is_reference()) return {};
  return "warning: LibTorch is using the reference BLAS (" + info.library_path +
         "); CPU matmuls will be ~45x slower. Install libopenblas0-pthread (sudo apt-get install libopenblas0-pthread).";
}

}  // namespace rf
