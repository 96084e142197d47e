// What the browser checks of fovea's report pages share (tests/viz/report_browser.js for the training report,
// tests/tune/search_report_browser.js for the search report): finding playwright-core and Chromium (exit 77, ctest's
// skip, when either is missing), opening a page while watching for console errors and any request outside it, the
// charts painted, the "missing" notices, and the live page's reload and staleness.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');

// playwright-core's chromium, or exit 77 when it or the browser is missing.
function requireChromium() {
  const chromiumPath = process.env.FOVEA_CHROMIUM || '/usr/bin/chromium';
  const npmRoot = process.env.FOVEA_NPM_ROOT || '/usr/local/share/fovea/npm';
  let chromium;
  try {
    ({ chromium } = require(path.join(npmRoot, 'playwright-core')));
  } catch (e) {
    console.log(`SKIP: playwright-core is not installed in ${npmRoot} (scripts/setup installs it)`);
    process.exit(77);
  }
  if (!fs.existsSync(chromiumPath)) {
    console.log(`SKIP: ${chromiumPath} is missing (apt-get install chromium)`);
    process.exit(77);
  }
  return { chromium, chromiumPath };
}

// Runs check(browser, failures) in a fresh headless Chromium with no network side channels, then prints the
// failures and exits 1 when there are any.
async function withBrowser(check) {
  const { chromium, chromiumPath } = requireChromium();
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'fovea-chromium-'));
  const failures = [];
  try {
    const browser = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync'],
    });
    try {
      await check(browser, failures);
    } finally {
      await browser.close();
    }
  } catch (error) {
    failures.push(error.message);
  } finally {
    fs.rmSync(userData, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    process.exit(1);
  }
}

// Opens the report file, counting console errors, script errors and every request that is not the page itself
// or a data: URI as failures.
async function openReport(browser, report, failures) {
  const page = await browser.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => failures.push(`script error: ${error.message}`));
  page.on('requestfailed', (request) => failures.push(`failed request: ${request.url()}`));
  const url = 'file://' + path.resolve(report);
  page.on('request', (request) => {
    const u = request.url();
    if (u !== url && !u.startsWith('data:')) failures.push(`request outside the page: ${u}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

// Every canvas painted (a chart drawn); returns them ({id, width, height, painted}).
async function checkCharts(page, failures) {
  const charts = await page.$$eval('canvas', (all) => all.map((canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return { id: canvas.id, width: canvas.width, height: canvas.height, painted };
  }));
  if (charts.length === 0) failures.push('no charts on the page');
  for (const chart of charts) {
    if (chart.width === 0 || chart.height === 0 || chart.painted < 500) {
      failures.push(`chart ${chart.id} is blank (${chart.painted} painted pixels)`);
    }
  }
  return charts;
}

// The page says nothing is missing (the chart library, a picture, the graph).
async function checkNothingMissing(page, failures) {
  const missing = await page.$$eval('.missing', (all) => all.map((e) => e.textContent));
  if (missing.length > 0) failures.push(`the page says something is missing: ${missing.join(' | ')}`);
}

// The same page marked live, as fovea writes it while it runs: written now, it reloads itself; written ten minutes
// ago (a run that was killed), it loads once and says that it stopped updating.
async function checkLiveReload(browser, report, failures) {
  const html = fs.readFileSync(report, 'utf8');
  const anchor = 'id="fovea-report-data">{';
  if (!html.includes(anchor)) {
    failures.push('no data block to mark live');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fovea-live-'));
  try {
    for (const [name, age, expectReloads] of [['live', 0, true], ['stale', 600000, false]]) {
      const live = `${anchor}"live":{"written_ms":${Date.now() - age},"reload_ms":500,"stale_ms":60000},`;
      const file = path.join(dir, `${name}.html`);
      fs.writeFileSync(file, html.replace(/"live":\{[^}]*\},?/, '').replace(anchor, live));
      const page = await browser.newPage();
      let loads = 0;
      page.on('load', () => loads++);
      await page.goto('file://' + file, { waitUntil: 'load' });
      await page.waitForTimeout(1600);
      const notice = await page.textContent('#live-notice');
      await page.close();
      if (expectReloads && loads < 2) failures.push(`a live page did not reload (${loads} load): ${notice}`);
      if (!expectReloads && loads !== 1) failures.push(`a stale page reloaded (${loads} loads)`);
      if (!expectReloads && !notice.includes('stopped updating')) failures.push(`a stale page says: ${notice}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { withBrowser, openReport, checkCharts, checkNothingMissing, checkLiveReload };
