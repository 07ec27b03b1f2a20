// The template designer (DESIGN.md §8.2): a recipe's prompt template edited with its syntax highlighted
// and errors marked inline at their line and column; the recipe presets to start from; a live preview of
// the prompt one chosen user gets — rendered through the trainers' own prompt builder
// (engine/template_try.h), in the model's chat format, with its length in the model's tokens and whether
// max_prompt_length would cut it — and "Try it", which samples N answers from a model (the run form's, or a
// run's last checkpoint) for that prompt and shows each parsed, scored by the run form's rewards (weighted
// bars) and token by token shaded by log-probability, without training. "Use in run form" saves the
// template into the project (templates/<name>.jinja) and points the run form's template.file at it.
//
// Data, tokenizer and model load on threads of their own, and so do Try it's answers; results come back
// queued to the GUI thread. The preview itself is one render for one user (milliseconds) and runs on the
// GUI thread, debounced while typing.
#pragma once

#include <QWidget>

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace rf {
struct RunData;
struct RunModel;
struct TemplateTryAnswer;
}  // namespace rf

namespace rf::gui {

class RewardBars;
class RunForm;
class TemplateEditor;
class TokenView;

class TemplateDesigner : public QWidget {
  Q_OBJECT

 public:
  explicit TemplateDesigner(QWidget* parent = nullptr);
  ~TemplateDesigner() override;

  void setProject(const QString& project_dir);
  // The run form whose config (model, rewards, sampling, pool size, seed) previews and Try it use.
  void setRunForm(RunForm* form) { form_ = form; }

  void setRecipe(const QString& recipe);      // "list" | "query" | "rating"; loads its default preset
  void setPreset(const QString& preset);      // loads the preset's template into the editor
  void setDataset(const QString& name);
  void setUser(const QString& user_id);
  void setHoldout(const QString& part);       // "train" | "valid" | "test"
  QString recipe() const;
  QString preset() const;
  QString user() const;
  QStringList users() const { return user_ids_; }

  TemplateEditor* editor() const { return editor_; }
  QString templateText() const;
  QString previewText() const;
  QString contextText() const;  // the JSON the template renders against
  QString errorText() const;
  int64_t previewTokens() const { return preview_tokens_; }
  bool dataReady() const;
  bool tokenizerReady() const;
  bool busy() const { return jobs_running_ > 0; }
  // Runs the event loop until no load or Try it job is running (or `ms` passed); true when idle.
  bool waitIdle(int ms);

  // Starts sampling `n` answers; tryFinished() reports them. False (with the reason shown) when the
  // template, data or user is not ready.
  bool tryIt(int n);
  int answerCount() const;
  const TemplateTryAnswer& answer(int i) const;
  void showAnswer(int i);
  TokenView* tokenView() const { return tokens_; }
  RewardBars* rewardBars() const { return bars_; }

  // Writes the editor's template to <project>/templates/<name>.jinja and sets the run form's recipe,
  // template.preset and template.file to it. The path, or "" with the error shown.
  QString useInRunForm(const QString& name);
  bool saveTemplate(const QString& path);

 protected:
  // The run form may have changed (data set, model, pool size, prompt length): catch up when shown.
  void showEvent(QShowEvent* e) override;

 Q_SIGNALS:
  void previewUpdated();
  void dataLoaded(bool ok);
  void tokenizerLoaded(bool ok);
  void tryFinished(bool ok, const QString& error);

 private:
  nlohmann::json runConfigJson() const;
  void fillPresets();
  void fillModels();
  void loadData();
  void loadTokenizer();
  void updatePreview();
  void showError(const QString& e);
  QString modelDir() const;
  // Runs `work` on a thread of its own; `done` gets its error text ("" when it succeeded) on the GUI thread.
  void runJob(std::function<void()> work, std::function<void(const QString& error)> done);

  QString project_;
  RunForm* form_ = nullptr;
  nlohmann::json presets_;  // presets.json "presets"
  QString presets_dir_;
  QStringList user_ids_;
  std::shared_ptr<const RunData> data_;
  std::string data_key_;     // what data_ was opened for (project, dataset, recipe, split)
  std::shared_ptr<const RunModel> tokenizer_;
  std::string tokenizer_dir_;
  std::shared_ptr<RunModel> model_;  // weights, for Try it (used by one job at a time)
  std::string model_key_;
  int64_t preview_tokens_ = 0;
  std::vector<TemplateTryAnswer> answers_;
  std::string try_prefill_;  // the prompt's prefill the shown answers start with
  int jobs_running_ = 0;
  uint64_t try_seed_ = 0;
  int data_generation_ = 0, tokenizer_generation_ = 0;
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;

  QComboBox* recipe_ = nullptr;
  QComboBox* preset_ = nullptr;
  QComboBox* dataset_ = nullptr;
  QLineEdit* user_ = nullptr;
  QComboBox* holdout_ = nullptr;
  QComboBox* model_box_ = nullptr;
  TemplateEditor* editor_ = nullptr;
  QLabel* error_ = nullptr;
  QPlainTextEdit* preview_ = nullptr;
  QPlainTextEdit* context_ = nullptr;
  QLabel* preview_info_ = nullptr;
  QSpinBox* try_n_ = nullptr;
  QPushButton* try_button_ = nullptr;
  QLabel* try_status_ = nullptr;
  QTableWidget* answers_table_ = nullptr;
  TokenView* tokens_ = nullptr;
  RewardBars* bars_ = nullptr;
  QTimer* debounce_ = nullptr;
};

}  // namespace rf::gui
