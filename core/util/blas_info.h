// Which BLAS library LibTorch's CPU matmuls end up in. Debian's LibTorch calls the system libblas.so.3,
// which is the reference BLAS (~45x slower) unless libopenblas0-pthread is installed; we check at start-up.
#pragma once

#include <string>

namespace rf {

struct BlasInfo {
  std::string library_path;  // resolved path of the shared object providing sgemm_, or "" if unknown
  std::string name;          // "openblas", "mkl", "blis", "reference" or "unknown"
  bool is_reference() const { return name == "reference"; }
};

BlasInfo blas_info_detect();
// A one-line warning for users when the reference BLAS is in use, empty otherwise.
std::string blas_info_warning(const BlasInfo& info);

}  // namespace rf
