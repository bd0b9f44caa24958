#include "fuzz.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace outpost::fuzz {

void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_code(const Status& status, std::initializer_list<Errc> allowed, const char* what) {
  if (status.is_ok() || std::find(allowed.begin(), allowed.end(), status.code()) != allowed.end()) return;
  fail(__FILE__, __LINE__, std::string(what) + " failed with an undocumented code: " + status.to_string());
}

std::vector<Bytes> split(ByteView input) {
  std::vector<Bytes> parts(1);
  for (std::size_t i = 0; i < input.size();) {
    if (input.size() - i >= separator.size() && std::equal(separator.begin(), separator.end(), input.begin() + i)) {
      parts.emplace_back();
      i += separator.size();
    } else {
      parts.back().push_back(input[i++]);
    }
  }
  return parts;
}

Bytes join(const std::vector<Bytes>& parts) {
  Bytes out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out.insert(out.end(), separator.begin(), separator.end());
    out.insert(out.end(), parts[i].begin(), parts[i].end());
  }
  return out;
}

void FixedRandom::fill(std::span<std::uint8_t> out) {
  std::lock_guard lock(mutex_);
  for (std::uint8_t& b : out) {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    b = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

namespace {

Bytes seed_of(std::uint8_t tag) {
  Bytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(tag + 7 * i);
  return seed;
}

}  // namespace

const World& world() {
  static const World w{crypto::SigningKey::from_seed(seed_of(1)), crypto::SigningKey::from_seed(seed_of(2)),
                       crypto::SigningKey::from_seed(seed_of(3)), crypto::BoxKeyPair::from_secret(seed_of(4)),
                       crypto::BoxKeyPair::from_secret(seed_of(5)), crypto::SecretKey::from_bytes(seed_of(6)),
                       from_unix_ms(2'210'241'600'000)};
  return w;
}

const crypto::SigningKey* world_key(const crypto::PublicKey& key) {
  for (const crypto::SigningKey* k : {&world().root, &world().publisher, &world().hub}) {
    if (k->public_key() == key) return k;
  }
  return nullptr;
}

namespace {

struct Scratch {
  Scratch() {
    std::string pattern = (std::filesystem::temp_directory_path() / "outpost-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) fail(__FILE__, __LINE__, "cannot make a scratch directory");
    path = pattern;
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::filesystem::path path;
};

}  // namespace

const std::filesystem::path& scratch() {
  static const Scratch s;
  return s.path;
}

void write_file(const std::filesystem::path& path, ByteView bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) fail(__FILE__, __LINE__, "cannot write " + path.string());
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  Bytes out{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in.eof() && in.fail()) fail(__FILE__, __LINE__, "cannot read " + path.string());
  return out;
}

}  // namespace outpost::fuzz
