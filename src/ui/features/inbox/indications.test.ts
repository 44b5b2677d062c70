import { describe, expect, it } from 'vitest';
import type { StoredPush } from '../../../agent/types.ts';
import type { ServiceContent } from '../../../protocol/si/model.ts';
import { push } from '../../../testing/fakeAgent.ts';
import { supersededIndications, withoutSuperseded } from './indications.ts';

type Si = Partial<Extract<ServiceContent, { kind: 'si' }>>;

/** Pushes received in the order given (1 ms apart), each with the SI (or other content) described. */
function inbox(...items: (Si | 'text' | 'sl')[]): { pushes: StoredPush[]; read: (p: StoredPush) => ServiceContent | undefined } {
  const contents = new Map<string, ServiceContent>();
  const pushes = items.map((item, i) => {
    const p = push({ id: `p${i}`, receivedAt: 1000 + i, contentType: item === 'text' ? 'text/plain' : 'text/vnd.wap.si' });
    if (item === 'sl') contents.set(p.id, { kind: 'sl', href: 'http://a/', action: 'cache' });
    else if (item !== 'text') contents.set(p.id, { kind: 'si', action: 'signal-medium', text: '', info: [], ...item });
    return p;
  });
  // Inboxes are newest first.
  return { pushes: pushes.reverse(), read: (p) => contents.get(p.id) };
}

describe('supersededIndications (WAP-167 6.2)', () => {
  const cases: { name: string; items: (Si | 'text' | 'sl')[]; hidden: string[] }[] = [
    { name: 'different si-ids all stand', items: [{ siId: 'a' }, { siId: 'b' }, 'text', 'sl'], hidden: [] },
    { name: 'a later SI with the same si-id replaces the earlier', items: [{ siId: 'a' }, 'text', { siId: 'a' }], hidden: ['p0'] },
    { name: 'the newer created wins, whatever the arrival order (out of order: the late older one is dropped)', items: [{ siId: 'a', created: '2024-01-02T00:00:00Z' }, { siId: 'a', created: '2024-01-01T00:00:00Z' }], hidden: ['p1'] },
    { name: 'delete removes the earlier SI with its si-id and stays listed itself', items: [{ siId: 'a' }, { siId: 'b' }, { siId: 'a', action: 'delete' }], hidden: ['p0'] },
    { name: 'a delete older (created) than the standing SI removes nothing', items: [{ siId: 'a', created: '2024-01-02T00:00:00Z' }, { siId: 'a', action: 'delete', created: '2024-01-01T00:00:00Z' }], hidden: [] },
    { name: 'an SI after a delete stands again', items: [{ siId: 'a' }, { siId: 'a', action: 'delete' }, { siId: 'a' }], hidden: ['p0'] },
    { name: 'SIs without si-id or href are never merged', items: [{}, {}], hidden: [] },
  ];
  it.each(cases)('$name', ({ items, hidden }) => {
    const { pushes, read } = inbox(...items);
    expect([...supersededIndications(pushes, read)].sort()).toEqual(hidden);
  });

  it('keeps the order and returns the same array when nothing is hidden', () => {
    const none = inbox({ siId: 'a' }, 'text');
    expect(withoutSuperseded(none.pushes, none.read)).toBe(none.pushes);
    const some = inbox({ siId: 'a' }, 'text', { siId: 'a' });
    expect(withoutSuperseded(some.pushes, some.read).map((p) => p.id)).toEqual(['p2', 'p1']);
  });
});
