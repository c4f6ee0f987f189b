import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';

/**
 * The text files of a zip archive, by their path inside it (directories left out), in archive order.
 * `accept` filters by path before anything is inflated, so a test reads only the members it needs.
 */
export function readZipTextFiles(path: string, accept: (name: string) => boolean = () => true): Map<string, string> {
  const entries = unzipSync(readFileSync(path), { filter: (file) => !file.name.endsWith('/') && accept(file.name) });
  const files = new Map<string, string>();
  for (const [name, bytes] of Object.entries(entries)) files.set(name, strFromU8(bytes));
  return files;
}
