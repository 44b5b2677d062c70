/**
 * POST /v1/uploads: files streamed to disk before the push that sends them. Each upload gets
 * a random ID and lives in `dir` as `<id>.upload` (also while it is being written). A push
 * that names it claims it: the file is renamed `<id>.content` and from then on belongs to the
 * service (the queue keeps its path; the service removes it when the push is done). An upload
 * not claimed within `ttlMs` is removed, and so is one whose body broke off or ran past
 * `maxBytes`. `*.upload` files left by an earlier run are removed at open: no push can claim
 * them any more.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { ContentFile } from '../../queue/index.ts';
import { ApiError } from './apiError.ts';

export interface UploadStoreOptions {
  dir: string;
  /** Largest upload, bytes: one more is refused with 413 and the partial file removed. */
  maxBytes: number;
  /** An upload no push claimed is removed this long after it completed. */
  ttlMs: number;
}

export interface UploadStore {
  /** Stream `body` to a new upload; rejects with an ApiError 413 past maxBytes (the file removed). */
  receive(body: Readable, declaredLength?: number): Promise<{ uploadId: string; size: number }>;
  /** The upload with this ID, when complete and not claimed. */
  lookup(id: string): ContentFile | undefined;
  /** A push takes the file: it moves to `<id>.content` and leaves the store. */
  claim(id: string): Promise<ContentFile>;
  /** The push was refused: the file goes back to the store, with a fresh TTL. */
  unclaim(id: string, file: ContentFile): Promise<void>;
  /** Uploads waiting for a push. */
  size(): number;
  /** Stop the timers and remove every unclaimed upload. */
  close(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{22}$/;

export async function openUploadStore(options: UploadStoreOptions): Promise<UploadStore> {
  const { dir, maxBytes, ttlMs } = options;
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) {
    if (name.endsWith('.upload')) await rm(join(dir, name), { force: true });
  }
  const uploads = new Map<string, { size: number; timer: NodeJS.Timeout }>();
  const pathOf = (id: string) => join(dir, `${id}.upload`);

  const expireLater = (id: string, size: number) => {
    const timer = setTimeout(() => {
      uploads.delete(id);
      void rm(pathOf(id), { force: true });
    }, ttlMs);
    timer.unref();
    uploads.set(id, { size, timer });
  };

  return {
    async receive(body, declaredLength) {
      if (declaredLength !== undefined && declaredLength > maxBytes) throw tooLarge(maxBytes);
      const uploadId = randomBytes(16).toString('base64url');
      const path = pathOf(uploadId);
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > maxBytes) callback(tooLarge(maxBytes));
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(path, { flags: 'wx' }));
      } catch (err) {
        await rm(path, { force: true });
        throw err;
      }
      expireLater(uploadId, size);
      return { uploadId, size };
    },
    lookup(id) {
      if (!ID.test(id)) return undefined;
      const upload = uploads.get(id);
      return upload ? { file: pathOf(id), size: upload.size } : undefined;
    },
    async claim(id) {
      const upload = uploads.get(id);
      if (!ID.test(id) || !upload) throw new ApiError(400, 'PSA_ERR_INPUT', `No upload ${JSON.stringify(id)}; upload the file again with POST /v1/uploads`, 'upload');
      clearTimeout(upload.timer);
      uploads.delete(id);
      const file = join(dir, `${id}.content`);
      await rename(pathOf(id), file);
      return { file, size: upload.size };
    },
    async unclaim(id, file) {
      await rename(file.file, pathOf(id));
      expireLater(id, file.size);
    },
    size: () => uploads.size,
    async close() {
      for (const [id, { timer }] of uploads) {
        clearTimeout(timer);
        await rm(pathOf(id), { force: true });
      }
      uploads.clear();
    },
  };
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'PSA_ERR_TOO_LARGE', `The upload is larger than ${maxBytes} bytes (maxUploadBytes); send a smaller file, or start the service with a higher limit`);
}
