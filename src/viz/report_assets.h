// The report pages' style sheet and scripts, inlined into every page (src/viz/report_page.cpp, src/viz/report.cpp).
#pragma once

#include <string_view>

namespace fovea::viz {

inline constexpr std::string_view kReportStyle = R"css(
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #dde1e8; --accent: #2c728e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { margin: 2rem 0 .75rem; font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { margin: 1rem 0 .5rem; font-size: 1rem; color: var(--muted); }
.status { margin: 0; color: var(--muted); }
.live { margin: .5rem 0 0; padding: .4rem .7rem; border-radius: 4px; background: #eef6f3; color: #1e5e4a; }
.live.stopped { background: #fdf1e4; color: #7a4a0c; }
.missing { padding: .4rem .7rem; border-left: 4px solid #c77d12; background: #fdf6ec; }
.note { color: var(--muted); }
pre { background: #f5f6f8; padding: .6rem .8rem; overflow-x: auto; font-size: 13px; border-radius: 4px; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1.5rem; }
table { border-collapse: collapse; font-size: 14px; }
table.pairs th { text-align: left; font-weight: 600; padding: .15rem 1rem .15rem 0; vertical-align: top; }
table.pairs td { padding: .15rem 0; }
table.numbers th, table.numbers td { padding: .2rem .6rem; text-align: right; border-bottom: 1px solid var(--line); }
table.numbers th:first-child { text-align: left; }
table.confusion td { width: 3.2rem; height: 2.2rem; text-align: center; font-variant-numeric: tabular-nums; }
table.confusion th { padding: .2rem .5rem; font-weight: 600; text-align: right; }
table.confusion th.predicted { writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; }
table.confusion th.corner { font-weight: normal; color: var(--muted); vertical-align: bottom; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; }
.chart { position: relative; height: 300px; }
.scroll { overflow-x: auto; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
figure { margin: 0; }
figure img { display: block; max-width: 100%; image-rendering: pixelated; border: 1px solid var(--line); }
figcaption { font-size: 13px; color: var(--muted); margin-top: .3rem; }
.graph svg { max-width: 100%; height: auto; }
footer { margin-top: 2.5rem; font-size: 12px; color: var(--muted); }
)css";

// Shared by every report page (src/viz/report_page.cpp): reloads a live page until it is stale (the run was killed
// or ended without a last page), keeping the scroll position. The data block's live member says what runs
// ("Training is running") and what stopped ("This run"); a page without those texts is a training report's.
inline constexpr std::string_view kLiveReloadScript = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('fovea-report-data').textContent);
  const notice = document.getElementById('live-notice');
  const scrollKey = 'fovea-report-scroll:' + location.pathname;
  if (!data.live) return;
  const age = Date.now() - data.live.written_ms;
  notice.hidden = false;
  if (age < data.live.stale_ms) {
    notice.textContent = (data.live.running || 'Training is running') + ': this page reloads itself every ' +
        Math.round(data.live.reload_ms / 1000) + ' s.';
    const y = sessionStorage.getItem(scrollKey);
    if (y !== null) window.scrollTo(0, Number(y));
    setTimeout(function () {
      sessionStorage.setItem(scrollKey, String(window.scrollY));
      location.reload();
    }, data.live.reload_ms);
  } else {
    notice.classList.add('stopped');
    notice.textContent = (data.live.subject || 'This run') + ' stopped updating at ' +
        new Date(data.live.written_ms).toLocaleString() +
        ' without finishing (it may have been interrupted); the page no longer reloads.';
  }
})();
)js";

// The training report's charts: one Chart.js line chart per metric (training and validation together, values on
// hover).
inline constexpr std::string_view kReportScript = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('fovea-report-data').textContent);
  if (typeof Chart === 'undefined') return;
  const colours = { training: '#2c728e', validation: '#e8702a' };
  for (const group of data.charts) {
    const canvas = document.getElementById(group.id);
    if (!canvas) continue;
    new Chart(canvas, {
      type: 'line',
      data: {
        labels: data.epochs.map(function (e) { return e + 1; }),
        datasets: group.series.map(function (s) {
          const colour = colours[s.name] || '#5b6475';
          return { label: s.name, data: s.values, borderColor: colour, backgroundColor: colour,
                   pointRadius: 3, borderWidth: 2, spanGaps: false };
        })
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          title: { display: true, text: group.title },
          legend: { position: 'bottom' }
        },
        scales: {
          x: { title: { display: true, text: 'epoch' } },
          y: { title: { display: true, text: group.title } }
        }
      }
    });
  }
})();
)js";

}  // namespace fovea::viz
