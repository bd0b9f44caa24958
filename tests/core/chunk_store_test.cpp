// ChunkStore: encrypted chunk files named by a keyed hash, staged in tmp/
// and published by rename; any change to a file is an integrity failure.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "outpost/cache/chunk_store.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "test_support.hpp"

using namespace outpost;
using namespace outpost::cache;
using outpost::test::random_bytes;
using outpost::test::read_file;
using outpost::test::SeededRandom;
using outpost::test::TempDir;
using outpost::test::write_file;
namespace fs = std::filesystem;

namespace {

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct Fixture {
  TempDir temp;
  fs::path dir = temp / "chunks";
  SeededRandom random{7};
  crypto::SecretKey master = crypto::SecretKey::random(random, 32);
  ChunkStore store{dir, master, random};

  Fixture() { store.prepare(); }

  // Stages and publishes one chunk; returns its id.
  ChunkId put(ByteView plaintext) {
    const ChunkId id = crypto::blake2b(plaintext);
    std::vector<ChunkStore::Staged> staged;
    staged.push_back(store.stage(id, plaintext));
    store.publish(staged);
    return id;
  }

  // Reads a chunk of the given size into a buffer prefilled with 0xAA.
  Status read(const ChunkId& id, std::size_t size, Bytes& out) const {
    out.assign(size, 0xAA);
    return store.read(id, out);
  }
};

}  // namespace

TEST_CASE("ChunkStore: a published chunk reads back", "[core][store]") {
  Fixture f;
  for (const std::size_t size : {std::size_t{1}, std::size_t{1000}, std::size_t{256 * 1024}}) {
    const Bytes plaintext = random_bytes(size, size);
    const ChunkId id = f.put(plaintext);
    Bytes out;
    const Status s = f.read(id, plaintext.size(), out);
    INFO(s.to_string());
    REQUIRE(s.is_ok());
    CHECK(out == plaintext);
  }
}

TEST_CASE("ChunkStore: an empty chunk reads back", "[core][store]") {
  // Reading it decrypts an empty span (null data) in place: see the
  // "detached encrypt and decrypt of empty buffers" test of aead_test.cpp.
  Fixture f;
  const ChunkId id = f.put(ByteView{});
  CHECK(fs::file_size(f.store.path_for(id)) == chunk_file_overhead);
  Bytes out;
  CHECK(f.store.read(id, out).is_ok());
}

TEST_CASE("ChunkStore: a chunk stored by one store object reads through another", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(5000, 1);
  const ChunkId id = f.put(plaintext);
  SeededRandom other_random(99);
  const ChunkStore second(f.dir, f.master, other_random);
  Bytes out(plaintext.size());
  REQUIRE(second.read(id, out).is_ok());
  CHECK(out == plaintext);
}

TEST_CASE("ChunkStore: path_for is stable, keyed, and hides the chunk id", "[core][store]") {
  Fixture f;
  const ChunkId id = crypto::blake2b(as_bytes("some chunk"));
  const fs::path p = f.store.path_for(id);
  CHECK(f.store.path_for(id) == p);
  CHECK(p.parent_path().parent_path() == f.dir);
  // Two-level layout: the directory is the first two hex digits of the name.
  const std::string name = p.filename().string();
  CHECK(name.size() == 64);
  CHECK(p.parent_path().filename().string() == name.substr(0, 2));

  CHECK(p.string().find(id.hex()) == std::string::npos);
  CHECK(name != id.hex());
  CHECK(name.find(id.hex().substr(0, 16)) == std::string::npos);

  // The same master key in another store gives the same path ...
  SeededRandom r2(8);
  const ChunkStore same_key(f.dir, f.master, r2);
  CHECK(same_key.path_for(id) == p);
  // ... another master key a different one.
  const crypto::SecretKey other_master = crypto::SecretKey::random(r2, 32);
  const ChunkStore other_key(f.dir, other_master, r2);
  CHECK(other_key.path_for(id) != p);
  // And different ids give different paths.
  CHECK(f.store.path_for(crypto::blake2b(as_bytes("another chunk"))) != p);
}

TEST_CASE("ChunkStore: a chunk file is the plaintext plus the fixed overhead", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(4321, 2);
  const ChunkId id = f.put(plaintext);
  const fs::path p = f.store.path_for(id);
  REQUIRE(fs::exists(p));
  CHECK(fs::file_size(p) == plaintext.size() + chunk_file_overhead);
  const Bytes file = read_file(p);
  CHECK(Bytes(file.begin(), file.begin() + 4) == Bytes{'O', 'P', 'C', '1'});
  // The plaintext is not stored in the clear.
  CHECK(std::search(file.begin(), file.end(), plaintext.begin(), plaintext.begin() + 32) == file.end());
}

TEST_CASE("ChunkStore: the same chunk stored twice is encrypted with a fresh nonce", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(300, 3);
  const ChunkId id = f.put(plaintext);
  const Bytes first = read_file(f.store.path_for(id));
  f.put(plaintext);  // replaces the file
  const Bytes second = read_file(f.store.path_for(id));
  CHECK(first.size() == second.size());
  CHECK(first != second);
  Bytes out;
  REQUIRE(f.read(id, plaintext.size(), out).is_ok());
  CHECK(out == plaintext);
}

TEST_CASE("ChunkStore: flipping any byte of a chunk file is an integrity failure", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(200, 4);
  const ChunkId id = f.put(plaintext);
  const fs::path p = f.store.path_for(id);
  const Bytes original = read_file(p);
  REQUIRE(original.size() == plaintext.size() + chunk_file_overhead);

  // Header (magic, nonce), body and tag: every position.
  std::size_t failures = 0;
  for (std::size_t pos = 0; pos < original.size(); ++pos) {
    Bytes damaged = original;
    damaged[pos] ^= 0x01;
    write_file(p, damaged);
    Bytes out;
    const Status s = f.read(id, plaintext.size(), out);
    if (s.code() != Errc::integrity || !all_zero(out)) {
      ++failures;
      UNSCOPED_INFO("position " << pos << ": " << s.to_string());
    }
  }
  CHECK(failures == 0);

  // Other bit patterns at the edges of each region.
  for (const std::size_t pos : {std::size_t{0}, std::size_t{3}, std::size_t{4}, std::size_t{27}, std::size_t{28},
                                original.size() - 17, original.size() - 16, original.size() - 1}) {
    for (const std::uint8_t mask : {std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      INFO("position " << pos << " mask " << int{mask});
      Bytes damaged = original;
      damaged[pos] ^= mask;
      write_file(p, damaged);
      Bytes out;
      CHECK(f.read(id, plaintext.size(), out).code() == Errc::integrity);
      CHECK(all_zero(out));
    }
  }

  write_file(p, original);
  Bytes out;
  REQUIRE(f.read(id, plaintext.size(), out).is_ok());
  CHECK(out == plaintext);
}

TEST_CASE("ChunkStore: swapped chunk files fail authentication", "[core][store]") {
  Fixture f;
  const Bytes a = random_bytes(1000, 5);
  const Bytes b = random_bytes(1000, 6);  // same size, so only the binding to the id can tell
  const ChunkId ida = f.put(a);
  const ChunkId idb = f.put(b);
  const fs::path pa = f.store.path_for(ida);
  const fs::path pb = f.store.path_for(idb);
  const fs::path swap = f.temp / "swap";
  fs::rename(pa, swap);
  fs::rename(pb, pa);
  fs::rename(swap, pb);

  Bytes out;
  CHECK(f.read(ida, a.size(), out).code() == Errc::integrity);
  CHECK(all_zero(out));
  CHECK(f.read(idb, b.size(), out).code() == Errc::integrity);
  CHECK(all_zero(out));
}

TEST_CASE("ChunkStore: a chunk file copied under another chunk's name of another size fails", "[core][store]") {
  Fixture f;
  const Bytes a = random_bytes(1000, 7);
  const Bytes b = random_bytes(2000, 8);
  const ChunkId ida = f.put(a);
  const ChunkId idb = f.put(b);
  fs::copy_file(f.store.path_for(idb), f.store.path_for(ida), fs::copy_options::overwrite_existing);
  Bytes out;
  CHECK(f.read(ida, a.size(), out).code() == Errc::integrity);
  CHECK(all_zero(out));
  CHECK(f.read(ida, b.size(), out).code() == Errc::integrity);  // right size, wrong id
  CHECK(all_zero(out));
}

TEST_CASE("ChunkStore: a store with another master key cannot read the chunks", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(777, 9);
  const ChunkId id = f.put(plaintext);

  SeededRandom r2(1234);
  const crypto::SecretKey other_master = crypto::SecretKey::random(r2, 32);
  const ChunkStore other(f.dir, other_master, r2);
  Bytes out(plaintext.size(), 0xAA);
  CHECK(other.read(id, out).code() == Errc::integrity);  // its path_for finds no file

  // Even with the file put where the other store looks for it.
  fs::copy_file(f.store.path_for(id), other.path_for(id));
  std::fill(out.begin(), out.end(), 0xAA);
  CHECK(other.read(id, out).code() == Errc::integrity);
  CHECK(all_zero(out));
}

TEST_CASE("ChunkStore: a truncated or extended file is an integrity failure", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(500, 10);
  const ChunkId id = f.put(plaintext);
  const fs::path p = f.store.path_for(id);
  const Bytes original = read_file(p);

  std::vector<Bytes> variants;
  variants.emplace_back();                                                      // empty
  variants.emplace_back(original.begin(), original.begin() + 4);                // magic only
  variants.emplace_back(original.begin(), original.begin() + 28);               // header only
  variants.emplace_back(original.begin(), original.end() - 16);                 // no tag
  variants.emplace_back(original.begin(), original.end() - 1);                  // one byte short
  variants.push_back(original), variants.back().push_back(0);                   // one byte more
  variants.push_back(original), variants.back().resize(original.size() + 100);  // a lot more
  {
    // Tag moved by one: last body byte dropped, a byte appended.
    Bytes shifted(original.begin(), original.end() - 17);
    shifted.insert(shifted.end(), original.end() - 16, original.end());
    shifted.push_back(0);
    variants.push_back(shifted);
  }

  for (std::size_t i = 0; i < variants.size(); ++i) {
    INFO("variant " << i << " (" << variants[i].size() << " bytes)");
    write_file(p, variants[i]);
    Bytes out;
    CHECK(f.read(id, plaintext.size(), out).code() == Errc::integrity);
    CHECK(all_zero(out));
  }
}

TEST_CASE("ChunkStore: reading with the wrong plaintext size is an integrity failure", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(500, 11);
  const ChunkId id = f.put(plaintext);
  Bytes out;
  CHECK(f.read(id, plaintext.size() - 1, out).code() == Errc::integrity);
  CHECK(all_zero(out));
  CHECK(f.read(id, plaintext.size() + 1, out).code() == Errc::integrity);
  CHECK(all_zero(out));
}

TEST_CASE("ChunkStore: a missing chunk file is an integrity failure", "[core][store]") {
  Fixture f;
  Bytes out;
  const ChunkId never = crypto::blake2b(as_bytes("never stored"));
  const Status s = f.read(never, 100, out);
  CHECK(s.code() == Errc::integrity);
  CHECK_THAT(s.message(), Catch::Contains(never.hex()));

  const Bytes plaintext = random_bytes(100, 12);
  const ChunkId id = f.put(plaintext);
  fs::remove(f.store.path_for(id));
  CHECK(f.read(id, plaintext.size(), out).code() == Errc::integrity);
}

TEST_CASE("ChunkStore: discard removes the temp files of unpublished chunks", "[core][store]") {
  Fixture f;
  std::vector<ChunkStore::Staged> staged;
  std::vector<ChunkId> ids;
  for (int i = 0; i < 3; ++i) {
    const Bytes plaintext = random_bytes(1000, 100 + static_cast<std::uint64_t>(i));
    ids.push_back(crypto::blake2b(plaintext));
    staged.push_back(f.store.stage(ids.back(), plaintext));
  }
  CHECK(names_in(f.dir / "tmp").size() == 3);
  CHECK(f.store.list_files().empty());

  f.store.discard(staged);
  CHECK(staged.empty());
  CHECK(fs::is_empty(f.dir / "tmp"));
  for (const ChunkId& id : ids) {
    Bytes out;
    CHECK(f.read(id, 1000, out).code() == Errc::integrity);
    CHECK_FALSE(fs::exists(f.store.path_for(id)));
  }
}

TEST_CASE("ChunkStore: publish leaves tmp empty and discard afterwards is harmless", "[core][store]") {
  Fixture f;
  std::vector<ChunkStore::Staged> staged;
  std::vector<std::pair<ChunkId, Bytes>> chunks;
  for (int i = 0; i < 4; ++i) {
    Bytes plaintext = random_bytes(2000, 200 + static_cast<std::uint64_t>(i));
    const ChunkId id = crypto::blake2b(plaintext);
    staged.push_back(f.store.stage(id, plaintext));
    chunks.emplace_back(id, std::move(plaintext));
  }
  f.store.publish(staged);
  CHECK(fs::is_empty(f.dir / "tmp"));
  f.store.discard(staged);  // what a caller does on a later failure
  for (const auto& [id, plaintext] : chunks) {
    Bytes out;
    REQUIRE(f.read(id, plaintext.size(), out).is_ok());
    CHECK(out == plaintext);
  }
}

TEST_CASE("ChunkStore: prepare removes leftover temp files and keeps published chunks", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(3000, 13);
  const ChunkId id = f.put(plaintext);

  // Leftovers of an interrupted import: a staged chunk and stray files.
  std::vector<ChunkStore::Staged> staged;
  staged.push_back(f.store.stage(crypto::blake2b(as_bytes("orphan")), as_bytes("orphan")));
  staged.clear();  // closes the fd, leaves the file behind (as a crash would)
  write_file(f.dir / "tmp" / "junk", as_bytes("junk"));
  fs::create_directory(f.dir / "tmp" / "subdir");
  write_file(f.dir / "tmp" / "subdir" / "more", as_bytes("more"));
  REQUIRE(names_in(f.dir / "tmp").size() == 3);

  f.store.prepare();
  CHECK(fs::is_directory(f.dir / "tmp"));
  CHECK(fs::is_empty(f.dir / "tmp"));
  Bytes out;
  REQUIRE(f.read(id, plaintext.size(), out).is_ok());
  CHECK(out == plaintext);
  CHECK(f.store.list_files() == std::vector<fs::path>{f.store.path_for(id)});

  // prepare() on a fresh directory creates the layout.
  SeededRandom r(3);
  ChunkStore fresh(f.temp / "fresh" / "chunks", f.master, r);
  fresh.prepare();
  CHECK(fs::is_directory(f.temp / "fresh" / "chunks" / "tmp"));
  CHECK(fresh.list_files().empty());
}

TEST_CASE("ChunkStore: temp file names do not reveal the chunk id", "[core][store]") {
  // The store names chunk files by a keyed hash so that a stolen cache does
  // not reveal which documents it holds; a temp file left by a crash must
  // not undo that.
  Fixture f;
  const Bytes plaintext = random_bytes(1000, 14);
  const ChunkId id = crypto::blake2b(plaintext);
  std::vector<ChunkStore::Staged> staged;
  staged.push_back(f.store.stage(id, plaintext));
  for (const std::string& name : names_in(f.dir / "tmp")) {
    INFO(name);
    CHECK(name.find(id.hex()) == std::string::npos);
  }
  f.store.discard(staged);
}

TEST_CASE("ChunkStore: list_files lists published chunks only", "[core][store]") {
  Fixture f;
  std::set<fs::path> expected;
  for (int i = 0; i < 5; ++i) {
    const ChunkId id = f.put(random_bytes(100, 300 + static_cast<std::uint64_t>(i)));
    expected.insert(f.store.path_for(id));
  }
  std::vector<ChunkStore::Staged> staged;
  staged.push_back(f.store.stage(crypto::blake2b(as_bytes("unpublished")), as_bytes("unpublished")));
  write_file(f.dir / "stray-file-at-top", as_bytes("x"));

  const std::vector<fs::path> files = f.store.list_files();
  CHECK(files.size() == expected.size());
  CHECK(std::set<fs::path>(files.begin(), files.end()) == expected);
  for (const fs::path& p : files) CHECK(p.parent_path().filename() != "tmp");
  f.store.discard(staged);
}

TEST_CASE("ChunkStore: remove deletes a chunk and a missing one is not an error", "[core][store]") {
  Fixture f;
  const Bytes plaintext = random_bytes(100, 15);
  const ChunkId id = f.put(plaintext);
  REQUIRE(fs::exists(f.store.path_for(id)));
  f.store.remove(id);
  CHECK_FALSE(fs::exists(f.store.path_for(id)));
  CHECK(f.store.list_files().empty());
  Bytes out;
  CHECK(f.read(id, plaintext.size(), out).code() == Errc::integrity);

  CHECK_NOTHROW(f.store.remove(id));
  CHECK_NOTHROW(f.store.remove(crypto::blake2b(as_bytes("never stored"))));
}
