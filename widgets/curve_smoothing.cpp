// The debiased EMA of curve_smoothing.h.
#include "curve_smoothing.h"

#include <cmath>

namespace rf::gui {

std::vector<double> curve_ema(const std::vector<double>& values, double weight) {
  std::vector<double> out(values.size(), NAN);
  double m = 0, debias = 1;  // debias = w^(number of finite points so far)
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) continue;
    m = weight * m + (1 - weight) * values[i];
    debias *= weight;
    out[i] = m / (1 - debias);
  }
  return out;
}

}  // namespace rf::gui
