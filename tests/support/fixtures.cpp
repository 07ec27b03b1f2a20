// Fixture loading helpers for tests.
#include "support/fixtures.h"

#include "util/file_io.h"

#include <vector>

namespace rf::test {

nlohmann::json fixture_json(const std::string& relative) {
  return nlohmann::json::parse(rf::file_read_all(fixture_path(relative)));
}

namespace {
void flatten(const nlohmann::json& j, std::vector<float>& out, std::vector<int64_t>& shape, size_t depth) {
  if (j.is_array()) {
    if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(j.size()));
    for (const auto& x : j) flatten(x, out, shape, depth + 1);
  } else {
    out.push_back(j.get<float>());
  }
}
}  // namespace

at::Tensor json_to_tensor(const nlohmann::json& j) {
  std::vector<float> data;
  std::vector<int64_t> shape;
  flatten(j, data, shape, 0);
  return at::from_blob(data.data(), shape, at::kFloat).clone();
}

at::Tensor json_ids_tensor(const nlohmann::json& ids) {
  std::vector<int64_t> v = ids.get<std::vector<int64_t>>();
  return at::tensor(v, at::kLong).view({1, static_cast<int64_t>(v.size())});
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

}  // namespace rf::test
