// The Project & data screen (see project_panel.h).
#include "project_panel.h"

#include "data/dataset_store.h"
#include "data/importer.h"
#include "data_error.h"
#include "data_job.h"
#include "data_models.h"
#include "data_plots.h"
#include "qcustomplot_include.h"
#include "store/project.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <utility>

namespace rf::gui {

namespace {

QTableView* make_table(QWidget* parent, const char* name) {
  auto* t = new QTableView(parent);
  t->setObjectName(name);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setAlternatingRowColors(true);
  t->verticalHeader()->setVisible(false);
  t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
  t->horizontalHeader()->setStretchLastSection(true);
  t->setWordWrap(false);
  return t;
}

QSortFilterProxyModel* make_proxy(QAbstractItemModel* source, QObject* parent) {
  auto* p = new QSortFilterProxyModel(parent);
  p->setSourceModel(source);
  p->setFilterCaseSensitivity(Qt::CaseInsensitive);
  p->setFilterKeyColumn(-1);  // any column
  return p;
}

QWidget* titled(const QString& title, QWidget* top, QWidget* body, QWidget* parent) {
  auto* w = new QWidget(parent);
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(2, 2, 2, 2);
  auto* row = new QHBoxLayout;
  auto* label = new QLabel(QString("<b>%1</b>").arg(title), w);
  row->addWidget(label);
  if (top) row->addWidget(top, 1);
  l->addLayout(row);
  l->addWidget(body, 1);
  return w;
}

QString count_text(int64_t n) { return QLocale(QLocale::English).toString(static_cast<qlonglong>(n)); }

}  // namespace

ProjectPanel::ProjectPanel(QWidget* parent) : QWidget(parent) {
  setObjectName("projectData");
  job_ = new DataJob(this);
  confirm_replace_ = [this](const QString& name) {
    return QMessageBox::question(this, tr("Replace data set"),
                                 tr("The project already has a data set named \"%1\". Replace it with this import?")
                                     .arg(name)) == QMessageBox::Yes;
  };

  auto* left = new QWidget(this);
  auto* ll = new QVBoxLayout(left);
  ll->setContentsMargins(0, 0, 4, 0);
  datasets_ = new QListWidget(left);
  datasets_->setObjectName("datasetList");
  datasets_->setMaximumHeight(80);
  ll->addWidget(new QLabel(tr("<b>Data sets in the project</b>"), left));
  ll->addWidget(datasets_);
  ll->addWidget(buildImportBox());
  auto* stats_box = new QGroupBox(tr("Statistics"), left);
  auto* sl = new QVBoxLayout(stats_box);
  stats_ = new QLabel(stats_box);
  stats_->setObjectName("datasetStats");
  stats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  stats_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  sl->addWidget(stats_);
  ll->addWidget(stats_box, 1);

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(left);
  split->addWidget(buildTables());
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setSizes({370, 900});
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(split);

  connect(datasets_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) selectDataset(item->data(Qt::UserRole).toString());
  });
  connect(job_, &DataJob::progress, this, [this](const QString& file, qint64 done, qint64 total) {
    progress_->setRange(0, 1000);
    progress_->setValue(total > 0 ? static_cast<int>(done * 1000 / total) : 0);
    progress_->setFormat(QString("%1 %p%").arg(QFileInfo(file).fileName()));
    status_->setText(tr("reading %1").arg(file));
  });
  connect(job_, &DataJob::imported, this, [this](const QString& name) {
    setBusy(false, tr("imported \"%1\"").arg(name));
    refreshList();
    selectDataset(name);
    Q_EMIT importFinished(true, name);
  });
  connect(job_, &DataJob::exists, this, [this](const QString& name) {
    if (confirm_replace_ && confirm_replace_(name)) {
      setBusy(true, tr("replacing \"%1\"").arg(name));
      job_->resolveExisting(true);
    } else {
      job_->resolveExisting(false);
    }
  });
  connect(job_, &DataJob::dropped, this, [this](const QString& name) {
    setBusy(false, tr("not imported: the project keeps its \"%1\"").arg(name));
    Q_EMIT importFinished(false, status_->text());
  });
  connect(job_, &DataJob::loaded, this, &ProjectPanel::showView);
  connect(job_, &DataJob::failed, this, [this](const QString& message) {
    if (import_->isEnabled()) {  // a load failed (imports disable the button while they run)
      status_->setText(message);
    } else {
      showImportError(message);
      Q_EMIT importFinished(false, message);
    }
    if (!pending_load_.isEmpty()) selectDataset(std::exchange(pending_load_, QString()));
  });
}

ProjectPanel::~ProjectPanel() = default;

QWidget* ProjectPanel::buildImportBox() {
  auto* box = new QGroupBox(tr("Import"), this);
  auto* form = new QFormLayout;
  path_ = new QLineEdit(box);
  path_->setObjectName("importPath");
  path_->setPlaceholderText(tr("a folder or a file"));
  auto* file_btn = new QToolButton(box);
  file_btn->setText(tr("File…"));
  auto* dir_btn = new QToolButton(box);
  dir_btn->setText(tr("Folder…"));
  auto* path_row = new QHBoxLayout;
  path_row->addWidget(path_, 1);
  path_row->addWidget(file_btn);
  path_row->addWidget(dir_btn);
  form->addRow(tr("Source"), path_row);
  format_ = new QComboBox(box);
  format_->setObjectName("importFormat");
  format_->addItem("auto");
  for (const std::string& f : data_import_formats()) format_->addItem(QString::fromStdString(f));
  form->addRow(tr("Format"), format_);
  name_ = new QLineEdit(box);
  name_->setObjectName("importName");
  name_->setPlaceholderText(tr("from the folder or file name"));
  form->addRow(tr("Name"), name_);
  meta_ = new QLineEdit(box);
  meta_->setObjectName("importMeta");
  meta_->setPlaceholderText(tr("amazon / sequence: item metadata (optional)"));
  auto* meta_btn = new QToolButton(box);
  meta_btn->setText(tr("File…"));
  auto* meta_row = new QHBoxLayout;
  meta_row->addWidget(meta_, 1);
  meta_row->addWidget(meta_btn);
  form->addRow(tr("Metadata"), meta_row);
  import_ = new QPushButton(tr("Import"), box);
  import_->setObjectName("importButton");
  progress_ = new QProgressBar(box);
  progress_->setObjectName("importProgress");
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  progress_->setTextVisible(true);
  progress_->setFormat("");
  auto* run_row = new QHBoxLayout;
  run_row->addWidget(import_);
  run_row->addWidget(progress_, 1);
  status_ = new QLabel(box);
  status_->setObjectName("importStatus");
  status_->setWordWrap(true);
  errors_ = new QTableWidget(0, 4, box);
  errors_->setObjectName("importErrors");
  errors_->setHorizontalHeaderLabels({tr("file"), tr("line"), tr("field"), tr("problem")});
  errors_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  errors_->setSelectionBehavior(QAbstractItemView::SelectRows);
  errors_->verticalHeader()->setVisible(false);
  errors_->horizontalHeader()->setStretchLastSection(true);
  errors_->setMaximumHeight(90);
  errors_->setVisible(false);
  error_lines_ = new QPlainTextEdit(box);
  error_lines_->setObjectName("importErrorLines");
  error_lines_->setReadOnly(true);
  error_lines_->setLineWrapMode(QPlainTextEdit::NoWrap);
  error_lines_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  error_lines_->setMaximumHeight(90);
  error_lines_->setVisible(false);
  auto* l = new QVBoxLayout(box);
  l->addLayout(form);
  l->addLayout(run_row);
  l->addWidget(status_);
  l->addWidget(errors_);
  l->addWidget(error_lines_);

  connect(file_btn, &QToolButton::clicked, this, [this] { chooseSource(false); });
  connect(dir_btn, &QToolButton::clicked, this, [this] { chooseSource(true); });
  connect(meta_btn, &QToolButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, tr("Item metadata"), QFileInfo(path_->text()).path());
    if (!f.isEmpty()) meta_->setText(f);
  });
  connect(import_, &QPushButton::clicked, this, &ProjectPanel::startImport);
  connect(path_, &QLineEdit::returnPressed, this, &ProjectPanel::startImport);
  connect(errors_, &QTableWidget::currentCellChanged, this, [this](int row) { showErrorLines(row); });
  return box;
}

QWidget* ProjectPanel::buildTables() {
  users_ = new DataUsersModel(this);
  items_ = new DataItemsModel(this);
  history_ = new DataHistoryModel(this);
  users_proxy_ = make_proxy(users_, this);
  items_proxy_ = make_proxy(items_, this);
  users_view_ = make_table(this, "usersTable");
  users_view_->setModel(users_proxy_);
  users_view_->setSortingEnabled(true);
  users_view_->sortByColumn(-1, Qt::AscendingOrder);  // source order until a header is clicked
  items_view_ = make_table(this, "itemsTable");
  items_view_->setModel(items_proxy_);
  items_view_->setSortingEnabled(true);
  items_view_->sortByColumn(-1, Qt::AscendingOrder);
  history_view_ = make_table(this, "historyTable");
  history_view_->setModel(history_);
  users_filter_ = new QLineEdit(this);
  users_filter_->setObjectName("usersFilter");
  users_filter_->setPlaceholderText(tr("filter users"));
  users_filter_->setClearButtonEnabled(true);
  items_filter_ = new QLineEdit(this);
  items_filter_->setObjectName("itemsFilter");
  items_filter_->setPlaceholderText(tr("filter items (id, title, category)"));
  items_filter_->setClearButtonEnabled(true);
  history_title_ = new QLabel(this);
  history_title_->setObjectName("historyTitle");

  long_tail_ = new QCustomPlot(this);
  long_tail_->setObjectName("longTailPlot");
  long_tail_->legend->setFont(QFont(font().family(), 8));
  // The legend below the axes: inside, it would hide the head it describes.
  long_tail_->axisRect()->insetLayout()->take(long_tail_->legend);
  long_tail_->plotLayout()->addElement(1, 0, long_tail_->legend);
  long_tail_->plotLayout()->setRowStretchFactor(1, 0.001);
  categories_ = new QCustomPlot(this);
  categories_->setObjectName("categoryPlot");
  log_y_ = new QCheckBox(tr("log scale"), this);
  log_y_->setObjectName("longTailLog");

  auto* top = new QSplitter(Qt::Horizontal, this);
  top->addWidget(titled(tr("Users"), users_filter_, users_view_, this));
  top->addWidget(titled(tr("History"), history_title_, history_view_, this));
  top->setSizes({380, 520});
  auto* log_row = new QWidget(this);
  auto* lr = new QHBoxLayout(log_row);
  lr->setContentsMargins(0, 0, 0, 0);
  lr->addStretch();
  lr->addWidget(log_y_);
  auto* bottom = new QSplitter(Qt::Horizontal, this);
  bottom->addWidget(titled(tr("Items"), items_filter_, items_view_, this));
  bottom->addWidget(titled(tr("Long tail"), log_row, long_tail_, this));
  bottom->addWidget(titled(tr("Top categories"), nullptr, categories_, this));
  bottom->setSizes({330, 360, 280});
  auto* right = new QSplitter(Qt::Vertical, this);
  right->addWidget(top);
  right->addWidget(bottom);

  connect(users_filter_, &QLineEdit::textChanged, users_proxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(items_filter_, &QLineEdit::textChanged, items_proxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(users_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) { showUser(current); });
  connect(log_y_, &QCheckBox::toggled, this, [this](bool on) { data_plot_long_tail(long_tail_, view_.get(), on); });
  return right;
}

void ProjectPanel::setProject(const QString& project_dir) {
  project_ = project_dir;
  shown_.clear();
  view_.reset();
  showView(QString());
  {
    const QSignalBlocker block(datasets_);
    datasets_->clear();  // so that refreshList() keeps no selection of the previous project
  }
  refreshList();
  // The sample data set when there is one (the screenshots' default), else the first.
  QString pick = datasets_->count() > 0 ? datasets_->item(0)->data(Qt::UserRole).toString() : QString();
  for (int i = 0; i < datasets_->count(); ++i)
    if (datasets_->item(i)->data(Qt::UserRole).toString() == "sample") pick = "sample";
  selectDataset(pick);
}

void ProjectPanel::refreshList() {
  const QString current = datasets_->currentItem() ? datasets_->currentItem()->data(Qt::UserRole).toString() : shown_;
  const QSignalBlocker block(datasets_);
  datasets_->clear();
  if (project_.isEmpty()) return;
  try {
    Project p = project_open(project_.toStdString(), false);
    for (const DatasetInfo& d : dataset_list(p)) {
      const QString name = QString::fromStdString(d.name);
      auto* item = new QListWidgetItem(tr("%1 — %2 users · %3 items · %4 interactions")
                                           .arg(name, count_text(d.users), count_text(d.items), count_text(d.interactions)),
                                       datasets_);
      item->setData(Qt::UserRole, name);
      item->setToolTip(item->text() + "\n" + QString::fromStdString(d.source) + "\n" +
                       tr("imported %1").arg(QString::fromStdString(d.imported_at)));
      if (name == current) datasets_->setCurrentItem(item);
    }
  } catch (const std::exception& e) {
    status_->setText(QString::fromStdString(e.what()));
  }
}

void ProjectPanel::selectDataset(const QString& name) {
  if (name.isEmpty() || project_.isEmpty()) return;
  for (int i = 0; i < datasets_->count(); ++i) {
    if (datasets_->item(i)->data(Qt::UserRole).toString() != name) continue;
    const QSignalBlocker block(datasets_);
    datasets_->setCurrentRow(i);
  }
  if (job_->busy()) {
    pending_load_ = name;  // after the running job
    return;
  }
  job_->startLoad(project_, name);
}

bool ProjectPanel::waitIdle(int ms) { return job_->waitIdle(ms); }

void ProjectPanel::chooseSource(bool folder) {
  const QString start = path_->text().isEmpty() ? project_ : path_->text();
  const QString chosen = folder ? QFileDialog::getExistingDirectory(this, tr("Data folder"), start)
                                : QFileDialog::getOpenFileName(this, tr("Data file"), QFileInfo(start).path());
  if (!chosen.isEmpty()) path_->setText(chosen);
}

void ProjectPanel::setBusy(bool busy, const QString& text) {
  import_->setEnabled(!busy);
  status_->setText(text);
  if (busy) {
    progress_->setRange(0, 0);  // busy until the first file reports
    progress_->setFormat(tr("detecting the format"));
  } else {
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat("");
  }
}

void ProjectPanel::startImport() {
  const QString path = path_->text().trimmed();
  if (path.isEmpty()) {
    status_->setText(tr("Choose a folder or file to import first."));
    return;
  }
  if (project_.isEmpty()) {
    status_->setText(tr("Open a project first (File > Open project)."));
    return;
  }
  if (job_->busy()) {
    status_->setText(tr("Busy: wait for the running import or load."));
    return;
  }
  errors_->setRowCount(0);
  errors_->setVisible(false);
  error_lines_->clear();
  error_lines_->setVisible(false);
  setBusy(true, tr("importing %1").arg(path));
  job_->startImport(project_, path, format_->currentText(), name_->text().trimmed(), meta_->text().trimmed(), false);
}

void ProjectPanel::showImportError(const QString& message) {
  setBusy(false, tr("Import failed; the project is unchanged."));
  const DataError e = data_error_parse(message);
  errors_->setRowCount(1);
  errors_->setItem(0, 0, new QTableWidgetItem(QFileInfo(e.file).fileName()));
  errors_->item(0, 0)->setToolTip(e.file);
  errors_->item(0, 0)->setData(Qt::UserRole, e.file);
  errors_->setItem(0, 1, new QTableWidgetItem(e.line > 0 ? QString::number(e.line) : QString()));
  errors_->setItem(0, 2, new QTableWidgetItem(e.field));
  errors_->setItem(0, 3, new QTableWidgetItem(e.problem));
  errors_->item(0, 3)->setToolTip(message);
  errors_->resizeColumnsToContents();
  errors_->setVisible(true);
  errors_->setCurrentCell(0, 3);
  showErrorLines(0);
}

void ProjectPanel::showErrorLines(int row) {
  if (row < 0 || row >= errors_->rowCount() || !errors_->item(row, 0)) return;
  const QString file = errors_->item(row, 0)->data(Qt::UserRole).toString();
  const qint64 line = errors_->item(row, 1)->text().toLongLong();
  const QStringList lines = data_error_context(file, line);
  error_lines_->setPlainText(lines.join('\n'));
  error_lines_->setVisible(!lines.isEmpty());
}

void ProjectPanel::showView(const QString& name) {
  if (!name.isEmpty()) {
    view_ = job_->view();
    shown_ = name;
  }
  users_->setView(view_);
  items_->setView(view_);
  history_->setView(view_);
  history_title_->clear();
  users_view_->resizeColumnsToContents();
  items_view_->setColumnWidth(0, 55);
  items_view_->setColumnWidth(1, 170);
  items_view_->setColumnWidth(2, 90);
  data_plot_long_tail(long_tail_, view_.get(), log_y_->isChecked());
  data_plot_categories(categories_, view_.get());
  showStats();
  // A user's history from the start: the first user in the table's order.
  if (view_ && users_proxy_->rowCount() > 0) users_view_->selectRow(0);
  if (!name.isEmpty()) Q_EMIT datasetLoaded(name);
  if (!pending_load_.isEmpty()) selectDataset(std::exchange(pending_load_, QString()));
}

void ProjectPanel::showStats() {
  if (!view_) {
    stats_->setText(tr("No data set selected. Import one above."));
    return;
  }
  const DatasetStats& s = view_->stats;
  const auto pct = [](double v) { return QString("%1%").arg(100.0 * v, 0, 'f', 1); };
  const auto num = [](double v) { return QString::number(v, 'g', 4); };
  QStringList rows;
  const auto row = [&rows](const QString& k, const QString& v) { rows << QString("<tr><td>%1</td><td>&nbsp;%2</td></tr>").arg(k, v); };
  row(tr("users"), QString("%1 (%2 with interactions)").arg(count_text(s.users), count_text(s.users_with_interactions)));
  row(tr("items"), QString("%1 (%2 with interactions)").arg(count_text(s.items), count_text(s.items_with_interactions)));
  row(tr("interactions"), count_text(s.interactions));
  row(tr("sparsity"), QString("%1%").arg(100.0 * s.sparsity, 0, 'f', 3));
  row(tr("history length"), tr("median %1 (min %2, p90 %3, max %4)")
                                .arg(num(s.history_length.median), num(s.history_length.min), num(s.history_length.p90),
                                     num(s.history_length.max)));
  row(tr("popularity Gini"), QString::number(s.gini, 'f', 3));
  row(tr("top 10% of items"), tr("%1 of interactions").arg(pct(s.top10_share)));
  row(tr("top 1% of items"), tr("%1 of interactions").arg(pct(s.top1_share)));
  if (s.rated > 0) row(tr("ratings"), tr("%1 rated, mean %2").arg(count_text(s.rated)).arg(s.rating_mean, 0, 'f', 2));
  if (!s.label_counts.empty()) {
    QStringList labels;
    for (const auto& [label, n] : s.label_counts) labels << QString("%1 %2").arg(QString::fromStdString(label), count_text(n));
    row(tr("labels"), labels.join(", "));
  }
  if (s.interactions > 0)
    row(tr("time"), s.times_are_unix ? QString("%1 .. %2").arg(QString::fromStdString(unix_date(s.time_min)),
                                                               QString::fromStdString(unix_date(s.time_max)))
                                     : tr("positions %1 .. %2 (no dates)").arg(s.time_min).arg(s.time_max));
  stats_->setText(QString("<b>%1</b><br><small>%2</small><table>%3</table>")
                      .arg(shown_.toHtmlEscaped(), QString::fromStdString(view_->ds.source).toHtmlEscaped(), rows.join("")));
}

void ProjectPanel::showUser(const QModelIndex& proxy_index) {
  if (!view_ || !proxy_index.isValid()) {
    history_->setUser(-1);
    history_title_->clear();
    return;
  }
  const int32_t user = users_proxy_->mapToSource(proxy_index).row();
  history_->setUser(user);
  const User& u = view_->ds.users[static_cast<size_t>(user)];
  history_title_->setText(tr("of %1 — %2 interactions%3")
                              .arg(QString::fromStdString(u.id))
                              .arg(history_->rowCount())
                              .arg(u.profile.empty() ? QString() : " — " + QString::fromStdString(u.profile)));
  history_view_->resizeColumnsToContents();
  if (history_view_->columnWidth(DataHistoryModel::kTitle) > 260) history_view_->setColumnWidth(DataHistoryModel::kTitle, 260);
}

}  // namespace rf::gui
