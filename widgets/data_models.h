// Table models over a loaded data set (data_view.h) for the Project & data screen: users, items and one
// user's history. They read the shared DataView in place (no copy of 100k rows into items), so a data set
// of MovieLens size opens at once; sorting and filtering go through a QSortFilterProxyModel, which gets
// numbers (not text) from the numeric columns so that they sort as numbers.
#pragma once

#include "data_view.h"

#include <QAbstractTableModel>

#include <memory>

namespace rf::gui {

// id, interactions, profile.
class DataUsersModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  using QAbstractTableModel::QAbstractTableModel;
  void setView(std::shared_ptr<const DataView> view);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
  static constexpr int kUserIndexRole = Qt::UserRole + 1;  // the user's index in the Dataset

 private:
  std::shared_ptr<const DataView> view_;
};

// id, title, categories, popularity (interactions).
class DataItemsModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  using QAbstractTableModel::QAbstractTableModel;
  void setView(std::shared_ptr<const DataView> view);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const DataView> view_;
};

// One user's interactions in time order: #, date (or position), item, title, rating, label, categories.
class DataHistoryModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  using QAbstractTableModel::QAbstractTableModel;
  void setView(std::shared_ptr<const DataView> view);
  void setUser(int32_t user);  // -1: none
  int32_t user() const { return user_; }
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

  enum Column { kOrder, kTime, kItem, kTitle, kRating, kLabel, kCategories, kColumns };

 private:
  std::shared_ptr<const DataView> view_;
  int32_t user_ = -1;
};

}  // namespace rf::gui
