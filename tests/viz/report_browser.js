#!/usr/bin/env node
// Opens a training report in headless Chromium (playwright-core driving Debian's /usr/bin/chromium) and checks what a
// person would see: no console errors, no failed or outside requests, every image decoded with a non-zero size,
// every chart drawn (a canvas with painted pixels), the class names on the page; and that the page marked live
// reloads itself while fresh and stops once stale (a killed run). Writes a screenshot.
//
// Usage: node tests/viz/report_browser.js REPORT.html SCREENSHOT.png [CLASS_NAME...]
// Exit status: 0 when every check passes, 1 with one line per failed check, 77 when the browser or playwright-core is
// missing (ctest's skip).
'use strict';
const path = require('path');
const fs = require('fs');

const [report, screenshot, ...classNames] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error('usage: node report_browser.js REPORT.html SCREENSHOT.png [CLASS_NAME...]');
  process.exit(2);
}
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

// The same page marked live, as fovea writes it during training: written now, it reloads itself; written ten
// minutes ago (a run that was killed), it loads once and says that the run stopped updating.
async function checkLiveReload(browser, report, failures) {
  const html = fs.readFileSync(report, 'utf8');
  const anchor = 'id="fovea-report-data">{';
  if (!html.includes(anchor)) {
    failures.push('no data block to mark live');
    return;
  }
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'fovea-live-'));
  try {
    for (const [name, age, expectReloads] of [['live', 0, true], ['stale', 600000, false]]) {
      const live = `${anchor}"live":{"written_ms":${Date.now() - age},"reload_ms":500,"stale_ms":60000},`;
      const file = path.join(dir, `${name}.html`);
      fs.writeFileSync(file, html.replace(anchor, live));
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

(async () => {
  const userData = fs.mkdtempSync(path.join(require('os').tmpdir(), 'fovea-chromium-'));
  const browser = await chromium.launchPersistentContext(userData, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const failures = [];
  try {
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

    const images = await page.$$eval('img', (all) => all.map((img) => ({
      alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })));
    if (images.length === 0) failures.push('no images on the page');
    for (const img of images) {
      if (!img.complete || img.width === 0 || img.height === 0) failures.push(`image not decoded: ${img.alt}`);
    }

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
    if (await page.$('.missing') !== null) {
      const missing = await page.$$eval('.missing', (all) => all.map((e) => e.textContent));
      failures.push(`the page says something is missing: ${missing.join(' | ')}`);
    }

    const text = await page.textContent('body');
    for (const name of classNames) {
      if (!text.includes(name)) failures.push(`class name not on the page: ${name}`);
    }
    const svg = await page.$('#graph svg');
    if (svg === null) failures.push('no model graph');

    await page.screenshot({ path: screenshot, fullPage: false });
    await checkLiveReload(browser, report, failures);
    console.log(`report_browser: ${images.length} images, ${charts.length} charts, ` +
                `${classNames.length} class names checked; screenshot ${screenshot}`);
  } finally {
    await browser.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    for (const failure of failures) console.log(`FAIL: ${failure}`);
    process.exit(1);
  }
})().catch((error) => {
  console.log(`FAIL: ${error.message}`);
  process.exit(1);
});
