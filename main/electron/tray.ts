/**
 * The tray icon and its menu, and the desktop notifications. What to show is
 * decided by tray-status.ts (pure); this only puts it on screen.
 */
import { Menu, Notification, Tray, nativeImage, type NativeImage } from 'electron';
import { TRAY_ICON_FILES } from './icons.ts';
import { EMPTY_MEMORY, notificationsFor, trayView, type NotifyMemory, type TrayInput, type TrayView } from './tray-status.ts';

export interface TrayActions {
  open(): void;
  openRecordingsFolder(): void;
  startAtLogin(): boolean;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

export class DesktopTray {
  private readonly tray: Tray;
  private memory: NotifyMemory = EMPTY_MEMORY;
  private view: TrayView | null = null;

  constructor(private readonly actions: TrayActions) {
    this.tray = new Tray(this.icon('idle'));
    this.tray.on('click', () => actions.open());
    this.render(trayView({ engine: { state: 'starting' }, cameras: [], storageProblem: null }));
  }

  /** New engine status in; tray redrawn and notifications raised as tray-status.ts decides. */
  update(input: TrayInput): void {
    const next = notificationsFor(this.memory, input);
    this.memory = next.memory;
    for (const n of next.notifications) notify(n.title, n.body);
    this.render(trayView(input));
  }

  refreshMenu(): void {
    if (this.view) this.render(this.view);
  }

  destroy(): void {
    this.tray.destroy();
  }

  private icon(state: TrayView['icon']): NativeImage {
    return nativeImage.createFromPath(TRAY_ICON_FILES[state]);
  }

  private render(view: TrayView): void {
    if (this.view?.icon !== view.icon) this.tray.setImage(this.icon(view.icon));
    this.view = view;
    this.tray.setToolTip(view.tooltip);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: view.label, enabled: false },
        { type: 'separator' },
        { label: 'Open Keepwatch', click: () => this.actions.open() },
        { label: 'Open recordings folder', click: () => this.actions.openRecordingsFolder() },
        {
          label: 'Start at login',
          type: 'checkbox',
          checked: this.actions.startAtLogin(),
          click: (item) => this.actions.setStartAtLogin(item.checked),
        },
        { type: 'separator' },
        { label: 'Quit and stop recording', click: () => this.actions.quit() },
      ]),
    );
  }
}

export function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
}

/** A detection alert (cameras the user opted into), with its picture when there is one. */
export function notifyAlert(alert: { title: string; body: string; jpegBase64: string | null }): void {
  if (!Notification.isSupported()) return;
  const icon = alert.jpegBase64 ? nativeImage.createFromBuffer(Buffer.from(alert.jpegBase64, 'base64')) : undefined;
  new Notification({ title: alert.title, body: alert.body, ...(icon && !icon.isEmpty() ? { icon } : {}) }).show();
}
