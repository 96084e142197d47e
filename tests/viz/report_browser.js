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
const browserChecks = require('./report_browser_lib.js');

const [report, screenshot, ...classNames] = process.argv.slice(2);
if (!report || !screenshot) {
  console.error('usage: node report_browser.js REPORT.html SCREENSHOT.png [CLASS_NAME...]');
  process.exit(2);
}

browserChecks.withBrowser(async (browser, failures) => {
  const page = await browserChecks.openReport(browser, report, failures);

  const images = await page.$$eval('img', (all) => all.map((img) => ({
    alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight })));
  if (images.length === 0) failures.push('no images on the page');
  for (const img of images) {
    if (!img.complete || img.width === 0 || img.height === 0) failures.push(`image not decoded: ${img.alt}`);
  }
  const charts = await browserChecks.checkCharts(page, failures);
  await browserChecks.checkNothingMissing(page, failures);

  const text = await page.textContent('body');
  for (const name of classNames) {
    if (!text.includes(name)) failures.push(`class name not on the page: ${name}`);
  }
  const svg = await page.$('#graph svg');
  if (svg === null) failures.push('no model graph');

  await page.screenshot({ path: screenshot, fullPage: false });
  await browserChecks.checkLiveReload(browser, report, failures);
  console.log(`report_browser: ${images.length} images, ${charts.length} charts, ` +
              `${classNames.length} class names checked; screenshot ${screenshot}`);
});
