// The sample project the demo and the workbench start from: the sample world's data (sample_data/, made by
// the project's own generator and shipped with RecForge) imported into a project folder as data set
// "sample". Found beside the resources folder (source tree or installed share/recforge), so the CLI and the
// workbench agree on it.
#pragma once

#include <string>

namespace rf {

// sample_data/ beside the resources folder the prompt presets come from. rf::Error when it is not there.
std::string sample_data_dir_find();

// Makes `project_dir` a project holding data set "sample" imported from `data_dir` (sample_data_dir_find()
// when empty), unless it holds one already. Returns true when it imported.
bool sample_project_ensure(const std::string& project_dir, const std::string& data_dir = "");

}  // namespace rf
