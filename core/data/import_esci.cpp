// ESCI (Amazon Shopping Queries) importer: one CSV row per (query, product) judgement with columns
// example_id, query, query_id, product_id, product_locale, esci_label, small_version, large_version,
// product_title, product_description, product_bullet_point, product_brand, product_color, product_text,
// language. Each query becomes a user (id = query_id, profile = the query text), each product an item
// (title; text = description + bullet points with HTML removed; creator = brand; attributes color and
// locale), each row an interaction labelled E/S/C/I with rating 3/2/1/0 and time = the row's position.
#include "data/import_formats.h"

#include "data/csv_reader.h"
#include "data/import_common.h"
#include "data/text_checks.h"
#include "text/unicode.h"
#include "util/error.h"

#include <cctype>
#include <cstring>
#include <filesystem>

namespace rf {

namespace {

struct Label {
  const char* name;
  const char* letter;
  float rating;
};
constexpr Label kLabels[] = {{"Exact", "E", 3}, {"Substitute", "S", 2}, {"Complement", "C", 1}, {"Irrelevant", "I", 0}};

// Decodes the entity at the start of `s` ("&amp;", "&#174;", "&#xAE;") into `out`; returns the bytes it
// used, 0 when `s` does not start with one this knows ("&4;" and "AT&T" stay as they are).
size_t entity_decode(std::string_view s, std::string& out) {
  static const std::pair<std::string_view, const char*> kNamed[] = {
      {"&amp;", "&"},   {"&lt;", "<"},    {"&gt;", ">"},       {"&quot;", "\""},   {"&apos;", "'"},
      {"&nbsp;", " "},  {"&reg;", "®"},   {"&trade;", "™"},    {"&copy;", "©"},    {"&deg;", "°"},
      {"&ndash;", "–"}, {"&mdash;", "—"}, {"&hellip;", "…"}, {"&rsquo;", "’"},  {"&lsquo;", "‘"},
      {"&rdquo;", "”"}, {"&ldquo;", "“"}};
  for (const auto& [entity, text] : kNamed) {
    if (s.substr(0, entity.size()) == entity) {
      out.append(text);
      return entity.size();
    }
  }
  if (s.size() < 4 || s[1] != '#') return 0;
  const bool hex = s[2] == 'x' || s[2] == 'X';
  size_t k = hex ? 3 : 2;
  uint32_t cp = 0;
  const size_t digits_from = k;
  while (k < s.size() && k < digits_from + 7 && std::isxdigit(static_cast<unsigned char>(s[k]))) {
    const char d = s[k];
    if (!hex && !std::isdigit(static_cast<unsigned char>(d))) break;
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : (std::tolower(d) - 'a' + 10));
    ++k;
  }
  if (k == digits_from || k >= s.size() || s[k] != ';') return 0;
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  text::utf8_append(out, cp);
  return k + 1;
}

// HTML to plain text: tags removed (line-breaking ones become a newline), the common entities decoded,
// runs of spaces collapsed and blank lines dropped. Descriptions hold simple markup (<b>, <br/>, <p>, <li>).
std::string strip_html(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      const size_t close = html.find('>', i + 1);
      if (close == std::string_view::npos) {
        out.append(html.substr(i));  // a lone '<' is text ("size < 5")
        break;
      }
      std::string name;
      for (size_t k = i + 1; k < close && name.size() < 8; ++k) {
        const char t = html[k];
        if (t == '/' && name.empty()) continue;
        if (!std::isalnum(static_cast<unsigned char>(t))) break;
        name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(t))));
      }
      if (name == "br" || name == "p" || name == "li" || name == "div" || name == "ul" || name == "ol" ||
          name == "tr" || name == "h1" || name == "h2" || name == "h3" || name == "h4") {
        out.push_back('\n');
      } else if (!name.empty()) {
        out.push_back(' ');
      } else {
        out.append(html.substr(i, close - i + 1));  // "<3", "< 5 >": not a tag
      }
      i = close + 1;
    } else if (c == '&') {
      const size_t used = entity_decode(html.substr(i), out);
      if (used == 0) out.push_back(c);
      i += used == 0 ? 1 : used;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  // Collapse spaces within lines, trim each line, drop empty lines.
  std::string clean;
  clean.reserve(out.size());
  size_t start = 0;
  while (start <= out.size()) {
    size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    std::string line;
    bool space = false;
    for (char ch : text_trim(std::string_view(out).substr(start, nl - start))) {
      const bool is_space = ch == ' ' || ch == '\t' || ch == '\r';
      if (is_space) {
        space = true;
        continue;
      }
      if (space && !line.empty()) line.push_back(' ');
      space = false;
      line.push_back(ch);
    }
    if (!line.empty()) clean += (clean.empty() ? "" : "\n") + line;
    start = nl + 1;
  }
  return clean;
}

std::string find_csv(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& f : folder_files_with_suffix(dir, ".csv")) {
    const std::string first = first_nonblank_line(f, 4096);
    if (first.find("query") != std::string::npos && first.find("product_id") != std::string::npos &&
        first.find("esci_label") != std::string::npos) {
      found.push_back(f);
    }
  }
  if (found.size() != 1) {
    throw Error(dir + ": expected one ESCI CSV file (a header with query, product_id and esci_label) in the folder, found " +
                std::to_string(found.size()));
  }
  return found[0];
}

}  // namespace

Dataset import_esci(const std::string& path) {
  const std::string file = path_is_dir(path) ? find_csv(path) : path;
  const std::string text = source_read(file, "an ESCI CSV with a header");
  CsvReader csv(text, file);
  csv.set_check_utf8(true);
  csv.read_header("example_id,query,query_id,product_id,product_locale,esci_label,...,product_title,...");
  const size_t c_query = csv.require("query"), c_query_id = csv.require("query_id"),
               c_product = csv.require("product_id"), c_label = csv.require("esci_label");
  const int c_title = csv.column("product_title"), c_desc = csv.column("product_description"),
            c_bullets = csv.column("product_bullet_point"), c_brand = csv.column("product_brand"),
            c_color = csv.column("product_color"), c_locale = csv.column("product_locale");
  const size_t width = csv.header().size();

  Dataset ds;
  IdIndex users, items;
  std::vector<std::string_view> f;
  auto opt = [&](int col) { return col >= 0 ? text_trim(f[static_cast<size_t>(col)]) : std::string_view(); };
  int64_t row = 0;
  while (csv.next(f)) {
    const int64_t ln = csv.record_line();
    csv.check_field_count(f, width);
    const std::string_view query_id = text_trim(f[c_query_id]);
    const std::string_view product_id = text_trim(f[c_product]);
    if (query_id.empty()) data_fail(file, ln, "query_id", "is empty");
    if (product_id.empty()) data_fail(file, ln, "product_id", "is empty");
    const std::string_view label = text_trim(f[c_label]);
    const Label* found = nullptr;
    for (const auto& l : kLabels)
      if (label == l.name || label == l.letter) found = &l;
    if (!found) {
      data_fail(file, ln, "esci_label", quote_excerpt(label) + " is not an ESCI label (Exact, Substitute, Complement, Irrelevant or E/S/C/I)");
    }

    Interaction x;
    x.user = users.find(query_id);
    if (x.user < 0) {
      x.user = dataset_add_user(ds, User{std::string(query_id), std::string(text_trim(f[c_query]))});
      users.insert(query_id, x.user);
    }
    x.item = items.find(product_id);  // a product judged for several queries: one item, its first row's text
    if (x.item < 0) {
      Item item;
      item.id = std::string(product_id);
      item.title = std::string(opt(c_title));
      const std::string desc = strip_html(opt(c_desc));
      const std::string bullets = strip_html(opt(c_bullets));
      item.text = desc.empty() ? bullets : bullets.empty() ? desc : desc + "\n" + bullets;
      item.creator = std::string(opt(c_brand));
      if (!opt(c_color).empty()) item.attributes["color"] = std::string(opt(c_color));
      if (!opt(c_locale).empty()) item.attributes["locale"] = std::string(opt(c_locale));
      x.item = dataset_add_item(ds, std::move(item));
      items.insert(product_id, x.item);
    }
    x.time = row++;
    x.rating = found->rating;
    x.label = found->letter;
    ds.interactions.push_back(std::move(x));
  }
  return ds;
}

}  // namespace rf
