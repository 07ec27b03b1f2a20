// `recforge-cli data stats` and `data show-user`: read a dataset from a project (or import a source on the
// fly) and print its statistics or one user's history, as a table or as JSON.
#include "cmd_data.h"

#include "cli_args.h"
#include "data/dataset_stats.h"
#include "data/dataset_store.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

namespace rf::cli {

namespace {

std::vector<CliOption> data_options(std::vector<CliOption> extra) {
  std::vector<CliOption> options = {
      {"data", "DIR_OR_SRC", "a project folder, or a source to import on the fly", ""},
      {"dataset", "N", "the dataset in the project (needed when it holds several)", ""},
      {"format", "F", "format of a source given to --data", "auto"},
      {"meta", "FILE", "metadata / item table of a source given to --data", ""}};
  options.insert(options.end(), extra.begin(), extra.end());
  return options;
}

Dataset open_data(const CliArgs& args) {
  ImportOptions options;
  options.format = args.get("format");
  options.meta_path = args.get_or("meta", "");
  return dataset_open(args.get("data"), args.get_or("dataset", ""), options);
}

std::string fmt(double v, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string distribution_line(const Distribution& d) {
  return "min " + fmt(d.min) + "  p25 " + fmt(d.p25) + "  median " + fmt(d.median) + "  p75 " + fmt(d.p75) +
         "  p90 " + fmt(d.p90) + "  max " + fmt(d.max) + "  mean " + fmt(d.mean);
}

std::string percent(double share) { return fmt(100.0 * share, 1) + "%"; }

std::string joined(const std::vector<std::string>& list, const char* sep) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Cut to `width` display columns (counting UTF-8 code points) so tables stay aligned.
std::string fit(const std::string& s, size_t width) {
  size_t cols = 0, i = 0;
  while (i < s.size() && cols < width) {
    const auto c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++cols;
  }
  std::string out = s.substr(0, std::min(i, s.size()));
  if (i < s.size() && width > 1) {
    // replace the last column with an ellipsis
    size_t back = out.size();
    while (back > 0 && (static_cast<unsigned char>(out[back - 1]) & 0xC0) == 0x80) --back;
    out = out.substr(0, back > 0 ? back - 1 : 0) + "…";
  }
  return out + std::string(width > cols ? width - cols : 0, ' ');
}

}  // namespace

int data_stats_cmd(int argc, char** argv) {
  CliArgs args("data stats",
               "Statistics of a dataset: counts, sparsity, history lengths, item popularity (quantiles, top-1%/10%\n"
               "shares, Gini), ratings, labels, top categories by share of interactions, time range.",
               data_options({{"json", "", "print JSON", ""}}));
  if (!args.parse(argc, argv)) return 0;
  if (!args.positional().empty()) throw Error("recforge-cli data stats: unexpected argument '" + args.positional()[0] + "'");
  const Dataset ds = open_data(args);
  const DatasetStats s = dataset_stats(ds);
  if (args.flag("json")) {
    nlohmann::json j = dataset_stats_to_json(s);
    j["name"] = ds.name;
    j["source"] = ds.source;
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("dataset          %s\n", ds.name.c_str());
  std::printf("source           %s\n", ds.source.c_str());
  std::printf("users            %lld (%lld with interactions)\n", static_cast<long long>(s.users),
              static_cast<long long>(s.users_with_interactions));
  std::printf("items            %lld (%lld with interactions)\n", static_cast<long long>(s.items),
              static_cast<long long>(s.items_with_interactions));
  std::printf("interactions     %lld\n", static_cast<long long>(s.interactions));
  std::printf("sparsity         %s\n", fmt(s.sparsity, 6).c_str());
  std::printf("history length   %s\n", distribution_line(s.history_length).c_str());
  std::printf("item popularity  %s\n", distribution_line(s.item_popularity).c_str());
  std::printf("                 top 1%% of items: %s of interactions, top 10%%: %s, Gini %s\n",
              percent(s.top1_share).c_str(), percent(s.top10_share).c_str(), fmt(s.gini, 3).c_str());
  if (s.rated > 0) {
    std::string counts;
    for (const auto& [value, count] : s.rating_counts) counts += (counts.empty() ? "" : ", ") + fmt(value) + ": " + std::to_string(count);
    std::printf("ratings          %lld rated, mean %s (%s)\n", static_cast<long long>(s.rated), fmt(s.rating_mean, 3).c_str(),
                counts.c_str());
  } else {
    std::printf("ratings          none\n");
  }
  if (!s.label_counts.empty()) {
    std::string labels;
    for (const auto& [label, count] : s.label_counts) labels += (labels.empty() ? "" : ", ") + label + ": " + std::to_string(count);
    std::printf("labels           %s\n", labels.c_str());
  }
  if (!s.top_categories.empty()) {
    std::printf("top categories   (share of interactions)\n");
    for (const auto& [name, share] : s.top_categories) std::printf("  %-30s %s\n", fit(name, 30).c_str(), percent(share).c_str());
  }
  if (s.interactions > 0) {
    if (s.times_are_unix) {
      std::printf("time             %s .. %s (unix %lld .. %lld)\n", unix_date(s.time_min).c_str(),
                  unix_date(s.time_max).c_str(), static_cast<long long>(s.time_min), static_cast<long long>(s.time_max));
    } else {
      std::printf("time             positions %lld .. %lld (no dates in the source)\n", static_cast<long long>(s.time_min),
                  static_cast<long long>(s.time_max));
    }
  }
  return 0;
}

int data_show_user_cmd(int argc, char** argv) {
  CliArgs args("data show-user",
               "One user's profile and history in time order (the most recent --limit interactions). Usage:\n"
               "  recforge-cli data show-user USER_ID --data DIR_OR_SRC [--dataset N]",
               data_options({{"limit", "N", "show the last N interactions (0 = all)", "20"}, {"json", "", "print JSON", ""}}));
  if (!args.parse(argc, argv)) return 0;
  if (args.positional().size() != 1) throw Error("recforge-cli data show-user: give exactly one user id (see --help)");
  const std::string user_id = args.positional()[0];
  const long long limit = args.get_int("limit");
  if (limit < 0) throw Error("recforge-cli data show-user: --limit must be >= 0");
  const Dataset ds = open_data(args);
  const int32_t u = ds.user_find(user_id);
  if (u < 0) throw Error("dataset '" + ds.name + "' has no user '" + user_id + "' (" + std::to_string(ds.users.size()) + " users)");

  std::vector<int32_t> history;
  for (size_t i = 0; i < ds.interactions.size(); ++i)
    if (ds.interactions[i].user == u) history.push_back(static_cast<int32_t>(i));
  std::stable_sort(history.begin(), history.end(), [&](int32_t a, int32_t b) {
    return ds.interactions[static_cast<size_t>(a)].time < ds.interactions[static_cast<size_t>(b)].time;
  });
  const size_t total = history.size();
  if (limit > 0 && history.size() > static_cast<size_t>(limit)) history.erase(history.begin(), history.end() - limit);
  const bool unix_times = dataset_times_are_unix(ds);
  const User& user = ds.users[static_cast<size_t>(u)];

  if (args.flag("json")) {
    nlohmann::json rows = nlohmann::json::array();
    for (int32_t i : history) {
      const Interaction& x = ds.interactions[static_cast<size_t>(i)];
      const Item& item = ds.items[static_cast<size_t>(x.item)];
      nlohmann::json row = {{"time", x.time}, {"item", item.id}, {"title", item.title}, {"categories", item.categories}};
      if (unix_times) row["date"] = unix_date(x.time);
      row["rating"] = x.has_rating() ? nlohmann::json(x.rating) : nlohmann::json(nullptr);
      if (!x.label.empty()) row["label"] = x.label;
      if (!x.review.empty()) row["review"] = x.review;
      rows.push_back(row);
    }
    nlohmann::json j = {{"dataset", ds.name}, {"user", user.id},        {"profile", user.profile},
                        {"interactions", total}, {"shown", history.size()}, {"history", rows}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("user %s in '%s': %zu interactions", user.id.c_str(), ds.name.c_str(), total);
  if (history.size() < total) std::printf(", the last %zu shown", history.size());
  std::printf("\n");
  if (!user.profile.empty()) std::printf("profile: %s\n", user.profile.c_str());
  std::printf("\n%-10s  %-12s  %-6s  %-50s  %s\n", unix_times ? "date" : "position", "item", "rating", "title", "categories");
  for (int32_t i : history) {
    const Interaction& x = ds.interactions[static_cast<size_t>(i)];
    const Item& item = ds.items[static_cast<size_t>(x.item)];
    const std::string when = unix_times ? unix_date(x.time) : std::to_string(x.time);
    std::string rating = x.has_rating() ? fmt(x.rating, 1) : "-";
    if (!x.label.empty()) rating += " " + x.label;
    std::printf("%-10s  %s  %-6s  %s  %s\n", when.c_str(), fit(item.id, 12).c_str(), rating.c_str(),
                fit(item.title, 50).c_str(), joined(item.categories, "|").c_str());
  }
  return 0;
}

}  // namespace rf::cli
