// A completion token by token, each token's background shaded by the probability the model gave it when
// it was sampled (white for p near 1, through yellow, to red for unlikely tokens), the exact probability and
// log-probability in the tooltip: where a reasoning trace turned on a low-probability choice. Used by the
// trajectory inspector (the ids and log-probs a GRPO run stored) and the template designer's "Try it".
#pragma once

#include <QTextEdit>

#include <string>
#include <vector>

namespace rf::gui {

class TokenView : public QTextEdit {
  Q_OBJECT

 public:
  explicit TokenView(QWidget* parent = nullptr);

  // `prefix` (e.g. the prefill, not generated) is shown unshaded before the tokens.
  void setTokens(const QString& prefix, const std::vector<std::string>& pieces, const std::vector<float>& logprobs);
  int tokenCount() const { return static_cast<int>(starts_.size()); }
  // The token under character position `pos` of the document, -1 when none.
  int tokenAt(int pos) const;
  QString tokenTip(int token) const;
  // The shade for a probability in [0, 1].
  static QColor shade(double p);

 protected:
  bool event(QEvent* e) override;

 private:
  std::vector<int> starts_;  // document position of each token
  std::vector<float> logprobs_;
  std::vector<QString> pieces_;
};

}  // namespace rf::gui
