// The codecs run in browsers and in Node; both provide these WHATWG globals, but the
// protocol tsconfig loads neither DOM nor Node types, so declare just what is used.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array | ArrayBuffer, options?: { stream?: boolean }): string;
}
