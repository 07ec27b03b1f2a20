// Table models over a loaded data set (see data_models.h).
#include "data_models.h"

#include <QString>

namespace rf::gui {

namespace {

QString join_list(const std::vector<std::string>& list) {
  QStringList out;
  for (const auto& s : list) out << QString::fromStdString(s);
  return out.join(", ");
}

QVariant header(const char* const* names, int count, int section, Qt::Orientation orientation, int role) {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= count) return {};
  return QObject::tr(names[section]);
}

}  // namespace

// --- users ---

void DataUsersModel::setView(std::shared_ptr<const DataView> view) {
  beginResetModel();
  view_ = std::move(view);
  endResetModel();
}

int DataUsersModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !view_ ? 0 : view_->ds.user_count();
}

int DataUsersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : 3; }

QVariant DataUsersModel::data(const QModelIndex& index, int role) const {
  if (!view_ || !index.isValid()) return {};
  const User& u = view_->ds.users[static_cast<size_t>(index.row())];
  if (role == kUserIndexRole) return index.row();
  if (role == Qt::TextAlignmentRole && index.column() == 1) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case 0: return QString::fromStdString(u.id);
    case 1: return static_cast<qlonglong>(view_->histories[static_cast<size_t>(index.row())].size());
    default: return QString::fromStdString(u.profile);
  }
}

QVariant DataUsersModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const names[] = {"user", "interactions", "profile"};
  return header(names, 3, section, orientation, role);
}

// --- items ---

void DataItemsModel::setView(std::shared_ptr<const DataView> view) {
  beginResetModel();
  view_ = std::move(view);
  endResetModel();
}

int DataItemsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !view_ ? 0 : view_->ds.item_count();
}

int DataItemsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : 4; }

QVariant DataItemsModel::data(const QModelIndex& index, int role) const {
  if (!view_ || !index.isValid()) return {};
  const Item& it = view_->ds.items[static_cast<size_t>(index.row())];
  if (role == Qt::TextAlignmentRole && index.column() == 3) return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case 0: return QString::fromStdString(it.id);
    case 1: return QString::fromStdString(it.title);
    case 2: return join_list(it.categories);
    default: return static_cast<qlonglong>(it.popularity);
  }
}

QVariant DataItemsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const names[] = {"item", "title", "categories", "popularity"};
  return header(names, 4, section, orientation, role);
}

// --- one user's history ---

void DataHistoryModel::setView(std::shared_ptr<const DataView> view) {
  beginResetModel();
  view_ = std::move(view);
  user_ = -1;
  endResetModel();
}

void DataHistoryModel::setUser(int32_t user) {
  beginResetModel();
  user_ = view_ && user >= 0 && user < view_->ds.user_count() ? user : -1;
  endResetModel();
}

int DataHistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !view_ || user_ < 0 ? 0 : static_cast<int>(view_->histories[static_cast<size_t>(user_)].size());
}

int DataHistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kColumns; }

QVariant DataHistoryModel::data(const QModelIndex& index, int role) const {
  if (!view_ || user_ < 0 || !index.isValid()) return {};
  const int32_t at = view_->histories[static_cast<size_t>(user_)][static_cast<size_t>(index.row())];
  const Interaction& x = view_->ds.interactions[static_cast<size_t>(at)];
  const Item& it = view_->ds.items[static_cast<size_t>(x.item)];
  if (role == Qt::TextAlignmentRole && (index.column() == kOrder || index.column() == kRating))
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole && index.column() == kTime) return static_cast<qlonglong>(x.time);
  if (role == Qt::ToolTipRole && index.column() == kTitle && !x.review.empty()) return QString::fromStdString(x.review);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kOrder: return index.row() + 1;
    case kTime: return QString::fromStdString(data_view_time_text(*view_, x.time));
    case kItem: return QString::fromStdString(it.id);
    case kTitle: return QString::fromStdString(it.title);
    case kRating: return x.has_rating() ? QVariant(static_cast<double>(x.rating)) : QVariant(QString("–"));
    case kLabel: return QString::fromStdString(x.label);
    default: return join_list(it.categories);
  }
}

QVariant DataHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const names[] = {"#", "date", "item", "title", "rating", "label", "categories"};
  if (orientation == Qt::Horizontal && role == Qt::DisplayRole && section == kTime && view_ && !view_->stats.times_are_unix)
    return tr("position");
  return header(names, kColumns, section, orientation, role);
}

}  // namespace rf::gui
