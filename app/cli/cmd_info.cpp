// `recforge-cli info`: what this build runs on (versions, devices, BLAS), as JSON.
#include "commands.h"

#include "cli_args.h"
#include "compat/torch_compat.h"
#include "util/blas_info.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <cstdio>

namespace rf::cli {

int cmd_info(int argc, char** argv) {
  CliArgs args("info", "Print the version, the LibTorch build, the devices and the BLAS library in use, as JSON.", {});
  if (!args.parse(argc, argv)) return 0;
  const BlasInfo blas = blas_info_detect();
  nlohmann::json j;
  j["version"] = RECFORGE_VERSION;
  j["torch_version"] = compat::torch_version_string();
  j["cuda_available"] = torch::cuda::is_available();
  j["cuda_device_count"] = torch::cuda::device_count();
  j["cpu_threads"] = at::get_num_threads();
  j["blas"] = {{"name", blas.name}, {"library", blas.library_path}};
  std::printf("%s\n", j.dump(2).c_str());
  const std::string warning = blas_info_warning(blas);
  if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());
  return 0;
}

}  // namespace rf::cli
