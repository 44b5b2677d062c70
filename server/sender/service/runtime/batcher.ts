/**
 * Group commit for the queue's writes: items added while a batch is being written (or within
 * the same tick) go together in the next one, so a burst costs one transaction per batch, not
 * one per item (the same idea as the receiver's store, ARCHITECTURE.md section 5). A lone item
 * waits for nothing: the first batch starts on the next turn of the event loop.
 *
 * `run` answers each item in order, with its result or the Error that refused it alone; a `run`
 * that throws fails every item of its batch.
 */
export interface Batcher<I, O> {
  add(item: I): Promise<O>;
  /** Items waiting or being written. */
  readonly pending: number;
}

export function createBatcher<I, O>(run: (items: I[]) => Promise<Array<O | Error>>, maxBatch: number): Batcher<I, O> {
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  let waiting: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  let writing = 0;
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch);
      waiting = waiting.slice(batch.length);
      writing += batch.length;
      try {
        const results = await run(batch.map((b) => b.item));
        batch.forEach((b, k) => {
          const result = results[k];
          if (result instanceof Error) b.reject(result);
          else b.resolve(result as O);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      } finally {
        writing -= batch.length;
      }
    }
  }

  return {
    get pending() {
      return waiting.length + writing;
    },
    add(item) {
      return new Promise<O>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        // One flush loop at a time: what arrives while it writes goes in its next batch.
        if (!scheduled && writing === 0) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
  };
}
