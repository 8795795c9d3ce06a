/**
 * The storage module's file I/O, asynchronous throughout (libuv's thread
 * pool), so a slow or stalled disk — a USB drive, a NAS mount, a busy SMR
 * disk — never freezes the event loop: recorder supervision, the API and
 * every live viewer keep answering while a read or an fsync waits.
 *
 * fsyncs go through one lane, one at a time (Moonfire keeps a syncer thread
 * for the same reason): a disk that takes seconds per fsync then holds one of
 * libuv's four pool threads, not all of them, and reads keep flowing.
 *
 * Injected (the Store takes a Disk), so tests can put a slow disk under the
 * engine. Files are created 0600 and folders 0700: footage is private.
 */
import { constants, createReadStream, watch } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rmdir, stat, statfs, truncate, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FILE_MODE, FOLDER_MODE } from './private-folder.ts';

export { FILE_MODE, FOLDER_MODE };

/** What identifies one version of a file's content: an ETag is derived from it. */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** An open file for sequential reads into the caller's buffers (export's batched copy). */
export interface FileReader {
  /** Reads into `buffer[offset, offset + length)` from `position`; resolves with the bytes read (0 at the end). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Up to `length` bytes at `position` of an open file (fewer at its end). */
export async function readUpTo(reader: FileReader, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = await reader.read(buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

export interface Disk {
  openReader(path: string): Promise<FileReader>;
  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  read(path: string, position: number, length: number): Promise<Buffer>;
  /** null when the file does not exist. */
  identity(path: string): Promise<FileIdentity | null>;
  /** Overwrites bytes in place. */
  writeAt(path: string, position: number, bytes: Buffer): Promise<void>;
  /** Creates a new file (never replaces one) with these bytes, mode 0600, and fsyncs it. */
  createSynced(path: string, bytes: Buffer): Promise<void>;
  /** fsync of a file or a folder. */
  sync(path: string): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Creates a folder and its parents, mode 0700. */
  mkdir(path: string): Promise<void>;
  /** Names in a folder ([] when it does not exist). */
  readdir(path: string): Promise<string[]>;
  /** Removes a folder if it is empty; otherwise (or when gone) does nothing. */
  removeEmptyFolder(path: string): Promise<void>;
  realpath(path: string): Promise<string>;
  /** Free and total bytes of the volume holding `path`. */
  volume(path: string): Promise<{ freeBytes: number; totalBytes: number }>;
  /** Bytes [start, end] (inclusive) as a stream. */
  stream(path: string, start: number, end: number): Readable;
  /** Calls `onChange` when the file is written; returns the unsubscribe. Best effort (callers also poll). */
  watch(path: string, onChange: () => void): () => void;
}

/** Runs one task at a time, in order. */
class Lane {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export function nodeDisk(): Disk {
  const syncLane = new Lane();
  const openReader = async (path: string): Promise<FileReader> => {
    const fh = await open(path, 'r');
    return {
      read: async (buffer, offset, length, position) => (await fh.read(buffer, offset, length, position)).bytesRead,
      close: () => fh.close(),
    };
  };
  return {
    openReader,
    async read(path, position, length) {
      const reader = await openReader(path);
      try {
        return await readUpTo(reader, position, length);
      } finally {
        await reader.close();
      }
    },
    async identity(path) {
      try {
        const st = await stat(path);
        return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async writeAt(path, position, bytes) {
      const fh = await open(path, 'r+');
      try {
        let done = 0;
        while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      } finally {
        await fh.close();
      }
    },
    async createSynced(path, bytes) {
      const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
      try {
        let done = 0;
        while (done < bytes.length) done += (await fh.write(bytes, done, bytes.length - done)).bytesWritten;
        await syncLane.run(() => fh.sync());
      } finally {
        await fh.close();
      }
    },
    sync(path) {
      return syncLane.run(async () => {
        const fh = await open(path, 'r');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      });
    },
    truncate: (path, length) => truncate(path, length),
    rename: (from, to) => rename(from, to),
    async unlink(path) {
      try {
        await unlink(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
    async mkdir(path) {
      await mkdir(path, { recursive: true, mode: FOLDER_MODE });
    },
    async readdir(path) {
      try {
        return await readdir(path);
      } catch {
        return [];
      }
    },
    async removeEmptyFolder(path) {
      try {
        await rmdir(path);
      } catch {
        // not empty (a recorder just wrote into it) or already gone: fine
      }
    },
    realpath: (path) => realpath(path),
    async volume(path) {
      const s = await statfs(path);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    },
    stream: (path, start, end) => createReadStream(path, { start, end }),
    watch(path, onChange) {
      try {
        const watcher = watch(path, { persistent: false }, onChange);
        watcher.on('error', () => watcher.close());
        return () => watcher.close();
      } catch {
        return () => undefined; // no inotify here: the caller's polling still works
      }
    },
  };
}
