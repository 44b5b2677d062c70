export * from './errors.ts';
export * from './model.ts';
export * from './message.ts';
export * from './parser.ts';
export * from './messageParser.ts';
export * from './serializer.ts';
export * from './uri.ts';
export * from './helpers.ts';
