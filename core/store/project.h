// A RecForge project is a folder: `project.sqlite` (data, templates, runs) and `checkpoints/`.
// project_open() creates or opens it and brings the schema's bookkeeping table up to date; each area
// creates its own tables on first use (CREATE TABLE IF NOT EXISTS) so areas stay independent.
#pragma once

#include "store/sqlite_db.h"

#include <memory>
#include <string>

namespace rf {

struct Project {
  std::string dir;
  std::unique_ptr<SqliteDb> db;

  std::string db_path() const { return dir + "/project.sqlite"; }
  std::string checkpoints_dir() const { return dir + "/checkpoints"; }
};

// Opens the project in `dir`. With `create`, a missing folder (and its database) is made; without it,
// a folder that is not a project is an error naming the folder.
Project project_open(const std::string& dir, bool create);

// True when `dir` holds a project.sqlite.
bool project_exists(const std::string& dir);

}  // namespace rf
