/**
 * Files for the MSRP specs: random content written once per size under the OS temp folder,
 * with the SHA-256 the receiver must end up with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MB = 1024 * 1024;

export interface TestFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
}

export class TestFiles {
  private readonly dir = mkdtempSync(join(tmpdir(), 'sip-push-e2e-msrp-'));

  /** A file of `size` random bytes (written in 8 MB slices so no 50 MB buffer is kept). */
  make(name: string, size: number): TestFile {
    const path = join(this.dir, name);
    const hash = createHash('sha256');
    writeFileSync(path, new Uint8Array(0));
    for (let written = 0; written < size; ) {
      const slice = randomBytes(Math.min(8 * MB, size - written));
      hash.update(slice);
      writeFileSync(path, slice, { flag: 'a' });
      written += slice.length;
    }
    return { path, name, size, sha256: hash.digest('hex') };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
