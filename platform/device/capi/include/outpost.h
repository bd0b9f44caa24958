/* outpost.h - the C API of Outpost: what a Swift, Kotlin or other app links
 * (liboutpost.so). Pure C99; no other header of Outpost is needed.
 *
 * Contract
 * - Handles are opaque and have exactly one free function each
 *   (outpost_device_close, outpost_reader_free, outpost_presentation_free).
 *   A freed, closed or made-up handle is reported as
 *   OUTPOST_ERR_INVALID_HANDLE, never dereferenced.
 * - Every function that can fail returns an outpost_code and takes an
 *   outpost_error* as its last parameter (may be NULL). It is filled on every
 *   call: code 0 and an empty message on success, otherwise the code and one
 *   line for people. The message is a fixed buffer: nothing to free.
 * - Strings in and out are UTF-8 and NUL-terminated. Structured results are
 *   JSON strings allocated by the library: the caller frees each with
 *   outpost_string_free. On failure, every out-parameter is set to NULL (or
 *   0), except where a function says otherwise (blocked opens, lead
 *   validation). An out_json may be NULL when the result is not wanted,
 *   except where the JSON is the function's only result (status, catalog
 *   list, search, peek, lead form).
 * - No C++ exception or type crosses this boundary.
 * - Threads: see "Threading" below and the note on each function.
 *
 * Threading
 * Each device handle owns one worker thread, which alone touches the device
 * home. A call on a device (or on a reader or presentation of it) from any
 * thread is handed to that worker and waits for its result, so calls from
 * several threads are safe and run one at a time, interleaved with a running
 * background sync between its steps. Callbacks run on the worker thread:
 * they must return quickly (copy what they need and hand it to your own
 * queue). A callback may call back into the API on the same device (the call
 * runs directly), except outpost_device_sync_once, which would wait for
 * itself and fails with OUTPOST_ERR_BUSY. Calls on different device handles
 * are independent. */
#ifndef OUTPOST_H
#define OUTPOST_H

#include <stddef.h>
#include <stdint.h>

#if defined(OUTPOST_CAPI_BUILDING)
#if defined(_WIN32)
#define OUTPOST_API __declspec(dllexport)
#else
#define OUTPOST_API __attribute__((visibility("default")))
#endif
#else
#if defined(_WIN32)
#define OUTPOST_API __declspec(dllimport)
#else
#define OUTPOST_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------
 * The numbers never change; new codes get new numbers. */
typedef int32_t outpost_code;
enum {
  OUTPOST_OK = 0,
  OUTPOST_ERR_INVALID_ARGUMENT = 1, /* malformed input; a NULL where a value is needed */
  OUTPOST_ERR_NOT_FOUND = 2,        /* no such home, asset, version, form; not enrolled */
  OUTPOST_ERR_ALREADY_EXISTS = 3,   /* init of an existing home; enrolled already */
  OUTPOST_ERR_INTEGRITY = 4,        /* stored or received bytes failed verification */
  OUTPOST_ERR_WRONG_KEY = 5,        /* wrong passphrase or key */
  OUTPOST_ERR_PERMISSION = 6,       /* unsafe file permissions; the hub refused */
  OUTPOST_ERR_IO = 7,               /* the OS refused a read/write; the hub did not answer */
  OUTPOST_ERR_DISK_FULL = 8,        /* no space or quota left */
  OUTPOST_ERR_CORRUPT = 9,          /* a stored structure is malformed */
  OUTPOST_ERR_UNSUPPORTED = 10,     /* made by a newer Outpost */
  OUTPOST_ERR_BUSY = 11,            /* another process holds the home; a sync is running */
  OUTPOST_ERR_BLOCKED = 100,        /* the version gate blocked the open: see the decision JSON */
  OUTPOST_ERR_INVALID_HANDLE = 101, /* NULL, freed, closed or unknown handle */
  OUTPOST_ERR_WIPED = 102,          /* the hub wiped this device: its keys and data are gone */
  OUTPOST_ERR_INTERNAL = 199        /* a bug in Outpost: please report the message */
};

typedef struct outpost_error {
  outpost_code code;
  int32_t transient; /* 1: may succeed if retried later (network, busy) */
  char message[512]; /* UTF-8, NUL-terminated, truncated at a character boundary */
} outpost_error;

/* "ok", "invalid_argument", ..., "blocked", "invalid_handle", "wiped",
 * "internal"; "unknown" for other numbers. Static string. Any thread. */
OUTPOST_API const char* outpost_code_name(outpost_code code);

/* The library version, "MAJOR.MINOR.PATCH". Static string. Any thread. */
OUTPOST_API const char* outpost_version(void);

/* Frees a string returned by this library; NULL is ignored. Any thread. */
OUTPOST_API void outpost_string_free(char* s);

/* Handles not yet freed plus strings not yet passed to outpost_string_free,
 * in this process: for leak tests. Any thread. */
OUTPOST_API int64_t outpost_live_objects(void);

/* ---- handles ------------------------------------------------------------ */
typedef struct outpost_device outpost_device_t;
typedef struct outpost_reader outpost_reader_t;
typedef struct outpost_presentation outpost_presentation_t;

/* ---- device home --------------------------------------------------------
 * A device home is a directory holding the device's master key, encrypted
 * cache, signed catalog and journal. One process may open a home once at a
 * time (OUTPOST_ERR_BUSY otherwise). */

/* Creates a home: a new master key and empty stores. passphrase (NULL or ""
 * for none) wraps the master key (Argon2id); root_key_hex (NULL for none) is
 * the organisation root key to pin, 64 hex characters (enrollment pins it
 * otherwise). OUTPOST_ERR_ALREADY_EXISTS if path holds a home. Any thread.
 * The library zeroes its copies of the passphrase; zero yours. */
OUTPOST_API outpost_code outpost_home_init(const char* path, const char* passphrase, const char* root_key_hex,
                                           outpost_error* err);

/* Opens a home and starts its worker thread. passphrase as at init;
 * root_key_hex, if given, is pinned when none is (a different pinned key is
 * OUTPOST_ERR_ALREADY_EXISTS). OUTPOST_ERR_NOT_FOUND if there is no home,
 * OUTPOST_ERR_WRONG_KEY for a wrong passphrase, OUTPOST_ERR_BUSY if it is
 * open already, OUTPOST_ERR_WIPED if the hub wiped it. Any thread. */
OUTPOST_API outpost_code outpost_device_open(const char* path, const char* passphrase, const char* root_key_hex,
                                             outpost_device_t** out_device, outpost_error* err);

/* Stops background sync, finishes the calls in hand, joins the worker and
 * frees the device; its readers and presentations fail with
 * OUTPOST_ERR_INVALID_HANDLE from then on (they still need freeing). NULL
 * or an unknown handle is ignored. Any thread; from inside one of the
 * device's own callbacks the device is freed once the callback returns. */
OUTPOST_API void outpost_device_close(outpost_device_t* device);

/* ---- enrollment and sync ----------------------------------------------- */

/* Joins the hub named in a one-time token (outpost-hub enroll-token):
 * pins its root key and registers this device. timeout_ms: how long to wait
 * for the hub (0: 10 s). out_json: {"device","role","hub"}. Blocks the
 * device's other calls meanwhile. Any thread. */
OUTPOST_API outpost_code outpost_device_enroll(outpost_device_t* device, const char* token, uint32_t timeout_ms,
                                               char** out_json, outpost_error* err);

/* One sync session: catalog, journal push, content. timeout_ms: per request
 * to the hub (0: 10 s). out_json: the sync report {"catalog_from",
 * "catalog_to","releases","revocations","versions_fetched","chunks_fetched",
 * "bytes_fetched","events_pushed","journal_acked","wiped"}. Other calls on
 * the device run between its steps. OUTPOST_ERR_BUSY if a session is already
 * running (another sync_once or the background sync's) or when called from
 * a callback. OUTPOST_ERR_NOT_FOUND if not enrolled. A report with "wiped":
 * true means the hub had this device wiped: its keys and data are gone and
 * every later call on it fails with OUTPOST_ERR_WIPED. Any thread except the
 * device's own callbacks. */
OUTPOST_API outpost_code outpost_device_sync_once(outpost_device_t* device, uint32_t timeout_ms, char** out_json,
                                                  outpost_error* err);

/* Stays connected in the background: a session now, on every catalog
 * notice from the hub, every interval_s seconds (0: 300), and after a
 * failure with backoff. Returns at once. OUTPOST_ERR_BUSY if already
 * running. Any thread. */
OUTPOST_API outpost_code outpost_device_start_background_sync(outpost_device_t* device, uint32_t interval_s,
                                                              outpost_error* err);

/* Stops the background sync (a session in hand is cut; what it stored
 * stays). No error if it was not running. Any thread. */
OUTPOST_API outpost_code outpost_device_stop_background_sync(outpost_device_t* device, outpost_error* err);

/* Callbacks run on the device's worker thread and must return quickly. The
 * JSON and phase strings are valid only during the call. Setting a callback
 * (or NULL to clear it) takes effect for the next event: once the setter
 * returns, the previous one is not called again, so its user data may be
 * released. */
typedef void (*outpost_progress_fn)(void* user, const char* phase, uint64_t done, uint64_t total);
typedef void (*outpost_event_fn)(void* user, const char* json);

/* Sync progress: phase is "hello", "catalog", "journal", "recipes",
 * "chunks" (done/total in bytes) or "done". Any thread. */
OUTPOST_API outpost_code outpost_device_on_sync_progress(outpost_device_t* device, outpost_progress_fn fn, void* user,
                                                         outpost_error* err);

/* After a session (sync_once or background) that changed the catalog: json
 * is its sync report. Any thread. */
OUTPOST_API outpost_code outpost_device_on_catalog_changed(outpost_device_t* device, outpost_event_fn fn, void* user,
                                                           outpost_error* err);

/* After every session, successful or not: json is the "last_sync" object of
 * outpost_device_status. Any thread. */
OUTPOST_API outpost_code outpost_device_on_sync_done(outpost_device_t* device, outpost_event_fn fn, void* user,
                                                     outpost_error* err);

/* ---- status ------------------------------------------------------------
 * out_json: {"link": {"device","role","hub"} or null,
 *            "catalog": {"seq","verified_as_of","trusted_now","trust_version",
 *                        "offline_budget": {CLASS: {"budget_s","left_s"}}},
 *            "cache": {"assets","versions","pinned_versions","chunks",
 *                      "missing_chunks","logical_bytes","stored_bytes","quota"},
 *            "journal": {"events","first_seq","head_seq","acked_seq","bytes",
 *                        "quota_bytes","dropped_total"},
 *            "sync": {"background","running","last_sync"}}
 * where last_sync is null or {"at","ok","code","code_name","message",
 * "report"}. Any thread. */
OUTPOST_API outpost_code outpost_device_status(outpost_device_t* device, char** out_json, outpost_error* err);

/* ---- catalog, search and the version gate ------------------------------ */

/* The newest release of every asset with the gate's decision (not
 * journaled): [{"asset","version","title","kind","tags","criticality",
 * "size","digest","valid_from","expires_at","note","decision"}]. Any thread. */
OUTPOST_API outpost_code outpost_catalog_list(outpost_device_t* device, char** out_json, outpost_error* err);

/* Words (each matches as a prefix; may be "" with facets), facets_json NULL
 * or {"region":"EMEA","kind":"deck",...}, limit 1-1000 (0: 20). Journaled.
 * out_json: {"hits": [{"asset","version","title","kind","score","decision"}],
 * "total","total_is_estimate","facets": [{"facet","value","count"}]}.
 * Any thread. */
OUTPOST_API outpost_code outpost_catalog_search(outpost_device_t* device, const char* text, const char* facets_json,
                                                uint32_t limit, char** out_json, outpost_error* err);

/* The user picked asset from the results of a search for text (with
 * facets_json, as passed to outpost_catalog_search, which returned
 * result_count hits): journaled as search.performed with the chosen asset,
 * so marketing sees which searches lead somewhere. Any thread. */
OUTPOST_API outpost_code outpost_search_choice(outpost_device_t* device, const char* text, const char* facets_json,
                                               uint64_t result_count, const char* asset, outpost_error* err);

/* A decision JSON: {"asset","version","allowed","reason","in_grace",
 * "message"[,"grace_ends"][,"update_pending"]}; reason is null when allowed,
 * else "not-in-catalog", "revoked", "expired", "not-yet-valid",
 * "superseded", "stale-catalog", "not-downloaded" or "integrity". */

/* The gate's decision for asset (version 0: the newest that may be shown),
 * without journaling it: for badges in lists. Any thread. */
OUTPOST_API outpost_code outpost_asset_peek(outpost_device_t* device, const char* asset, uint64_t version,
                                            char** out_decision_json, outpost_error* err);

/* Opens asset through the gate (version 0: the newest that may be shown);
 * the decision is journaled. Allowed: OUTPOST_OK, *out_reader set.
 * Blocked: OUTPOST_ERR_BLOCKED, *out_reader NULL. Both set
 * *out_decision_json (if out_decision_json is not NULL). Any thread. */
OUTPOST_API outpost_code outpost_asset_open(outpost_device_t* device, const char* asset, uint64_t version,
                                            outpost_reader_t** out_reader, char** out_decision_json,
                                            outpost_error* err);

/* ---- readers: random access to one version's bytes ----------------------
 * Every chunk is authenticated before a byte of it is returned
 * (OUTPOST_ERR_INTEGRITY otherwise). A reader may be used from any thread,
 * one thread at a time (its position is shared). */

/* The size in bytes. */
OUTPOST_API outpost_code outpost_reader_size(outpost_reader_t* reader, uint64_t* out_size, outpost_error* err);
/* Moves the position read() reads from (past the end is allowed: reads return 0). */
OUTPOST_API outpost_code outpost_reader_seek(outpost_reader_t* reader, uint64_t offset, outpost_error* err);
/* The current position. */
OUTPOST_API outpost_code outpost_reader_tell(outpost_reader_t* reader, uint64_t* out_offset, outpost_error* err);
/* Reads up to capacity bytes at the position and advances it; *out_read is
 * 0 at the end. */
OUTPOST_API outpost_code outpost_reader_read(outpost_reader_t* reader, void* buffer, size_t capacity, size_t* out_read,
                                             outpost_error* err);
/* Reads up to capacity bytes at offset without moving the position (HTTP
 * Range requests). */
OUTPOST_API outpost_code outpost_reader_read_at(outpost_reader_t* reader, uint64_t offset, void* buffer,
                                                size_t capacity, size_t* out_read, outpost_error* err);
/* Frees the reader; NULL or an unknown handle is ignored. Any thread. */
OUTPOST_API void outpost_reader_free(outpost_reader_t* reader);

/* ---- presentations ------------------------------------------------------
 * A rep showing one asset page by page: journaled as presentation.started,
 * page.viewed (with the time on screen) and presentation.ended. */

/* Opens asset through the gate and starts presenting it. As
 * outpost_asset_open: OUTPOST_ERR_BLOCKED with the decision when blocked.
 * out_reader (may be NULL) receives a reader of the version shown, which
 * the caller frees. Any thread. */
OUTPOST_API outpost_code outpost_presentation_start(outpost_device_t* device, const char* asset, uint64_t version,
                                                    outpost_presentation_t** out_presentation,
                                                    outpost_reader_t** out_reader, char** out_decision_json,
                                                    outpost_error* err);
/* The presenter moved to page (1-based). OUTPOST_ERR_INVALID_ARGUMENT for
 * page 0 or after the end. Any thread. */
OUTPOST_API outpost_code outpost_presentation_show_page(outpost_presentation_t* presentation, uint64_t page,
                                                        outpost_error* err);
/* Ends it: out_json {"id","asset","version","pages","duration_ms"}. Any thread. */
OUTPOST_API outpost_code outpost_presentation_end(outpost_presentation_t* presentation, char** out_json,
                                                  outpost_error* err);
/* Frees it; one not ended is journaled as not finished. NULL or an unknown
 * handle is ignored. Any thread. */
OUTPOST_API void outpost_presentation_free(outpost_presentation_t* presentation);

/* ---- feedback and content requests (durable before they return) -------- */

/* Rates an asset in the catalog (version 0: no particular version), rating
 * 1-5, comment may be NULL, needs_update 0 or 1. out_json: {"seq"}.
 * Any thread. */
OUTPOST_API outpost_code outpost_asset_feedback(outpost_device_t* device, const char* asset, uint64_t version,
                                                uint32_t rating, const char* comment, int32_t needs_update,
                                                char** out_json, outpost_error* err);

/* Asks marketing for content that does not exist yet; asset (may be NULL)
 * is the asset it relates to. out_json: {"seq"}. Any thread. */
OUTPOST_API outpost_code outpost_content_request(outpost_device_t* device, const char* text, const char* asset,
                                                 char** out_json, outpost_error* err);

/* ---- leads (kiosks) ----------------------------------------------------- */

/* The current version of a lead form: {"asset","version","show","fields":
 * [{"name","label","type","required","options"}],"qualification":
 * [{"name","question","required","options":[{"value","label","score"}]}],
 * "consent":{"text","version"}}. Any thread. */
OUTPOST_API outpost_code outpost_lead_form(outpost_device_t* device, const char* form_asset, char** out_json,
                                           outpost_error* err);

/* Captures a lead with the current version of form_asset. request_json:
 * {"fields": {NAME: VALUE}, "answers": {QUESTION: VALUE}, "consent": true,
 *  "show": "optional override", "badge": "optional scanned badge code"}.
 * With a badge, the newest attendee list of the show fills the fields not
 * typed, offline; a badge on no list is captured as-is and completed at
 * the hub. The lead is sealed to the hub at once and
 * stored durably: out_json {"seq","repeat","score","show"}. When the request
 * does not validate, nothing is stored: OUTPOST_ERR_INVALID_ARGUMENT, the
 * message names every field at fault, and *out_json is set to
 * {"errors": [{"field","problem"}]}. Messages never contain the values
 * typed. Any thread. */
OUTPOST_API outpost_code outpost_lead_capture(outpost_device_t* device, const char* form_asset,
                                              const char* request_json, char** out_json, outpost_error* err);

/* ---- leads (reps) -------------------------------------------------------- */

/* The leads the hub assigned to this rep device, soonest due first, from
 * the local store (offline too; new ones arrive with each sync):
 * {"leads": [{"lead","score","shows","name","email","assigned_at","due_at",
 * "overdue","follow_up": {"outcome","at"} or null}]}. A kiosk has none.
 * The JSON holds personal data: the caller shows it and frees it. Any
 * thread. */
OUTPOST_API outpost_code outpost_leads_assigned(outpost_device_t* device, char** out_json, outpost_error* err);

/* One assigned lead: the list entry plus "fields" {NAME: VALUE}, "visits"
 * [{"show","kiosk","captured_at","answers"}], "consent" {"version",
 * "accepted_at"} and "received_at". OUTPOST_ERR_NOT_FOUND when the lead is
 * not (or no longer) assigned to this device. Any thread. */
OUTPOST_API outpost_code outpost_lead_assigned(outpost_device_t* device, const char* lead, char** out_json,
                                               outpost_error* err);

/* Records the outcome of an assigned lead: outcome is "called", "meeting",
 * "disqualified" or "no-answer"; note is optional (NULL), up to 4000 bytes.
 * Journaled durably before it returns and delivered to the hub at the next
 * sync: out_json {"lead","outcome","seq"}. OUTPOST_ERR_INVALID_ARGUMENT for
 * another outcome, OUTPOST_ERR_NOT_FOUND for a lead not assigned here. Any
 * thread. */
OUTPOST_API outpost_code outpost_lead_follow_up(outpost_device_t* device, const char* lead, const char* outcome,
                                                const char* note, char** out_json, outpost_error* err);

#ifdef __cplusplus
}
#endif

#endif /* OUTPOST_H */
