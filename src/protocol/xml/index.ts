export * from './xml.ts';
