import fc from 'fast-check';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFakePushService } from '../../../testing/fakePushService.ts';
import type { StatusChange } from '../../queue/index.ts';
import { createPushApiClient, createSseParser, followPush, PushApiError, type PushApiClient } from './client.ts';
import { formatStatusEvent } from './sse.ts';

describe('createSseParser', () => {
  const rows: [string, string, { event: string; data: string; id?: string }[]][] = [
    ['one event', 'id: 1\nevent: status\ndata: {"a":1}\n\n', [{ id: '1', event: 'status', data: '{"a":1}' }]],
    ['CRLF and CR line ends', 'event: status\r\ndata: x\r\rdata: y\n\n', [{ event: 'status', data: 'x' }, { event: 'message', data: 'y' }]],
    ['retry and comments skipped', 'retry: 3000\n\n: heartbeat\n\ndata: z\n\n', [{ event: 'message', data: 'z' }]],
    ['multi-line data', 'data: a\ndata: b\n\n', [{ event: 'message', data: 'a\nb' }]],
    ['no space after the colon', 'data:x\n\n', [{ event: 'message', data: 'x' }]],
    ['the id carries over', 'id: 7\ndata: a\n\ndata: b\n\n', [{ id: '7', event: 'message', data: 'a' }, { id: '7', event: 'message', data: 'b' }]],
    ['incomplete event held back', 'data: a\n', []],
  ];
  it.each(rows)('%s', (_name, text, events) => {
    expect(createSseParser().feed(text)).toEqual(events);
  });

  it('any slicing of a stream gives the same events (a CR LF split across slices too)', () => {
    const change = (i: number): StatusChange => ({ eventId: i, pushId: `p${i}`, terminal: 't', to: 'delivered', attempts: 1, at: i });
    const text = `retry: 10\r\n\r\n${[1, 2, 3].map((i) => formatStatusEvent(change(i)).replaceAll('\n', '\r\n')).join(': hb\r\n\r\n')}`;
    const whole = createSseParser().feed(text);
    expect(whole.map((e) => JSON.parse(e.data).eventId)).toEqual([1, 2, 3]);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 20 }), (cuts) => {
        const parser = createSseParser();
        const points = [0, ...cuts.sort((a, b) => a - b), text.length];
        const events = points.slice(1).flatMap((end, i) => parser.feed(text.slice(points[i], end)));
        expect(events).toEqual(whole);
      }),
    );
  });
});

describe('followPush', () => {
  /** A client over the fake service directly (no HTTP), whose event streams end after `cut` events. */
  function directClient(fake: ReturnType<typeof createFakePushService>, cut = Infinity): PushApiClient & { opened: (number | undefined)[] } {
    const opened: (number | undefined)[] = [];
    const client = {
      opened,
      submit: async () => {
        throw new Error('unused');
      },
      upload: async () => {
        throw new Error('unused');
      },
      cancel: async () => {
        throw new Error('unused');
      },
      get: async (id: string) => {
        const push = await fake.get(id);
        if (!push) throw new PushApiError(404, 'PSA_ERR_NOT_FOUND', 'no');
        return { ...push, status: 'pending' as const, settled: false };
      },
      events: async ({ pushId, lastEventId }: { pushId?: string; lastEventId?: number } = {}) => {
        opened.push(lastEventId);
        const queue: StatusChange[] = lastEventId !== undefined ? (await fake.changesSince(lastEventId)).filter((c) => c.pushId === pushId) : [];
        let wake = () => {};
        fake.onChange((c) => {
          if (c.pushId === pushId) queue.push(c);
          wake();
        });
        return (async function* () {
          for (let n = 0; n < cut; ) {
            if (queue.length === 0) await new Promise<void>((r) => (wake = r));
            while (queue.length && n < cut) {
              n++;
              yield queue.shift()!;
            }
          }
        })();
      },
    };
    return client;
  }

  it('reopens a dropped stream with the last event ID and misses nothing', async () => {
    const fake = createFakePushService();
    const push = await fake.submit({ targets: [{ aor: 'sip:a@d' }, { aor: 'sip:b@d' }], app: 'a', contentType: 'text/plain', content: new Uint8Array([1]), reportRequested: false, priority: 'normal', mode: 'auto' });
    const client = directClient(fake, 1);
    const seen: string[] = [];
    const following = followPush(client, push.pushId, { onChange: (c) => seen.push(`${c.terminal} ${c.to}`) });
    await new Promise((r) => setImmediate(r));
    fake.move(push.pushId, 'aor:sip:a@d', 'delivered');
    await new Promise((r) => setImmediate(r));
    fake.move(push.pushId, 'aor:sip:b@d', 'accepted');
    fake.move(push.pushId, 'aor:sip:b@d', 'delivered');
    const result = await following;
    expect(result.status).toBe('delivered');
    expect(seen).toEqual(['aor:sip:a@d pending', 'aor:sip:b@d pending', 'aor:sip:a@d delivered', 'aor:sip:b@d accepted', 'aor:sip:b@d delivered']);
    expect(client.opened[0]).toBeUndefined();
    expect(client.opened[1]).toBe(3);
  });

  it('a change older than the state read is dropped (statuses only move forward)', async () => {
    const fake = createFakePushService();
    const push = await fake.submit({ targets: [{ aor: 'sip:a@d' }], app: 'a', contentType: 'text/plain', content: new Uint8Array([1]), reportRequested: false, priority: 'normal', mode: 'auto' });
    fake.move(push.pushId, 'aor:sip:a@d', 'accepted');
    fake.move(push.pushId, 'aor:sip:a@d', 'delivered');
    const seen: string[] = [];
    // The stream replays from event 1 (pending -> accepted arrives after the state says delivered).
    const client = directClient(fake);
    const events = client.events.bind(client);
    client.events = (o = {}) => events({ ...o, lastEventId: 1 });
    const following = followPush(client, push.pushId, { waitFor: 'displayed', onChange: (c) => seen.push(c.to) });
    await new Promise((r) => setImmediate(r));
    fake.move(push.pushId, 'aor:sip:a@d', 'displayed');
    expect(await following).toEqual({ status: 'displayed', deliveries: [{ terminal: 'aor:sip:a@d', status: 'displayed' }] });
    expect(seen).toEqual(['delivered', 'displayed']);
  });

  it('no service at the URL: PushApiUnreachable with the socket error code', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createPushApiClient({ url: `http://127.0.0.1:${port}` });
    await expect(client.get('x')).rejects.toMatchObject({ name: 'PushApiUnreachable', code: 'ECONNREFUSED' });
  });
});
