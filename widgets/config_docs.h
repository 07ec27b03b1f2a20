// The run config's field documentation for tooltips: the tables of docs/config.md (| `field` | `default` |
// meaning |), compiled into the workbench as a Qt resource so the form and the documentation cannot drift.
#pragma once

#include <map>
#include <string>

namespace rf::gui {

struct ConfigFieldDoc {
  std::string default_value;  // as written in the table, without backquotes
  std::string meaning;        // markdown backquotes removed
};

// Every table row whose first cell is a backquoted field path.
std::map<std::string, ConfigFieldDoc> config_docs_parse(const std::string& markdown);
// docs/config.md from the resources (parsed once); empty when the resource is missing.
const std::map<std::string, ConfigFieldDoc>& config_docs();

}  // namespace rf::gui
