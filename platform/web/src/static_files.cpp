// The static files, compiled in: the kiosk's script (reset after a
// thank-you and after idling, so the next visitor sees nothing of the
// previous one) and the shared style sheet.
#include "static_files.hpp"

#include <array>
#include <utility>

namespace outpost::web {

namespace {

constexpr std::string_view kiosk_js = R"JS('use strict';
// Outpost kiosk: nothing of one visitor may be left for the next.
(function () {
  var IDLE_MS = 120000;
  var form = document.getElementById('lead-form');
  if (form) {
    // Coming back through the browser's history must not show old input.
    window.addEventListener('pageshow', function (e) { if (e.persisted) form.reset(); });
    var timer = null;
    var restart = function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { window.location.replace('/kiosk'); }, IDLE_MS);
    };
    ['input', 'keydown', 'pointerdown'].forEach(function (t) { document.addEventListener(t, restart); });
    restart();
  }
})();
)JS";

constexpr std::string_view outpost_css = R"CSS(body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1b1f24; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.8rem; }
.field, .question, .consent { margin: 1rem 0; }
label { display: block; font-weight: 600; margin-bottom: .3rem; }
input[type=text], input[type=email], input[type=tel], input[type=number], input[type=password], select {
  width: 100%; font-size: 1.2rem; padding: .6rem; box-sizing: border-box; border: 1px solid #9aa4b2; border-radius: .4rem; }
.question label, .consent label { font-weight: 400; }
.required { color: #b3261e; }
.error { color: #b3261e; font-weight: 600; }
.consent-text { background: #fff; padding: .8rem; border-radius: .4rem; }
.consent-version { font-size: .85rem; color: #57606a; }
button { font-size: 1.3rem; padding: .8rem 2rem; border: 0; border-radius: .5rem; background: #0b5cad; color: #fff; }
.staff-link { margin-top: 3rem; font-size: .8rem; text-align: right; }
dt { font-weight: 600; margin-top: .8rem; }
)CSS";

constexpr std::array<std::pair<std::string_view, StaticFile>, 2> files{{
    {"/static/kiosk.js", {"text/javascript; charset=utf-8", kiosk_js}},
    {"/static/outpost.css", {"text/css; charset=utf-8", outpost_css}},
}};

}  // namespace

const StaticFile* static_file(std::string_view path) {
  for (const auto& [name, file] : files) {
    if (name == path) return &file;
  }
  return nullptr;
}

}  // namespace outpost::web
