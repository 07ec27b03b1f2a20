// Finds and reads the recipe presets (resources/templates/presets.json); see prompt_presets.h.
#include "text/prompt_presets.h"

#include "util/error.h"
#include "util/file_io.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace rf {

namespace fs = std::filesystem;
using nlohmann::json;

std::string prompt_templates_dir(const std::string& who) {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("RECFORGE_RESOURCES"); env != nullptr && *env != '\0')
    tried.push_back(fs::path(env) / "templates");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    tried.push_back(exe.parent_path().parent_path() / "resources" / "templates");
    tried.push_back(exe.parent_path().parent_path() / "share" / "recforge" / "resources" / "templates");
  }
  // The source tree this library was built from (core/text/ -> <repo>/resources): a build folder outside
  // the repository, the test suites.
  tried.push_back(fs::path(__FILE__).parent_path().parent_path().parent_path() / "resources" / "templates");
  std::string looked;
  for (const auto& p : tried) {
    if (fs::is_regular_file(p / "presets.json", ec)) return p.string();
    looked += "\n  " + p.string();
  }
  throw Error(who + ": cannot find the preset templates (presets.json); looked in:" + looked +
              "\nset RECFORGE_RESOURCES to the resources folder or give --template FILE");
}

json prompt_preset_find(const json& presets, const std::string& name, const std::string& file, const std::string& who) {
  if (!presets.contains("presets") || !presets["presets"].is_array()) throw Error(file + ": expected a \"presets\" list");
  std::string names;
  for (const auto& p : presets["presets"]) {
    if (p.value("name", "") == name) return p;
    names += (names.empty() ? "" : ", ") + p.value("name", "?");
  }
  throw Error(who + ": no preset named '" + name + "' in " + file + " (presets: " + names + ")");
}

std::string prompt_preset_default(const std::string& recipe, bool user_has_profile) {
  return recipe == "query" && user_has_profile ? "query_rewrite" : recipe;
}

PromptPreset prompt_preset_load(const std::string& name, const std::string& who) {
  const std::string dir = prompt_templates_dir(who);
  const std::string file = dir + "/presets.json";
  json presets;
  try {
    presets = json::parse(file_read_all(file));
  } catch (const json::exception& e) {
    throw Error(who + ": " + file + " is not valid JSON: " + e.what());
  }
  PromptPreset out;
  out.name = name;
  out.preset = prompt_preset_find(presets, name, file, who);
  out.template_path = dir + "/" + out.preset.value("file", "");
  return out;
}

}  // namespace rf
