// A small command-line parser for recforge-cli subcommands: `--name value`, `--name=value` and
// boolean `--flag`s, declared up front so `--help` is generated and unknown options are errors.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rf::cli {

struct CliOption {
  std::string name;         // without the leading dashes
  std::string value_name;   // "" for a boolean flag
  std::string help;
  std::string default_value;
};

class CliArgs {
 public:
  CliArgs(std::string command, std::string summary, std::vector<CliOption> options);

  // Parses argv (after the subcommand). Returns false when --help was asked (help already printed).
  // Throws rf::Error on an unknown option or a missing value.
  bool parse(int argc, char** argv);

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // value or declared default; throws if required and absent
  std::string get_or(const std::string& name, const std::string& fallback) const;
  long long get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  bool flag(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  std::string help_text() const;

 private:
  const CliOption* find(const std::string& name) const;
  std::string command_;
  std::string summary_;
  std::vector<CliOption> options_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// "a,b,,c" -> {"a", "b", "c"}: a comma-separated option value, empty parts dropped.
std::vector<std::string> cli_split_list(const std::string& text);

// "1,2,3" -> {1, 2, 3}; throws rf::Error naming the option on a bad number.
std::vector<long long> cli_parse_id_list(const std::string& text, const std::string& option_name);

// Commands with actions (`recforge-cli data import ...`, `recforge-cli bench grpo ...`): runs the action
// argv[0] names with the arguments after it. No action prints `usage` on stderr (exit code 2), --help on
// stdout; an unknown one throws rf::Error "<command>: unknown action 'x' (expected a, b or c)".
struct CliAction {
  std::string name;
  std::function<int(int, char**)> run;
};
int cli_actions_run(const std::string& command, const char* usage, const std::vector<CliAction>& actions, int argc, char** argv);

}  // namespace rf::cli
