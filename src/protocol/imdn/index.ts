export * from './imdn.ts';
