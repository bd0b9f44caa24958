// The sync envelope (docs/protocol.md §8): decode() is the one gate for the
// frames a peer sends. Input: the frames, cut at the separator.
// Invariants: decode never throws; it fails only with invalid_argument or
// unsupported; what it accepts re-encodes to frames that decode to the same
// envelope, and encoding that again gives the same bytes; the moving and
// copying overloads agree; tighter limits refuse, never crash.
#include "outpost/sync/envelope.hpp"
#include "support/fuzz.hpp"

using namespace outpost;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<Bytes> frames = fuzz::split({data, size});

  const sync::Limits tight{64, 3, 256, 512};
  const Result<sync::Envelope> small = fuzz::no_throw("decode (tight limits)", [&] { return sync::decode(frames, tight); });
  fuzz::check_code(small.status(), {Errc::invalid_argument, Errc::unsupported}, "decode (tight limits)");

  Result<sync::Envelope> e = fuzz::no_throw("decode", [&] { return sync::decode(frames); });
  if (!e) {
    fuzz::check_code(e.status(), {Errc::invalid_argument, Errc::unsupported}, "decode");
    return 0;
  }
  OUTPOST_FUZZ_CHECK(!e->type.empty() && e->body.is_object());
  OUTPOST_FUZZ_CHECK(e->data.size() + 1 == frames.size());

  const std::vector<Bytes> encoded = sync::encode(*e);
  const Result<sync::Envelope> again = fuzz::no_throw("decode (again)", [&] { return sync::decode(encoded); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), again.status().to_string());
  OUTPOST_FUZZ_CHECK(again->type == e->type && again->id == e->id && again->data == e->data);
  OUTPOST_FUZZ_CHECK(sync::encode(*again) == encoded);

  Result<sync::Envelope> moved = fuzz::no_throw("decode (moving)", [&] { return sync::decode(std::vector<Bytes>(frames)); });
  OUTPOST_FUZZ_CHECK(moved.is_ok() && sync::encode(std::move(*moved)) == encoded);
  return 0;
}
