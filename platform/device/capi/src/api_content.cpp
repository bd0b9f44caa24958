// C entry points: the catalog, search, the version gate, readers and
// presentations.
#include <atomic>
#include <cstring>

#include "args.hpp"
#include "device.hpp"
#include "outpost/device/presentation.hpp"

using namespace outpost;
using namespace outpost::capi;

namespace {

// The object behind an outpost_reader_t. The AssetReader is used on its
// device's worker thread only; the position may be moved from any thread.
class Reader final : public Handle {
 public:
  Reader(std::shared_ptr<Device> d, cache::AssetReader r)
      : device(std::move(d)), reader(std::move(r)), size(reader.size()) {}
  const std::shared_ptr<Device> device;
  cache::AssetReader reader;
  const std::uint64_t size;
  std::atomic<std::uint64_t> position{0};

  std::size_t read_at(std::uint64_t offset, void* buffer, std::size_t capacity) {
    return device->call([&] {
      (void)device->home();  // the home behind the reader is still there (not wiped)
      return take(reader.read_at(offset, MutableByteView(static_cast<std::uint8_t*>(buffer), capacity)));
    });
  }
};

// The object behind an outpost_presentation_t; used on its device's worker
// thread only.
class PresentationHandle final : public Handle {
 public:
  PresentationHandle(std::shared_ptr<Device> d, device::Presentation p)
      : device(std::move(d)), presentation(std::move(p)) {}
  const std::shared_ptr<Device> device;
  device::Presentation presentation;
};

// The reader handle of a newly opened version, registered.
outpost_reader_t* new_reader(const std::shared_ptr<Device>& device, cache::AssetReader reader) {
  auto r = std::make_shared<Reader>(device, std::move(reader));
  register_handle(r);
  return to_c<outpost_reader_t>(r);
}

// The decision out, and OUTPOST_ERR_BLOCKED with its reason when blocked.
void report_decision(const gate::Decision& d, char** out_decision_json) {
  set_json(out_decision_json, decision_json(d));
  if (!d.allowed) {
    std::string message = "blocked (";
    message.append(d.reason ? gate::reason_name(*d.reason) : "unknown").append("): ").append(d.message);
    throw ApiError(OUTPOST_ERR_BLOCKED, message);
  }
}

}  // namespace

extern "C" {

OUTPOST_API outpost_code outpost_catalog_list(outpost_device_t* device, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    set_json(out_json, d->call([&] {
      device::DeviceHome& home = d->home();
      json list = json::array();
      for (const catalog::Release& r : home.catalog().latest_releases()) {
        json entry = release_json(r);
        entry["decision"] = decision_json(home.peek(r.asset));
        list.push_back(std::move(entry));
      }
      return list;
    }));
  });
}

OUTPOST_API outpost_code outpost_catalog_search(outpost_device_t* device, const char* text, const char* facets_json,
                                                uint32_t limit, char** out_json, outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    require(out_json, "out_json");
    auto d = handle_of<Device>(device, "device");
    if (limit > 1000) throw ApiError(OUTPOST_ERR_INVALID_ARGUMENT, "limit must be 1-1000 (0: 20)");
    const search::Query query{optional_text(text), parse_facets(facets_json), limit == 0 ? 20 : limit};
    set_json(out_json, d->call([&] { return search_json(take(d->home().search(query))); }));
  });
}

OUTPOST_API outpost_code outpost_search_choice(outpost_device_t* device, const char* text, const char* facets_json,
                                               uint64_t result_count, const char* asset, outpost_error* err) {
  return entry(err, [&] {
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(asset, "asset");
    const search::Query query{optional_text(text), parse_facets(facets_json), 20};
    d->call([&] { d->home().record_search_choice(query, static_cast<std::size_t>(result_count), id); });
  });
}

OUTPOST_API outpost_code outpost_asset_peek(outpost_device_t* device, const char* asset, uint64_t version,
                                            char** out_decision_json, outpost_error* err) {
  clear(out_decision_json);
  return entry(err, [&] {
    require(out_decision_json, "out_decision_json");
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(asset, "asset");
    set_json(out_decision_json, d->call([&] { return decision_json(d->home().peek(id, version_arg(version))); }));
  });
}

OUTPOST_API outpost_code outpost_asset_open(outpost_device_t* device, const char* asset, uint64_t version,
                                            outpost_reader_t** out_reader, char** out_decision_json,
                                            outpost_error* err) {
  clear(out_reader);
  clear(out_decision_json);
  return entry(err, [&] {
    require(out_reader, "out_reader");
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(asset, "asset");
    device::DeviceHome::Opened opened = d->call([&] { return take(d->home().open_asset(id, version_arg(version))); });
    report_decision(opened.decision, out_decision_json);
    *out_reader = new_reader(d, std::move(*opened.reader));
  });
}

OUTPOST_API outpost_code outpost_reader_size(outpost_reader_t* reader, uint64_t* out_size, outpost_error* err) {
  clear(out_size);
  return entry(err, [&] {
    require(out_size, "out_size");
    *out_size = handle_of<Reader>(reader, "reader")->size;
  });
}

OUTPOST_API outpost_code outpost_reader_seek(outpost_reader_t* reader, uint64_t offset, outpost_error* err) {
  return entry(err, [&] { handle_of<Reader>(reader, "reader")->position = offset; });
}

OUTPOST_API outpost_code outpost_reader_tell(outpost_reader_t* reader, uint64_t* out_offset, outpost_error* err) {
  clear(out_offset);
  return entry(err, [&] {
    require(out_offset, "out_offset");
    *out_offset = handle_of<Reader>(reader, "reader")->position.load();
  });
}

OUTPOST_API outpost_code outpost_reader_read(outpost_reader_t* reader, void* buffer, size_t capacity, size_t* out_read,
                                             outpost_error* err) {
  clear(out_read);
  return entry(err, [&] {
    require(out_read, "out_read");
    if (capacity > 0) require(buffer, "buffer");
    auto r = handle_of<Reader>(reader, "reader");
    const std::size_t n = r->read_at(r->position.load(), buffer, capacity);
    r->position += n;
    *out_read = n;
  });
}

OUTPOST_API outpost_code outpost_reader_read_at(outpost_reader_t* reader, uint64_t offset, void* buffer,
                                                size_t capacity, size_t* out_read, outpost_error* err) {
  clear(out_read);
  return entry(err, [&] {
    require(out_read, "out_read");
    if (capacity > 0) require(buffer, "buffer");
    *out_read = handle_of<Reader>(reader, "reader")->read_at(offset, buffer, capacity);
  });
}

OUTPOST_API void outpost_reader_free(outpost_reader_t* reader) { (void)release_handle<Reader>(reader); }

OUTPOST_API outpost_code outpost_presentation_start(outpost_device_t* device, const char* asset, uint64_t version,
                                                    outpost_presentation_t** out_presentation,
                                                    outpost_reader_t** out_reader, char** out_decision_json,
                                                    outpost_error* err) {
  clear(out_presentation);
  clear(out_reader);
  clear(out_decision_json);
  return entry(err, [&] {
    require(out_presentation, "out_presentation");
    auto d = handle_of<Device>(device, "device");
    const std::string id = text_arg(asset, "asset");
    device::Presentation::Started started = d->call([&] {
      return take(device::Presentation::start(d->home(), d->clock(), d->random(), id, version_arg(version)));
    });
    report_decision(started.decision, out_decision_json);
    if (out_reader != nullptr) *out_reader = new_reader(d, started.presentation->reader());
    auto p = std::make_shared<PresentationHandle>(d, std::move(*started.presentation));
    register_handle(p);
    *out_presentation = to_c<outpost_presentation_t>(p);
  });
}

OUTPOST_API outpost_code outpost_presentation_show_page(outpost_presentation_t* presentation, uint64_t page,
                                                        outpost_error* err) {
  return entry(err, [&] {
    auto p = handle_of<PresentationHandle>(presentation, "presentation");
    p->device->call([&] {
      (void)p->device->home();
      check(p->presentation.show_page(page));
    });
  });
}

OUTPOST_API outpost_code outpost_presentation_end(outpost_presentation_t* presentation, char** out_json,
                                                  outpost_error* err) {
  clear(out_json);
  return entry(err, [&] {
    auto p = handle_of<PresentationHandle>(presentation, "presentation");
    const device::PresentationSummary summary = p->device->call([&] {
      (void)p->device->home();
      return take(p->presentation.end());
    });
    set_json(out_json, presentation_json(summary));
  });
}

OUTPOST_API void outpost_presentation_free(outpost_presentation_t* presentation) {
  (void)release_handle<PresentationHandle>(presentation);
}

}  // extern "C"
