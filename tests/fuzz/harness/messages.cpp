// Every message type of a sync session (docs/protocol.md §10), as the hub
// reads a device's or publisher's requests and a device reads the hub's
// replies; and the notices on the PUB endpoint. Input: the frames of one
// message, cut at the separator. The envelope is decoded, then read as
// every message type (whatever its "t" says), so each parser sees each
// input.
// Invariants: no parser throws; each fails only with invalid_argument;
// what one accepts, written back with to_envelope() and sent through
// encode/decode, parses again to the same message (compared as encoded
// frames); a notice that parses re-encodes to the same seq.
#include "outpost/sync/messages.hpp"
#include "support/fuzz.hpp"

using namespace outpost;
namespace msg = outpost::sync::msg;

namespace {

template <class M>
void round_trip(const sync::Envelope& e) {
  Result<M> m = fuzz::no_throw(M::type, [&] { return M::parse(e); });
  if (!m) {
    fuzz::check_code(m.status(), {Errc::invalid_argument}, M::type);
    return;
  }
  const std::vector<Bytes> frames = sync::encode(m->to_envelope(e.id));
  const Result<sync::Envelope> back = sync::decode(frames);
  OUTPOST_FUZZ_CHECK_MSG(back.is_ok(), std::string(M::type) + ": " + back.status().to_string());
  OUTPOST_FUZZ_CHECK(back->type == M::type && back->id == e.id);
  Result<M> again = fuzz::no_throw(M::type, [&] { return M::parse(*back); });
  OUTPOST_FUZZ_CHECK_MSG(again.is_ok(), std::string(M::type) + " does not parse its own envelope: " +
                                            again.status().to_string());
  OUTPOST_FUZZ_CHECK_MSG(sync::encode(again->to_envelope(e.id)) == frames, std::string(M::type) + " changed on a round trip");
  if (e.type == M::type) {
    const Result<M> expected = fuzz::no_throw("expect", [&] { return msg::expect<M>(e); });
    OUTPOST_FUZZ_CHECK(expected.is_ok());
  }
}

template <class... M>
void round_trips(const sync::Envelope& e) {
  (round_trip<M>(e), ...);
}

void notices(const std::vector<Bytes>& frames) {
  const Result<std::uint64_t> seq = fuzz::no_throw("parse_catalog_notice", [&] { return msg::parse_catalog_notice(frames); });
  fuzz::check_code(seq.status(), {Errc::invalid_argument}, "parse_catalog_notice");
  if (seq) OUTPOST_FUZZ_CHECK(msg::parse_catalog_notice(msg::catalog_notice(*seq)).value() == *seq);
  const std::string topic = fuzz::text(frames.front());
  const Result<std::uint64_t> lead = fuzz::no_throw("parse_lead_notice", [&] { return msg::parse_lead_notice(frames, topic); });
  fuzz::check_code(lead.status(), {Errc::invalid_argument}, "parse_lead_notice");
  if (lead) OUTPOST_FUZZ_CHECK(msg::parse_lead_notice(msg::lead_notice(topic, *lead), topic).value() == *lead);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<Bytes> frames = fuzz::split({data, size});
  notices(frames);
  const Result<sync::Envelope> e = fuzz::no_throw("decode", [&] { return sync::decode(frames); });
  if (!e) return 0;
  round_trips<msg::Enroll, msg::EnrollOk, msg::Hello, msg::HelloOk, msg::CatalogGet, msg::CatalogDeltaMsg,
              msg::RecipeGet, msg::RecipeMsg, msg::ChunkGet, msg::ChunkData, msg::JournalPush, msg::JournalAck,
              msg::LeadsGet, msg::LeadsBatch, msg::SessionDone, msg::PublishHave, msg::PublishMissing,
              msg::PublishChunks, msg::PublishStored, msg::PublishStatement, msg::PublishOk, msg::ErrorMsg>(*e);
  return 0;
}
