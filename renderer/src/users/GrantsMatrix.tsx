/**
 * Who sees which camera: viewers down, cameras across, the four rights in
 * each cell. Edits stay in the page (a changed row is marked) until saved.
 * Admins are not rows: they may do everything, and the note says so.
 */
import type { Camera, Right, User } from '../../../preload/api.ts';
import { grantMap, type Drafts } from './grants-model.ts';
import { RightsPicker } from './RightsPicker.tsx';

export function GrantsMatrix({ viewers, cameras, drafts, dirty, onToggle }: {
  viewers: User[];
  cameras: Camera[];
  drafts: Drafts;
  /** Users with unsaved edits. */
  dirty: ReadonlySet<number>;
  onToggle: (user: User, cameraId: number, right: Right, on: boolean) => void;
}): React.JSX.Element {
  return (
    <div className="kwu-matrix-wrap">
      <table className="kwu-matrix" data-testid="grants-matrix">
        <thead>
          <tr>
            <th scope="col">Viewer</th>
            {cameras.map((c) => (
              <th key={c.id} scope="col" title={c.name} data-camera-id={c.id}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {viewers.map((u) => {
            const grants = drafts.get(u.id) ?? grantMap(u.cameras);
            return (
              <tr key={u.id} className={dirty.has(u.id) ? 'is-dirty' : undefined} data-user={u.username}>
                <th scope="row">
                  <span className="kwu-user">
                    <span className="kwu-avatar" aria-hidden="true">
                      {u.username.slice(0, 1)}
                    </span>
                    <span className="kwu-user__name">{u.username}</span>
                  </span>
                </th>
                {cameras.map((c) => (
                  <td key={c.id} data-camera-id={c.id}>
                    <RightsPicker value={grants.get(c.id)} who={`${u.username} on ${c.name}`} onToggle={(right, on) => onToggle(u, c.id, right, on)} />
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
