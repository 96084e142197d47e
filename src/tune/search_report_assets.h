// The search report's own style and script (src/tune/search_report.cpp), added to the training report's frame
// (src/viz/report_page.h), which brings the shared style sheet, the live reload and Chart.js.
#pragma once

#include <string_view>

namespace fovea::tune {

inline constexpr std::string_view kSearchReportStyle = R"css(
.chart.parallel { height: 460px; }
.colour-scale { display: flex; align-items: center; gap: .5rem; font-size: 13px; color: var(--muted); margin-top: .4rem; }
.colour-scale .bar { display: inline-block; width: 240px; height: 10px; border-radius: 2px; }
.best-value { font-size: 1.05rem; margin: 0 0 .5rem; }
table.trials td.config, table.trials th.config, table.numbers td.status, table.numbers th.status { text-align: left; }
table.trials tr.best td { background: #eef6f3; font-weight: 600; }
table.trials tr.failed td.status { color: #9b2c2c; }
ul.messages { margin: 0; padding-left: 1.2rem; font-size: 14px; }
)css";

// Draws the search's charts from the data block with Chart.js: a scatter per knob (categories on an axis of their
// indices, the points spread a little sideways so that equal values stay visible), the best value over the budget
// spent, and the parallel coordinates, which Chart.js lacks as a type: a line chart over the axes with every value
// already placed in [0, 1], and a small plugin that draws each axis and its real tick values.
inline constexpr std::string_view kSearchReportScript = R"js(
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('fovea-report-data').textContent);
  if (typeof Chart === 'undefined') return;

  const fmt = function (v) {
    return typeof v === 'number' && isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
  };
  const valueText = function (v) {
    if (v === undefined || v === null) return '-';
    return typeof v === 'number' ? fmt(v) : String(v);
  };
  const base = { animation: false, responsive: true, maintainAspectRatio: false };
  const finished = data.steps.filter(function (s) { return s.value !== null; });
  const levels = data.budgets.length;
  const radius = function (i) { return 2.5 + 3.5 * (levels > 1 ? i / (levels - 1) : 1); };
  // The same small sideways offset for a trial on every category axis: within a third of the gap between categories.
  const jitter = function (s) { return (((s.trial * 0.6180339887) % 1) - 0.5) * 0.36; };
  const stepLine = function (s) {
    return 'trial ' + s.trial + ', budget ' + fmt(s.budget) + ': ' + data.objective + ' ' + fmt(s.value);
  };

  data.knobs.forEach(function (knob, k) {
    const canvas = document.getElementById('knob-' + k);
    if (!canvas) return;
    const category = knob.kind === 'category';
    const datasets = data.budgets.map(function (level, i) {
      const points = finished.filter(function (s) { return s.budget === level.budget && s.x[k] !== null; })
          .map(function (s) { return { x: category ? s.x[k] + jitter(s) : s.x[k], y: s.value, step: s }; });
      return { label: 'budget ' + fmt(level.budget), data: points, backgroundColor: level.colour,
               borderColor: level.colour, pointRadius: radius(i), pointHoverRadius: radius(i) + 2 };
    }).filter(function (d) { return d.data.length > 0; });
    const x = { title: { display: true, text: knob.name + (knob.kind === 'log' ? ' (log scale)' : '') } };
    if (knob.kind === 'log') {
      // Chart.js labels 1 to 9 times each power of ten, which crowd each other: keep 1 (and 2 and 5 when the range
      // spans less than two decades).
      const fewDecades = Math.log10(knob.max / knob.min) < 2;
      Object.assign(x, { type: 'logarithmic', ticks: { maxRotation: 0, callback: function (v) {
        const m = Math.round(v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9)) * 1000) / 1000;
        return m === 1 || (fewDecades && (m === 2 || m === 5)) ? fmt(v) : '';
      } } });
    } else if (category) {
      Object.assign(x, {
        type: 'linear', min: -0.5, max: knob.categories.length - 0.5, grid: { display: false },
        afterBuildTicks: function (axis) { axis.ticks = knob.categories.map(function (_, i) { return { value: i }; }); },
        ticks: { autoSkip: true, callback: function (v) { return knob.categories[v] === undefined ? '' : knob.categories[v]; } }
      });
    }
    new Chart(canvas, {
      type: 'scatter',
      data: { datasets: datasets },
      options: Object.assign({}, base, {
        plugins: {
          title: { display: true, text: data.objective + ' against ' + knob.name },
          legend: { position: 'bottom', display: datasets.length > 1 },
          tooltip: { callbacks: { label: function (c) {
            const s = c.raw.step;
            return stepLine(s) + ' (' + knob.name + ' = ' + valueText(s.config[knob.name]) + ')';
          } } }
        },
        scales: { x: x, y: { title: { display: true, text: data.objective } } }
      })
    });
  });

  const progress = document.getElementById('progress-chart');
  if (progress) {
    const bestLine = data.steps.filter(function (s) { return s.best_so_far !== null; })
        .map(function (s) { return { x: s.spent, y: s.best_so_far, step: s }; });
    const points = finished.map(function (s) { return { x: s.spent, y: s.value, step: s }; });
    new Chart(progress, {
      type: 'scatter',
      data: { datasets: [
        { type: 'line', label: 'best so far', data: bestLine, stepped: 'before', borderColor: '#2c728e',
          backgroundColor: '#2c728e', borderWidth: 2.5, pointRadius: 0, pointHoverRadius: 4 },
        { label: 'each step', data: points, backgroundColor: 'rgba(232,112,42,0.55)',
          borderColor: 'rgba(232,112,42,0.9)', pointRadius: 3 }
      ] },
      options: Object.assign({}, base, {
        plugins: {
          title: { display: true, text: 'best ' + data.objective + ' (' + data.direction + ') over budget' },
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: function (c) {
            const s = c.raw.step;
            return c.datasetIndex === 0 ? 'best so far ' + fmt(c.raw.y) + ' after ' + fmt(c.raw.x) + ' spent'
                                        : stepLine(s);
          } } }
        },
        scales: {
          x: { type: 'linear', min: 0, title: { display: true, text: 'budget spent' } },
          y: { title: { display: true, text: data.objective } }
        }
      })
    });
  }

  const parallel = document.getElementById('parallel-chart');
  if (parallel && data.trials.length > 0) {
    const axes = data.knobs.concat([data.objective_axis]);
    const labels = axes.map(function (a) { return a.name + (a.kind === 'log' ? ' (log)' : ''); });
    const last = axes.length - 1;
    const datasets = data.trials.map(function (t) {
      return { label: 'trial ' + t.trial, data: t.position, trial: t, borderColor: t.colour,
               backgroundColor: t.colour, borderWidth: t.best ? 4 : 1.5, pointRadius: t.best ? 3.5 : 2,
               pointHoverRadius: 5, spanGaps: true, tension: 0,
               borderDash: t.position[last] === null ? [5, 4] : [] };
    });
    // Each axis as a vertical line, under the trials; its real values beside it, over them (on a white halo).
    const axesPlugin = {
      id: 'foveaParallelAxes',
      beforeDatasetsDraw: function (chart) {
        const ctx = chart.ctx, area = chart.chartArea;
        ctx.save();
        ctx.strokeStyle = '#9aa3b2';
        ctx.lineWidth = 1;
        axes.forEach(function (_, i) {
          const px = chart.scales.x.getPixelForValue(i);
          ctx.beginPath();
          ctx.moveTo(px, area.top);
          ctx.lineTo(px, area.bottom);
          ctx.stroke();
        });
        ctx.restore();
      },
      afterDatasetsDraw: function (chart) {
        const ctx = chart.ctx;
        ctx.save();
        ctx.font = '11px system-ui, sans-serif';
        ctx.textBaseline = 'middle';
        ctx.lineJoin = 'round';
        axes.forEach(function (axis, i) {
          const px = chart.scales.x.getPixelForValue(i);
          ctx.textAlign = i === last ? 'right' : 'left';
          const tx = i === last ? px - 5 : px + 5;
          axis.ticks.forEach(function (tick) {
            const py = chart.scales.y.getPixelForValue(tick[0]);
            ctx.strokeStyle = '#1d2330';
            ctx.beginPath();
            ctx.moveTo(px - 3, py);
            ctx.lineTo(px + 3, py);
            ctx.stroke();
            ctx.lineWidth = 3;
            ctx.strokeStyle = 'rgba(255,255,255,0.85)';
            ctx.strokeText(tick[1], tx, py);
            ctx.lineWidth = 1;
            ctx.fillStyle = '#1d2330';
            ctx.fillText(tick[1], tx, py);
          });
        });
        ctx.restore();
      }
    };
    new Chart(parallel, {
      type: 'line',
      data: { labels: labels, datasets: datasets },
      plugins: [axesPlugin],
      options: Object.assign({}, base, {
        layout: { padding: { top: 8, bottom: 4, left: 4, right: 4 } },
        interaction: { mode: 'dataset', intersect: false },
        plugins: {
          title: { display: true, text: 'all trials: knobs and ' + data.objective },
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) {
              const t = items[0].dataset.trial;
              return 'trial ' + t.trial + ' at budget ' + fmt(t.budget) + (t.best ? ' (best)' : '');
            },
            label: function (c) { return labels[c.dataIndex] + ': ' + c.dataset.trial.text[c.dataIndex]; }
          } }
        },
        scales: {
          x: { grid: { display: false }, ticks: { font: { weight: 'bold' } } },
          y: { display: false, min: -0.04, max: 1.04 }
        }
      })
    });
  }
})();
)js";

}  // namespace fovea::tune
