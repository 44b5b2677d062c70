export * from './errors.ts';
export * from './message.ts';
export * from './headers.ts';
export * from './featureTags.ts';
export * from './acceptContact.ts';
export * from './response.ts';
export * from './digest.ts';
export * from './streamFramer.ts';
