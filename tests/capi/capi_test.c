/* The C API from C (C99, linked only against liboutpost.so), end to end
 * against a real hub started by with_hub.sh: init, enroll, sync, search,
 * open and read with seek, present, feedback, content request, lead capture,
 * status, background sync picking up a new version, and the unhappy paths
 * (bad handles and arguments, wrong passphrase, blocked opens, closed
 * readers). Ends by checking that no handle or string leaked. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outpost.h"

static int failures = 0;
static outpost_error err;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* A call that must succeed: the error message is printed if it does not. */
#define CHECK_OK(call)                                                                                                 \
  do {                                                                                                                 \
    outpost_code code_ = (call);                                                                                       \
    if (code_ != OUTPOST_OK) {                                                                                         \
      fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call, outpost_code_name(code_), err.message); \
      ++failures;                                                                                                      \
    }                                                                                                                  \
  } while (0)

#define CHECK_CODE(call, expected)                                                                                    \
  do {                                                                                                                \
    outpost_code code_ = (call);                                                                                      \
    if (code_ != (expected)) {                                                                                        \
      fprintf(stderr, "%s:%d: %s: expected %s, got %s: %s\n", __FILE__, __LINE__, #call, outpost_code_name(expected), \
              outpost_code_name(code_), err.message);                                                                 \
      ++failures;                                                                                                     \
    }                                                                                                                 \
  } while (0)

static const char* env(const char* name) {
  const char* value = getenv(name);
  if (value == NULL || *value == '\0') {
    fprintf(stderr, "capi_test: %s is not set (run me through with_hub.sh)\n", name);
    exit(2);
  }
  return value;
}

static int contains(const char* text, const char* needle) { return text != NULL && strstr(text, needle) != NULL; }

/* The unsigned number after "key": in compact JSON; 0 if absent. */
static unsigned long long json_u64(const char* json, const char* key) {
  char pattern[128];
  const char* at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = json == NULL ? NULL : strstr(json, pattern);
  return at == NULL ? 0 : strtoull(at + strlen(pattern), NULL, 10);
}

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  unsigned char* data;
  long n;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)n + 1);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  if (f == NULL) exit(2);
  fputs(text, f);
  fclose(f);
}

static void run(const char* command) {
  if (system(command) != 0) {
    fprintf(stderr, "capi_test: command failed: %s\n", command);
    exit(1);
  }
}

/* ---- callbacks: they run on the device's worker thread */

typedef struct {
  pthread_mutex_t mutex;
  outpost_device_t* device;
  int progress_calls;
  int catalog_changed;
  int sync_done;
  int reentrant_status; /* outpost_device_status from inside a callback */
  int reentrant_sync;   /* outpost_device_sync_once from inside a callback */
  char last_report[2048];
} events_t;

static events_t events = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, -1, -1, ""};

static void on_progress(void* user, const char* phase, uint64_t done, uint64_t total) {
  events_t* e = user;
  (void)done;
  (void)total;
  pthread_mutex_lock(&e->mutex);
  if (phase != NULL && *phase != '\0') ++e->progress_calls;
  pthread_mutex_unlock(&e->mutex);
}

static void on_catalog_changed(void* user, const char* json) {
  events_t* e = user;
  pthread_mutex_lock(&e->mutex);
  ++e->catalog_changed;
  snprintf(e->last_report, sizeof e->last_report, "%s", json);
  pthread_mutex_unlock(&e->mutex);
}

static void on_sync_done(void* user, const char* json) {
  events_t* e = user;
  char* status = NULL;
  outpost_error inner;
  /* Calls from a callback run directly on the worker thread. */
  outpost_code status_code = outpost_device_status(e->device, &status, &inner);
  outpost_code sync_code = outpost_device_sync_once(e->device, 0, NULL, &inner);
  outpost_string_free(status);
  (void)json;
  pthread_mutex_lock(&e->mutex);
  ++e->sync_done;
  e->reentrant_status = status_code;
  e->reentrant_sync = sync_code;
  pthread_mutex_unlock(&e->mutex);
}

/* Closes the device from its own callback: freed once the callback returns. */
static void close_from_callback(void* user, const char* json) {
  (void)json;
  outpost_device_close((outpost_device_t*)user);
}

static int count(const int* field) {
  int n;
  pthread_mutex_lock(&events.mutex);
  n = *field;
  pthread_mutex_unlock(&events.mutex);
  return n;
}

/* Waits up to seconds for *field to reach at least target. */
static int wait_for(const int* field, int target, int seconds) {
  int waited;
  for (waited = 0; waited < seconds * 10; ++waited) {
    if (count(field) >= target) return 1;
    sleep_ms(100);
  }
  return count(field) >= target;
}

/* ---- the steps */

static void test_library(void) {
  CHECK(strcmp(outpost_version(), "0.1.0") == 0 || strchr(outpost_version(), '.') != NULL);
  CHECK(strcmp(outpost_code_name(OUTPOST_OK), "ok") == 0);
  CHECK(strcmp(outpost_code_name(OUTPOST_ERR_BLOCKED), "blocked") == 0);
  CHECK(strcmp(outpost_code_name(OUTPOST_ERR_WRONG_KEY), "wrong_key") == 0);
  CHECK(strcmp(outpost_code_name(4242), "unknown") == 0);
  /* The numbers are part of the ABI. */
  CHECK(OUTPOST_ERR_INVALID_ARGUMENT == 1 && OUTPOST_ERR_BUSY == 11 && OUTPOST_ERR_BLOCKED == 100 &&
        OUTPOST_ERR_INVALID_HANDLE == 101 && OUTPOST_ERR_WIPED == 102 && OUTPOST_ERR_INTERNAL == 199);
  outpost_string_free(NULL);
}

static void test_bad_arguments(const char* work) {
  outpost_device_t* device = (outpost_device_t*)&err; /* overwritten with NULL on failure */
  char path[1024];
  char* json = (char*)"stale";
  int not_a_handle = 0;
  CHECK_CODE(outpost_device_open(NULL, NULL, NULL, &device, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(device == NULL);
  CHECK(contains(err.message, "path"));
  snprintf(path, sizeof path, "%s/no-such-home", work);
  CHECK_CODE(outpost_device_open(path, NULL, NULL, &device, &err), OUTPOST_ERR_NOT_FOUND);
  CHECK_CODE(outpost_device_open(path, NULL, NULL, NULL, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_CODE(outpost_home_init(path, NULL, "not-hex", &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_CODE(outpost_device_status(NULL, &json, &err), OUTPOST_ERR_INVALID_HANDLE);
  CHECK(json == NULL);
  CHECK_CODE(outpost_device_status((outpost_device_t*)&not_a_handle, &json, &err), OUTPOST_ERR_INVALID_HANDLE);
  /* err may be NULL. */
  CHECK(outpost_device_status(NULL, &json, NULL) == OUTPOST_ERR_INVALID_HANDLE);
  outpost_device_close(NULL);
  outpost_device_close((outpost_device_t*)&not_a_handle);
  outpost_reader_free((outpost_reader_t*)&not_a_handle);
}

static void test_passphrase(const char* work) {
  char path[1024];
  outpost_device_t* device = NULL;
  snprintf(path, sizeof path, "%s/locked", work);
  CHECK_OK(outpost_home_init(path, "correct horse battery", NULL, &err));
  CHECK_CODE(outpost_device_open(path, "wrong horse", NULL, &device, &err), OUTPOST_ERR_WRONG_KEY);
  CHECK(device == NULL);
  CHECK_CODE(outpost_device_open(path, NULL, NULL, &device, &err), OUTPOST_ERR_WRONG_KEY);
  CHECK_OK(outpost_device_open(path, "correct horse battery", NULL, &device, &err));
  CHECK(device != NULL);
  outpost_device_close(device);
}

static void test_read_deck(outpost_device_t* device) {
  size_t deck_size = 0, n = 0, got = 0;
  unsigned char* deck = read_file(env("OUTPOST_TEST_DECK_FILE"), &deck_size);
  unsigned char* buffer = malloc(deck_size + 64);
  outpost_reader_t* reader = NULL;
  char* decision = NULL;
  char* json = NULL;
  uint64_t size = 0, position = 0;
  CHECK(deck != NULL && deck_size > 300000);

  CHECK_OK(outpost_asset_open(device, "hospital-deck", 0, &reader, &decision, &err));
  CHECK(contains(decision, "\"allowed\":true"));
  CHECK(contains(decision, "\"version\":1"));
  CHECK_OK(outpost_reader_size(reader, &size, &err));
  CHECK(size == deck_size);
  /* Whole, in pieces that do not line up with chunks. */
  while (got < deck_size + 64) {
    CHECK_OK(
        outpost_reader_read(reader, buffer + got, 7001 < deck_size + 64 - got ? 7001 : deck_size + 64 - got, &n, &err));
    if (n == 0) break;
    got += n;
  }
  CHECK(got == deck_size);
  CHECK(memcmp(buffer, deck, deck_size) == 0);
  CHECK_OK(outpost_reader_tell(reader, &position, &err));
  CHECK(position == deck_size);
  /* Seek into the middle, across a chunk boundary or two. */
  CHECK_OK(outpost_reader_seek(reader, 200000, &err));
  CHECK_OK(outpost_reader_read(reader, buffer, 150000, &n, &err));
  CHECK(n == 150000 && memcmp(buffer, deck + 200000, n) == 0);
  CHECK_OK(outpost_reader_tell(reader, &position, &err));
  CHECK(position == 350000);
  /* read_at does not move the position; reads at the end return 0. */
  CHECK_OK(outpost_reader_read_at(reader, deck_size - 10, buffer, 100, &n, &err));
  CHECK(n == 10 && memcmp(buffer, deck + deck_size - 10, 10) == 0);
  CHECK_OK(outpost_reader_tell(reader, &position, &err));
  CHECK(position == 350000);
  CHECK_OK(outpost_reader_seek(reader, deck_size + 5, &err));
  CHECK_OK(outpost_reader_read(reader, buffer, 100, &n, &err));
  CHECK(n == 0);
  CHECK_CODE(outpost_reader_read(reader, NULL, 100, &n, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  /* A reader is not a device. */
  CHECK_CODE(outpost_device_status((outpost_device_t*)reader, &json, &err), OUTPOST_ERR_INVALID_HANDLE);
  CHECK(json == NULL);
  outpost_reader_free(reader);
  CHECK_CODE(outpost_reader_read(reader, buffer, 100, &n, &err), OUTPOST_ERR_INVALID_HANDLE);
  outpost_string_free(decision);
  free(buffer);
  free(deck);
}

static void test_present(outpost_device_t* device) {
  outpost_presentation_t* p = NULL;
  outpost_reader_t* reader = NULL;
  char* decision = NULL;
  char* summary = NULL;
  unsigned char head[8];
  size_t n = 0;
  CHECK_OK(outpost_presentation_start(device, "hospital-deck", 0, &p, &reader, &decision, &err));
  CHECK(p != NULL && reader != NULL);
  CHECK(contains(decision, "\"allowed\":true"));
  CHECK_OK(outpost_reader_read(reader, head, sizeof head, &n, &err));
  CHECK(n == sizeof head && memcmp(head, "Hospital", 8) == 0);
  CHECK_OK(outpost_presentation_show_page(p, 1, &err));
  CHECK_OK(outpost_presentation_show_page(p, 2, &err));
  CHECK_OK(outpost_presentation_show_page(p, 3, &err));
  CHECK_CODE(outpost_presentation_show_page(p, 0, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_OK(outpost_presentation_end(p, &summary, &err));
  CHECK(contains(summary, "\"asset\":\"hospital-deck\""));
  CHECK(json_u64(summary, "pages") == 3);
  CHECK_CODE(outpost_presentation_end(p, NULL, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_CODE(outpost_presentation_show_page(p, 4, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  outpost_presentation_free(p);
  CHECK_CODE(outpost_presentation_show_page(p, 4, &err), OUTPOST_ERR_INVALID_HANDLE);
  outpost_reader_free(reader);
  outpost_string_free(decision);
  outpost_string_free(summary);
}

static void test_search_and_catalog(outpost_device_t* device) {
  char* json = NULL;
  CHECK_OK(outpost_catalog_search(device, "hosp", NULL, 0, &json, &err));
  CHECK(contains(json, "\"asset\":\"hospital-deck\""));
  CHECK(contains(json, "\"allowed\":true"));
  outpost_string_free(json);
  CHECK_OK(outpost_catalog_search(device, "", "{\"region\":\"EMEA\"}", 10, &json, &err));
  CHECK(json_u64(json, "total") == 2);
  CHECK(!contains(json, "booth-form"));
  outpost_string_free(json);
  CHECK_CODE(outpost_catalog_search(device, "x", "[1,2]", 10, &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL && contains(err.message, "facets_json"));
  CHECK_CODE(outpost_catalog_search(device, "x", NULL, 5000, &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_OK(outpost_catalog_list(device, &json, &err));
  CHECK(contains(json, "\"asset\":\"emea-prices\"") && contains(json, "\"asset\":\"booth-form\""));
  outpost_string_free(json);
  CHECK_OK(outpost_asset_peek(device, "emea-prices", 0, &json, &err));
  CHECK(contains(json, "\"allowed\":true"));
  outpost_string_free(json);
  CHECK_OK(outpost_asset_peek(device, "no-such-asset", 0, &json, &err));
  CHECK(contains(json, "\"reason\":\"not-in-catalog\""));
  outpost_string_free(json);
}

static void test_feedback_and_requests(outpost_device_t* device) {
  char* json = NULL;
  CHECK_OK(outpost_asset_feedback(device, "hospital-deck", 1, 4, "Great for the Lisbon meeting", 0, &json, &err));
  CHECK(json_u64(json, "seq") > 0);
  outpost_string_free(json);
  CHECK_CODE(outpost_asset_feedback(device, "no-such-asset", 0, 4, NULL, 0, &json, &err), OUTPOST_ERR_NOT_FOUND);
  CHECK_CODE(outpost_asset_feedback(device, "hospital-deck", 0, 9, NULL, 0, &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(contains(err.message, "rating"));
  CHECK_OK(outpost_content_request(device, "Case study for hospitals in Spain", "hospital-deck", &json, &err));
  CHECK(json_u64(json, "seq") > 0);
  outpost_string_free(json);
  CHECK_CODE(outpost_content_request(device, NULL, NULL, &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
}

static unsigned long long journal_head(outpost_device_t* device) {
  char* status = NULL;
  const char* journal;
  unsigned long long head = 0;
  CHECK_OK(outpost_device_status(device, &status, &err));
  journal = status == NULL ? NULL : strstr(status, "\"journal\":");
  head = json_u64(journal, "head_seq");
  outpost_string_free(status);
  return head;
}

static void test_leads(outpost_device_t* device) {
  char* json = NULL;
  unsigned long long before;
  CHECK_OK(outpost_lead_form(device, "booth-form", &json, &err));
  CHECK(contains(json, "\"name\":\"email\"") && contains(json, "\"show\":\"rsa-2027\""));
  outpost_string_free(json);
  CHECK_CODE(outpost_lead_form(device, "hospital-deck", &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);

  CHECK_OK(outpost_lead_capture(device, "booth-form",
                                "{\"fields\":{\"email\":\"ana.lima@example.com\",\"name\":\"Ana Lima\"},"
                                "\"answers\":{\"timeline\":\"now\"},\"consent\":true}",
                                &json, &err));
  CHECK(contains(json, "\"repeat\":false") && json_u64(json, "score") == 10 && json_u64(json, "seq") > 0);
  CHECK(!contains(json, "ana.lima"));
  outpost_string_free(json);

  /* Invalid: nothing stored, the field named, the value never echoed. */
  before = journal_head(device);
  CHECK_CODE(
      outpost_lead_capture(device, "booth-form",
                           "{\"fields\":{\"email\":\"not-an-email\",\"name\":\"Bo\"},\"consent\":true}", &json, &err),
      OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(contains(err.message, "email"));
  CHECK(!contains(err.message, "not-an-email"));
  CHECK(contains(json, "\"field\":\"email\""));
  CHECK(!contains(json, "not-an-email"));
  outpost_string_free(json);
  CHECK(journal_head(device) == before);

  CHECK_CODE(outpost_lead_capture(device, "booth-form", "{\"fields\":{\"email\":\"bo@example.com\",\"name\":\"Bo\"}}",
                                  &json, &err),
             OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(contains(err.message, "consent") && contains(json, "\"field\":\"consent\""));
  outpost_string_free(json);
  CHECK_CODE(outpost_lead_capture(device, "booth-form", "{not json", &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK(json == NULL);
  CHECK(journal_head(device) == before);
}

static void test_status(outpost_device_t* device) {
  char* json = NULL;
  CHECK_OK(outpost_device_status(device, &json, &err));
  CHECK(contains(json, "\"device\":\"capi-rep\""));
  CHECK(contains(json, "\"offline_budget\":{"));
  CHECK(contains(json, "\"background\":false"));
  CHECK(contains(json, "\"ok\":true"));
  CHECK(json_u64(json, "seq") == 3); /* three releases */
  CHECK(json_u64(json, "versions") >= 3);
  CHECK(json_u64(json, "events") > 0);
  outpost_string_free(json);
}

static void test_background_sync(outpost_device_t* device, const char* work) {
  char command[4096];
  char file[1024];
  char* decision = NULL;
  unsigned char text[128];
  size_t n = 0;
  outpost_reader_t* reader = NULL;
  int changed_before = count(&events.catalog_changed);
  int done_before = count(&events.sync_done);

  CHECK_OK(outpost_device_start_background_sync(device, 20, &err));
  CHECK_CODE(outpost_device_start_background_sync(device, 20, &err), OUTPOST_ERR_BUSY);
  CHECK_CODE(outpost_device_sync_once(device, 0, NULL, &err), OUTPOST_ERR_BUSY);
  CHECK(wait_for(&events.sync_done, done_before + 1, 60));

  /* Marketing publishes a new price sheet: the hub's notice brings it. */
  snprintf(file, sizeof file, "%s/prices-v2.txt", work);
  write_file(file, "EMEA price list 2027 - version 2 (new discounts)\n");
  snprintf(command, sizeof command,
           "'%s' --quiet publish '%s' --asset emea-prices --title 'EMEA price list' --kind price-sheet "
           "--critical price-sheet --region EMEA >/dev/null",
           env("OUTPOST_PUBLISH_BIN"), file);
  run(command);
  CHECK(wait_for(&events.catalog_changed, changed_before + 1, 60));
  pthread_mutex_lock(&events.mutex);
  CHECK(json_u64(events.last_report, "releases") == 1);
  pthread_mutex_unlock(&events.mutex);

  CHECK_OK(outpost_asset_open(device, "emea-prices", 0, &reader, &decision, &err));
  CHECK(contains(decision, "\"version\":2"));
  CHECK_OK(outpost_reader_read(reader, text, sizeof text - 1, &n, &err));
  text[n] = '\0';
  CHECK(contains((const char*)text, "version 2"));
  outpost_reader_free(reader);
  outpost_string_free(decision);

  /* The replaced version is blocked, with the decision saying why. */
  reader = (outpost_reader_t*)&n;
  CHECK_CODE(outpost_asset_open(device, "emea-prices", 1, &reader, &decision, &err), OUTPOST_ERR_BLOCKED);
  CHECK(reader == NULL);
  CHECK(contains(decision, "\"allowed\":false") && contains(decision, "\"reason\":\"superseded\""));
  CHECK(contains(err.message, "superseded"));
  outpost_string_free(decision);

  CHECK_OK(outpost_device_stop_background_sync(device, &err));
  CHECK_OK(outpost_device_stop_background_sync(device, &err));
}

static void test_revoked(outpost_device_t* device) {
  char command[2048];
  char* json = NULL;
  outpost_reader_t* reader = NULL;
  outpost_presentation_t* p = NULL;
  snprintf(command, sizeof command,
           "'%s' --quiet revoke hospital-deck@1 --reason 'claims no longer approved' >/dev/null",
           env("OUTPOST_PUBLISH_BIN"));
  run(command);
  CHECK_OK(outpost_device_sync_once(device, 0, &json, &err));
  CHECK(json_u64(json, "revocations") == 1);
  outpost_string_free(json);
  CHECK_CODE(outpost_asset_open(device, "hospital-deck", 0, &reader, &json, &err), OUTPOST_ERR_BLOCKED);
  CHECK(reader == NULL && contains(json, "\"reason\":\"revoked\""));
  outpost_string_free(json);
  CHECK_CODE(outpost_presentation_start(device, "hospital-deck", 1, &p, NULL, &json, &err), OUTPOST_ERR_BLOCKED);
  CHECK(p == NULL && contains(json, "\"reason\":\"revoked\""));
  outpost_string_free(json);
}

static void test_close_from_callback(const char* home) {
  outpost_device_t* device = NULL;
  char* json = NULL;
  int waited;
  CHECK_OK(outpost_device_open(home, NULL, NULL, &device, &err));
  CHECK_OK(outpost_device_on_sync_done(device, close_from_callback, device, &err));
  CHECK_OK(outpost_device_sync_once(device, 0, &json, &err));
  CHECK(contains(json, "\"wiped\":false"));
  outpost_string_free(json);
  CHECK_CODE(outpost_device_status(device, &json, &err), OUTPOST_ERR_INVALID_HANDLE);
  CHECK(outpost_live_objects() == 0);
  /* The worker closes the home right after the callback: the lock goes. */
  for (waited = 0; waited < 100; ++waited) {
    if (outpost_device_open(home, NULL, NULL, &device, &err) != OUTPOST_ERR_BUSY) break;
    sleep_ms(100);
  }
  CHECK(err.code == OUTPOST_OK && device != NULL);
  outpost_device_close(device);
}

static void test_wiped(const char* home) {
  char command[2048];
  outpost_device_t* device = NULL;
  char* json = NULL;
  snprintf(command, sizeof command, "'%s' --home '%s' wipe-device capi-rep >/dev/null", env("OUTPOST_HUB_BIN"),
           env("OUTPOST_HUB_HOME"));
  run(command);
  CHECK_OK(outpost_device_open(home, NULL, NULL, &device, &err));
  CHECK_OK(outpost_device_sync_once(device, 0, &json, &err));
  CHECK(contains(json, "\"wiped\":true"));
  outpost_string_free(json);
  CHECK_CODE(outpost_device_status(device, &json, &err), OUTPOST_ERR_WIPED);
  CHECK(json == NULL);
  CHECK_CODE(outpost_catalog_search(device, "hosp", NULL, 0, &json, &err), OUTPOST_ERR_WIPED);
  outpost_device_close(device);
  CHECK_CODE(outpost_device_open(home, NULL, NULL, &device, &err), OUTPOST_ERR_WIPED);
  CHECK(device == NULL);
}

int main(void) {
  const char* work = env("OUTPOST_TEST_WORK");
  char home[1024];
  char second[1024];
  char* json = NULL;
  outpost_device_t* device = NULL;
  outpost_device_t* again = NULL;
  outpost_reader_t* orphan = NULL;
  unsigned char byte;
  size_t n = 0;

  test_library();
  test_bad_arguments(work);
  test_passphrase(work);

  snprintf(home, sizeof home, "%s/rep", work);
  CHECK_OK(outpost_home_init(home, NULL, NULL, &err));
  CHECK_CODE(outpost_home_init(home, NULL, NULL, &err), OUTPOST_ERR_ALREADY_EXISTS);
  CHECK_OK(outpost_device_open(home, NULL, NULL, &device, &err));
  if (device == NULL) return 1;
  CHECK(err.code == OUTPOST_OK && err.message[0] == '\0');
  CHECK_CODE(outpost_device_open(home, NULL, NULL, &again, &err), OUTPOST_ERR_BUSY);
  CHECK_CODE(outpost_device_sync_once(device, 0, NULL, &err), OUTPOST_ERR_NOT_FOUND);

  CHECK_CODE(outpost_device_enroll(device, "OPT1-garbage", 0, &json, &err), OUTPOST_ERR_INVALID_ARGUMENT);
  CHECK_OK(outpost_device_enroll(device, env("OUTPOST_TEST_TOKEN"), 0, &json, &err));
  CHECK(contains(json, "\"device\":\"capi-rep\"") && contains(json, "\"role\":\"rep\""));
  outpost_string_free(json);

  events.device = device;
  CHECK_OK(outpost_device_on_sync_progress(device, on_progress, &events, &err));
  CHECK_OK(outpost_device_on_catalog_changed(device, on_catalog_changed, &events, &err));
  CHECK_OK(outpost_device_on_sync_done(device, on_sync_done, &events, &err));
  CHECK_OK(outpost_device_sync_once(device, 0, &json, &err));
  CHECK(json_u64(json, "releases") == 3 && contains(json, "\"wiped\":false"));
  CHECK(json_u64(json, "versions_fetched") == 3);
  outpost_string_free(json);
  CHECK(count(&events.progress_calls) > 0);
  CHECK(count(&events.catalog_changed) == 1);
  CHECK(count(&events.sync_done) == 1);
  CHECK(count(&events.reentrant_status) == OUTPOST_OK);
  CHECK(count(&events.reentrant_sync) == OUTPOST_ERR_BUSY);

  test_search_and_catalog(device);
  test_read_deck(device);
  test_present(device);
  test_feedback_and_requests(device);
  test_status(device);
  test_leads(device);
  test_background_sync(device, work);
  test_revoked(device);

  /* A reader of a closed device fails cleanly and still needs freeing. */
  CHECK_OK(outpost_asset_open(device, "emea-prices", 0, &orphan, NULL, &err));
  CHECK_OK(outpost_device_on_sync_done(device, NULL, NULL, &err));
  outpost_device_close(device);
  CHECK_CODE(outpost_reader_read(orphan, &byte, 1, &n, &err), OUTPOST_ERR_INVALID_HANDLE);
  outpost_reader_free(orphan);
  CHECK_CODE(outpost_device_status(device, &json, &err), OUTPOST_ERR_INVALID_HANDLE);
  outpost_device_close(device); /* twice: ignored */

  /* The home is unlocked again; the token was single-use. */
  test_close_from_callback(home);
  test_wiped(home);
  snprintf(second, sizeof second, "%s/second", work);
  CHECK_OK(outpost_home_init(second, NULL, NULL, &err));
  CHECK_OK(outpost_device_open(second, NULL, NULL, &device, &err));
  CHECK_CODE(outpost_device_enroll(device, env("OUTPOST_TEST_TOKEN"), 5000, NULL, &err), OUTPOST_ERR_PERMISSION);
  outpost_device_close(device);

  CHECK(outpost_live_objects() == 0);
  if (failures > 0) {
    fprintf(stderr, "capi_test: %d check(s) failed\n", failures);
    return 1;
  }
  printf("capi_test: all checks passed\n");
  return 0;
}
