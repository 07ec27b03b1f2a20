// How far apart two means must be to mean something: the standard error of a mean, and of the difference
// of two means — paired (the same users answered by two models: per-user differences, so what varies
// from user to user cancels) or independent (two unrelated samples, Welch's standard error). The demo's
// checks use these to say whether a gap between two models, or between a run's first and last steps, is
// beyond the noise of the users it was measured on.
#pragma once

#include <cstdint>
#include <vector>

namespace rf {

struct MeanDifference {
  double difference = 0;  // mean(b) - mean(a)
  double se = 0;          // its standard error; NaN when it cannot be estimated (fewer than two values)
  int64_t n = 0;          // pairs (paired) or the smaller sample's size (independent)
  // True when the difference is more than `z` standard errors from 0, in either direction.
  bool beyond(double z = 2.0) const;
};

// Sample standard deviation / sqrt(n); NaN below two values.
double mean_standard_error(const std::vector<double>& v);

// b[i] - a[i] over the pairs; rf::Error when the sizes differ.
MeanDifference mean_difference_paired(const std::vector<double>& a, const std::vector<double>& b);

// mean(b) - mean(a), standard error sqrt(se(a)^2 + se(b)^2) (Welch).
MeanDifference mean_difference_independent(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace rf
