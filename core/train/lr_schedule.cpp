// Learning-rate schedules (see lr_schedule.h): constant, warm-up, cosine and linear decay.
#include "train/lr_schedule.h"

#include "util/error.h"

#include <algorithm>
#include <cmath>

namespace rf {

double lr_factor(const LrSchedule& s, int64_t step) {
  step = std::max<int64_t>(step, 0);
  if (s.kind == LrScheduleKind::constant) return 1.0;
  if (step < s.warmup_steps) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, s.warmup_steps));
  if (s.kind == LrScheduleKind::constant_with_warmup) return 1.0;
  const double span = static_cast<double>(std::max<int64_t>(1, s.total_steps - s.warmup_steps));
  const double progress = std::clamp(static_cast<double>(step - s.warmup_steps) / span, 0.0, 1.0);
  const double decay = s.kind == LrScheduleKind::cosine ? 0.5 * (1.0 + std::cos(M_PI * progress)) : 1.0 - progress;
  return s.min_lr_ratio + (1.0 - s.min_lr_ratio) * decay;
}

double lr_at(const LrSchedule& s, int64_t step) { return s.base_lr * lr_factor(s, step); }

LrScheduleKind lr_schedule_kind_from_string(const std::string& name, const std::string& field) {
  if (name == "constant") return LrScheduleKind::constant;
  if (name == "constant_with_warmup") return LrScheduleKind::constant_with_warmup;
  if (name == "cosine" || name == "cosine_with_min_lr") return LrScheduleKind::cosine;
  if (name == "linear") return LrScheduleKind::linear;
  throw Error(field + ": unknown schedule '" + name + "' (expected constant, constant_with_warmup, cosine or linear)");
}

std::string lr_schedule_kind_name(LrScheduleKind kind) {
  switch (kind) {
    case LrScheduleKind::constant: return "constant";
    case LrScheduleKind::constant_with_warmup: return "constant_with_warmup";
    case LrScheduleKind::cosine: return "cosine";
    case LrScheduleKind::linear: return "linear";
  }
  return "constant";
}

void lr_schedule_validate(const LrSchedule& s) {
  if (!(s.base_lr >= 0) || !std::isfinite(s.base_lr)) throw Error("learning_rate must be a finite number >= 0");
  if (s.warmup_steps < 0) throw Error("warmup_steps must be >= 0");
  if (!(s.min_lr_ratio >= 0 && s.min_lr_ratio <= 1)) throw Error("min_lr_ratio must be in [0, 1]");
  const bool decays = s.kind == LrScheduleKind::cosine || s.kind == LrScheduleKind::linear;
  if (decays && s.total_steps < s.warmup_steps)
    throw Error("total_steps (" + std::to_string(s.total_steps) + ") must be >= warmup_steps (" +
                std::to_string(s.warmup_steps) + ") for a decaying schedule");
}

}  // namespace rf
