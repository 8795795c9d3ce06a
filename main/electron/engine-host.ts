/**
 * Entry of the Electron utility process that runs the engine (forked by
 * main.ts with utilityProcess.fork). It imports no electron module: it talks
 * to main through `process.parentPort`, which Electron adds to a utility
 * process, and runs the same engine + loopback server as headless mode.
 */
import { EngineHostService } from './host-service.ts';

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
if (!parentPort) {
  process.stderr.write('engine-host runs only inside an Electron utility process (use npm run serve for headless mode)\n');
  process.exit(2);
}

const service = new EngineHostService(
  {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
  },
  { exit: (code) => process.exit(code) },
).listen();

// utilityProcess.kill() sends SIGTERM: finish the open segments first.
process.once('SIGTERM', () => void service.handle({ type: 'stop' }));
