/**
 * The rule for a path something is mounted at on the API's server (the PAP gateway, the
 * operator console): absolute, plain segments (letters, digits, - . _ ~; never `.` or `..`, no
 * empty segment, no trailing slash), and outside the API's /v1. The server matches on the
 * normalised request path, so a path outside this rule could never be reached.
 */
const PLAIN = /^(\/[A-Za-z0-9._~-]+)+$/;

/** The path, or a RangeError naming `what` and an example. */
export function mountPath(path: string, what: string, example: string): string {
  if (!PLAIN.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    throw new RangeError(`${what} path ${JSON.stringify(path)} is not a plain absolute path such as ${example} (letters, digits, - . _ ~, no trailing slash)`);
  }
  if (path === '/v1' || path.startsWith('/v1/')) throw new RangeError(`${what} path ${path} is under the API's /v1; give a path of its own such as ${example}`);
  return path;
}

/** Whether two mount paths would take each other's requests (equal, or one inside the other). */
export function mountPathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
