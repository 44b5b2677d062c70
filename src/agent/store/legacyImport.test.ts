import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { identityDbName } from './identityDb.ts';
import { importLegacyData, LEGACY_IMPORT_KEY, LEGACY_INSTANCE_CLAIM_KEY, type LegacyImportOptions, type LegacyImportTarget } from './legacyImport.ts';
import { PushStore } from './pushStore.ts';
import { openPushDb, type PushDb, type PushRecord } from './schema.ts';
import { transferDbName, type ChunkRecord, type TransferRecord } from './transferSchema.ts';
import { TransferStore } from './transferStore.ts';
import { newPush, uniqueDbName } from '../../testing/pushFixtures.ts';

const ALICE = 'sip:alice@example.com';
const BOB = 'sip:bob@example.com';

let ids = 0;
function legacyPush(to: string, over: Partial<PushRecord> = {}): PushRecord {
  const n = ++ids;
  return { ...newPush({ to, dedupKey: `sip:legacy-${n}:1` }), id: `legacy${String(n).padStart(8, '0')}`, dispatched: 0, read: 0, ...over };
}

function transfer(id: string, to: string): TransferRecord {
  return {
    id, appId: 'mms.ua', from: 'sip:psa@example.com', to, contentType: 'application/octet-stream', size: 300, receivedBytes: 300,
    ranges: [[1, 300]], state: 'complete', resumable: false, startedAt: 1, updatedAt: 2, messageId: 'm', callId: 'c', pushed: true,
  };
}

/** A profile from before identity databases: `prefix` and `prefix-transfers` with what is given. */
async function legacyProfile(content: { pushes?: PushRecord[]; instanceId?: string; transfers?: Array<{ record: TransferRecord; chunks: number }> }) {
  const prefix = uniqueDbName('legacy');
  const db = await openPushDb(prefix);
  for (const p of content.pushes ?? []) await db.put('pushes', p);
  if (content.instanceId !== undefined) await db.put('meta', content.instanceId, 'instanceId');
  const transfers = await TransferStore.open(transferDbName(prefix));
  for (const { record, chunks } of content.transfers ?? []) {
    for (let i = 0; i < chunks; i++) await transfers.db.put('chunks', { transferId: record.id, start: 1 + i * 10, bytes: new Uint8Array(10).fill(i).buffer });
    await transfers.db.put('transfers', record);
  }
  transfers.close();
  return { prefix, db };
}

async function identity(prefix: string, aor: string): Promise<LegacyImportTarget & { close(): void }> {
  const name = identityDbName(prefix, aor);
  const pushes = await openPushDb(name);
  const transfers = (await TransferStore.open(transferDbName(name))).db;
  return { pushes, transfers, close: () => (pushes.close(), transfers.close()) };
}

const opts = (prefix: string, over: LegacyImportOptions = {}): LegacyImportOptions => ({ legacyDbName: prefix, now: () => 42, ...over });
const idsOf = async (db: PushDb) => (await db.getAll('pushes')).map((p) => p.id).sort();

describe('importLegacyData', () => {
  it("copies only this identity's pushes (AoR compared as SIP does), removes just those from the legacy database, and leaves the rest for the other identity", async () => {
    const a1 = legacyPush(ALICE, { dispatched: 1 });
    const a2 = legacyPush('sip:alice@EXAMPLE.com;transport=ws');
    const b1 = legacyPush(BOB);
    const other = legacyPush('sip:Alice@example.com'); // user parts are case-sensitive: not alice
    const junk = legacyPush('not a uri');
    const { prefix, db: legacy } = await legacyProfile({ pushes: [a1, a2, b1, other, junk] });

    const alice = await identity(prefix, ALICE);
    const result = await importLegacyData(alice, 'sip:alice@Example.COM', opts(prefix));
    expect(result).toEqual({ status: 'imported', pushes: 2, transfers: 0, chunks: 0, instanceId: false });
    expect(await alice.pushes.getAll('pushes')).toEqual([a1, a2]); // IDs and dispatched flags kept
    expect(await alice.pushes.get('meta', LEGACY_IMPORT_KEY)).toEqual({ at: 42, pushes: 2, transfers: 0, chunks: 0, instanceId: false });
    expect(await idsOf(legacy)).toEqual([b1.id, other.id, junk.id].sort());

    const bob = await identity(prefix, BOB);
    expect((await importLegacyData(bob, BOB, opts(prefix))).pushes).toBe(1);
    expect(await idsOf(bob.pushes)).toEqual([b1.id]);
    // Never deleted: what belongs to nobody who opened stays in it.
    expect(await idsOf(legacy)).toEqual([other.id, junk.id].sort());
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(prefix);
    alice.close();
    bob.close();
    legacy.close();
  });

  it('runs once: the mark makes later calls do nothing, even when the legacy database gains pushes', async () => {
    const { prefix, db: legacy } = await legacyProfile({ pushes: [legacyPush(ALICE)] });
    const alice = await identity(prefix, ALICE);
    await importLegacyData(alice, ALICE, opts(prefix));
    const late = legacyPush(ALICE);
    await legacy.put('pushes', late);
    expect(await importLegacyData(alice, ALICE, opts(prefix))).toEqual({ status: 'done-before', pushes: 1, transfers: 0, chunks: 0, instanceId: false });
    expect(await alice.pushes.count('pushes')).toBe(1);
    expect(await legacy.get('pushes', late.id)).toEqual(late);
    alice.close();
    legacy.close();
  });

  it('gives the legacy instance ID to the first identity that imports, never to a second one', async () => {
    const { prefix, db: legacy } = await legacyProfile({ instanceId: 'urn:uuid:legacy' });
    const alice = await identity(prefix, ALICE);
    expect((await importLegacyData(alice, ALICE, opts(prefix))).instanceId).toBe(true);
    expect(await alice.pushes.get('meta', 'instanceId')).toBe('urn:uuid:legacy');
    expect(await legacy.get('meta', LEGACY_INSTANCE_CLAIM_KEY)).toBe('sip:alice@example.com');

    const bob = await identity(prefix, BOB);
    expect((await importLegacyData(bob, BOB, opts(prefix))).instanceId).toBe(false);
    expect(await bob.pushes.get('meta', 'instanceId')).toBeUndefined(); // the agent creates its own
    alice.close();
    bob.close();
    legacy.close();
  });

  it('an identity that claimed the instance ID but crashed before its mark takes it on the next run', async () => {
    const { prefix, db: legacy } = await legacyProfile({ instanceId: 'urn:uuid:legacy' });
    await legacy.put('meta', 'sip:alice@example.com', LEGACY_INSTANCE_CLAIM_KEY);
    const alice = await identity(prefix, ALICE);
    expect((await importLegacyData(alice, ALICE, opts(prefix))).instanceId).toBe(true);
    expect(await alice.pushes.get('meta', 'instanceId')).toBe('urn:uuid:legacy');
    alice.close();
    legacy.close();
  });

  it('keeps an instance ID the identity database already has', async () => {
    const { prefix, db: legacy } = await legacyProfile({ instanceId: 'urn:uuid:legacy' });
    const alice = await identity(prefix, ALICE);
    await alice.pushes.put('meta', 'urn:uuid:own', 'instanceId');
    expect((await importLegacyData(alice, ALICE, opts(prefix))).instanceId).toBe(false);
    expect(await alice.pushes.get('meta', 'instanceId')).toBe('urn:uuid:own');
    alice.close();
    legacy.close();
  });

  it('skips a push already held (same dedup key), without a second copy, and still removes it from the legacy database', async () => {
    const dup = legacyPush(ALICE);
    const { prefix, db: legacy } = await legacyProfile({ pushes: [dup] });
    const alice = await identity(prefix, ALICE);
    const store = new PushStore(alice.pushes);
    await store.commitBatch([newPush({ to: ALICE, dedupKey: dup.dedupKey })]);
    expect((await importLegacyData(alice, ALICE, opts(prefix))).pushes).toBe(0);
    expect(await alice.pushes.count('pushes')).toBe(1);
    expect(await legacy.count('pushes')).toBe(0);
    alice.close();
    legacy.close();
  });

  it("copies this identity's transfers with every chunk (across batches), and leaves the other identity's", async () => {
    const mine = transfer('t-alice', ALICE);
    const theirs = transfer('t-bob', BOB);
    const msrpPush = legacyPush(ALICE, { via: 'msrp', content: new Uint8Array(), dedupKey: 'msrp:t-alice' });
    const { prefix, db: legacy } = await legacyProfile({ pushes: [msrpPush], transfers: [{ record: mine, chunks: 150 }, { record: theirs, chunks: 3 }] });
    const alice = await identity(prefix, ALICE);
    const result = await importLegacyData(alice, ALICE, opts(prefix));
    expect(result).toMatchObject({ pushes: 1, transfers: 1, chunks: 150 });
    expect(await alice.transfers.get('transfers', 't-alice')).toEqual(mine);
    const chunks = (await alice.transfers.getAll('chunks')) as ChunkRecord[];
    expect(chunks.map((c) => c.start)).toEqual(Array.from({ length: 150 }, (_, i) => 1 + i * 10));
    expect(new Uint8Array(chunks[149]!.bytes as ArrayBuffer)[0]).toBe(149);
    expect(await alice.transfers.get('transfers', 't-bob')).toBeUndefined();

    const left = (await TransferStore.open(transferDbName(prefix))).db;
    expect((await left.getAll('transfers')).map((t) => t.id)).toEqual(['t-bob']);
    expect(((await left.getAll('chunks')) as ChunkRecord[]).every((c) => c.transferId === 't-bob')).toBe(true);
    expect(await left.count('chunks')).toBe(3);
    left.close();
    alice.close();
    legacy.close();
  });

  it('does not create a legacy database that is not there, and marks the import done', async () => {
    const prefix = uniqueDbName('fresh');
    const alice = await identity(prefix, ALICE);
    expect(await importLegacyData(alice, ALICE, opts(prefix))).toEqual({ status: 'imported', pushes: 0, transfers: 0, chunks: 0, instanceId: false });
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).not.toContain(prefix);
    expect(names).not.toContain(transferDbName(prefix));
    expect(await alice.pushes.get('meta', LEGACY_IMPORT_KEY)).toMatchObject({ legacyAbsent: true });
    alice.close();
  });

  it('imports under one lock per legacy database; two connections of one identity at once import once', async () => {
    const { prefix, db: legacy } = await legacyProfile({ pushes: [legacyPush(ALICE), legacyPush(ALICE)] });
    let tail: Promise<unknown> = Promise.resolve();
    const names: string[] = [];
    const withLock = <T,>(name: string, fn: () => Promise<T>): Promise<T> => {
      names.push(name);
      const run = tail.then(fn);
      tail = run.catch(() => undefined);
      return run;
    };
    const first = await identity(prefix, ALICE);
    const second = await identity(prefix, ALICE);
    const results = await Promise.all([importLegacyData(first, ALICE, opts(prefix, { withLock })), importLegacyData(second, ALICE, opts(prefix, { withLock }))]);
    expect(results.map((r) => r.status).sort()).toEqual(['done-before', 'imported']);
    expect(await first.pushes.count('pushes')).toBe(2);
    expect(new Set(names)).toEqual(new Set([`sip-push-legacy-import:${prefix}`]));
    first.close();
    second.close();
    legacy.close();
  });
});
