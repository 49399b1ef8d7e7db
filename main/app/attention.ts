/**
 * What reaches the person outside the window: the tray icon with the unread total, and a
 * desktop notification for each new message from a contact. What and when is decided by
 * shared/attention.ts (unit-tested); this file only shows it with Electron's Tray and
 * Notification.
 */
import { app, Menu, nativeImage, Notification, Tray, type BrowserWindow } from 'electron';
import { createAttention } from '../../shared/attention.js';
import type { ConversationView, MessageView } from '../../shared/views.js';
import type { MeowService } from '../../shared/service.js';

export function startAttention(opts: {
  service: MeowService;
  window: () => BrowserWindow | null;
  show: () => void;
  quit: () => void;
  iconPath: string;
}): () => void {
  const { service } = opts;
  const attention = createAttention();
  const tray = new Tray(nativeImage.createFromPath(opts.iconPath));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open Meow', click: opts.show },
      { type: 'separator' },
      { label: 'Quit', click: opts.quit },
    ]),
  );
  tray.on('click', opts.show);

  const refresh = () => {
    const total = attention.total();
    tray.setToolTip(attention.label());
    if (process.platform === 'darwin') tray.setTitle(total ? String(total) : '');
    app.setBadgeCount(total);
  };
  const track = (c: ConversationView) => {
    attention.conversation(c);
    refresh();
  };
  const load = () =>
    service.conversations().then(
      (all) => all.forEach(track),
      () => undefined, // locked: counts come with the events once it opens
    );
  void load();

  const notify = (m: MessageView) => {
    if (!Notification.isSupported()) return;
    const text = attention.notification(m, opts.window()?.isFocused() ?? false);
    if (!text) return;
    const n = new Notification({ title: text.title, body: text.body });
    n.on('click', opts.show);
    n.show();
  };

  const offs = [
    service.on('conversation:changed', track),
    service.on('contact:changed', (c) => attention.contact(c)),
    service.on('message:stored', notify),
    service.on('pairing:progress', (p) => attention.pairing(p)),
    service.on('app:state', (s) => {
      attention.appState(s);
      if (s.state === 'open') void load();
      else refresh();
    }),
  ];
  refresh();
  return () => {
    offs.forEach((off) => off());
    tray.destroy();
  };
}
