// Importers: read a recommendation data set from the files a source publishes into a Dataset.
// Nothing touches a project here; saving is one transaction in dataset_store.h, so an import either
// completes or leaves the project as it was. Every error names the file, the line and the field.
//
// Formats (`--format` in the CLI; "auto" recognises a folder or file by its contents):
//   movielens-100k    folder with u.data (tab: user item rating time) and u.item (latin-1, `|`, genre flags)
//   movielens-1m      folder with ratings.dat, movies.dat [, users.dat] (`::`-separated)
//   movielens-latest  folder with ratings.csv, movies.csv [, tags.csv] (quoted titles, `|` genres)
//   amazon            reviews JSON lines (2014/2018: reviewerID, asin, overall, unixReviewTime, reviewText;
//                     2023: user_id, parent_asin|asin, rating, timestamp in ms, text) [+ metadata JSON lines
//                     via ImportOptions::meta_path: asin|parent_asin, title, categories, brand|store, description]
//   sequence          SASRec-style `user item item ...` lines (time = position) [+ items.jsonl beside it:
//                     {"item_id", "title", "attribute_ids"|"categories", ...}]
//   esci              ESCI query/product CSV: each query becomes a user (profile = the query text) and each
//                     (query, product) row an interaction with its label (E/S/C/I) and rating 3/2/1/0
//   generic           folder in RecForge's documented form (docs/data-formats.md):
//                     items.jsonl | items.csv, optional users.jsonl, interactions.csv | interactions.jsonl
#pragma once

#include "data/dataset.h"
#include "data/import_progress.h"

#include <string>
#include <vector>

namespace rf {

struct ImportOptions {
  std::string format = "auto";
  std::string name;       // dataset name; "" -> derived from the path
  std::string meta_path;  // amazon: the metadata JSON lines file; sequence: the item table ("" -> beside it)
  ImportProgressFn progress;  // optional: (file, bytes parsed, bytes in all) as each file is parsed
};

// Reads `path` (a folder or a file, per format). Throws rf::Error naming file:line and field on bad input.
Dataset data_import(const std::string& path, const ImportOptions& options);

// The format "auto" picks for `path`, or throws rf::Error listing what was looked for.
std::string data_detect_format(const std::string& path);

std::vector<std::string> data_import_formats();

}  // namespace rf
