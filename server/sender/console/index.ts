/** The operator console of the Push Sender Agent service (issue 13, point 3). */
export { createConsole, consolePath, CONSOLE_DEFAULTS, CONSOLE_SECURITY_HEADERS, type ConsoleMount, type ConsoleOptions } from './serve.ts';
