/**
 * What reaches the person outside the window: the tray icon with the unread total, and a
 * desktop notification for each new message from a contact (never for what the person
 * wrote, here or on another of their devices).
 */
import { app, Menu, nativeImage, Notification, Tray, type BrowserWindow } from 'electron';
import type { ConversationView, MessageView } from '../../shared/views.js';
import type { MeowService } from '../../shared/service.js';
import { unreadLabel } from './policy.js';

export function startAttention(opts: {
  service: MeowService;
  window: () => BrowserWindow | null;
  show: () => void;
  quit: () => void;
  iconPath: string;
}): () => void {
  const { service } = opts;
  const unread = new Map<string, number>();
  const names = new Map<string, string>();
  /** Muted conversations (until when): no notification for them. */
  const muted = new Map<string, number>();
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
    const total = [...unread.values()].reduce((a, b) => a + b, 0);
    tray.setToolTip(unreadLabel(total));
    if (process.platform === 'darwin') tray.setTitle(total ? String(total) : '');
    app.setBadgeCount(total);
  };
  const track = (c: ConversationView) => {
    unread.set(c.contact.id, c.unread);
    names.set(c.contact.id, c.contact.name);
    muted.set(c.contact.id, c.mutedUntil);
    refresh();
  };
  const load = () =>
    service.conversations().then(
      (all) => all.forEach(track),
      () => undefined, // locked: counts come with the events once it opens
    );
  void load();

  // While a new device receives its history, stored messages are old news.
  let syncingHistory = false;
  const notify = (m: MessageView) => {
    if (m.outbound || m.seen || syncingHistory || !Notification.isSupported()) return;
    if ((muted.get(m.contactId) ?? 0) > Date.now()) return;
    const win = opts.window();
    if (win?.isFocused()) return;
    const n = new Notification({
      title: names.get(m.contactId) ?? 'New message',
      body: m.text.slice(0, 200),
    });
    n.on('click', opts.show);
    n.show();
  };

  const offs = [
    service.on('conversation:changed', track),
    service.on('contact:changed', (c) => names.set(c.id, c.name)),
    service.on('message:stored', notify),
    service.on('pairing:progress', (p) => (syncingHistory = p.role === 'new' && p.phase === 'syncing')),
    service.on('app:state', (s) => {
      if (s.state === 'open') void load();
      else {
        unread.clear();
        refresh();
      }
    }),
  ];
  refresh();
  return () => {
    offs.forEach((off) => off());
    tray.destroy();
  };
}
