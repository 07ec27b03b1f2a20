// Learning-rate schedules as pure functions of the optimiser step, with Hugging Face transformers'
// conventions (get_constant_schedule_with_warmup, get_cosine_with_min_lr_schedule_with_warmup,
// get_linear_schedule_with_warmup): `step` is the 0-based index of the update about to be made, so
// with warm-up the first update uses lr 0 and update `warmup_steps` is the first at the full rate.
#pragma once

#include <cstdint>
#include <string>

namespace rf {

enum class LrScheduleKind {
  constant,              // base_lr at every step (warm-up ignored)
  constant_with_warmup,  // linear 0 -> base_lr over warmup_steps, then base_lr
  cosine,                // warm-up, then half a cosine from base_lr down to min_lr_ratio * base_lr at total_steps
  linear,                // warm-up, then a straight line down to min_lr_ratio * base_lr at total_steps
};

struct LrSchedule {
  LrScheduleKind kind = LrScheduleKind::constant;
  double base_lr = 1e-5;
  int64_t warmup_steps = 0;
  int64_t total_steps = 0;    // cosine / linear: the step where the decay ends (then it stays at the minimum)
  double min_lr_ratio = 0.0;  // cosine / linear: the final rate as a fraction of base_lr
};

// The learning rate for update `step` (0-based). Steps past total_steps stay at the final value.
double lr_at(const LrSchedule& schedule, int64_t step);

// The multiplier lr_at / base_lr, in [0, 1].
double lr_factor(const LrSchedule& schedule, int64_t step);

// "constant", "constant_with_warmup", "cosine", "linear" (rf::Error naming `field` otherwise).
LrScheduleKind lr_schedule_kind_from_string(const std::string& name, const std::string& field = "lr_scheduler_type");
std::string lr_schedule_kind_name(LrScheduleKind kind);

// Throws rf::Error naming the field when the schedule cannot be used (negative steps, ratio outside [0, 1], ...).
void lr_schedule_validate(const LrSchedule& schedule);

}  // namespace rf
