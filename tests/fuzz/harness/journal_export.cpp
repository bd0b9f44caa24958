// Journal export files (docs/protocol.md, "Journal export file"), as the
// hub imports one a retired device's owner carried by hand: magic, the file
// key sealed to the hub's lead key, a secretstream of MessagePack messages.
// Input: byte 0 picks the form of the rest - even: the file itself; odd:
// the plaintext messages, cut at the separator, which the harness seals to
// the world's hub lead key (the last one FINAL), so mutations reach the
// readers behind the encryption.
// Invariants: read_export never throws and fails only with
// invalid_argument, wrong_key or integrity; what it accepts chains from its
// anchor, event by event, with contiguous seqs.
#include <filesystem>

#include "outpost/crypto/secret_stream.hpp"
#include "outpost/journal/event_row.hpp"
#include "outpost/journal/journal_export.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

namespace {

Bytes sealed_file(const std::vector<Bytes>& messages) {
  fuzz::FixedRandom random;
  const crypto::SecretKey key = crypto::SecretKey::random(random, crypto::stream_key_size);
  Bytes file{'O', 'P', 'J', 'X', 1};
  const Bytes sealed_key = crypto::seal(fuzz::world().lead.public_key(), key.view());
  file.insert(file.end(), sealed_key.begin(), sealed_key.end());
  crypto::StreamSealer sealer(key);
  file.insert(file.end(), sealer.header().begin(), sealer.header().end());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Bytes m = sealer.seal(messages[i], i + 1 == messages.size());
    append_be32(file, static_cast<std::uint32_t>(m.size()));
    file.insert(file.end(), m.begin(), m.end());
  }
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  const std::filesystem::path path = fuzz::scratch() / "journal.opjx";
  fuzz::write_file(path, data[0] % 2 == 0 ? Bytes(rest.begin(), rest.end()) : sealed_file(fuzz::split(rest)));

  const Result<journal::ExportedJournal> read =
      fuzz::no_throw("read_export", [&] { return journal::read_export(path, fuzz::world().lead); });
  fuzz::check_code(read.status(), {Errc::invalid_argument, Errc::wrong_key, Errc::integrity}, "read_export");
  if (!read) return 0;
  journal::ChainLink previous = read->anchor;
  for (const journal::StoredEvent& e : read->events) {
    OUTPOST_FUZZ_CHECK(e.seq == previous.seq + 1 && journal::links_to(previous, e));
    previous = journal::link_of(e);
  }
  return 0;
}
