/**
 * Issue 9, test 5: served beyond loopback (`--host 0.0.0.0`), Keepwatch
 * answers a browser that names the address of an interface it serves, or a
 * name the user allowed, and refuses any other Host — `evil.com` (DNS
 * rebinding), and a loopback name arriving from the LAN.
 *
 * The LAN is a network namespace this test makes: loopback there also
 * carries 192.0.2.10 (a documentation address that routes nowhere), so
 * nothing leaves the machine and no real interface is touched.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('../helpers/lan-host-child.ts', import.meta.url));

describe('Host on a served LAN interface', () => {
  it('accepts the address of the interface served and configured names; refuses foreign and spoofed hosts', () => {
    // unshare needs root (CI runs as root); say so instead of passing silently.
    expect(process.getuid?.(), 'this test makes a network namespace and needs root').toBe(0);
    const script = `ip link set lo up && ip addr add 192.0.2.10/32 dev lo && exec "${process.execPath}" --import tsx "${CHILD}"`;
    const run = spawnSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const answers = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(answers).toEqual({
      lanByAddress: 200,
      lanByConfiguredName: 200,
      lanEvil: 403,
      lanSpoofedLoopback: 403,
      lanSpoofedLocalhost: 403,
      lanWrongPort: 403,
      loopback: 200,
      loopbackNamingLan: 403,
      lanCrossOriginWrite: 403,
      upgradeEvil: 403,
      // Past the Host check, the live route itself answers: there is no camera 1.
      upgradeLan: 404,
    });
  }, 90_000);
});
