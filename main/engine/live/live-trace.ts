/**
 * Where a live open's time goes: the hub, the transcoder and the recorder's
 * live tap call `liveTrace` at each step of the path to a first frame (a
 * viewer subscribes, the transcoder writes its input, its first output
 * arrives, the tap finds the live edge...). Nothing listens in the product;
 * the live benchmark (bench/live.ts, KW_BENCH_LIVE_TRACE=1) sets a listener
 * and lines the steps up with the browser's. A null check per call.
 */
let listener: ((step: string) => void) | null = null;

/** Records that `step` happened now, when someone listens. */
export function liveTrace(step: string): void {
  listener?.(step);
}

/** Listens to the steps (null: stop). */
export function setLiveTraceListener(fn: ((step: string) => void) | null): void {
  listener = fn;
}
