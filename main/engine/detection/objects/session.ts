/**
 * The inference session, off the main thread: onnxruntime-node runs on a
 * worker_threads Worker, so a 20–60 ms inference never blocks the engine's
 * event loop (recording, live, the API).
 *
 * `InferenceBackend` is what the detector needs from a session; tests replace
 * it with a fake (e.g. a slow one, to prove the queue drops instead of
 * blocking). `createWorkerBackend` is the real one.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { OutputTensor } from './decode.ts';
import { resizeNormalise, type InputSpec } from './preprocess.ts';

/** One region of a frame, cropped (rgb24, width × height): the thread resizes and normalises it. */
export interface RegionInput {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface InferenceBackend {
  /** Runs the model once per region of one frame, in order. The regions' buffers are handed over (transferred). */
  run(regions: RegionInput[]): Promise<Record<string, OutputTensor>[]>;
  close(): Promise<void>;
}

export interface WorkerBackendOptions {
  modelPath: string;
  /** onnxruntime's intra-op threads: 1 or 2 on a small machine. */
  threads: number;
  /** The model's input: size, channel order, normalisation (also used for one warm-up run at load). */
  input: InputSpec;
}

// The worker's whole program (CommonJS, evaluated: no file to find in a
// packaged app). It holds one InferenceSession and answers one request at
// a time; the detector never sends a second before the first is answered.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Inference yields to the recorders: a busy detector drops frames, recording never waits.
try { require('node:os').setPriority(10); } catch {}
const resizeNormalise = ${resizeNormalise.toString()};
const spec = workerData.input;
const ort = require(workerData.ortPath);
let session = null;
const ready = ort.InferenceSession.create(workerData.modelPath, {
  intraOpNumThreads: workerData.threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
}).then(async (s) => {
  // One warm-up run: the first inference of a session is several times slower (allocations).
  {
    const n = spec.size;
    await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', new Float32Array(3 * n * n), [1, 3, n, n]) });
  }
  session = s;
  parentPort.postMessage({ op: 'ready', inputNames: s.inputNames, outputNames: s.outputNames });
}).catch((err) => parentPort.postMessage({ op: 'error', id: 0, message: String(err && err.message || err) }));
parentPort.on('message', async (m) => {
  if (m.op === 'close') {
    // Leave on our own once idle: terminating the thread inside a running inference aborts the process.
    await ready;
    if (session) await session.release().catch(() => {});
    parentPort.close();
    return;
  }
  if (m.op !== 'run') return;
  try {
    await ready;
    if (!session) throw new Error('the model did not load');
    const results = [];
    const transfer = [];
    for (const region of m.regions) {
      const tensor = resizeNormalise(region.data, region.width, region.height, spec.size, spec.order === 'bgr', spec.mean, spec.scale);
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', tensor, [1, 3, spec.size, spec.size]) };
      const out = await session.run(feeds);
      const r = {};
      for (const name of session.outputNames) {
        const t = out[name];
        const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
        r[name] = { data, dims: Array.from(t.dims) };
        transfer.push(data.buffer);
      }
      results.push(r);
    }
    parentPort.postMessage({ op: 'result', id: m.id, results }, transfer);
  } catch (err) {
    parentPort.postMessage({ op: 'error', id: m.id, message: String(err && err.message || err) });
  }
});
`;

/** How long close() waits for an inference in flight, then for the thread to leave, before forcing it. */
const CLOSE_TIMEOUT_MS = 10_000;
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

type Pending = { resolve: (r: Record<string, OutputTensor>[]) => void; reject: (e: Error) => void };

/** Starts the worker and loads the model; resolves once the session is ready (rejects if the model cannot load). */
export async function createWorkerBackend(opts: WorkerBackendOptions): Promise<InferenceBackend> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { ortPath, modelPath: opts.modelPath, threads: opts.threads, input: opts.input } });
  const pending = new Map<number, Pending>();
  let seq = 0;
  let failure: Error | null = null;
  let closing: Promise<void> | null = null;
  const failAll = (err: Error) => {
    failure = err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: { op: string; message?: string }) => {
      if (m.op === 'ready') resolve();
      else if (m.op === 'error') reject(new Error(`cannot load the detection model ${opts.modelPath}: ${m.message}`));
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
  }).catch(async (err) => {
    await worker.terminate();
    throw err;
  });
  worker.on('message', (m: { op: string; id: number; results?: Record<string, OutputTensor>[]; message?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.op === 'result') p.resolve(m.results!);
    else p.reject(new Error(`inference failed: ${m.message}`));
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`the detection thread stopped (${code})`)));
  // Idle, the thread does not keep the process alive; while a request is in flight it does (else a
  // script awaiting a result would exit under the running inference, which aborts onnxruntime).
  worker.unref();
  return {
    run(regions) {
      if (failure) return Promise.reject(failure);
      if (closing) return Promise.reject(new Error('the detector is closed'));
      const id = ++seq;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(
          { op: 'run', id, regions: regions.map((r) => ({ data: r.data, width: r.width, height: r.height })) },
          regions.map((r) => r.data.buffer as ArrayBuffer),
        );
      });
    },
    async close() {
      if (closing) return closing;
      closing = (async () => {
        // Let the request in flight finish (it resolves as usual), then let the thread end itself.
        const inFlight = [...pending.values()].map((p) => new Promise<void>((r) => {
          const { resolve, reject } = p;
          p.resolve = (v) => (resolve(v), r());
          p.reject = (e) => (reject(e), r());
        }));
        await Promise.race([Promise.all(inFlight), delay(CLOSE_TIMEOUT_MS)]);
        worker.removeAllListeners('exit');
        failAll(new Error('the detector is closed'));
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        worker.ref();
        worker.postMessage({ op: 'close' });
        const clean = await Promise.race([exited.then(() => true), delay(CLOSE_TIMEOUT_MS).then(() => false)]);
        if (!clean) await worker.terminate();
      })();
      return closing;
    },
  };
}
