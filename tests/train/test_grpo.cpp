// The GRPO objective (core/train/grpo_*): advantages of a known reward table under each scaling, zero-variance
// groups, per-component reward metrics; the loss value and its gradient w.r.t. logp for each loss type on fixed
// log-probs, clipping and the clip-ratio metrics, the k3 KL, the beta = 0 path without a reference, truncated
// completions, dapo under gradient accumulation, and option/input errors. Every expected number is worked out
// by hand in the comments next to it.
#include "train/grpo_advantages.h"
#include "train/grpo_loss.h"
#include "train/grpo_options.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace {

constexpr double kTol = 1e-5;

at::Tensor vec(const std::vector<double>& v) { return at::tensor(v, at::kDouble).to(at::kFloat); }
at::Tensor mat(const std::vector<double>& v, int64_t rows) { return vec(v).view({rows, -1}); }

std::vector<double> to_vec(const at::Tensor& t) {
  at::Tensor c = t.detach().to(at::kDouble).contiguous().view({-1});
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

void expect_near(const std::vector<double>& got, const QList<double>& want, const char* what) {
  QCOMPARE(static_cast<qsizetype>(got.size()), want.size());
  for (qsizetype i = 0; i < want.size(); ++i)
    if (std::abs(got[i] - want[i]) > kTol)
      QFAIL(qPrintable(QString("%1[%2] = %3, expected %4").arg(what).arg(i).arg(got[i], 0, 'g', 9).arg(want[i], 0, 'g', 9)));
}

void expect_metric(const rf::GrpoMetrics& m, const std::string& name, double want) {
  QVERIFY2(rf::grpo_metric_has(m, name), name.c_str());
  const double got = rf::grpo_metric_get(m, name);
  QVERIFY2(std::abs(got - want) <= kTol, qPrintable(QString("%1 = %2, expected %3")
                                                       .arg(QString::fromStdString(name)).arg(got, 0, 'g', 9).arg(want, 0, 'g', 9)));
}

void expect_error(const std::function<void()>& f, const std::string& expected) {
  try {
    f();
    QFAIL(("no error, expected one naming: " + expected).c_str());
  } catch (const rf::Error& e) {
    QVERIFY2(std::string(e.what()).find(expected) != std::string::npos, e.what());
  }
}

// The fixed loss case: B = 2 completions, T = 3 positions, ε_low = 0.2, ε_high = 0.28.
//   row 0: A = +1, ratios ρ = (1, 1.5, 0.5), mask (1, 1, 1)
//   row 1: A = -2, ratios ρ = (0.5, 1.5, 0.1), mask (1, 1, 0)   (the 0.1 sits on padding)
// Per token, L = -min(ρA, clip(ρ, 0.8, 1.28) A), dL/dlogp = -ρA when the unclipped term is the min, else 0:
//   row 0: ρ=1   : -min(1, 1)        = -1     grad -1
//          ρ=1.5 : -min(1.5, 1.28)   = -1.28  grad 0    (clipped high: ρ > 1.28, A > 0)
//          ρ=0.5 : -min(0.5, 0.8)    = -0.5   grad -0.5 (ρ < 0.8 but A > 0: not clipped)
//   row 1: ρ=0.5 : -min(-1, -1.6)    = 1.6    grad 0    (clipped low: ρ < 0.8, A < 0)
//          ρ=1.5 : -min(-3, -2.56)   = 3      grad 3    (ρ > 1.28 but A < 0: not clipped)
// Row sums: -2.78 over 3 tokens and 4.6 over 2 tokens; total 1.82 over 5 active tokens.
const std::vector<double> kOld = {-1.0, -2.0, -0.5, -1.5, -0.7, -3.0};
const std::vector<double> kRatio = {1.0, 1.5, 0.5, 0.5, 1.5, 0.1};
const std::vector<double> kMask = {1, 1, 1, 1, 1, 0};
const std::vector<double> kAdv = {1.0, -2.0};

at::Tensor fixed_logp() {
  std::vector<double> v(6);
  for (int i = 0; i < 6; ++i) v[i] = kOld[i] + std::log(kRatio[i]);
  return mat(v, 2).requires_grad_(true);
}

rf::GrpoLossInputs fixed_inputs(const at::Tensor& logp) {
  rf::GrpoLossInputs in;
  in.logp = logp;
  in.old_logp = mat(kOld, 2);
  in.advantages = vec(kAdv);
  in.completion_mask = mat(kMask, 2);
  return in;
}

rf::GrpoLossOptions fixed_options(const std::string& loss_type) {
  rf::GrpoLossOptions o;
  o.epsilon = 0.2;
  o.epsilon_high = 0.28;
  o.loss_type = loss_type;
  o.max_completion_length = 4;
  return o;
}

}  // namespace

class TestGrpo : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void defaults_follow_trl() {
    const rf::GrpoLossOptions o;
    QCOMPARE(o.epsilon, 0.2);
    QVERIFY(!o.epsilon_high.has_value());
    QCOMPARE(rf::grpo_epsilon_high(o), 0.2);
    QCOMPARE(o.beta, 0.0);
    QCOMPARE(o.loss_type, std::string("dapo"));
    QCOMPARE(o.max_completion_length, int64_t{256});
    QVERIFY(!o.mask_truncated_completions);
    QVERIFY(!rf::grpo_needs_reference(o));
    const rf::GrpoAdvantageOptions a;
    QCOMPARE(a.num_generations, int64_t{8});
    QCOMPARE(a.scale_rewards, std::string("group"));
  }

  // Rewards (1, 2, 3 | 0, 0, 0), G = 3. Group 0: mean 2, unbiased std sqrt((1 + 0 + 1) / 2) = 1.
  // Group 1: mean 0, std 0 (zero variance). Batch: mean 1, Σ(R - 1)² = 0 + 1 + 4 + 1 + 1 + 1 = 8,
  // unbiased variance 8 / 5 = 1.6. The centring is per group under every scaling.
  void advantages_scaling_data() {
    QTest::addColumn<QString>("scale");
    QTest::addColumn<QList<double>>("rewards");
    QTest::addColumn<int>("G");
    QTest::addColumn<QList<double>>("advantages");
    QTest::addColumn<QList<double>>("group_std");
    QTest::addColumn<double>("reward");
    QTest::addColumn<double>("reward_std");
    QTest::addColumn<double>("frac_zero");
    const QList<double> r = {1, 2, 3, 0, 0, 0};
    const double g = 1.0 / (1.0 + 1e-4), b = 1.0 / (std::sqrt(1.6) + 1e-4);
    // reward_std: "group"/"none" log the mean of the per-row group std (1,1,1,0,0,0) = 0.5; "batch" the batch std.
    // frac_reward_zero_std: 3 of 6 rows sit in a zero-std group; under "batch" only the batch std counts (> 0).
    QTest::newRow("group") << "group" << r << 3 << QList<double>{-g, 0, g, 0, 0, 0} << QList<double>{1, 1, 1, 0, 0, 0}
                           << 1.0 << 0.5 << 0.5;
    QTest::newRow("batch") << "batch" << r << 3 << QList<double>{-b, 0, b, 0, 0, 0} << QList<double>{1, 1, 1, 0, 0, 0}
                           << 1.0 << std::sqrt(1.6) << 0.0;
    QTest::newRow("none") << "none" << r << 3 << QList<double>{-1, 0, 1, 0, 0, 0} << QList<double>{1, 1, 1, 0, 0, 0}
                          << 1.0 << 0.5 << 0.5;
    // G = 2: (0.2, 0.8 | 1, 1): group 0 mean 0.5, std sqrt(0.09 + 0.09) = sqrt(0.18); group 1 zero variance.
    // Batch mean 0.75; Σ(R - 0.75)² = 0.3025 + 0.0025 + 0.0625 + 0.0625 = 0.43, variance 0.43 / 3.
    const QList<double> r2 = {0.2, 0.8, 1, 1};
    const double g2 = 0.3 / (std::sqrt(0.18) + 1e-4), b2 = 0.3 / (std::sqrt(0.43 / 3) + 1e-4);
    const QList<double> s2 = {std::sqrt(0.18), std::sqrt(0.18), 0, 0};
    QTest::newRow("group G=2") << "group" << r2 << 2 << QList<double>{-g2, g2, 0, 0} << s2 << 0.75
                               << std::sqrt(0.18) / 2 << 0.5;
    QTest::newRow("batch G=2") << "batch" << r2 << 2 << QList<double>{-b2, b2, 0, 0} << s2 << 0.75
                               << std::sqrt(0.43 / 3) << 0.0;
    QTest::newRow("none G=2") << "none" << r2 << 2 << QList<double>{-0.3, 0.3, 0, 0} << s2 << 0.75
                              << std::sqrt(0.18) / 2 << 0.5;
  }
  void advantages_scaling() {
    QFETCH(QString, scale);
    QFETCH(QList<double>, rewards);
    QFETCH(int, G);
    QFETCH(QList<double>, advantages);
    QFETCH(QList<double>, group_std);
    QFETCH(double, reward);
    QFETCH(double, reward_std);
    QFETCH(double, frac_zero);
    rf::GrpoAdvantageOptions o;
    o.num_generations = G;
    o.scale_rewards = scale.toStdString();
    const auto a = rf::grpo_advantages_compute(vec(std::vector<double>(rewards.begin(), rewards.end())), o);
    expect_near(to_vec(a.advantages), advantages, "advantages");
    expect_near(to_vec(a.rewards), rewards, "rewards");
    expect_near(to_vec(a.group_std), group_std, "group_std");
    expect_metric(a.metrics, "reward", reward);
    expect_metric(a.metrics, "reward_std", reward_std);
    expect_metric(a.metrics, "frac_reward_zero_std", frac_zero);
  }

  // Every group constant: advantages are 0 (never NaN) whatever the scaling; (5, 5 | 2, 2) has batch std
  // sqrt(4 × 1.5² / 3) = sqrt(3); (4, 4, 4, 4) has batch std 0, so "batch" divides 0 by 1e-4.
  void advantages_zero_variance_data() {
    QTest::addColumn<QString>("scale");
    QTest::addColumn<QList<double>>("rewards");
    QTest::addColumn<double>("reward_std");
    QTest::addColumn<double>("frac_zero");
    QTest::newRow("group") << "group" << QList<double>{5, 5, 2, 2} << 0.0 << 1.0;
    QTest::newRow("batch") << "batch" << QList<double>{5, 5, 2, 2} << std::sqrt(3.0) << 0.0;
    QTest::newRow("none") << "none" << QList<double>{5, 5, 2, 2} << 0.0 << 1.0;
    QTest::newRow("batch all equal") << "batch" << QList<double>{4, 4, 4, 4} << 0.0 << 1.0;
  }
  void advantages_zero_variance() {
    QFETCH(QString, scale);
    QFETCH(QList<double>, rewards);
    QFETCH(double, reward_std);
    QFETCH(double, frac_zero);
    rf::GrpoAdvantageOptions o;
    o.num_generations = 2;
    o.scale_rewards = scale.toStdString();
    const auto a = rf::grpo_advantages_compute(vec(std::vector<double>(rewards.begin(), rewards.end())), o);
    expect_near(to_vec(a.advantages), QList<double>{0, 0, 0, 0}, "advantages");
    expect_metric(a.metrics, "reward_std", reward_std);
    expect_metric(a.metrics, "frac_reward_zero_std", frac_zero);
  }

  // Components format f = (1, 1, 1, 0, 0, 0) and accuracy a = (0, 2, 4, 0, 0, 0), weights (1, 0.5):
  // R = f + a / 2 = (1, 2, 3, 0, 0, 0), the table above. rewards/format: mean 0.5, Σ(f - 0.5)² = 1.5, std
  // sqrt(1.5 / 5); rewards/accuracy: mean 1, Σ(a - 1)² = 1 + 1 + 9 + 1 + 1 + 1 = 14, std sqrt(14 / 5).
  void advantages_from_components() {
    const at::Tensor comp = mat({1, 0, 1, 2, 1, 4, 0, 0, 0, 0, 0, 0}, 6);  // (6, 2)
    rf::GrpoAdvantageOptions o;
    o.num_generations = 3;
    const auto a = rf::grpo_advantages_compute(comp, {"format", "accuracy"}, {1.0, 0.5}, o);
    expect_near(to_vec(a.rewards), {1, 2, 3, 0, 0, 0}, "rewards");
    const double g = 1.0 / (1.0 + 1e-4);
    expect_near(to_vec(a.advantages), {-g, 0, g, 0, 0, 0}, "advantages");
    expect_metric(a.metrics, "rewards/format/mean", 0.5);
    expect_metric(a.metrics, "rewards/format/std", std::sqrt(0.3));
    expect_metric(a.metrics, "rewards/accuracy/mean", 1.0);
    expect_metric(a.metrics, "rewards/accuracy/std", std::sqrt(2.8));
    // TRL's order: per component mean, std; then reward, reward_std, frac_reward_zero_std.
    QCOMPARE(a.metrics.size(), size_t{7});
    QCOMPARE(a.metrics[0].first, std::string("rewards/format/mean"));
    QCOMPARE(a.metrics[3].first, std::string("rewards/accuracy/std"));
    QCOMPARE(a.metrics[4].first, std::string("reward"));
    QCOMPARE(a.metrics[6].first, std::string("frac_reward_zero_std"));
  }

  // A NaN component (not applicable to that completion) is skipped, as TRL's nansum / nanmean / nanstd:
  // accuracy NaN on row 5 leaves R_5 = f_5 = 0; accuracy over (0, 2, 4, 0, 0): mean 1.2,
  // Σ(a - 1.2)² = 1.44 + 0.64 + 7.84 + 1.44 + 1.44 = 12.8, std sqrt(12.8 / 4).
  void advantages_skip_nan_components() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const at::Tensor comp = mat({1, 0, 1, 2, 1, 4, 0, 0, 0, 0, 0, nan}, 6);
    rf::GrpoAdvantageOptions o;
    o.num_generations = 3;
    const auto a = rf::grpo_advantages_compute(comp, {"format", "accuracy"}, {1.0, 0.5}, o);
    expect_near(to_vec(a.rewards), {1, 2, 3, 0, 0, 0}, "rewards");
    expect_metric(a.metrics, "rewards/accuracy/mean", 1.2);
    expect_metric(a.metrics, "rewards/accuracy/std", std::sqrt(3.2));
  }

  // The fixed case for each loss type (row sums -2.78 / 3 tokens and 4.6 / 2 tokens, see fixed_logp) and the
  // per-token gradients (-1, 0, -0.5 | 0, 3, 0) divided by each normaliser:
  //   grpo   : (-2.78/3 + 4.6/2) / 2; row 0 grads / (3 × 2), row 1 / (2 × 2)
  //   bnpo   : 1.82 / 5
  //   dr_grpo: 1.82 / (B × max_completion_length) = 1.82 / 8
  //   dapo   : 1.82 / 10 (10 active tokens in the whole accumulated batch); unset -> this batch's 5
  //   grad_accum_steps = 2 halves grpo / bnpo / dr_grpo (not dapo, whose normaliser already spans the step)
  void loss_types_data() {
    QTest::addColumn<QString>("loss_type");
    QTest::addColumn<double>("dapo_normalizer");
    QTest::addColumn<int>("accum");
    QTest::addColumn<double>("loss");
    QTest::addColumn<QList<double>>("grad");
    QTest::newRow("grpo") << "grpo" << 0.0 << 1 << (-2.78 / 3 + 4.6 / 2) / 2
                          << QList<double>{-1.0 / 6, 0, -0.5 / 6, 0, 3.0 / 4, 0};
    QTest::newRow("bnpo") << "bnpo" << 0.0 << 1 << 1.82 / 5 << QList<double>{-0.2, 0, -0.1, 0, 0.6, 0};
    QTest::newRow("dr_grpo") << "dr_grpo" << 0.0 << 1 << 1.82 / 8
                             << QList<double>{-0.125, 0, -0.0625, 0, 0.375, 0};
    QTest::newRow("dapo normaliser 10") << "dapo" << 10.0 << 1 << 0.182 << QList<double>{-0.1, 0, -0.05, 0, 0.3, 0};
    QTest::newRow("dapo unset") << "dapo" << 0.0 << 1 << 0.364 << QList<double>{-0.2, 0, -0.1, 0, 0.6, 0};
    QTest::newRow("dapo ignores accum") << "dapo" << 10.0 << 2 << 0.182 << QList<double>{-0.1, 0, -0.05, 0, 0.3, 0};
    QTest::newRow("grpo accum 2") << "grpo" << 0.0 << 2 << (-2.78 / 3 + 4.6 / 2) / 4
                                  << QList<double>{-1.0 / 12, 0, -0.5 / 12, 0, 3.0 / 8, 0};
    QTest::newRow("bnpo accum 2") << "bnpo" << 0.0 << 2 << 0.182 << QList<double>{-0.1, 0, -0.05, 0, 0.3, 0};
    QTest::newRow("dr_grpo accum 2") << "dr_grpo" << 0.0 << 2 << 1.82 / 16
                                     << QList<double>{-0.0625, 0, -0.03125, 0, 0.1875, 0};
  }
  void loss_types() {
    QFETCH(QString, loss_type);
    QFETCH(double, dapo_normalizer);
    QFETCH(int, accum);
    QFETCH(double, loss);
    QFETCH(QList<double>, grad);
    const at::Tensor logp = fixed_logp();
    rf::GrpoLossInputs in = fixed_inputs(logp);
    in.dapo_normalizer = dapo_normalizer;
    in.grad_accum_steps = accum;
    const auto out = rf::grpo_loss_compute(in, fixed_options(loss_type.toStdString()));
    QVERIFY2(std::abs(out.loss.item<double>() - loss) <= kTol, qPrintable(QString::number(out.loss.item<double>(), 'g', 9)));
    QCOMPARE(out.active_tokens, int64_t{5});
    out.loss.backward();
    expect_near(to_vec(logp.grad()), grad, "dloss/dlogp");
  }

  // Clip ratios over the 5 active tokens (TRL: low = ρ < 1-ε_low with A < 0, high = ρ > 1+ε_high with A > 0;
  // the padded ρ = 0.1, A < 0 token would count as low if the mask were ignored). bnpo loss alongside:
  //   ε 0.2 / 0.28 : low row1 t0, high row0 t1 -> 0.2, 0.2, 0.4; loss 1.82 / 5
  //   ε 0.2 / unset: ε_high = 0.2; same tokens; row0 t1 now -1.2 -> (−1 −1.2 −0.5 + 1.6 + 3) / 5 = 1.9 / 5
  //   ε 0.6 / 0.6  : bounds [0.4, 1.6], nothing clipped; (−1 −1.5 −0.5 + 1 + 3) / 5 = 1 / 5
  //   ε 0.2 / 1.0  : upper bound 2, only row1 t0 clipped; (−1 −1.5 −0.5 + 1.6 + 3) / 5 = 1.6 / 5
  void clip_ratios_data() {
    QTest::addColumn<double>("eps");
    QTest::addColumn<double>("eps_high");  // < 0: unset
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::addColumn<double>("region");
    QTest::addColumn<double>("loss");
    QTest::newRow("0.2/0.28") << 0.2 << 0.28 << 0.2 << 0.2 << 0.4 << 1.82 / 5;
    QTest::newRow("0.2/unset") << 0.2 << -1.0 << 0.2 << 0.2 << 0.4 << 1.9 / 5;
    QTest::newRow("0.6/0.6") << 0.6 << 0.6 << 0.0 << 0.0 << 0.0 << 1.0 / 5;
    QTest::newRow("0.2/1.0") << 0.2 << 1.0 << 0.2 << 0.0 << 0.2 << 1.6 / 5;
  }
  void clip_ratios() {
    QFETCH(double, eps);
    QFETCH(double, eps_high);
    QFETCH(double, low);
    QFETCH(double, high);
    QFETCH(double, region);
    QFETCH(double, loss);
    rf::GrpoLossOptions o = fixed_options("bnpo");
    o.epsilon = eps;
    o.epsilon_high = eps_high < 0 ? std::nullopt : std::optional<double>(eps_high);
    const auto out = rf::grpo_loss_compute(fixed_inputs(fixed_logp()), o);
    expect_metric(out.metrics, "clip_ratio/low_mean", low);
    expect_metric(out.metrics, "clip_ratio/high_mean", high);
    expect_metric(out.metrics, "clip_ratio/region_mean", region);
    QVERIFY(std::abs(out.loss.item<double>() - loss) <= kTol);
    QVERIFY(!rf::grpo_metric_has(out.metrics, "kl"));       // beta = 0
    QVERIFY(!rf::grpo_metric_has(out.metrics, "entropy"));  // no entropies given
  }

  // k3 KL with β = 0.1, μ = 1 (no old_logp: ρ = 1), A = 0.5, bnpo, d = ref - logp = (ln 2, 0, -ln 2):
  //   KL3 = e^d - d - 1 = (1 - ln 2, 0, ln 2 - 0.5), sum 0.5; dKL3/dlogp = 1 - e^d = (-1, 0, 0.5)
  //   per token: -0.5 + 0.1 KL3, grad -0.5 + 0.1 (1 - e^d) = (-0.6, -0.5, -0.45)
  //   all 3 tokens: kl 0.5/3, loss -0.5 + 0.05/3, grads / 3
  //   middle masked: kl (0.5 - 0)/2 = 0.25, loss -0.5 + 0.025, grads / 2 with the middle 0
  void kl_k3_data() {
    QTest::addColumn<QList<double>>("mask");
    QTest::addColumn<double>("kl");
    QTest::addColumn<double>("loss");
    QTest::addColumn<QList<double>>("grad");
    QTest::newRow("all tokens") << QList<double>{1, 1, 1} << 0.5 / 3 << -0.5 + 0.05 / 3
                                << QList<double>{-0.2, -0.5 / 3, -0.15};
    QTest::newRow("middle masked") << QList<double>{1, 0, 1} << 0.25 << -0.475 << QList<double>{-0.3, 0, -0.225};
  }
  void kl_k3() {
    QFETCH(QList<double>, mask);
    QFETCH(double, kl);
    QFETCH(double, loss);
    QFETCH(QList<double>, grad);
    const std::vector<double> base = {-1.0, -2.0, -3.0};
    const at::Tensor logp = mat(base, 1).requires_grad_(true);
    rf::GrpoLossInputs in;
    in.logp = logp;
    in.ref_logp = mat({base[0] + std::log(2.0), base[1], base[2] - std::log(2.0)}, 1);
    in.advantages = vec({0.5});
    in.completion_mask = mat(std::vector<double>(mask.begin(), mask.end()), 1);
    rf::GrpoLossOptions o;
    o.beta = 0.1;
    o.loss_type = "bnpo";
    QVERIFY(rf::grpo_needs_reference(o));
    const auto out = rf::grpo_loss_compute(in, o);
    expect_metric(out.metrics, "kl", kl);
    expect_metric(out.metrics, "clip_ratio/region_mean", 0.0);  // ρ = 1 everywhere
    QVERIFY(std::abs(out.loss.item<double>() - loss) <= kTol);
    out.loss.backward();
    expect_near(to_vec(logp.grad()), grad, "dloss/dlogp");
  }

  // β = 0: no reference is needed or read (an undefined or even ill-shaped ref_logp is ignored) and no kl metric;
  // β != 0 without a reference is an error naming ref_logp.
  void beta_zero_needs_no_reference() {
    rf::GrpoLossOptions o = fixed_options("bnpo");
    QVERIFY(!rf::grpo_needs_reference(o));
    rf::GrpoLossInputs in = fixed_inputs(fixed_logp());
    QVERIFY(!in.ref_logp.defined());
    const auto out = rf::grpo_loss_compute(in, o);
    QVERIFY(std::abs(out.loss.item<double>() - 1.82 / 5) <= kTol);
    QVERIFY(!rf::grpo_metric_has(out.metrics, "kl"));
    in.ref_logp = at::zeros({7});
    QVERIFY(std::abs(rf::grpo_loss_compute(in, o).loss.item<double>() - 1.82 / 5) <= kTol);
    in.ref_logp = at::Tensor();
    o.beta = 0.04;
    QVERIFY(rf::grpo_needs_reference(o));
    expect_error([&] { rf::grpo_loss_compute(in, o); }, "ref_logp");
  }

  // truncated = (false, true): with mask_truncated_completions row 1 drops out of the loss and metrics.
  //   bnpo: -2.78 / 3, grads row 0 (-1, 0, -0.5) / 3, row 1 zero; 3 active tokens; high 1/3, low 0
  //   grpo: row 1 has no tokens (0 / max(1, 0) = 0) but still counts: (-2.78/3 + 0) / 2, row 0 grads / 6
  //   without the option the flags are ignored: bnpo 1.82 / 5 as before
  void truncated_masking_data() {
    QTest::addColumn<bool>("mask_truncated");
    QTest::addColumn<QString>("loss_type");
    QTest::addColumn<double>("loss");
    QTest::addColumn<int>("active");
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::addColumn<QList<double>>("grad");
    QTest::newRow("bnpo masked") << true << "bnpo" << -2.78 / 3 << 3 << 0.0 << 1.0 / 3
                                 << QList<double>{-1.0 / 3, 0, -0.5 / 3, 0, 0, 0};
    QTest::newRow("grpo masked") << true << "grpo" << -2.78 / 6 << 3 << 0.0 << 1.0 / 3
                                 << QList<double>{-1.0 / 6, 0, -0.5 / 6, 0, 0, 0};
    QTest::newRow("dapo masked") << true << "dapo" << -2.78 / 3 << 3 << 0.0 << 1.0 / 3
                                 << QList<double>{-1.0 / 3, 0, -0.5 / 3, 0, 0, 0};
    QTest::newRow("option off") << false << "bnpo" << 1.82 / 5 << 5 << 0.2 << 0.2
                                << QList<double>{-0.2, 0, -0.1, 0, 0.6, 0};
  }
  void truncated_masking() {
    QFETCH(bool, mask_truncated);
    QFETCH(QString, loss_type);
    QFETCH(double, loss);
    QFETCH(int, active);
    QFETCH(double, low);
    QFETCH(double, high);
    QFETCH(QList<double>, grad);
    const at::Tensor logp = fixed_logp();
    rf::GrpoLossInputs in = fixed_inputs(logp);
    in.truncated = at::tensor(std::vector<int64_t>{0, 1}, at::kLong).to(at::kBool);
    rf::GrpoLossOptions o = fixed_options(loss_type.toStdString());
    o.mask_truncated_completions = mask_truncated;
    const auto out = rf::grpo_loss_compute(in, o);
    QVERIFY2(std::abs(out.loss.item<double>() - loss) <= kTol, qPrintable(QString::number(out.loss.item<double>(), 'g', 9)));
    QCOMPARE(out.active_tokens, int64_t{active});
    expect_metric(out.metrics, "clip_ratio/low_mean", low);
    expect_metric(out.metrics, "clip_ratio/high_mean", high);
    out.loss.backward();
    expect_near(to_vec(logp.grad()), grad, "dloss/dlogp");
  }

  void truncation_mask_helper() {
    const at::Tensor m = rf::grpo_completion_mask_apply_truncation(mat(kMask, 2), vec({0, 1}).to(at::kBool));
    expect_near(to_vec(m), {1, 1, 1, 0, 0, 0}, "mask");
    QCOMPARE(rf::grpo_active_tokens(m), int64_t{3});
    QCOMPARE(rf::grpo_active_tokens(mat(kMask, 2)), int64_t{5});
  }

  // dapo under gradient accumulation: the fixed batch split into its two rows, each micro-batch divided by the
  // 5 active tokens of the whole step: -2.78 / 5 + 4.6 / 5 = 1.82 / 5 and the same gradients as one batch.
  void dapo_accumulation_matches_full_batch() {
    const at::Tensor logp = fixed_logp();
    const rf::GrpoLossOptions o = fixed_options("dapo");
    double total = 0.0;
    for (int64_t row = 0; row < 2; ++row) {
      rf::GrpoLossInputs in;
      in.logp = logp.narrow(0, row, 1);
      in.old_logp = mat(kOld, 2).narrow(0, row, 1);
      in.advantages = vec(kAdv).narrow(0, row, 1);
      in.completion_mask = mat(kMask, 2).narrow(0, row, 1);
      in.dapo_normalizer = 5;
      const auto out = rf::grpo_loss_compute(in, o);
      QVERIFY(std::abs(out.loss.item<double>() - (row == 0 ? -2.78 / 5 : 4.6 / 5)) <= kTol);
      out.loss.backward();
      total += out.loss.item<double>();
    }
    QVERIFY(std::abs(total - 1.82 / 5) <= kTol);
    expect_near(to_vec(logp.grad()), {-0.2, 0, -0.1, 0, 0.6, 0}, "dloss/dlogp");
  }

  // Mean entropy over active tokens: (1 + 2 + 3 + 4 + 5) / 5; the padded 100 is ignored.
  void entropy_metric() {
    rf::GrpoLossInputs in = fixed_inputs(fixed_logp());
    in.entropy = mat({1, 2, 3, 4, 5, 100}, 2);
    const auto out = rf::grpo_loss_compute(in, fixed_options("dapo"));
    expect_metric(out.metrics, "entropy", 3.0);
  }

  void bad_options_data() {
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("expected");
    QTest::newRow("epsilon 0") << "epsilon=0" << "'epsilon'";
    QTest::newRow("epsilon 1.5") << "epsilon=1.5" << "'epsilon'";
    QTest::newRow("epsilon_high negative") << "epsilon_high=-0.1" << "'epsilon_high'";
    QTest::newRow("beta negative") << "beta=-1" << "'beta'";
    QTest::newRow("beta NaN") << "beta=nan" << "'beta'";
    QTest::newRow("loss_type") << "loss_type=ppo" << "'loss_type'";
    QTest::newRow("max_completion_length") << "max_completion_length=0" << "'max_completion_length'";
    QTest::newRow("num_generations") << "num_generations=1" << "'num_generations'";
    QTest::newRow("scale_rewards") << "scale_rewards=std" << "'scale_rewards'";
  }
  void bad_options() {
    QFETCH(QString, which);
    QFETCH(QString, expected);
    rf::GrpoLossOptions o;
    rf::GrpoAdvantageOptions a;
    if (which == "epsilon=0") o.epsilon = 0;
    if (which == "epsilon=1.5") o.epsilon = 1.5;
    if (which == "epsilon_high=-0.1") o.epsilon_high = -0.1;
    if (which == "beta=-1") o.beta = -1;
    if (which == "beta=nan") o.beta = std::numeric_limits<double>::quiet_NaN();
    if (which == "loss_type=ppo") o.loss_type = "ppo";
    if (which == "max_completion_length=0") o.max_completion_length = 0;
    if (which == "num_generations=1") a.num_generations = 1;
    if (which == "scale_rewards=std") a.scale_rewards = "std";
    expect_error(
        [&] {
          rf::grpo_loss_options_validate(o);
          rf::grpo_advantage_options_validate(a);
        },
        expected.toStdString());
  }

  void bad_inputs() {
    rf::GrpoAdvantageOptions a;
    a.num_generations = 4;
    expect_error([&] { rf::grpo_advantages_compute(vec({1, 2, 3, 4, 5, 6}), a); }, "num_generations = 4");
    a.num_generations = 2;
    expect_error([&] { rf::grpo_advantages_compute(vec({1, std::nan(""), 3, 4}), a); }, "completion 1 is NaN");
    expect_error([&] { rf::grpo_advantages_compute(at::zeros({0}), a); }, "no completions");
    expect_error([&] { rf::grpo_advantages_compute(at::zeros({4, 2}), {"format"}, {1.0, 1.0}, a); }, "names");
    expect_error([&] { rf::grpo_advantages_compute(at::zeros({4, 2}), {"a", "b"}, {1.0}, a); }, "weights");

    const rf::GrpoLossOptions o = fixed_options("dapo");
    auto with = [&](const std::function<void(rf::GrpoLossInputs&)>& edit) {
      rf::GrpoLossInputs in = fixed_inputs(fixed_logp());
      edit(in);
      rf::grpo_loss_compute(in, o);
    };
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.advantages = vec({1, 2, 3}); }); }, "'advantages'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.completion_mask = at::ones({2, 4}); }); },
                 "'completion_mask'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.old_logp = at::zeros({3, 3}); }); }, "'old_logp'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.truncated = at::zeros({3}, at::kBool); }); },
                 "'truncated'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.grad_accum_steps = 0; }); }, "'grad_accum_steps'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.dapo_normalizer = 3; }); }, "'dapo_normalizer'");
    expect_error([&] { with([](rf::GrpoLossInputs& in) { in.logp = at::Tensor(); }); }, "'logp'");
  }
};

QTEST_GUILESS_MAIN(TestGrpo)
#include "test_grpo.moc"
