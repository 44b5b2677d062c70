export * from './cpim.ts';
