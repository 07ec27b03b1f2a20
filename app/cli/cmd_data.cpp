// `recforge-cli data <import|list|delete|stats|show-user>`: bring recommendation data into a project
// and look at it. import reads a source (see `--format`) and saves it in one transaction, so a failed
// import leaves the project as it was.
#include "cmd_data.h"
#include "commands.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "data/importer.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace rf::cli {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void no_positionals(const CliArgs& args, const char* command) {
  if (!args.positional().empty()) {
    throw Error(std::string("recforge-cli ") + command + ": unexpected argument '" + args.positional()[0] + "' (see --help)");
  }
}

std::string formats_list() {
  std::string list = "auto";
  for (const auto& f : data_import_formats()) list += " | " + f;
  return list;
}

}  // namespace

int data_import_cmd(int argc, char** argv) {
  CliArgs args("data import",
               "Import a data set into a project (created when missing). The import is one transaction:\n"
               "on any error the project keeps exactly what it had. Formats: docs/data-formats.md.",
               {{"project", "DIR", "project folder", ""},
                {"path", "SRC", "the source folder or file", ""},
                {"format", "F", formats_list(), "auto"},
                {"name", "N", "dataset name (default: the source folder's name)", ""},
                {"meta", "FILE", "amazon: metadata JSON lines; sequence: item table (items.jsonl)", ""},
                {"replace", "", "replace a dataset of the same name", ""},
                {"json", "", "print the result as JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  no_positionals(args, "data import");
  ImportOptions options;
  options.format = args.get("format");
  options.name = args.get_or("name", "");
  options.meta_path = args.get_or("meta", "");
  const std::string project_dir = args.get("project");
  const std::string path = args.get("path");

  auto t0 = std::chrono::steady_clock::now();
  Dataset ds = data_import(path, options);
  const double parse_s = seconds_since(t0);
  Project project = project_open(project_dir, true);
  t0 = std::chrono::steady_clock::now();
  dataset_save(project, ds, args.flag("replace"));
  const double save_s = seconds_since(t0);

  const std::string format = ds.source.substr(0, ds.source.find(':'));
  if (args.flag("json")) {
    nlohmann::json j = {{"name", ds.name},
                        {"format", format},
                        {"source", ds.source},
                        {"project", project_dir},
                        {"items", ds.items.size()},
                        {"users", ds.users.size()},
                        {"interactions", ds.interactions.size()},
                        {"parse_s", parse_s},
                        {"save_s", save_s}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("imported '%s' (%s) into %s\n", ds.name.c_str(), format.c_str(), project_dir.c_str());
  std::printf("  items         %zu\n  users         %zu\n  interactions  %zu\n", ds.items.size(), ds.users.size(),
              ds.interactions.size());
  std::printf("  read %.3f s, saved %.3f s\n", parse_s, save_s);
  return 0;
}

int data_list_cmd(int argc, char** argv) {
  CliArgs args("data list", "List the datasets of a project.",
               {{"project", "DIR", "project folder", ""}, {"json", "", "print JSON", ""}});
  if (!args.parse(argc, argv)) return 0;
  no_positionals(args, "data list");
  Project project = project_open(args.get("project"), false);
  const auto infos = dataset_list(project);
  if (args.flag("json")) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : infos) {
      j.push_back({{"name", d.name},
                   {"source", d.source},
                   {"items", d.items},
                   {"users", d.users},
                   {"interactions", d.interactions},
                   {"imported_at", d.imported_at}});
    }
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  if (infos.empty()) {
    std::printf("no datasets in %s (add one with: recforge-cli data import)\n", args.get("project").c_str());
    return 0;
  }
  std::printf("%-24s %9s %9s %13s  %-20s  %s\n", "name", "items", "users", "interactions", "imported (UTC)", "source");
  for (const auto& d : infos) {
    std::printf("%-24s %9lld %9lld %13lld  %-20s  %s\n", d.name.c_str(), static_cast<long long>(d.items),
                static_cast<long long>(d.users), static_cast<long long>(d.interactions), d.imported_at.c_str(),
                d.source.c_str());
  }
  return 0;
}

int data_delete_cmd(int argc, char** argv) {
  CliArgs args("data delete", "Delete a dataset from a project.",
               {{"project", "DIR", "project folder", ""}, {"name", "N", "the dataset to delete", ""}});
  if (!args.parse(argc, argv)) return 0;
  no_positionals(args, "data delete");
  Project project = project_open(args.get("project"), false);
  dataset_delete(project, args.get("name"));
  std::printf("deleted '%s'\n", args.get("name").c_str());
  return 0;
}

int cmd_data(int argc, char** argv) {
  const char* usage =
      "usage: recforge-cli data <import|list|delete|stats|show-user> [options]\n\n"
      "  import     read a data set (MovieLens, Amazon, sequence, ESCI, generic) into a project\n"
      "  list       the datasets of a project\n"
      "  delete     remove a dataset from a project\n"
      "  stats      counts, sparsity, history lengths, popularity, ratings, categories, time range\n"
      "  show-user  one user's profile and time-ordered history\n\n"
      "'recforge-cli data <what> --help' describes the options.\n";
  return cli_actions_run("recforge-cli data", usage,
                         {{"import", data_import_cmd},
                          {"list", data_list_cmd},
                          {"delete", data_delete_cmd},
                          {"stats", data_stats_cmd},
                          {"show-user", data_show_user_cmd}},
                         argc, argv);
}

}  // namespace rf::cli
