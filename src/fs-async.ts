import * as fs from 'node:fs';
import { promisify } from 'node:util';

/**
 * The asynchronous file operations of the generate path, on top of node:fs
 * callbacks. node:fs/promises would do the same, but loading it also loads
 * readline and the streams stack (Node 20): about 8 ms of every cold start.
 */
export const stat = promisify(fs.stat);
export const lstat = promisify(fs.lstat);
export const readFile = promisify(fs.readFile);
export const readdir = promisify(fs.readdir);
export const readlink = promisify(fs.readlink);
export const rename = promisify(fs.rename);
export const rm = promisify(fs.rm);
export const rmdir = promisify(fs.rmdir);
export const mkdir = promisify(fs.mkdir);
export const chmod = promisify(fs.chmod);
export const symlink = promisify(fs.symlink);
export const link = promisify(fs.link);
export const open = promisify(fs.open);
export const close = promisify(fs.close);
export const fstat = promisify(fs.fstat);
/** read(2) into buffer at offset; resolves to the number of bytes read. */
export function read(fd: number, buffer: Buffer, offset: number, length: number, position: number | null): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))));
}
export const fchmod = promisify(fs.fchmod);
export const fsync = promisify(fs.fsync);
export const writeFd = promisify(fs.writeFile) as (fd: number, data: string, encoding: BufferEncoding) => Promise<void>;
