// `recforge-cli parse`: runs a recipe's output parsers on one model completion and prints what they
// read as JSON — the tag check with byte positions, the answer block, the parsed list / query / rating and
// every problem — so a completion can be inspected (or a parser checked) without a training run.
#include "commands.h"

#include "cli_args.h"
#include "data/dataset_store.h"
#include "text/output_parse.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

namespace rf::cli {

namespace {

using nlohmann::json;

std::string read_text(const std::string& source) {
  if (source != "-") return file_read_all(source);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

json span_json(const TagSpan& s) {
  return {{"name", s.name},           {"open_begin", s.open_begin},   {"open_end", s.open_end},
          {"close_begin", s.close_begin}, {"close_end", s.close_end}, {"content", s.content}};
}

json item_json(const ListMatcher& m, int32_t item) {
  if (item < 0) return nullptr;
  const ListCatalogue& c = m.catalogue();
  return {{"item", item}, {"id", c.ids[static_cast<size_t>(item)]}, {"title", c.titles[static_cast<size_t>(item)]}};
}

json items_json(const ListMatcher& m, const std::vector<int32_t>& items) {
  json out = json::array();
  for (const int32_t i : items) out.push_back(item_json(m, i));
  return out;
}

}  // namespace

int cmd_parse(int argc, char** argv) {
  CliArgs args("parse",
               "Parse one model completion the way a recipe's reward reads it and print the result as JSON: the tag "
               "check (each required tag once, in order, non-empty, with byte positions), the last answer block, "
               "and the list (List recipe), query (Query recipe) or rating (Rating recipe) read from it, with every "
               "problem found.",
               {{"recipe", "NAME", "list (<think><answer>[ids]) | query (<think><answer>{\"query\"}) | rating (RecZero's four tags)", ""},
                {"text", "FILE", "the completion: a file, or - for standard input", ""},
                {"data", "DIR_OR_SOURCE", "list: the catalogue, a project folder or a data source (see recforge-cli data import)", ""},
                {"dataset", "NAME", "dataset inside a project folder", ""},
                {"format", "FMT", "import format for a data source", "auto"},
                {"pool", "ID,ID,...", "list: the candidate pool (catalogue ids); without --data, the catalogue too", ""},
                {"k", "K", "list: the expected number of items (0 = any)", "0"},
                {"threshold", "T", "list: fuzzy title similarity needed to match (0..1)", "0.85"},
                {"min", "X", "rating: lowest valid rating", "1"},
                {"max", "X", "rating: highest valid rating", "5"},
                {"prefill", "TEXT", "text the prompt put before the completion (e.g. \"<think>\"); tag positions count it", ""},
                {"strict-outside", "", "only white space may appear outside the required tags", ""}});
  if (!args.parse(argc, argv)) return 0;
  const std::string recipe = args.get("recipe");
  if (recipe != "list" && recipe != "query" && recipe != "rating")
    throw Error("parse: --recipe must be list, query or rating (got '" + recipe + "')");
  const std::string text = args.get_or("prefill", "") + read_text(args.get("text"));

  const std::vector<std::string> required =
      recipe == "rating" ? std::vector<std::string>{"analyze user", "analyze item", "match", "rate"}
                         : std::vector<std::string>{"think", "answer"};
  const std::string answer_tag = recipe == "rating" ? "rate" : "answer";
  const TagCheck tags = output_check_tags(text, required, args.flag("strict-outside"));
  const std::optional<TagSpan> block = output_last_block(text, answer_tag);

  json out = {{"recipe", recipe}, {"bytes", text.size()}};
  json format = {{"ok", tags.ok}, {"required", required}, {"tags", json::array()}, {"problems", tags.problems}};
  for (const TagSpan& s : tags.tags) format["tags"].push_back(span_json(s));
  out["format"] = format;
  out["answer"] = block ? span_json(*block) : json(nullptr);
  std::vector<std::string> problems = tags.problems;
  bool answer_ok = false;
  if (!block) problems.push_back("no complete <" + answer_tag + ">…</" + answer_tag + "> block to read the answer from");

  if (recipe == "list") {
    ListCatalogue catalogue;
    const std::vector<std::string> pool_ids = cli_split_list(args.get_or("pool", ""));
    if (args.has("data")) {
      ImportOptions io;
      io.format = args.get("format");
      const Dataset ds = dataset_open(args.get("data"), args.get_or("dataset", ""), io);
      for (const Item& item : ds.items) {
        catalogue.ids.push_back(item.id);
        catalogue.titles.push_back(item.title);
      }
    } else if (!pool_ids.empty()) {
      catalogue.ids = pool_ids;
    } else {
      throw Error("parse --recipe list: give --data (the catalogue) or --pool (the candidate ids)");
    }
    const double threshold = args.get_double("threshold");
    if (!(threshold >= 0 && threshold <= 1)) throw Error("parse: --threshold must be in [0, 1]");
    const long long k = args.get_int("k");
    if (k < 0 || k > 100000) throw Error("parse: --k must be 0..100000");
    const ListMatcher matcher(std::move(catalogue), threshold);
    std::vector<int32_t> pool;
    for (const std::string& id : pool_ids) {
      const int32_t item = matcher.find_id(id);
      if (item < 0) throw Error("parse: --pool: id '" + id + "' is not in the catalogue");
      pool.push_back(item);
    }
    if (block) {
      const ListAnswer a = output_parse_list(block->content, matcher, pool, static_cast<int>(k));
      json entries = json::array();
      for (const ListEntry& e : a.entries) {
        json entry = {{"raw", e.raw}, {"matched_by", e.matched_by}, {"item", item_json(matcher, e.item)}};
        entries.push_back(entry);
      }
      out["list"] = {{"ok", a.ok},
                     {"items", items_json(matcher, a.items)},
                     {"entries", entries},
                     {"duplicates", items_json(matcher, a.duplicates)},
                     {"outside_pool", items_json(matcher, a.outside_pool)},
                     {"unmatched", a.unmatched},
                     {"problems", a.problems}};
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
      answer_ok = a.ok;
    }
  } else if (recipe == "query") {
    if (block) {
      const QueryAnswer a = output_parse_query(block->content);
      out["query"] = {{"ok", a.ok}, {"query", a.query}, {"problems", a.problems}};
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
      answer_ok = a.ok;
    }
  } else {
    const double lo = args.get_double("min"), hi = args.get_double("max");
    if (!(lo <= hi)) throw Error("parse: --min must not be above --max");
    if (block) {
      const RatingAnswer a = output_parse_rating(block->content, lo, hi);
      out["rating"] = {{"ok", a.ok}, {"value", a.value}, {"min", lo}, {"max", hi}, {"problems", a.problems}};
      problems.insert(problems.end(), a.problems.begin(), a.problems.end());
      answer_ok = a.ok;
    }
  }
  out["ok"] = tags.ok && answer_ok;
  out["problems"] = problems;
  std::printf("%s\n", out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  return 0;
}

}  // namespace rf::cli
