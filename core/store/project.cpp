// Project folders: see project.h.
#include "store/project.h"

#include "util/error.h"

#include <filesystem>
#include <system_error>

namespace rf {

namespace fs = std::filesystem;

bool project_exists(const std::string& dir) { return fs::is_regular_file(fs::path(dir) / "project.sqlite"); }

Project project_open(const std::string& dir, bool create) {
  std::error_code ec;
  if (!project_exists(dir)) {
    if (!create) throw Error(dir + ": not a RecForge project (no project.sqlite in it)");
    fs::create_directories(dir, ec);
    if (ec) throw Error(dir + ": cannot create the project folder: " + ec.message());
  }
  Project project;
  project.dir = dir;
  project.db = std::make_unique<SqliteDb>(project.db_path(), create);
  fs::create_directories(project.checkpoints_dir(), ec);
  if (ec) throw Error(project.checkpoints_dir() + ": cannot create: " + ec.message());
  project.db->exec(
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "INSERT OR IGNORE INTO meta (key, value) VALUES ('format', 'recforge-project'), ('format_version', '1');");
  auto stmt = project.db->prepare("SELECT value FROM meta WHERE key = 'format'");
  if (!stmt.step() || stmt.column_text(0) != "recforge-project") {
    throw Error(project.db_path() + ": not a RecForge project database (meta.format is not 'recforge-project')");
  }
  return project;
}

}  // namespace rf
