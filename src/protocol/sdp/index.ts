export * from './errors.ts';
export * from './session.ts';
export * from './fileTransfer.ts';
export * from './msrpSdp.ts';
