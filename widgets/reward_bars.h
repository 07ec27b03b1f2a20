// A completion's reward breakdown as weighted bars: one row per component (name, weight × value =
// weighted), the bar's length the weighted value on a scale shared by the rows (positive to the right of
// the zero line, negative to the left), the component's explanation as the row's tooltip, the total
// underneath. Reads the breakdown as stored (store/run_store.h TrajectoryRow::rewards).
#pragma once

#include <QWidget>

#include <nlohmann/json.hpp>

namespace rf::gui {

class RewardBars : public QWidget {
  Q_OBJECT

 public:
  explicit RewardBars(QWidget* parent = nullptr);
  void setBreakdown(const nlohmann::json& terms, double total);
  int rows() const;
  QString explanationAt(int row) const;
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent*) override;
  bool event(QEvent* e) override;

 private:
  struct Row {
    QString name, explanation;
    double weight = 0, value = 0, weighted = 0;
  };
  int rowAt(int y) const;
  std::vector<Row> rows_;
  double total_ = 0;
};

}  // namespace rf::gui
