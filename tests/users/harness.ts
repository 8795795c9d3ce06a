/** A UserService over a real Store in a temp folder, a ManualClock and a cheap scrypt cost. */
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { silentLogger } from '../../main/engine/log.ts';
import { Store } from '../../main/engine/storage/store.ts';
import { UserService, type UserServiceOptions } from '../../main/engine/users/user-service.ts';
import type { Caller } from '../../main/engine/access/caller.ts';
import type { PasswordCost } from '../../main/engine/users/passwords.ts';
import { tempDir } from '../helpers/tmp.ts';

export const T0 = Date.UTC(2026, 11, 6, 6);
/** ~1 ms per hash instead of ~100: the rules are the same, only the cost differs. */
export const CHEAP: PasswordCost = { N: 2 ** 10, r: 8, p: 1 };
export const META = { address: '192.0.2.10', userAgent: 'test-browser' };
export const GOOD_PASSWORD = 'violet-harbour-lantern-42';

export interface Harness {
  dir: string;
  store: Store;
  clock: ManualClock;
  users: UserService;
  owner: Caller;
  camera(name?: string): number;
  /** Opens a second service over the same folder (a restart). */
  restart(opts?: Partial<UserServiceOptions>): UserService;
  close(): void;
}

export function harness(opts: Partial<UserServiceOptions> = {}): Harness {
  const tmp = tempDir('kw-users-');
  const clock = new ManualClock(T0);
  let store = Store.open({ databaseFile: join(tmp.dir, 'keepwatch.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
  const make = (o: Partial<UserServiceOptions>) => new UserService({ store, clock, log: silentLogger, passwordCost: CHEAP, ...opts, ...o });
  const h: Harness = {
    dir: tmp.dir,
    store,
    clock,
    users: make({}),
    owner: null as unknown as Caller,
    camera: (name = 'cam') => store.insertCamera({ name, enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [] }),
    restart(o = {}) {
      h.users.close();
      store.close();
      store = Store.open({ databaseFile: join(tmp.dir, 'keepwatch.db'), recordingsRoot: join(tmp.dir, 'rec'), clock });
      h.store = store;
      h.users = make(o);
      h.owner = h.users.ownerCaller('local', 'local');
      return h.users;
    },
    close() {
      h.users.close();
      store.close();
      tmp.cleanup();
    },
  };
  h.owner = h.users.ownerCaller('local', 'local');
  return h;
}

/** Lets pending promise callbacks (and thread-pool hashes) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
