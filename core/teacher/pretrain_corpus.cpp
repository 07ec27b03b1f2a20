// Builds the pretraining corpus of a data set (pretrain_corpus.h): item lines, histories written in the
// recipe prompts' words, and teacher traces in ChatML.
#include "teacher/pretrain_corpus.h"

#include "data/split.h"
#include "text/chat_format.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>

namespace rf {

namespace {

// Code points of UTF-8 text (continuation bytes not counted).
size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset after `limit` code points.
size_t byte_offset(const std::string& s, size_t limit) {
  size_t i = 0, n = 0;
  while (i < s.size() && n < limit) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++n;
  }
  return i;
}

// As the prompt context cuts descriptions: `limit` code points, trailing blanks dropped, then "…".
std::string text_cut(const std::string& s, int32_t limit) {
  if (limit <= 0 || code_points(s) <= static_cast<size_t>(limit)) return s;
  std::string out = s.substr(0, byte_offset(s, static_cast<size_t>(limit)));
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t')) out.pop_back();
  return out + "\u2026";
}

// As Jinja's truncate(limit) does by default: untouched up to limit + 5 code points, else cut at the last
// word boundary within limit - 3 and "..." appended.
std::string title_cut(const std::string& s, int32_t limit) {
  if (limit <= 0 || code_points(s) <= static_cast<size_t>(limit) + 5) return s;
  std::string out = s.substr(0, byte_offset(s, static_cast<size_t>(std::max(1, limit - 3))));
  const size_t space = out.rfind(' ');
  if (space != std::string::npos && space > 0) out.resize(space);
  return out + "...";
}

std::string join(const std::vector<std::string>& parts, const char* sep, size_t limit = SIZE_MAX) {
  std::string out;
  for (size_t i = 0; i < parts.size() && i < limit; ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// Numbers as the templates print them: a float's JSON form ("5.0", "4.25").
std::string number_text(double x) { return nlohmann::json(x).dump(); }
double round_to(double x, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(x * f) / f;
}

struct HistoryWindow {
  const Dataset& ds;
  const User& user;
  const std::vector<int32_t>& history;  // interaction indices, time order: the whole history so far
  size_t begin, end;                    // the window [begin, end) shown
};

std::string history_list(const HistoryWindow& w, int32_t title_chars) {
  std::string out;
  if (!w.user.profile.empty()) out += "Profile: " + title_cut(w.user.profile, 300) + "\n";
  double sum = 0;
  int64_t rated = 0;
  std::map<std::string, int64_t> counts;
  for (size_t p = 0; p < w.end; ++p) {
    const Interaction& in = w.ds.interactions[static_cast<size_t>(w.history[p])];
    if (in.has_rating()) sum += in.rating, ++rated;
    for (const auto& c : w.ds.items[static_cast<size_t>(in.item)].categories) ++counts[c];
  }
  out += "The user has interacted with " + std::to_string(w.end) + " item" + (w.end != 1 ? "s" : "") + " so far";
  if (rated > 0) out += ", with an average rating of " + number_text(round_to(sum / static_cast<double>(rated), 1));
  out += ".\n";
  std::vector<std::pair<std::string, int64_t>> cats;
  for (const auto& kv : counts)
    if (kv.first.rfind("attr:", 0) != 0) cats.push_back(kv);
  std::stable_sort(cats.begin(), cats.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> named;
  for (size_t i = 0; i < cats.size() && i < 5; ++i) named.push_back(cats[i].first + " (" + std::to_string(cats[i].second) + ")");
  if (!named.empty()) out += "Most frequent categories: " + join(named, ", ") + ".\n";
  out += "\nMost recent items, oldest first:";
  for (size_t p = w.begin; p < w.end; ++p) {
    const Interaction& in = w.ds.interactions[static_cast<size_t>(w.history[p])];
    const Item& it = w.ds.items[static_cast<size_t>(in.item)];
    out += "\n" + std::to_string(p - w.begin + 1) + ". [" + it.id + "] " + title_cut(it.title, title_chars);
    if (in.has_rating()) out += " (rated " + number_text(in.rating) + ")";
  }
  return out;
}

std::string history_rating(const HistoryWindow& w, int32_t title_chars) {
  const size_t n = w.end - w.begin;
  std::string out = "The user's last " + std::to_string(n) + " interactions, oldest first:";
  for (size_t p = w.begin; p < w.end; ++p) {
    const Interaction& in = w.ds.interactions[static_cast<size_t>(w.history[p])];
    const Item& it = w.ds.items[static_cast<size_t>(in.item)];
    out += "\n" + std::to_string(p - w.begin + 1) + ". " + title_cut(it.title, title_chars);
    if (!it.categories.empty()) out += " [" + join(it.categories, ", ", 3) + "]";
    out += ": " + (in.has_rating() ? number_text(in.rating) : std::string("not rated"));
  }
  double sum = 0;
  int64_t rated = 0;
  for (size_t p = 0; p < w.end; ++p) {
    const Interaction& in = w.ds.interactions[static_cast<size_t>(w.history[p])];
    if (in.has_rating()) sum += in.rating, ++rated;
  }
  out += "\nThe user's average rating: " +
         (rated > 0 ? number_text(round_to(sum / static_cast<double>(rated), 2)) : std::string("unknown")) + " (over " +
         std::to_string(rated) + " rating" + (rated != 1 ? "s" : "") + ").";
  return out;
}

std::string history_query(const HistoryWindow& w, int32_t title_chars) {
  std::string out;
  for (size_t p = w.begin; p < w.end; ++p) {
    const Item& it = w.ds.items[static_cast<size_t>(w.ds.interactions[static_cast<size_t>(w.history[p])].item)];
    out += (p > w.begin ? "\n" : "") + std::string("Item ") + std::to_string(p - w.begin + 1) + ": " + title_cut(it.title, 200);
  }
  (void)title_chars;  // the Query template cuts titles at 200
  return out;
}

}  // namespace

void pretrain_corpus_options_validate(const PretrainCorpusOptions& o) {
  if (o.window < 1) throw Error("pretrain corpus: window must be >= 1");
  if (o.styles.empty()) throw Error("pretrain corpus: styles must name at least one of list, rating, query");
  for (const auto& s : o.styles)
    if (s != "list" && s != "rating" && s != "query")
      throw Error("pretrain corpus: unknown style '" + s + "' (list, rating or query)");
}

std::vector<std::string> pretrain_corpus_items(const Dataset& ds, const PretrainCorpusOptions& o) {
  std::vector<std::string> out;
  out.reserve(ds.items.size());
  for (const Item& it : ds.items) {
    std::string line = "[" + it.id + "] " + title_cut(it.title, o.title_chars) + ".";
    if (!it.categories.empty()) line += " Categories: " + join(it.categories, ", ") + ".";
    if (!it.tags.empty()) line += " Tags: " + join(it.tags, ", ") + ".";
    if (!it.creator.empty()) line += " By " + it.creator + ".";
    if (!it.text.empty()) line += " " + text_cut(it.text, o.text_chars);
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<std::string> pretrain_corpus_histories(const Dataset& ds, const PretrainCorpusOptions& o) {
  pretrain_corpus_options_validate(o);
  const auto histories = dataset_user_histories(ds);
  const Split split = o.train_only ? split_leave_last_out(ds) : Split{};
  std::mt19937_64 rng(o.seed);
  std::vector<std::string> out;
  for (size_t u = 0; u < histories.size(); ++u) {
    const auto& h = histories[u];
    const size_t n = o.train_only ? std::min(h.size(), split.users[u].train.size()) : h.size();
    for (size_t begin = 0; begin < n; begin += static_cast<size_t>(o.window)) {
      const size_t end = std::min(n, begin + static_cast<size_t>(o.window));
      const HistoryWindow w{ds, ds.users[u], h, begin, end};
      const std::string& style = o.styles.size() == 1 ? o.styles[0] : o.styles[rng() % o.styles.size()];
      out.push_back(style == "list" ? history_list(w, o.title_chars)
                    : style == "rating" ? history_rating(w, o.title_chars)
                                        : history_query(w, o.title_chars));
    }
  }
  return out;
}

std::vector<std::string> pretrain_corpus_traces(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("pretrain corpus: cannot read traces file '" + path + "'");
  std::vector<std::string> out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    const std::string where = path + ":" + std::to_string(number);
    if (j.is_discarded() || !j.is_object()) throw Error("pretrain corpus: " + where + " is not a JSON object");
    if (!j.contains("prompt") || !j["prompt"].is_string() || !j.contains("completion") || !j["completion"].is_string())
      throw Error("pretrain corpus: " + where + " needs string fields 'prompt' and 'completion'");
    std::vector<ChatMessage> messages;
    if (j.contains("system") && j["system"].is_string() && !j["system"].get<std::string>().empty())
      messages.push_back({"system", j["system"].get<std::string>()});
    messages.push_back({"user", j["prompt"].get<std::string>()});
    messages.push_back({"assistant", j["completion"].get<std::string>()});
    out.push_back(chat_format_render(ChatFamily::ChatML, messages, false));
  }
  return out;
}

std::vector<std::string> pretrain_corpus_build(const Dataset& ds, const PretrainCorpusOptions& o,
                                               const std::vector<std::string>& trace_files) {
  pretrain_corpus_options_validate(o);
  std::vector<std::string> out = pretrain_corpus_items(ds, o);
  for (auto& doc : pretrain_corpus_histories(ds, o)) out.push_back(std::move(doc));
  for (const auto& f : trace_files)
    for (auto& doc : pretrain_corpus_traces(f)) out.push_back(std::move(doc));
  return out;
}

}  // namespace rf
