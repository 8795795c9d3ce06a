/**
 * Test-side network helpers. The important one is the namespace check: a
 * multicast probe may only be sent when the process sits in a loopback-only
 * network namespace (CI runs the suite inside one), never on a real network.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';

/** True when the only network interface this process can see is loopback. */
export function inLoopbackOnlyNamespace(): boolean {
  const names = Object.keys(os.networkInterfaces());
  return names.length === 1 && names[0] === 'lo';
}

export const MULTICAST_SKIP_REASON =
  'multicast discovery tests only run inside a loopback-only network namespace: ' +
  "unshare -n sh -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; npx vitest run tests/onvif'";

/** A port on 127.0.0.1 with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP server that accepts connections and never says a word (a hung camera). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A plain HTTP server with a hand-written handler, for replies no camera model would produce. */
export async function rawHttpServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/onvif/device_service`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
