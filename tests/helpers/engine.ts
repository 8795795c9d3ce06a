import { Engine, type EngineOptions } from '../../main/engine/engine.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { tempDir } from './tmp.ts';

/** Recorder timings for tests: short segments, quick stall detection and retries. */
export const FAST_RECORDER = {
  stallMs: 4000,
  connectTimeoutMs: 8000,
  healthyRunMs: 5000,
  backoff: { baseMs: 500, capMs: 4000 },
};

export interface TestEngine {
  engine: Engine;
  dir: string;
  logs: MemorySink;
  stop(): Promise<void>;
}

/** An engine on a fresh data folder with 2 s segments and no free-space floor. */
export function startTestEngine(opts: Partial<EngineOptions> & { segmentSeconds?: number; dir?: string } = {}): TestEngine {
  const tmp = opts.dir ? null : tempDir('kw-engine-');
  const dir = opts.dir ?? tmp!.dir;
  const logs = new MemorySink();
  const engine = new Engine({ dataDir: dir, logSink: logs, recorder: FAST_RECORDER, retentionIntervalMs: 2000, ...opts });
  engine.updateSettings({ segmentSeconds: opts.segmentSeconds ?? 2, freeSpaceFloorBytes: 0 });
  engine.start();
  return {
    engine,
    dir,
    logs,
    async stop() {
      await engine.stop();
      tmp?.cleanup();
    },
  };
}
