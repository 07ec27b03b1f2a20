// Datasets inside a project's SQLite database: several named datasets per project, each saved in one
// transaction (all or nothing) and loaded back whole. Also dataset_open(), which the CLI uses to take
// its `--data` argument as either a project folder or a source to import on the fly.
#pragma once

#include "data/dataset.h"
#include "data/importer.h"
#include "store/project.h"

#include <string>
#include <vector>

namespace rf {

struct DatasetInfo {
  std::string name;
  std::string source;
  int64_t items = 0;
  int64_t users = 0;
  int64_t interactions = 0;
  std::string imported_at;  // ISO 8601 UTC
};

// Saves `ds` under ds.name. An existing dataset of that name is an error unless `replace`.
void dataset_save(Project& project, const Dataset& ds, bool replace);
Dataset dataset_load(Project& project, const std::string& name);
std::vector<DatasetInfo> dataset_list(Project& project);
void dataset_delete(Project& project, const std::string& name);

// `data` is a project folder (then `name` picks the dataset; "" is allowed when it holds exactly one)
// or anything data_import() reads.
Dataset dataset_open(const std::string& data, const std::string& name, const ImportOptions& options);

}  // namespace rf
