/**
 * The MSRP specs' `test` with a `files` fixture: a TestFiles folder per worker, removed when
 * the worker ends, so a spec makes its files with `files.make(...)` and never cleans up itself.
 */
import { test as base } from '../fixtures/test.ts';
import { TestFiles } from './files.ts';

export const test = base.extend<Record<never, never>, { files: TestFiles }>({
  files: [
    async ({}, use) => {
      const files = new TestFiles();
      await use(files);
      files.remove();
    },
    { scope: 'worker' },
  ],
});

export { expect } from '../fixtures/test.ts';
