#!/usr/bin/env node
// Opens a search report (`fovea tune`'s report.html, or tune::write_search_report's page) in headless Chromium and
// checks what a person would see: no console errors, no request outside the page, every chart drawn (one per knob,
// the best score over budget, the parallel coordinates), the best trial with its retrain command, a table row per
// trial; and that the page marked live reloads itself while fresh and stops once stale. Writes a full-page
// screenshot.
//
// Usage: node tests/tune/search_report_browser.js REPORT.html SCREENSHOT.png [TRIALS]
//   TRIALS: the number of trials the table must list (not checked when left out).
// Exit status: 0 when every check passes, 1 with one line per failed check, 77 when the browser or playwright-core is
// missing (ctest's skip).
'use strict';
const path = require('path');
const browserChecks = require(path.join(__dirname, '..', 'viz', 'report_browser_lib.js'));

const [report, screenshot, trials] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error('usage: node search_report_browser.js REPORT.html SCREENSHOT.png [TRIALS]');
  process.exit(2);
}

browserChecks.withBrowser(async (browser, failures) => {
  const page = await browserChecks.openReport(browser, report, failures);
  const charts = await browserChecks.checkCharts(page, failures);
  await browserChecks.checkNothingMissing(page, failures);

  const ids = charts.map((chart) => chart.id);
  const knobs = await page.$$eval('canvas[id^="knob-"]', (all) => all.length);
  if (knobs === 0) failures.push('no chart of the score against a knob');
  for (const id of ['progress-chart', 'parallel-chart']) {
    if (!ids.includes(id)) failures.push(`no chart ${id}`);
  }
  const best = await page.textContent('#best');
  if (!best.includes('Retrain it') || (await page.$('#best-command')) === null) {
    failures.push(`no best trial with its retrain command: ${best}`);
  }
  const rows = await page.$$eval('table.trials tr', (all) => all.length - 1);
  if (trials !== undefined && rows !== Number(trials)) failures.push(`${rows} trials in the table, not ${trials}`);

  await page.screenshot({ path: screenshot, fullPage: true });
  await browserChecks.checkLiveReload(browser, report, failures);
  console.log(`search_report_browser: ${charts.length} charts (${knobs} knobs), ${rows} trials; ` +
              `screenshot ${screenshot}`);
});
