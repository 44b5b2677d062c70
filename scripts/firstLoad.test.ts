import { describe, expect, it } from 'vitest';
import { firstLoad, staticClosure, staticImports } from './firstLoad.ts';

describe('staticImports', () => {
  it.each([
    ['import{a as e}from"./assets/x-1.js";', ['./assets/x-1.js']],
    ["import { a } from './x.js';\nimport './side.js';", ['./x.js', './side.js']],
    ['import"./side.js";export{}', ['./side.js']],
    ['const m=await import("./lazy.js");', []],
    ['import("./lazy.js").then(()=>0)', []],
    ['import React from"react";', []],
    ['export{a}from"../up.js"', ['../up.js']],
  ])('%s', (code, want) => {
    expect(staticImports(code)).toEqual(want);
  });
});

describe('staticClosure', () => {
  const files: Record<string, string> = {
    '/d/entry.js': 'import{a}from"./assets/shared.js";const l=()=>import("./assets/lazy.js");',
    '/d/assets/shared.js': 'import"./deep.js";export const a=1',
    '/d/assets/deep.js': 'import{a}from"./shared.js";',
    '/d/assets/lazy.js': 'import"./parser.js"',
    '/d/assets/parser.js': 'x',
  };
  const read = (p: string) => {
    if (!(p in files)) throw new Error(`no ${p}`);
    return files[p]!;
  };

  it('follows static imports transitively, once each, and never a dynamic one', () => {
    expect(staticClosure('/d/entry.js', read)).toEqual(['/d/entry.js', '/d/assets/shared.js', '/d/assets/deep.js']);
  });

  it('sums the gzip size of the closure', () => {
    const load = firstLoad('/d/entry.js', read);
    expect(load.files).toHaveLength(3);
    expect(load.gzipBytes).toBeGreaterThan(0);
  });
});
