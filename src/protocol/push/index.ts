export * from './control.ts';
export * from './reports.ts';
