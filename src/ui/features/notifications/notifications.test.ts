import { describe, expect, it } from 'vitest';
import { fakeAgent, push } from '../../../testing/fakeAgent.ts';
import { createNotifications, localPrefsStorage, notificationFor, shouldNotify, type NotificationApi, type NotifyPermission } from './notifications.ts';

function fakeApi(initial: NotifyPermission, answer: NotifyPermission = initial) {
  let permission = initial;
  const shown: Array<{ title: string; body: string; tag: string }> = [];
  let requests = 0;
  const api: NotificationApi = {
    permission: () => permission,
    requestPermission: async () => {
      requests++;
      permission = answer;
      return answer;
    },
    show: (title, options) => shown.push({ title, ...options }),
  };
  return { api, shown, requests: () => requests };
}

function memoryStorage() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v) };
}

describe('notification gating', () => {
  it('shouldNotify only with permission granted and the app turned on', () => {
    const p = { appId: 'news.ua' };
    expect(shouldNotify({ permission: 'granted', enabled: { 'news.ua': true } }, p)).toBe(true);
    expect(shouldNotify({ permission: 'granted', enabled: {} }, p)).toBe(false);
    expect(shouldNotify({ permission: 'granted', enabled: { 'mms.ua': true } }, p)).toBe(false);
    for (const permission of ['default', 'denied', 'unsupported'] as const) {
      expect(shouldNotify({ permission, enabled: { 'news.ua': true } }, p)).toBe(false);
    }
  });

  it('a notification names app and sender, never the content', () => {
    const p = push({ id: '7', appId: 'news.ua', from: 'sip:psa@localhost', fromDisplayName: 'PSA', content: new TextEncoder().encode('<b>secret</b>') });
    const n = notificationFor(p);
    expect(n).toEqual({ title: 'New push for news.ua', options: { body: 'From PSA (sip:psa@localhost)', tag: 'sip-push:7' } });
    expect(JSON.stringify(n)).not.toContain('secret');
  });

  it('enable asks for permission when not decided, then notifies new pushes of that app only', async () => {
    const agent = fakeAgent();
    const { api, shown, requests } = fakeApi('default', 'granted');
    const n = createNotifications(agent, localPrefsStorage('sip:alice@localhost', memoryStorage()), api);
    agent.emit('stored', [push({ appId: 'news.ua' })]);
    expect(shown).toHaveLength(0);
    expect(requests()).toBe(0); // never asked without the click
    await n.enable('news.ua');
    expect(requests()).toBe(1);
    agent.emit('stored', [push({ appId: 'news.ua', from: 'sip:a@b' }), push({ appId: 'mms.ua' })]);
    expect(shown.map((s) => s.title)).toEqual(['New push for news.ua']);
    n.disable('news.ua');
    agent.emit('stored', [push({ appId: 'news.ua' })]);
    expect(shown).toHaveLength(1);
  });

  it('a denied permission turns nothing on and says why', async () => {
    const agent = fakeAgent();
    const { api, shown } = fakeApi('default', 'denied');
    const n = createNotifications(agent, localPrefsStorage('sip:alice@localhost', memoryStorage()), api);
    await n.enable('news.ua');
    expect(n.store.getState().enabled).toEqual({});
    expect(n.store.getState().blocked['news.ua']).toMatch(/blocked/);
    agent.emit('stored', [push({ appId: 'news.ua' })]);
    expect(shown).toHaveLength(0);
  });

  it('the choice is kept per identity across sessions; a permission revoked later stops notifications', async () => {
    const storage = memoryStorage();
    const first = fakeApi('granted');
    await createNotifications(fakeAgent(), localPrefsStorage('sip:alice@localhost', storage), first.api).enable('news.ua');
    const agent = fakeAgent();
    let permission: NotifyPermission = 'granted';
    const shown: string[] = [];
    const n = createNotifications(agent, localPrefsStorage('sip:alice@localhost', storage), { permission: () => permission, requestPermission: async () => permission, show: (t) => shown.push(t) });
    expect(n.store.getState().enabled).toEqual({ 'news.ua': true });
    expect(createNotifications(fakeAgent(), localPrefsStorage('sip:bob@localhost', storage), first.api).store.getState().enabled).toEqual({});
    agent.emit('stored', [push({ appId: 'news.ua' })]);
    permission = 'denied';
    agent.emit('stored', [push({ appId: 'news.ua' })]);
    expect(shown).toHaveLength(1);
    expect(n.store.getState().permission).toBe('denied');
  });
});
