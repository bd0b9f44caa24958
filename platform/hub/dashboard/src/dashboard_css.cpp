// The dashboard's only style sheet (no inline style: CSP). Chart colours by
// series class; the same classes colour the legend swatches.
#include "dashboard_page.hpp"

namespace outpost::web {

const std::string_view dashboard_css = R"css(
body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
header { display: flex; justify-content: space-between; align-items: center; padding: 0.6rem 1.5rem;
         background: #1d2430; color: #fff; }
header h1 { font-size: 1.2rem; margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
main.login { max-width: 520px; }
section.report { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; padding: 0.5rem 1.2rem 1rem;
                 margin: 1.2rem 0; }
h2 { font-size: 1.1rem; } h3 { font-size: 0.95rem; margin: 1rem 0 0.3rem; color: #4a5566; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.3rem 0; }
th, td { border-bottom: 1px solid #e4e7ec; padding: 0.2rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
svg.chart { max-width: 100%; height: auto; display: block; }
svg.chart text { font-size: 12px; fill: #1d2430; }
svg.chart .axis { stroke: #8a94a6; }
.bar, .swatch { fill: #5b8def; background: #5b8def; }
.opens { fill: #2f6fde; background: #2f6fde; }
.presentations { fill: #f29d38; background: #f29d38; }
.never, .no-result, .blocked, .needs-update { fill: #d9534f; background: #d9534f; }
.opened, .holding, .rating, .leads { fill: #3a9d5d; background: #3a9d5d; }
.older { fill: #f0ad4e; background: #f0ad4e; }
.none { fill: #c4cad4; background: #c4cad4; }
.within { fill: #3a9d5d; background: #3a9d5d; }
.late { fill: #f0ad4e; background: #f0ad4e; }
.overdue { fill: #d9534f; background: #d9534f; }
.open { fill: #c4cad4; background: #c4cad4; }
ul.legend { list-style: none; padding: 0; display: flex; gap: 1.2rem; font-size: 0.85rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
.empty { color: #6b7585; font-style: italic; }
.notice { background: #fff7e0; border-left: 4px solid #f0ad4e; padding: 0.4rem 0.8rem; }
.error { color: #b52b27; font-weight: 600; }
a.csv { font-weight: 600; }
form.window { margin: 0.5rem 0; } form.window input[type=number] { width: 5rem; }
form.logout button { background: none; color: #fff; border: 1px solid #fff; border-radius: 4px; cursor: pointer; }
)css";

}  // namespace outpost::web
