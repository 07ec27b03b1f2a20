// The run launcher (DESIGN.md §8.3, the form half): one run config (engine/run_config.h, the same JSON the
// CLI reads) edited through a basic section — recipe, trainer, data set, model, device, seed, reward preset
// and the trainer's main settings, each with its docs/config.md text as tooltip — and an advanced section
// holding the whole config as JSON. Validated before it starts (the error names the field); Start creates
// the run in the project's store and trains it in the window's RunSession, or queues it behind the run
// that is training; configs save to and load from JSON files.
#pragma once

#include <QWidget>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace rf::gui {

class RunSession;

class RunForm : public QWidget {
  Q_OBJECT

 public:
  explicit RunForm(RunSession* session, QWidget* parent = nullptr);

  void setProject(const QString& project_dir);
  const nlohmann::json& config() const { return config_; }
  // Sets one field by its dotted path ("grpo.max_steps"); the widgets and the JSON follow.
  void setField(const std::string& path, const nlohmann::json& value);
  // Replaces the whole config (missing fields take their defaults); false with the error shown when invalid.
  bool setConfigJson(const nlohmann::json& j);
  // "" when the config is valid, else the error (naming the field).
  QString validate();
  QString lastError() const;
  // Creates the run and starts it (or queues it when a run is training); the run id, or 0 with the error shown.
  int64_t start();
  std::vector<int64_t> queue() const { return queue_; }
  bool saveConfig(const QString& path);
  bool loadConfig(const QString& path);
  QWidget* fieldWidget(const std::string& path) const;
  // Fills the form with run `run`'s config, starting fresh from the weights of its last checkpoint (full
  // fine-tunes; a LoRA checkpoint holds adapters only and is refused). False with the reason shown.
  bool loadFromRunWeights(int64_t run);
  // How runs started here are executed: score the classic baselines first, evaluate the model.
  void setExecution(bool baselines, bool evaluate);

 Q_SIGNALS:
  void runCreated(qint64 run);

 private:
  struct Field {
    std::string path;
    QWidget* widget = nullptr;
    char kind = 's';  // 's' string (line edit or combo), 'i' int, 'd' double, 'b' bool (check box)
  };
  void addField(QFormLayout* form, const std::string& path, const QString& label, char kind, const QStringList& choices = {});
  void refreshWidgets();
  void refreshJsonText();
  void startNextQueued();
  void showError(const QString& e);

  RunSession* session_ = nullptr;
  QString project_;
  nlohmann::json config_;
  std::vector<Field> fields_;
  std::vector<int64_t> queue_;
  bool syncing_ = false;
  QComboBox* dataset_ = nullptr;
  QPlainTextEdit* json_ = nullptr;
  QLabel* error_ = nullptr;
  QListWidget* queue_list_ = nullptr;
  QCheckBox* baselines_ = nullptr;
  QCheckBox* evaluate_ = nullptr;
};

}  // namespace rf::gui
