export * from './uaprof.ts';
