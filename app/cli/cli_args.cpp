// Option parsing and help text for recforge-cli subcommands.
#include "cli_args.h"

#include "util/error.h"

#include <cstdio>
#include <sstream>

namespace rf::cli {

CliArgs::CliArgs(std::string command, std::string summary, std::vector<CliOption> options)
    : command_(std::move(command)), summary_(std::move(summary)), options_(std::move(options)) {}

const CliOption* CliArgs::find(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name) return &o;
  return nullptr;
}

bool CliArgs::parse(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(help_text().c_str(), stdout);
      return false;
    }
    if (arg.rfind("--", 0) != 0) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline_value = true;
    }
    const CliOption* opt = find(name);
    if (!opt) throw Error("recforge-cli " + command_ + ": unknown option --" + name + " (see --help)");
    if (opt->value_name.empty()) {
      if (has_inline_value) throw Error("recforge-cli " + command_ + ": --" + name + " takes no value");
      values_[name] = "1";
      continue;
    }
    if (!has_inline_value) {
      if (i + 1 >= argc) throw Error("recforge-cli " + command_ + ": --" + name + " needs a value (" + opt->value_name + ")");
      value = argv[++i];
    }
    values_[name] = value;
  }
  return true;
}

bool CliArgs::has(const std::string& name) const { return values_.count(name) > 0; }

std::string CliArgs::get(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const CliOption* opt = find(name);
  if (opt && !opt->default_value.empty()) return opt->default_value;
  throw Error("recforge-cli " + command_ + ": missing required option --" + name + " (see --help)");
}

std::string CliArgs::get_or(const std::string& name, const std::string& fallback) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const CliOption* opt = find(name);
  if (opt && !opt->default_value.empty()) return opt->default_value;
  return fallback;
}

long long CliArgs::get_int(const std::string& name) const {
  const std::string v = get(name);
  try {
    size_t used = 0;
    long long x = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument("trailing");
    return x;
  } catch (const std::exception&) {
    throw Error("recforge-cli " + command_ + ": --" + name + " expects an integer, got '" + v + "'");
  }
}

double CliArgs::get_double(const std::string& name) const {
  const std::string v = get(name);
  try {
    size_t used = 0;
    double x = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument("trailing");
    return x;
  } catch (const std::exception&) {
    throw Error("recforge-cli " + command_ + ": --" + name + " expects a number, got '" + v + "'");
  }
}

bool CliArgs::flag(const std::string& name) const { return values_.count(name) > 0; }

std::string CliArgs::help_text() const {
  std::ostringstream out;
  out << "usage: recforge-cli " << command_ << " [options]\n\n" << summary_ << "\n\noptions:\n";
  for (const auto& o : options_) {
    std::string left = "  --" + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    out << left;
    out << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << o.help;
    if (!o.default_value.empty()) out << " (default: " << o.default_value << ")";
    out << "\n";
  }
  out << "  --help                      show this help\n";
  return out.str();
}

std::vector<std::string> cli_split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ','))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

std::vector<long long> cli_parse_id_list(const std::string& text, const std::string& option_name) {
  std::vector<long long> ids;
  for (const std::string& part : cli_split_list(text)) {
    try {
      size_t used = 0;
      ids.push_back(std::stoll(part, &used));
      if (used != part.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      throw Error("--" + option_name + ": '" + part + "' is not an integer token id");
    }
  }
  if (ids.empty()) throw Error("--" + option_name + ": expected a comma-separated list of token ids");
  return ids;
}

int cli_actions_run(const std::string& command, const char* usage, const std::vector<CliAction>& actions, int argc, char** argv) {
  if (argc < 1) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string what = argv[0];
  if (what == "--help" || what == "-h") {
    std::fputs(usage, stdout);
    return 0;
  }
  std::string names;
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].name == what) return actions[i].run(argc - 1, argv + 1);
    names += (i == 0 ? "" : i + 1 == actions.size() ? " or " : ", ") + actions[i].name;
  }
  throw Error(command + ": unknown action '" + what + "' (expected " + names + ")");
}

}  // namespace rf::cli
