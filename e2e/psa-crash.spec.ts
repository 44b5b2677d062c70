/**
 * Issue 12 acceptance, crash: the Push Sender Agent service (`tsx server/sender/service/main.ts`,
 * a child process on a queue directory) is killed with SIGKILL while 100 pushes wait for an
 * offline browser, started again on the same queue, then the browser registers: every push is
 * stored exactly once (counted in the page's IndexedDB) and every status is delivered.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settled } from '../server/testing/settled.ts';
import type { PushView } from '../server/sender/service/http/summary.ts';
import { PsaClient, spawnPsa, type ChildPsa } from './fixtures/psaService.ts';
import { expect, test } from './fixtures/test.ts';

const PUSHES = 100;

/** How many pushes have each summary status; the first not delivered push's deliveries under `example`. */
function statusCounts(pushes: PushView[]): Record<string, unknown> {
  const counts: Record<string, unknown> = {};
  for (const push of pushes) counts[push.status] = ((counts[push.status] as number | undefined) ?? 0) + 1;
  const stuck = pushes.find((p) => p.status !== 'delivered');
  if (stuck) counts.example = { pushId: stuck.pushId, deliveries: stuck.deliveries };
  return counts;
}
/** Submits in flight at once (the API takes them one JSON body each). */
const SUBMIT_CONCURRENCY = 10;

test.describe('Push Sender Agent service crash (issue 12)', () => {
  test('SIGKILL with 100 pushes queued for an offline browser: after a restart each is stored once and reported delivered', async ({ receiver, core }) => {
    test.setTimeout(240_000);
    const dir = mkdtempSync(join(tmpdir(), 'sip-push-e2e-psa-crash-'));
    const where = { queue: join(dir, 'queue'), contentDir: join(dir, 'content') };
    const token = randomBytes(16).toString('hex');
    const running: ChildPsa[] = [];
    try {
      const first = await spawnPsa(core, { ...where, token });
      running.push(first);
      const api = new PsaClient(first);
      const ids = Array.from({ length: PUSHES }, (_, i) => `crash-${i}`);
      for (let i = 0; i < ids.length; i += SUBMIT_CONCURRENCY) {
        const batch = ids.slice(i, i + SUBMIT_CONCURRENCY);
        const pushes = await Promise.all(batch.map((pushId) => api.submit({ pushId, target: receiver.aor, app: 'news.ua', contentType: 'text/plain', content: `push ${pushId}`, report: true })));
        for (const push of pushes) expect(push.status, JSON.stringify(push.deliveries)).toBe('pending');
      }

      // Every push accepted (202, so committed to the queue): kill the service without a word.
      await first.kill();
      expect(first.child.signalCode).toBe('SIGKILL');

      const second = await spawnPsa(core, { ...where, token });
      running.push(second);
      const again = new PsaClient(second);
      // Nothing lost: all 100 still waiting for the offline AoR. Pending, or, on Kamailio, possibly
      // accepted: a delivery due right after the restart can be sent before the re-subscribed reg
      // event's first NOTIFY and land in msilo's offline store (202), which then delivers it.
      const before = await Promise.all(ids.map((id) => again.get(id)));
      const waiting = core.kind === 'kamailio' ? ['pending', 'accepted'] : ['pending'];
      expect(before.filter((p) => !waiting.includes(p.status)).map((p) => [p.pushId, p.status])).toEqual([]);

      await receiver.open();
      await receiver.expectRegistered();
      // Polled as a count per status (with one push's deliveries), so a failure shows where they are.
      await expect
        .poll(async () => statusCounts(await Promise.all(ids.map((id) => again.get(id)))), { timeout: 120_000, message: 'every push delivered' })
        .toEqual({ delivered: PUSHES });

      const expected = ids.map((id) => `push ${id}`).sort();
      const stored = async () => (await receiver.storedPushes()).map((p) => p.text).sort();
      expect(await stored()).toEqual(expected);
      // No late second copy either.
      await settled();
      expect(await stored()).toEqual(expected);
      const after = await Promise.all(ids.map((id) => again.get(id)));
      expect(after.flatMap((p) => p.deliveries.map((d) => d.status))).toEqual(ids.map(() => 'delivered'));
    } catch (error) {
      for (const [i, child] of running.entries()) await test.info().attach(`psa-${i + 1}.log`, { body: child.output(), contentType: 'text/plain' });
      // What the live service's directory watches (a restart must watch the AoRs it still holds pushes for).
      const live = running.at(-1);
      if (live && live.child.exitCode === null && live.child.signalCode === null) {
        const receivers = await new PsaClient(live).request('GET', '/v1/receivers').catch((e: unknown) => ({ status: 0, body: String(e) }));
        await test.info().attach('psa-receivers.json', { body: JSON.stringify(receivers), contentType: 'text/plain' });
      }
      throw error;
    } finally {
      for (const child of running) await child.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
