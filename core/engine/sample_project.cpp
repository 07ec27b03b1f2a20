// Finding and importing the sample project's data (see sample_project.h).
#include "engine/sample_project.h"

#include "data/dataset_store.h"
#include "store/project.h"
#include "text/prompt_presets.h"
#include "util/error.h"

#include <filesystem>

namespace rf {

namespace fs = std::filesystem;

std::string sample_data_dir_find() {
  const fs::path resources = fs::path(prompt_templates_dir("sample project")).parent_path();
  for (const fs::path& p : {resources.parent_path() / "sample_data", resources / "sample_data"})
    if (fs::is_regular_file(p / "world.json")) return p.string();
  throw Error("cannot find sample_data/ beside " + resources.string());
}

bool sample_project_ensure(const std::string& project_dir, const std::string& data_dir) {
  Project p = project_open(project_dir, true);
  for (const DatasetInfo& d : dataset_list(p))
    if (d.name == "sample") return false;
  ImportOptions io;
  io.name = "sample";
  Dataset ds = dataset_open(data_dir.empty() ? sample_data_dir_find() : data_dir, "", io);
  ds.name = "sample";
  dataset_save(p, ds, true);
  return true;
}

}  // namespace rf
