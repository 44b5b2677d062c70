export * from './text.ts';
export * from './parser.ts';
