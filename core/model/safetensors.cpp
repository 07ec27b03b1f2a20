// safetensors reader (mmap, validated header) and writer.
#include "model/safetensors.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace rf {

namespace {

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;  // the format's own limit

}  // namespace

at::ScalarType safetensors_dtype_to_scalar(const std::string& dtype, const std::string& context) {
  if (dtype == "F32") return at::kFloat;
  if (dtype == "BF16") return at::kBFloat16;
  if (dtype == "F16") return at::kHalf;
  if (dtype == "F64") return at::kDouble;
  if (dtype == "I64") return at::kLong;
  if (dtype == "I32") return at::kInt;
  if (dtype == "I16") return at::kShort;
  if (dtype == "I8") return at::kChar;
  if (dtype == "U8") return at::kByte;
  if (dtype == "BOOL") return at::kBool;
  throw Error(context + ": unsupported dtype '" + dtype + "'");
}

std::string safetensors_scalar_to_dtype(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "F32";
    case at::kBFloat16: return "BF16";
    case at::kHalf: return "F16";
    case at::kDouble: return "F64";
    case at::kLong: return "I64";
    case at::kInt: return "I32";
    case at::kShort: return "I16";
    case at::kChar: return "I8";
    case at::kByte: return "U8";
    case at::kBool: return "BOOL";
    default: throw Error(std::string("safetensors: cannot store dtype ") + c10::toString(type));
  }
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    throw Error(path + ": cannot stat");
  }
  map_size_ = static_cast<size_t>(st.st_size);
  if (map_size_ < 8) {
    ::close(fd);
    throw Error(path + ": truncated safetensors file (" + std::to_string(map_size_) + " bytes, need at least 8)");
  }
  void* m = mmap(nullptr, map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) throw Error(path + ": cannot map the file (" + std::strerror(errno) + ")");
  map_ = static_cast<const uint8_t*>(m);

  try {
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | map_[i];
    if (header_len > kMaxHeaderBytes)
      throw Error(path + ": header length " + std::to_string(header_len) + " exceeds the 100 MB limit");
    if (header_len > map_size_ - 8)
      throw Error(path + ": header length " + std::to_string(header_len) + " is larger than the file (" +
                  std::to_string(map_size_) + " bytes): truncated or not a safetensors file");
    data_start_ = 8 + static_cast<size_t>(header_len);
    const size_t data_size = map_size_ - data_start_;

    nlohmann::json header = nlohmann::json::parse(map_ + 8, map_ + data_start_, nullptr, false);
    if (header.is_discarded() || !header.is_object()) throw Error(path + ": the header is not a JSON object");

    for (auto it = header.begin(); it != header.end(); ++it) {
      if (it.key() == "__metadata__") {
        if (it->is_object())
          for (auto m2 = it->begin(); m2 != it->end(); ++m2)
            if (m2->is_string()) metadata_[m2.key()] = m2->get<std::string>();
        continue;
      }
      const std::string where = path + ": tensor '" + it.key() + "'";
      const auto& v = *it;
      if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
        throw Error(where + ": needs dtype, shape and data_offsets");
      SafetensorsEntry e;
      e.name = it.key();
      if (!v["dtype"].is_string()) throw Error(where + ": dtype must be a string");
      e.dtype = v["dtype"].get<std::string>();
      const size_t esize = dtype_size(e.dtype);
      if (esize == 0) throw Error(where + ": unknown dtype '" + e.dtype + "'");
      if (!v["shape"].is_array()) throw Error(where + ": shape must be an array");
      uint64_t numel = 1;
      for (const auto& d : v["shape"]) {
        if (!d.is_number_unsigned()) throw Error(where + ": shape entries must be non-negative integers");
        const uint64_t dim = d.get<uint64_t>();
        if (dim != 0 && numel > data_size / dim) throw Error(where + ": shape is larger than the file");
        numel *= dim;
        e.shape.push_back(static_cast<int64_t>(dim));
      }
      const auto& off = v["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        throw Error(where + ": data_offsets must be [begin, end]");
      e.begin = off[0].get<uint64_t>();
      e.end = off[1].get<uint64_t>();
      if (e.begin > e.end || e.end > data_size)
        throw Error(where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                    "] fall outside the data section (" + std::to_string(data_size) + " bytes)");
      if (e.end - e.begin != numel * esize)
        throw Error(where + ": data_offsets span " + std::to_string(e.end - e.begin) + " bytes but shape x dtype needs " +
                    std::to_string(numel * esize));
      entries_.push_back(std::move(e));
    }
    std::vector<const SafetensorsEntry*> by_offset;
    for (const auto& e : entries_) by_offset.push_back(&e);
    std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < by_offset.size(); ++i)
      if (by_offset[i]->begin < by_offset[i - 1]->end)
        throw Error(path + ": tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap");
    for (size_t i = 0; i < entries_.size(); ++i) index_[entries_[i].name] = i;
  } catch (...) {
    munmap(const_cast<uint8_t*>(map_), map_size_);
    map_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) munmap(const_cast<uint8_t*>(map_), map_size_);
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) > 0; }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw Error(path_ + ": no tensor named '" + name + "'");
  return entries_[it->second];
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const SafetensorsEntry& e = entry(name);
  const at::ScalarType type = safetensors_dtype_to_scalar(e.dtype, path_ + ": tensor '" + name + "'");
  at::Tensor out = at::empty(e.shape, at::TensorOptions().dtype(type));
  if (e.end > e.begin) std::memcpy(out.data_ptr(), map_ + data_start_ + e.begin, e.end - e.begin);
  return out;  // little-endian on every platform we build for
}

void safetensors_save(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<at::Tensor> contiguous;
  contiguous.reserve(tensors.size());
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    at::Tensor c = t.detach().to(at::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", safetensors_scalar_to_dtype(c.scalar_type())},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(c));
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) h.push_back(' ');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(tmp + ": cannot open for writing");
    uint8_t len[8];
    uint64_t n = h.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>((n >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(len), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    for (const auto& c : contiguous)
      out.write(static_cast<const char*>(c.data_ptr()), static_cast<std::streamsize>(c.numel() * c.element_size()));
    out.flush();
    if (!out) throw Error(tmp + ": write failed (disk full?)");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(path + ": cannot move the temporary file into place (" + ec.message() + ")");
}

}  // namespace rf
