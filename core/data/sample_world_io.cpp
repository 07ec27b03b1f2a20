// The sample world on disk: the generic import form (items.jsonl, users.jsonl, interactions.csv, see
// docs/data-formats.md), world.json with the hidden truth, and a README.md; and the loader that reads such
// a folder back so truth scoring and the replay work on a saved world. The bytes depend only on the world:
// floats are stored rounded (sample_world_internal.h) and every list is written in index order.
#include "data/sample_world.h"

#include "data/sample_world_internal.h"
#include "util/error.h"
#include "util/file_io.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

namespace rf {

using namespace sample_world_detail;
using ojson = nlohmann::ordered_json;

namespace {

const char* kGenerator = "recforge sample-world";

ojson world_parameters(const SampleWorldOptions& o) {
  ojson p;
  p["items"] = o.n_items;
  p["users"] = o.n_users;
  p["topics"] = o.n_topics;
  p["mean_interactions"] = o.mean_interactions;
  p["min_interactions"] = o.min_interactions;
  p["zipf_exponent"] = o.zipf_exponent;
  p["beta"] = o.beta;
  p["gamma"] = o.gamma;
  p["delta"] = o.delta;
  p["local_share"] = o.local_share;
  p["epoch"] = o.epoch;
  p["item_ids"] = o.topic_ids ? "topic" : "numeric";
  return p;
}

// One JSON array as `"name": [` with one compact element per line, so the file reads (and diffs) by row.
void append_rows(std::string& out, const char* name, const std::vector<ojson>& rows, bool last) {
  out += std::string(" \"") + name + "\": [\n";
  for (size_t i = 0; i < rows.size(); ++i) out += "  " + rows[i].dump() + (i + 1 < rows.size() ? ",\n" : "\n");
  out += last ? " ]\n" : " ],\n";
}

std::string world_json(const SampleWorld& w) {
  ojson head;
  head["generator"] = kGenerator;
  head["version"] = kSampleWorldVersion;
  head["seed"] = w.options.seed;
  std::string out = "{\n";
  for (const auto& [k, v] : head.items()) out += " \"" + k + "\": " + v.dump() + ",\n";
  out += " \"parameters\": " + world_parameters(w.options).dump() + ",\n";
  append_rows(out, "model",
              {"rel_taste(u,i) = taste(u, topic(i)) / max_t taste(u,t)",
               "obscurity(i) = log(1 / latent_popularity(i)) / log(1 / min latent_popularity)",
               "satisfaction(u,i) = 0.15 + 0.55 rel_taste + 0.20 quality + 0.10 (a obscurity + (1 - a)(1 - obscurity)), "
               "a = novelty_appetite",
               "choice: P(i) ~ exp(beta rel_taste + gamma (1 - a) log latent_popularity + delta [same topic as the "
               "last item] + 0.5 quality) over items not consumed yet",
               "rating = clamp(round(1.5 + 3.5 satisfaction + 0.5 noise), 1, 5), noise ~ N(0, 1)"},
              false);
  std::vector<ojson> rows;
  for (const auto& t : w.topics) rows.push_back({{"name", t.name}, {"group", t.group}, {"medium", t.medium}, {"id_prefix", t.id_prefix}});
  append_rows(out, "topics", rows, false);
  rows.clear();
  for (size_t i = 0; i < w.item_topic.size(); ++i)
    rows.push_back({{"id", w.dataset.items[i].id},
                    {"topic", w.topics[static_cast<size_t>(w.item_topic[i])].name},
                    {"latent_popularity", w.item_popularity[i]},
                    {"quality", w.item_quality[i]}});
  append_rows(out, "items", rows, false);
  rows.clear();
  for (size_t u = 0; u < w.user_taste.size(); ++u) {
    ojson tastes = ojson::object();
    for (size_t t = 0; t < w.topics.size(); ++t)
      if (w.user_taste[u][t] > 0) tastes[w.topics[t].name] = w.user_taste[u][t];
    rows.push_back({{"id", w.dataset.users[u].id}, {"tastes", tastes}, {"novelty_appetite", w.user_novelty[u]}});
  }
  append_rows(out, "users", rows, true);
  return out + "}\n";
}

std::string items_jsonl(const Dataset& ds) {
  std::string out;
  for (const auto& item : ds.items) {
    ojson attributes = ojson::object();
    for (const auto& [k, v] : item.attributes) attributes[k] = v;
    const ojson line = {{"id", item.id},         {"title", item.title}, {"categories", item.categories},
                        {"tags", item.tags},     {"creator", item.creator}, {"text", item.text},
                        {"attributes", attributes}};
    out += line.dump() + "\n";
  }
  return out;
}

std::string users_jsonl(const Dataset& ds) {
  std::string out;
  for (const auto& user : ds.users) out += ojson({{"id", user.id}, {"profile", user.profile}}).dump() + "\n";
  return out;
}

std::string interactions_csv(const Dataset& ds) {
  std::string out = "user,item,time,rating\n";
  for (const auto& x : ds.interactions) {
    out += ds.users[static_cast<size_t>(x.user)].id + "," + ds.items[static_cast<size_t>(x.item)].id + "," +
           std::to_string(x.time) + ",";
    if (x.has_rating()) out += std::to_string(static_cast<int>(std::lround(x.rating)));
    out += "\n";
  }
  return out;
}

// --- reading back -------------------------------------------------------------------------------------------

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(file_read_all(path));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

ojson parse_json(const std::string& text, const std::string& where) {
  try {
    return ojson::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(where + ": not valid JSON (" + e.what() + ")");
  }
}

// A field of a JSON object with the expected type, or an error naming where and which field.
const ojson& field(const ojson& obj, const char* name, const std::string& where) {
  if (!obj.is_object() || !obj.contains(name)) throw Error(where + ": missing field '" + name + "'");
  return obj.at(name);
}

std::string field_string(const ojson& obj, const char* name, const std::string& where) {
  const ojson& v = field(obj, name, where);
  if (!v.is_string()) throw Error(where + ": field '" + name + "' must be a string");
  return v.get<std::string>();
}

double field_number(const ojson& obj, const char* name, const std::string& where) {
  const ojson& v = field(obj, name, where);
  if (!v.is_number()) throw Error(where + ": field '" + name + "' must be a number");
  return v.get<double>();
}

std::vector<std::string> field_strings(const ojson& obj, const char* name, const std::string& where) {
  const ojson& v = field(obj, name, where);
  if (!v.is_array()) throw Error(where + ": field '" + name + "' must be an array of strings");
  std::vector<std::string> out;
  for (const auto& s : v) {
    if (!s.is_string()) throw Error(where + ": field '" + name + "' must be an array of strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

void load_truth(SampleWorld& w, const std::string& path) {
  const ojson j = parse_json(file_read_all(path), path);
  if (field_string(j, "generator", path) != kGenerator) throw Error(path + ": field 'generator' is not '" + std::string(kGenerator) + "'");
  const int version = static_cast<int>(field_number(j, "version", path));
  if (version < 1 || version > kSampleWorldVersion)  // version 1: numeric item ids, no id prefixes
    throw Error(path + ": field 'version' is " + std::to_string(version) + ", this build reads versions 1 to " +
                std::to_string(kSampleWorldVersion));
  const ojson& seed = field(j, "seed", path);
  if (!seed.is_number_unsigned()) throw Error(path + ": field 'seed' must be a non-negative integer");
  w.options.seed = seed.get<uint64_t>();
  const ojson& p = field(j, "parameters", path);
  const std::string pw = path + " parameters";
  auto& o = w.options;
  o.n_items = static_cast<int32_t>(field_number(p, "items", pw));
  o.n_users = static_cast<int32_t>(field_number(p, "users", pw));
  o.n_topics = static_cast<int32_t>(field_number(p, "topics", pw));
  o.mean_interactions = field_number(p, "mean_interactions", pw);
  o.min_interactions = static_cast<int32_t>(field_number(p, "min_interactions", pw));
  o.zipf_exponent = field_number(p, "zipf_exponent", pw);
  o.beta = field_number(p, "beta", pw);
  o.gamma = field_number(p, "gamma", pw);
  o.delta = field_number(p, "delta", pw);
  o.local_share = field_number(p, "local_share", pw);
  o.epoch = static_cast<int64_t>(field_number(p, "epoch", pw));
  o.topic_ids = false;
  if (version >= 2) {
    const std::string ids = field_string(p, "item_ids", pw);
    if (ids != "topic" && ids != "numeric") throw Error(pw + ": field 'item_ids' must be \"topic\" or \"numeric\", got \"" + ids + "\"");
    o.topic_ids = ids == "topic";
  }

  std::map<std::string, int32_t> topic_index;
  const ojson& topics = field(j, "topics", path);
  if (!topics.is_array() || topics.empty()) throw Error(path + ": field 'topics' must be a non-empty array");
  for (size_t t = 0; t < topics.size(); ++t) {
    const std::string where = path + " topics[" + std::to_string(t) + "]";
    SampleTopic topic{field_string(topics[t], "name", where), field_string(topics[t], "group", where),
                      field_string(topics[t], "medium", where),
                      version >= 2 ? field_string(topics[t], "id_prefix", where) : std::string()};
    if (!topic_index.emplace(topic.name, static_cast<int32_t>(t)).second) throw Error(where + ": topic '" + topic.name + "' twice");
    w.topics.push_back(topic);
  }

  const ojson& items = field(j, "items", path);
  if (!items.is_array()) throw Error(path + ": field 'items' must be an array");
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string where = path + " items[" + std::to_string(i) + "]";
    Item item;
    item.id = field_string(items[i], "id", where);
    const std::string topic = field_string(items[i], "topic", where);
    auto it = topic_index.find(topic);
    if (it == topic_index.end()) throw Error(where + ": field 'topic' names unknown topic '" + topic + "'");
    const double pop = field_number(items[i], "latent_popularity", where);
    if (!(pop > 0 && pop <= 1)) throw Error(where + ": field 'latent_popularity' must be in (0, 1]");
    const double quality = field_number(items[i], "quality", where);
    if (!(quality >= 0 && quality <= 1)) throw Error(where + ": field 'quality' must be in [0, 1]");
    w.item_topic.push_back(it->second);
    w.item_popularity.push_back(pop);
    w.item_quality.push_back(quality);
    dataset_add_item(w.dataset, std::move(item));
  }

  const ojson& users = field(j, "users", path);
  if (!users.is_array()) throw Error(path + ": field 'users' must be an array");
  for (size_t u = 0; u < users.size(); ++u) {
    const std::string where = path + " users[" + std::to_string(u) + "]";
    std::vector<double> taste(w.topics.size(), 0.0);
    const ojson& tastes = field(users[u], "tastes", where);
    if (!tastes.is_object()) throw Error(where + ": field 'tastes' must be an object {topic: weight}");
    for (const auto& [name, weight] : tastes.items()) {
      auto it = topic_index.find(name);
      if (it == topic_index.end()) throw Error(where + ": field 'tastes' names unknown topic '" + name + "'");
      if (!weight.is_number() || !(weight.get<double>() >= 0)) throw Error(where + ": taste for '" + name + "' must be a number >= 0");
      taste[static_cast<size_t>(it->second)] = weight.get<double>();
    }
    const double appetite = field_number(users[u], "novelty_appetite", where);
    if (!(appetite >= 0 && appetite <= 1)) throw Error(where + ": field 'novelty_appetite' must be in [0, 1]");
    w.user_taste.push_back(taste);
    w.user_novelty.push_back(appetite);
    dataset_add_user(w.dataset, User{field_string(users[u], "id", where), ""});
  }
  if (static_cast<int32_t>(w.item_topic.size()) != o.n_items || static_cast<int32_t>(w.user_taste.size()) != o.n_users)
    throw Error(path + ": parameters say " + std::to_string(o.n_items) + " items and " + std::to_string(o.n_users) +
                " users, but the file lists " + std::to_string(w.item_topic.size()) + " and " +
                std::to_string(w.user_taste.size()));
}

void load_items(SampleWorld& w, const std::string& path) {
  const auto lines = read_lines(path);
  std::vector<char> seen(w.dataset.items.size(), 0);
  for (size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].empty()) continue;
    const std::string where = path + ":" + std::to_string(n + 1);
    const ojson j = parse_json(lines[n], where);
    const std::string id = field_string(j, "id", where);
    const int32_t index = w.dataset.item_find(id);
    if (index < 0) throw Error(where + ": field 'id': item '" + id + "' is not in world.json");
    if (seen[static_cast<size_t>(index)]++) throw Error(where + ": field 'id': item '" + id + "' appears twice");
    Item& item = w.dataset.items[static_cast<size_t>(index)];
    item.title = field_string(j, "title", where);
    item.categories = field_strings(j, "categories", where);
    item.tags = field_strings(j, "tags", where);
    item.creator = field_string(j, "creator", where);
    item.text = field_string(j, "text", where);
    const ojson& attributes = field(j, "attributes", where);
    if (!attributes.is_object()) throw Error(where + ": field 'attributes' must be an object");
    for (const auto& [k, v] : attributes.items()) item.attributes[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) throw Error(path + ": item '" + w.dataset.items[i].id + "' of world.json has no line");
}

void load_users(SampleWorld& w, const std::string& path) {
  const auto lines = read_lines(path);
  for (size_t n = 0; n < lines.size(); ++n) {
    if (lines[n].empty()) continue;
    const std::string where = path + ":" + std::to_string(n + 1);
    const ojson j = parse_json(lines[n], where);
    const std::string id = field_string(j, "id", where);
    const int32_t index = w.dataset.user_find(id);
    if (index < 0) throw Error(where + ": field 'id': user '" + id + "' is not in world.json");
    w.dataset.users[static_cast<size_t>(index)].profile = field_string(j, "profile", where);
  }
}

void load_interactions(SampleWorld& w, const std::string& path) {
  const auto lines = read_lines(path);
  if (lines.empty() || lines[0] != "user,item,time,rating")
    throw Error(path + ":1: the header must be 'user,item,time,rating'");
  const char* names[] = {"user", "item", "time", "rating"};
  for (size_t n = 1; n < lines.size(); ++n) {
    if (lines[n].empty()) continue;
    const std::string where = path + ":" + std::to_string(n + 1);
    std::vector<std::string> f;
    std::string cur;
    for (char c : lines[n]) {
      if (c == ',') {
        f.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    f.push_back(cur);
    if (f.size() != 4) throw Error(where + ": expected 4 fields (user,item,time,rating), found " + std::to_string(f.size()));
    Interaction x;
    x.user = w.dataset.user_find(f[0]);
    if (x.user < 0) throw Error(where + ": field '" + names[0] + "': unknown user '" + f[0] + "'");
    x.item = w.dataset.item_find(f[1]);
    if (x.item < 0) throw Error(where + ": field '" + names[1] + "': unknown item '" + f[1] + "'");
    try {
      size_t used = 0;
      x.time = std::stoll(f[2], &used);
      if (used != f[2].size()) throw std::invalid_argument("trailing characters");
      if (!f[3].empty()) {
        const double r = std::stod(f[3], &used);
        if (used != f[3].size() || !std::isfinite(r)) throw std::invalid_argument("not a number");
        x.rating = static_cast<float>(r);
      }
    } catch (const std::exception&) {
      throw Error(where + ": field 'time' or 'rating' is not a number ('" + f[2] + "', '" + f[3] + "')");
    }
    w.dataset.interactions.push_back(x);
  }
}

}  // namespace

std::string sample_world_readme(const SampleWorld& w) {
  const auto& o = w.options;
  const SampleWorldOptions defaults;
  std::string command = "recforge-cli sample-world --seed " + std::to_string(o.seed);
  if (o.n_items != defaults.n_items) command += " --items " + std::to_string(o.n_items);
  if (o.n_users != defaults.n_users) command += " --users " + std::to_string(o.n_users);
  if (o.n_topics != defaults.n_topics) command += " --topics " + std::to_string(o.n_topics);
  if (!o.topic_ids) command += " --numeric-ids";
  command += " --out <folder>";
  std::string topics;
  for (size_t t = 0; t < w.topics.size(); ++t) topics += (t ? ", " : "") + w.topics[t].name;

  std::ostringstream s;
  s << "# RecForge sample world (seed " << o.seed << ")\n\n"
    << "A small, made-up recommendation data set: " << w.dataset.items.size() << " items (books, albums, films and\n"
    << "guides) in " << w.topics.size() << " topics, " << w.dataset.users.size() << " users and "
    << w.dataset.interactions.size() << " interactions with 1-5 star ratings.\n"
    << "Nothing in it describes real people or products. It was generated by RecForge's sample-world\n"
    << "generator (version " << kSampleWorldVersion << ") with\n\n"
    << "    " << command << "\n\n"
    << "and the same command writes the same bytes again on any platform.\n\n"
    << "Topics: " << topics << ".\n\n"
    << "## Files\n\n"
    << "- `items.jsonl`, `users.jsonl`, `interactions.csv`: the generic import form (docs/data-formats.md);\n"
    << "  import with `--format generic`. Items have a title, categories (topic and group), 3-5 tags (some\n"
    << "  items carry the business tag `local`), a creator, a one-sentence text and attributes (year,\n"
    << "  format, length, price). Interactions are in time order (unix seconds).\n"
    << (o.topic_ids ? "  Item ids name their topic and number its items (`noir07`), so a small model can choose by topic\n"
                      "  (docs/results.md); `--numeric-ids` writes `i0001`, ... instead.\n"
                    : "")
    << "- `world.json`: the hidden truth. Each user's tastes (weights over 1-3 topics) and novelty appetite,\n"
    << "  each item's topic, latent popularity (long-tailed, Zipf-like) and quality, the model's formulas\n"
    << "  and parameters, and the seed. Recommenders must not read it; RecForge uses it to score how good\n"
    << "  any list truly is and to replay recommenders against the simulated users.\n\n"
    << "## How the users behave\n\n"
    << "A user picks the next item with probability proportional to\n"
    << "exp(beta * taste + gamma * (1 - novelty appetite) * log popularity + delta * [same topic as the last\n"
    << "item] + 0.5 * quality) among the items they have not consumed yet, and rates it from their true\n"
    << "satisfaction plus noise. User profiles give an age band and a short line; half of them mention the\n"
    << "user's favourite topic, the others say nothing about taste.\n\n"
    << "## Try it\n\n"
    << "    recforge-cli sample-world --replay more-of-the-same --world <folder> --rounds 10 --k 10\n\n"
    << "replays a recommender against the users: with `more-of-the-same` the topic entropy of what users\n"
    << "see shrinks round after round (a filter bubble); compare `diverse`, `popularity` and `random`.\n";
  return s.str();
}

void sample_world_write(const SampleWorld& world, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the folder (" + ec.message() + ")");
  const std::filesystem::path base(dir);
  file_write_atomic((base / "items.jsonl").string(), items_jsonl(world.dataset));
  file_write_atomic((base / "users.jsonl").string(), users_jsonl(world.dataset));
  file_write_atomic((base / "interactions.csv").string(), interactions_csv(world.dataset));
  file_write_atomic((base / "world.json").string(), world_json(world));
  file_write_atomic((base / "README.md").string(), sample_world_readme(world));
}

SampleWorld sample_world_load(const std::string& dir) {
  const std::filesystem::path base(dir);
  const std::string truth = (base / "world.json").string();
  if (!file_exists(truth)) throw Error(dir + ": no world.json (not a folder written by `recforge-cli sample-world`)");
  SampleWorld w;
  load_truth(w, truth);
  load_items(w, (base / "items.jsonl").string());
  load_users(w, (base / "users.jsonl").string());
  load_interactions(w, (base / "interactions.csv").string());
  w.dataset.name = "sample-world";
  w.dataset.source = "sample-world:" + dir;
  dataset_update_popularity(w.dataset);
  return w;
}

}  // namespace rf
