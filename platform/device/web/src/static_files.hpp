// The server's static files: a fixed map compiled into the binary, never
// the filesystem, so no path can reach outside it.
#pragma once

#include <string_view>

namespace outpost::web {

struct StaticFile {
  std::string_view content_type;
  std::string_view body;
};

// nullptr when path (e.g. "/static/kiosk.js") is not one of them.
const StaticFile* static_file(std::string_view path);

}  // namespace outpost::web
