// The recipe presets of resources/templates/presets.json (DESIGN.md §1): where the preset folder is, and
// one preset by name with its template path. Shared by `recforge-cli prompt`, `recforge-cli traces` and
// the workbench, so every tool renders a recipe's prompt from the same files.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace rf {

// The folder holding presets.json: $RECFORGE_RESOURCES/templates, then beside the binary in a build folder
// (<repo>/build-x/<exe> -> <repo>/resources/templates), then an installed tree
// (<prefix>/share/recforge/resources/templates), then the source tree this library was compiled from.
// rf::Error (prefixed with `who`, e.g. "prompt") lists the places tried when none has presets.json.
std::string prompt_templates_dir(const std::string& who);

// The preset named `name` in the parsed presets.json `presets` (read from `file`, used in messages);
// rf::Error lists the preset names when there is none of that name.
nlohmann::json prompt_preset_find(const nlohmann::json& presets, const std::string& name, const std::string& file,
                                  const std::string& who);

// The default preset of a recipe: its own name, except "query_rewrite" for a Query recipe whose user has a
// profile (ESCI keeps the shopper's query there).
std::string prompt_preset_default(const std::string& recipe, bool user_has_profile);

struct PromptPreset {
  std::string name;
  nlohmann::json preset;      // the presets.json entry (k, candidates, system, prefill, tags, ...)
  std::string template_path;  // <templates dir>/<preset.file>
};

// Reads presets.json from prompt_templates_dir() and returns the named preset. rf::Error names the file
// when it is not valid JSON.
PromptPreset prompt_preset_load(const std::string& name, const std::string& who);

}  // namespace rf
