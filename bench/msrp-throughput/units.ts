/** Sizes as this bench prints them: MB = 2^20 bytes. */
export const MB = 1024 * 1024;

export const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
