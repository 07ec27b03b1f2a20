// Smoothing of a training curve for display: the exponential moving average TensorBoard draws, debiased
// so the first points are not pulled towards 0:
//   m_0 = 0;  m_i = w * m_{i-1} + (1 - w) * x_i;  shown_i = m_i / (1 - w^(i+1))
// NaN points (a skipped step) are passed over: they stay NaN and do not move the average. w = 0 is the raw
// curve; w must be in [0, 1).
#pragma once

#include <vector>

namespace rf::gui {

std::vector<double> curve_ema(const std::vector<double>& values, double weight);

}  // namespace rf::gui
