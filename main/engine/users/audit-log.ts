/**
 * The audit log: who signed in (or failed to), who watched, played or
 * exported which camera, who changed users and grants. Kept in the index
 * (store.users), read by admins, pruned with retention.
 *
 * Watching makes many requests (every segment of a playback, every
 * reconnect of a live view), so 'live', 'playback' and 'download' by the
 * same user on the same camera within COALESCE_MS of the entry that was
 * written are folded into that entry: at least one entry per ten minutes of
 * activity, not one per request.
 */
import type { AuditAction, AuditEntry } from '../../../preload/api.ts';
import { MAX_AUDIT_PER_QUERY } from '../../../preload/api.ts';
import type { UsersIndex } from '../storage/users-index.ts';
import type { Logger } from '../log.ts';
import type { Caller } from '../access/caller.ts';

export const COALESCE_MS = 10 * 60_000;
const COALESCED: ReadonlySet<AuditAction> = new Set(['live', 'playback', 'download']);
const MAX_DETAIL = 1000;

export interface AuditRecord {
  action: AuditAction;
  userId?: number | null;
  username?: string | null;
  cameraId?: number | null;
  address?: string;
  detail?: string;
  /** Defaults to now. */
  at?: number;
}

/** A parsed AuditQuery (preload/contract/users.ts). */
export interface AuditSearch {
  from: number;
  to: number;
  user?: number;
  camera?: number;
  action?: AuditAction;
  limit?: number;
}

export class AuditLog {
  /** "action user camera" → when its written entry was made. Bounded; oldest dropped first. */
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly opts: {
      index: UsersIndex;
      now: () => number;
      log: Logger;
      coalesceMs?: number;
      /** Keys remembered for coalescing. */
      maxRecent?: number;
    },
  ) {}

  /**
   * Writes an entry, or folds it into a recent one (see above). Returns the
   * id written, or null when folded. A failed write (disk full) is logged,
   * never thrown: the action it describes has happened already.
   */
  record(e: AuditRecord): number | null {
    const at = e.at ?? this.opts.now();
    const userId = e.userId ?? null;
    const cameraId = e.cameraId ?? null;
    if (COALESCED.has(e.action)) {
      const k = `${e.action} ${userId} ${cameraId}`;
      const last = this.recent.get(k);
      if (last !== undefined && at >= last && at - last < (this.opts.coalesceMs ?? COALESCE_MS)) return null;
      this.recent.delete(k);
      this.recent.set(k, at);
      const max = this.opts.maxRecent ?? 10_000;
      while (this.recent.size > max) this.recent.delete(this.recent.keys().next().value as string);
    }
    try {
      return this.opts.index.insertAudit({
        at,
        action: e.action,
        userId,
        username: e.username ?? null,
        cameraId,
        address: (e.address ?? '').slice(0, 200),
        detail: (e.detail ?? '').slice(0, MAX_DETAIL),
      });
    } catch (err) {
      this.opts.log.warn(`could not write the audit entry "${e.action}": ${(err as Error).message}`);
      return null;
    }
  }

  /** Records an action of a caller (its user, name and address). */
  recordFor(caller: Caller, action: AuditAction, cameraId: number | null = null, detail = ''): number | null {
    return this.record({ action, userId: caller.userId, username: caller.username, cameraId, address: caller.address, detail });
  }

  /** Entries with from <= at < to, newest first, at most `limit` (default MAX_AUDIT_PER_QUERY). */
  query(q: AuditSearch): AuditEntry[] {
    const rows = this.opts.index.queryAudit({
      from: q.from,
      to: q.to,
      userId: q.user,
      cameraId: q.camera,
      action: q.action,
      limit: Math.min(q.limit ?? MAX_AUDIT_PER_QUERY, MAX_AUDIT_PER_QUERY),
    });
    return rows.map((r) => ({ ...r, action: r.action as AuditAction }));
  }

  /** Drops entries older than `beforeMs` (retention). Returns how many. */
  prune(beforeMs: number): number {
    for (const [k, at] of this.recent) if (at < beforeMs) this.recent.delete(k);
    return this.opts.index.pruneAudit(beforeMs);
  }
}
