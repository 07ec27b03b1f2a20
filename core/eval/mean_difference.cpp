// Standard errors of means and of their differences (see mean_difference.h).
#include "eval/mean_difference.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace rf {

bool MeanDifference::beyond(double z) const { return std::isfinite(se) && std::abs(difference) > z * se; }

double mean_standard_error(const std::vector<double>& v) {
  if (v.size() < 2) return NAN;
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / (n - 1.0) / n);
}

MeanDifference mean_difference_paired(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size())
    throw Error("mean_difference_paired: " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + " values do not pair");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
  MeanDifference r;
  r.n = static_cast<int64_t>(d.size());
  r.difference = d.empty() ? 0.0 : std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
  r.se = mean_standard_error(d);
  return r;
}

MeanDifference mean_difference_independent(const std::vector<double>& a, const std::vector<double>& b) {
  auto mean = [](const std::vector<double>& v) { return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()); };
  MeanDifference r;
  r.n = static_cast<int64_t>(std::min(a.size(), b.size()));
  r.difference = mean(b) - mean(a);
  const double sa = mean_standard_error(a), sb = mean_standard_error(b);
  r.se = std::sqrt(sa * sa + sb * sb);
  return r;
}

}  // namespace rf
