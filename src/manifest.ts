import { createHash } from 'node:crypto';
import { octal, type GeneratedFile } from './files.js';

/** One line of the manifest `generate --json` prints: enough for tooling to check a tree. */
export interface ManifestEntry {
  path: string;
  type: 'file' | 'symlink';
  /** Permission bits as four octal digits: "0755", "0644", "0777" for a link. */
  mode: string;
  /** SHA-256 of the content, hex; files only. */
  sha256?: string;
  /** Size of the content in bytes; files only. */
  size?: number;
  /** Target of the relative symbolic link; links only. */
  linkTarget?: string;
}


export function manifestEntry(file: GeneratedFile): ManifestEntry {
  if (file.linkTarget !== undefined) {
    return { path: file.path, type: 'symlink', mode: octal(file.mode), linkTarget: file.linkTarget };
  }
  const bytes = Buffer.from(file.content ?? '', 'utf8');
  return {
    path: file.path,
    type: 'file',
    mode: octal(file.mode),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  };
}

/** The manifest of generated files, in their (sorted) order. */
export function manifest(files: readonly GeneratedFile[]): ManifestEntry[] {
  return files.map(manifestEntry);
}
