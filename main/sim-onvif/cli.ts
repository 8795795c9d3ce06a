/**
 * Runs simulated ONVIF cameras until Ctrl-C, for trying "Find cameras" by hand:
 *
 *   npx tsx main/sim-onvif/cli.ts --count 3 --port 8000 --rtsp-base rtsp://127.0.0.1:8554
 *
 * Camera i (1-based) listens on port+i-1 and hands out <rtsp-base>/cam<i>/main
 * and /sub. Multicast discovery answers only inside the loopback namespace
 * (see docs/onvif.md); the unicast discovery port always works.
 */
import { parseArgs } from 'node:util';
import { startSimOnvifDevice, type SimOnvifDevice } from './sim-device.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    'rtsp-base': { type: 'string', default: 'rtsp://127.0.0.1:8554' },
    'clock-offset-ms': { type: 'string', default: '0' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'admin123' },
  },
});

const count = Math.max(1, Math.min(Number(values.count) || 1, 32));
const firstPort = Number(values.port) || 0;
const base = values['rtsp-base']!.replace(/\/+$/, '');
const devices: SimOnvifDevice[] = [];

for (let i = 1; i <= count; i++) {
  const device = await startSimOnvifDevice({
    name: `Sim Camera ${i}`,
    model: 'SimCam 1',
    serial: `SIM-${String(i).padStart(4, '0')}`,
    port: firstPort ? firstPort + i - 1 : 0,
    clockOffsetMs: Number(values['clock-offset-ms']) || 0,
    username: values.username,
    password: values.password,
    profiles: [
      { token: 'profile_main', name: 'MainStream', encoding: 'H264', width: 1920, height: 1080, fps: 25, rtspUri: `${base}/cam${i}/main` },
      { token: 'profile_sub', name: 'SubStream', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: `${base}/cam${i}/sub` },
    ],
  });
  devices.push(device);
  console.log(JSON.stringify({ name: `Sim Camera ${i}`, xaddr: device.xaddr, discoveryPort: device.discoveryPort, multicast: device.multicastJoined }));
}

const shutdown = async () => {
  await Promise.all(devices.map((d) => d.stop()));
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
