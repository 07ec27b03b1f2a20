// The Project & data screen (DESIGN.md §8, screen 1): the project's data sets with their counts; an
// import box (a folder or file, its format — auto or one of data_import_formats() —, a name, Amazon's
// metadata file) that imports and saves on a worker thread (data_job.h) with a progress bar fed by the
// importers' byte counts, and on failure the error split into file, line and field with the offending
// line of the file beside it; and for the selected data set its statistics (dataset_stats), sortable and
// filterable tables of users and items, the selected user's history in time order, the long tail of
// item popularity and the top categories' share of interactions.
#pragma once

#include "data_view.h"

#include <QWidget>

#include <functional>
#include <memory>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTableWidget;

namespace rf::gui {

class DataHistoryModel;
class DataItemsModel;
class DataJob;
class DataUsersModel;

class ProjectPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ProjectPanel(QWidget* parent = nullptr);
  ~ProjectPanel() override;

  // Lists the project's data sets and loads the first (or the one named "sample" when there is one).
  void setProject(const QString& project_dir);
  QString project() const { return project_; }
  void refreshList();
  // Loads the named data set into the tables and plots (on the worker; `datasetLoaded` when shown).
  void selectDataset(const QString& name);
  QString currentDataset() const { return shown_; }
  std::shared_ptr<const DataView> view() const { return view_; }
  // Asked when an import's name is taken; the default asks with a message box. Tests answer themselves.
  void setConfirmReplace(std::function<bool(const QString& name)> ask) { confirm_replace_ = std::move(ask); }
  // Runs the event loop until no import or load is running (or `ms` pass); true when idle.
  bool waitIdle(int ms);

  QLineEdit* pathEdit() const { return path_; }
  QComboBox* formatCombo() const { return format_; }
  QLineEdit* nameEdit() const { return name_; }
  QLineEdit* metaEdit() const { return meta_; }
  QPushButton* importButton() const { return import_; }
  QProgressBar* progressBar() const { return progress_; }
  QLabel* statusLabel() const { return status_; }
  QTableWidget* errorTable() const { return errors_; }
  QPlainTextEdit* errorLines() const { return error_lines_; }
  QListWidget* datasetList() const { return datasets_; }
  QLabel* statsLabel() const { return stats_; }
  QLineEdit* usersFilter() const { return users_filter_; }
  QLineEdit* itemsFilter() const { return items_filter_; }
  QTableView* usersView() const { return users_view_; }
  QTableView* itemsView() const { return items_view_; }
  QTableView* historyView() const { return history_view_; }
  QCustomPlot* longTailPlot() const { return long_tail_; }
  QCustomPlot* categoryPlot() const { return categories_; }
  QCheckBox* logScale() const { return log_y_; }

 Q_SIGNALS:
  void importFinished(bool ok, const QString& message);
  void datasetLoaded(const QString& name);

 private:
  QWidget* buildImportBox();
  QWidget* buildTables();
  void chooseSource(bool folder);
  void startImport();
  void showImportError(const QString& message);
  void showErrorLines(int row);
  void showView(const QString& name);
  void showStats();
  void showUser(const QModelIndex& proxy_index);
  void setBusy(bool busy, const QString& text);

  QString project_;
  QString shown_;         // the data set in the tables
  QString pending_load_;  // asked for while the worker was busy
  std::shared_ptr<const DataView> view_;
  std::function<bool(const QString&)> confirm_replace_;
  DataJob* job_ = nullptr;

  QListWidget* datasets_ = nullptr;
  QLineEdit* path_ = nullptr;
  QComboBox* format_ = nullptr;
  QLineEdit* name_ = nullptr;
  QLineEdit* meta_ = nullptr;
  QPushButton* import_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QTableWidget* errors_ = nullptr;
  QPlainTextEdit* error_lines_ = nullptr;
  QLabel* stats_ = nullptr;
  QLineEdit* users_filter_ = nullptr;
  QLineEdit* items_filter_ = nullptr;
  QTableView* users_view_ = nullptr;
  QTableView* items_view_ = nullptr;
  QTableView* history_view_ = nullptr;
  QLabel* history_title_ = nullptr;
  DataUsersModel* users_ = nullptr;
  DataItemsModel* items_ = nullptr;
  DataHistoryModel* history_ = nullptr;
  QSortFilterProxyModel* users_proxy_ = nullptr;
  QSortFilterProxyModel* items_proxy_ = nullptr;
  QCustomPlot* long_tail_ = nullptr;
  QCustomPlot* categories_ = nullptr;
  QCheckBox* log_y_ = nullptr;
};

}  // namespace rf::gui
