// Lead capture at a kiosk: validate against the form, normalise, tell a
// repeat visit from a new lead, and record the lead sealed to the hub's lead
// key (crypto_box_seal), so the kiosk keeps only metadata without personal
// data - form and version, show, time, dedupe key, qualification score,
// consent version - and can never read a lead back.
//
// The sealed lead (MessagePack map, opened only by the hub):
//   form, form_version, show, captured_at (Unix ms), fields {name: value},
//   answers {question: value}, score, repeat (bool),
//   consent {version, text_hash (BLAKE2b-256 of the text shown), accepted_at},
//   and for a badge scan: badge (the code), incomplete (required fields
//   missing: the badge was not on the kiosk's attendee list)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "outpost/base/clock.hpp"
#include "outpost/crypto/hash.hpp"
#include "outpost/crypto/sealed_box.hpp"
#include "outpost/crypto/secret_key.hpp"
#include "outpost/journal/journal.hpp"
#include "outpost/leads/lead_form.hpp"

namespace outpost::leads {

struct CaptureRequest {
  std::map<std::string, std::string> fields;   // form field name -> value as typed
  std::map<std::string, std::string> answers;  // qualification question -> option value
  bool consent = false;                        // the visitor accepted the consent text shown
  std::string show;                            // overrides the form's show
  // A scanned badge code. The shell fills fields from the event's attendee
  // list first (attendees.hpp); a badge not on the list is captured as-is:
  // required fields may then be missing, and the hub completes the lead.
  std::string badge;
};

struct FieldError {
  std::string field;
  std::string problem;  // for people: "is not a valid email address"
};

struct NormalisedLead {
  std::map<std::string, std::string> fields;  // trimmed; email lower-case; phone digits (leading + kept)
  std::map<std::string, std::string> answers;
  std::uint64_t score = 0;
  std::string show;
  std::string badge;        // normalised (attendees.hpp); empty without one
  bool incomplete = false;  // a badge capture missing required fields
};

// Every problem with the request, or the normalised lead. Consent is not
// checked here (capture does).
Result<NormalisedLead> normalise(const LeadForm& form, const CaptureRequest& request,
                                 std::vector<FieldError>* errors = nullptr);

// The dedupe key: keyed BLAKE2b of show || 0x00 || normalised email, keyed
// with the device's lead dedupe key (so it reveals nothing without it).
crypto::Digest dedupe_key(const crypto::SecretKey& key, const std::string& show, const std::string& email);

struct FormRef {
  std::string asset;
  std::uint64_t version = 0;
};

struct Captured {
  std::uint64_t seq = 0;
  bool repeat = false;  // the same email was captured at this show before
  std::uint64_t score = 0;
  std::string show;
};

struct LeadKeys {
  const crypto::SecretKey& dedupe;      // the device's lead dedupe key
  const crypto::BoxPublicKey& hub_lead;  // from the root-signed trust list
};

// invalid_argument (listing every field problem, or missing consent):
// nothing is stored. disk_full when the journal has no room for it.
Result<Captured> capture(journal::Journal& journal, const LeadForm& form, const FormRef& ref,
                         const CaptureRequest& request, const LeadKeys& keys, TimePoint now);

// Records that the person with this email withdrew consent for show: the
// dedupe key and the sealed {email, show, withdrawn_at} go to the hub.
Result<journal::Appended> withdraw_consent(journal::Journal& journal, const std::string& show,
                                           const std::string& email, const LeadKeys& keys, TimePoint now);

}  // namespace outpost::leads
