export * from './reginfo.ts';
export * from './reginfoState.ts';
