// The reward breakdown bars (see reward_bars.h).
#include "reward_bars.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace rf::gui {

namespace {

constexpr int kRowHeight = 22;
constexpr int kLabelWidth = 210;

double number(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

}  // namespace

RewardBars::RewardBars(QWidget* parent) : QWidget(parent) {
  setObjectName("rewardBars");
  setMinimumHeight(kRowHeight * 2);
}

void RewardBars::setBreakdown(const nlohmann::json& terms, double total) {
  rows_.clear();
  if (terms.is_array())
    for (const auto& t : terms) {
      Row r;
      r.name = QString::fromStdString(t.value("name", std::string("?")));
      r.explanation = QString::fromStdString(t.value("explanation", std::string()));
      r.weight = number(t, "weight");
      r.value = number(t, "value");
      r.weighted = number(t, "weighted");
      if (std::isnan(r.weighted) && std::isfinite(r.weight) && std::isfinite(r.value)) r.weighted = r.weight * r.value;
      rows_.push_back(r);
    }
  total_ = total;
  updateGeometry();
  update();
}

int RewardBars::rows() const { return static_cast<int>(rows_.size()); }

QString RewardBars::explanationAt(int row) const {
  return row >= 0 && row < rows() ? rows_[static_cast<size_t>(row)].explanation : QString();
}

QSize RewardBars::sizeHint() const { return {520, kRowHeight * (rows() + 1) + 8}; }

int RewardBars::rowAt(int y) const {
  const int r = (y - 4) / kRowHeight;
  return r >= 0 && r < rows() ? r : -1;
}

bool RewardBars::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* h = static_cast<QHelpEvent*>(e);
    const int r = rowAt(h->pos().y());
    if (r >= 0) {
      const Row& row = rows_[static_cast<size_t>(r)];
      QToolTip::showText(h->globalPos(), QString("<b>%1</b>: %2 × %3 = %4<br>%5")
                                             .arg(row.name)
                                             .arg(row.weight, 0, 'g', 4)
                                             .arg(row.value, 0, 'g', 4)
                                             .arg(row.weighted, 0, 'g', 4)
                                             .arg(row.explanation.toHtmlEscaped()),
                         this);
    } else {
      QToolTip::hideText();
    }
    return true;
  }
  return QWidget::event(e);
}

void RewardBars::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  double scale = 1e-9;
  for (const Row& r : rows_)
    if (std::isfinite(r.weighted)) scale = std::max(scale, std::abs(r.weighted));
  const int bar_left = kLabelWidth, bar_width = std::max(60, width() - kLabelWidth - 70);
  const int zero_x = bar_left + bar_width / 2;
  const QColor pos(44, 160, 44), neg(214, 39, 40), text = palette().color(QPalette::WindowText);
  for (int i = 0; i < rows(); ++i) {
    const Row& r = rows_[static_cast<size_t>(i)];
    const int y = 4 + i * kRowHeight;
    p.setPen(text);
    p.drawText(QRect(4, y, kLabelWidth - 8, kRowHeight), Qt::AlignVCenter | Qt::AlignLeft,
               QString("%1  %2×%3").arg(r.name).arg(r.weight, 0, 'g', 3).arg(r.value, 0, 'g', 3));
    if (std::isfinite(r.weighted)) {
      const int len = static_cast<int>(std::lround(std::abs(r.weighted) / scale * (bar_width / 2 - 2)));
      const QRect bar = r.weighted >= 0 ? QRect(zero_x, y + 4, len, kRowHeight - 8) : QRect(zero_x - len, y + 4, len, kRowHeight - 8);
      p.fillRect(bar, r.weighted >= 0 ? pos : neg);
      p.drawText(QRect(bar_left + bar_width + 6, y, 64, kRowHeight), Qt::AlignVCenter | Qt::AlignLeft,
                 QString::number(r.weighted, 'f', 3));
    }
  }
  p.setPen(QPen(text, 1, Qt::DashLine));
  p.drawLine(zero_x, 2, zero_x, 4 + rows() * kRowHeight);
  p.setPen(text);
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.drawText(QRect(4, 4 + rows() * kRowHeight, width() - 8, kRowHeight), Qt::AlignVCenter | Qt::AlignLeft,
             tr("total %1").arg(total_, 0, 'f', 3));
}

}  // namespace rf::gui
