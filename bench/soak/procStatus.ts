/**
 * What Linux says about a process: its resident set from /proc/<pid>/status and how many
 * descriptors it holds (entries of /proc/<pid>/fd). Read from outside the process, so the
 * figures are the kernel's, not the runtime's opinion of itself.
 */
import { readdir, readFile } from 'node:fs/promises';

/** VmRSS of a /proc/<pid>/status text, in bytes. */
export function residentBytes(statusText: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  if (!match) throw new Error('no VmRSS line in /proc status');
  return Number(match[1]) * 1024;
}

export async function readProcess(pid: number): Promise<{ rssBytes: number; descriptors: number }> {
  const [status, fds] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readdir(`/proc/${pid}/fd`)]);
  return { rssBytes: residentBytes(status), descriptors: fds.length };
}
