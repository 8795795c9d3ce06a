/** The "?" sheet: every keyboard shortcut of the Live page. */
import { Kbd, Modal } from '../../ui/components.tsx';

const SHORTCUTS: [keys: string[], what: string][] = [
  [['1'], 'One camera'],
  [['2'], '2×2 grid'],
  [['3'], '3×3 grid'],
  [['4'], '4×4 grid'],
  [['←', '↑', '→', '↓'], 'Move between cameras (maximised: previous / next camera)'],
  [['Enter'], 'Maximise the focused camera (main stream); double-click works too'],
  [['Esc'], 'Back to the grid; leave full-screen'],
  [['F'], 'Full-screen'],
  [['PgUp', 'PgDn'], 'Previous / next page of cameras'],
  [['?'], 'This list'],
];

export function ShortcutHelp({ onClose }: { onClose: () => void }): React.JSX.Element {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose} testId="live-shortcuts">
      <dl className="kwl-keys">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={what} className="kwl-keys__row">
            <dt>
              {keys.map((k) => (
                <Kbd key={k}>{k}</Kbd>
              ))}
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <p className="kwl-keys__note">Drag a camera onto another to change the order; the order and the layout are remembered in this browser.</p>
    </Modal>
  );
}
