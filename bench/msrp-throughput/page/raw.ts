/**
 * Baseline: a raw WebSocket binary transfer into the same kind of page (same build, same
 * browser). The bench's `ws` server sends the file as binary messages of the MSRP chunk size
 * with the same bufferedAmount flow control as the sender; the page counts bytes
 * (`?store=none`, the baseline). Informational variants split the agent's costs:
 * `?store=blob` also writes every message to IndexedDB as a Blob, group-committed like the
 * agent's TransferStore; `?store=buffer` writes the ArrayBuffer itself (TransferStore's
 * `chunkStorage: 'arraybuffer'`); `&hash=1` feeds every message to the agent's incremental
 * SHA-256 (the agent's createHash, hash-wasm). When every byte is in (and committed), it says `done` on the socket.
 */
import { createHash } from '../../../src/agent/hash/fileHash.ts';
import { benchWindow, setStatus } from './params.ts';

const q = new URLSearchParams(location.search);
const store = q.get('store') === 'blob' || q.get('store') === 'buffer' ? q.get('store')! : 'none';
const hashing = q.get('hash') === '1';
const w = benchWindow();
w.__benchBytes = 0;

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('bench-raw', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('chunks', { keyPath: 'start' });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => resolve(open.result);
  });
}

/** Every put queued while a transaction runs shares the next one (one transaction in flight). */
function groupWriter(db: IDBDatabase, onError: (error: unknown) => void): { put: (start: number, bytes: Blob | ArrayBuffer) => void; idle: () => Promise<void> } {
  let queue: Array<{ start: number; bytes: Blob | ArrayBuffer }> = [];
  let running = false;
  let idleWaiters: Array<() => void> = [];
  const next = (): void => {
    if (queue.length === 0) {
      running = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
      return;
    }
    running = true;
    const batch = queue;
    queue = [];
    const tx = db.transaction('chunks', 'readwrite', { durability: 'relaxed' });
    const chunks = tx.objectStore('chunks');
    for (const record of batch) chunks.put(record);
    tx.oncomplete = next;
    tx.onerror = () => onError(tx.error);
    tx.onabort = () => onError(tx.error);
  };
  return {
    put(start, bytes) {
      queue.push({ start, bytes });
      if (!running) next();
    },
    idle: () => (running ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
  };
}

const db = store === 'none' ? undefined : await openDb();

w.__benchConnect = (url, total) => {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const writer = db ? groupWriter(db, (error) => (w.__benchError = String(error))) : undefined;
  const hash = hashing ? createHash('sha-256') : undefined;
  let received = 0;
  ws.onmessage = (event) => {
    const data = event.data as ArrayBuffer;
    const start = received + 1;
    received += data.byteLength;
    hash?.update(new Uint8Array(data));
    writer?.put(start, store === 'blob' ? new Blob([data]) : data);
    w.__benchBytes = received;
    if (received === total) {
      const digest = hash ? hash.hex().then((hex) => setStatus(`received, sha-256 ${hex}`)) : Promise.resolve(setStatus('received'));
      void Promise.all([digest, writer ? writer.idle() : Promise.resolve()]).then(() => ws.send('done'));
    }
  };
  ws.onerror = () => (w.__benchError = 'WebSocket error');
};
w.__benchReady = true;
setStatus(`ready (store ${store}${hashing ? ', sha-256' : ''})`);
