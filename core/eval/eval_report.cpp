// EvalReport as JSON and as tables for people: see eval_runner.h.
#include "eval/eval_runner.h"

#include "util/error.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace rf {

namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string mode_label(const EvalReport& r) {
  if (r.mode == "full") return "full ranking (" + std::to_string(r.items) + " items)";
  if (r.mode == "sampled") return "sampled (1 + " + std::to_string(r.candidates) + " " + r.sampling + ")";
  return "rating";
}

std::string metric_or_dash(const EvalReport& r, const std::string& name) {
  return r.has_metric(name) ? format("%.4f", r.metric(name)) : "-";
}

std::string pad(const std::string& s, size_t width) { return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' '); }

}  // namespace

bool EvalReport::has_metric(const std::string& name) const {
  for (const auto& [k, v] : metrics)
    if (k == name) return true;
  return false;
}

double EvalReport::metric(const std::string& name) const {
  std::string known;
  for (const auto& [k, v] : metrics) {
    if (k == name) return v;
    known += (known.empty() ? "" : ", ") + k;
  }
  throw Error("eval report of '" + model + "' has no metric '" + name + "' (it has " + known + ")");
}

nlohmann::json EvalReport::to_json() const {
  nlohmann::json j;
  j["model"] = model;
  j["dataset"] = dataset;
  j["split"] = split;
  j["target"] = target;
  j["mode"] = mode;
  if (mode == "sampled") {
    j["candidates"] = candidates;
    j["sampling"] = sampling;
  }
  j["seed"] = seed;
  j["users"] = users;
  j["targets"] = targets;
  j["items"] = items;
  nlohmann::json m = nlohmann::json::object();
  for (const auto& [k, v] : metrics) m[k] = v;
  j["metrics"] = m;
  j["fit_seconds"] = fit_seconds;
  j["eval_seconds"] = eval_seconds;
  return j;
}

std::string EvalReport::table() const {
  std::ostringstream out;
  out << model << " on " << (dataset.empty() ? "?" : dataset) << ": " << mode_label(*this) << ", " << split << " " << target
      << ", " << users << " users, fit " << format("%.2f", fit_seconds) << " s, eval " << format("%.2f", eval_seconds) << " s\n";
  if (mode == "rating") {
    out << "  MAE      RMSE     exact    within-1  (" << targets << " held-out ratings)\n ";
    for (const char* name : {"mae", "rmse", "exact_match", "within_one"}) out << " " << pad(metric_or_dash(*this, name), 8);
    out << "\n";
    return out.str();
  }
  out << "     K  Hit@K    Recall@K NDCG@K\n";
  for (int k : ks) {
    const std::string s = std::to_string(k);
    char row[160];
    std::snprintf(row, sizeof row, "%6d  %-9s%-9s%s\n", k, metric_or_dash(*this, "hit@" + s).c_str(),
                  metric_or_dash(*this, "recall@" + s).c_str(), metric_or_dash(*this, "ndcg@" + s).c_str());
    out << row;
  }
  out << "  MRR " << metric_or_dash(*this, "mrr") << "  coverage@10 " << metric_or_dash(*this, "coverage@10") << "  gini@10 "
      << metric_or_dash(*this, "gini@10") << "  novelty@10 "
      << (has_metric("novelty@10") ? format("%.2f", metric("novelty@10")) + " bits" : "-");
  if (has_metric("ilad@10")) out << "  ILAD@10 " << metric_or_dash(*this, "ilad@10");
  out << "\n";
  return out.str();
}

std::string eval_table_compare(const std::vector<EvalReport>& reports) {
  if (reports.empty()) return "";
  std::ostringstream out;
  std::vector<std::string> columns;
  for (const auto& r : reports) {
    std::vector<std::string> names;
    if (r.mode == "rating") {
      names = {"mae", "rmse", "exact_match", "within_one"};
    } else {
      for (int k : r.ks) {
        names.push_back("recall@" + std::to_string(k));
        names.push_back("ndcg@" + std::to_string(k));
      }
      names.insert(names.end(), {"mrr", "coverage@10"});
    }
    for (const auto& n : names)
      if (std::find(columns.begin(), columns.end(), n) == columns.end()) columns.push_back(n);
  }
  out << pad("model", 13) << pad("mode", 26) << pad("users", 7);
  for (const auto& c : columns) out << pad(c, 12);
  out << pad("fit s", 9) << "eval s\n";
  for (const auto& r : reports) {
    out << pad(r.model, 13) << pad(mode_label(r), 26) << pad(std::to_string(r.users), 7);
    for (const auto& c : columns) out << pad(metric_or_dash(r, c), 12);
    out << pad(format("%.2f", r.fit_seconds), 9) << format("%.2f", r.eval_seconds) << "\n";
  }
  return out.str();
}

}  // namespace rf
