// Shared pieces of the teacher-trace suites (see trace_support.h).
#include "support/trace_support.h"

#include "data/importer.h"
#include "support/sample_project.h"

namespace rf::test {

const Dataset& sample_dataset() {
  static const Dataset ds = [] {
    ImportOptions o;
    o.format = "generic";
    return data_import(sample_data_dir(), o);
  }();
  return ds;
}

std::vector<nlohmann::json> traces_collect(const Dataset& ds, const TraceOptions& o, TraceSummary* summary) {
  std::vector<nlohmann::json> out;
  const TraceSummary s = traces_generate(ds, o, [&](const nlohmann::json& r) { out.push_back(r); });
  if (summary) *summary = s;
  return out;
}

TraceOptions trace_options(const std::string& recipe, int users, uint64_t seed, const std::string& preset) {
  TraceOptions o;
  o.recipe = recipe;
  o.users = users;
  o.seed = seed;
  o.preset = preset;
  return o;
}

}  // namespace rf::test
