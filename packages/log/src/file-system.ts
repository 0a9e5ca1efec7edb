/**
 * The file operations the log engine uses, injected so tests can simulate a crash that loses
 * every byte not yet fsync'd (TigerBeetle simulates its storage; Kafka injects `Time`). The
 * default, `nodeFileSystem`, is node:fs/promises with short reads and writes retried.
 *
 * Every path is absolute or relative to the process's working directory. Errors are Node's
 * (with `code` such as ENOENT); the log turns them into KAFKA_STORAGE_ERROR with the path.
 */
import { constants as fsConstants } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
} from 'node:fs/promises';

/** An open file, read and written at explicit positions (pread/pwrite). */
export interface LogFile {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `buffer`; returns the count (0 at the end). */
  read(buffer: Buffer, bufferOffset: number, length: number, position: number): Promise<number>;
  /** Writes every byte of `buffers`, back to back, starting at `position`. */
  write(buffers: readonly Buffer[], position: number): Promise<void>;
  /** fsync: the bytes written so far survive a crash once this resolves. */
  sync(): Promise<void>;
  truncate(sizeBytes: number): Promise<void>;
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}

export interface FileSystem {
  /** Opens for reading and writing (or reading only); `create` makes a missing file. */
  openFile(path: string, options: { create: boolean; readOnly?: boolean }): Promise<LogFile>;
  readFile(path: string): Promise<Buffer>;
  /** Entry names of a directory, unsorted. */
  listDirectory(path: string): Promise<string[]>;
  /** mkdir -p. */
  makeDirectory(path: string): Promise<void>;
  /** Atomically replaces `to` when it exists. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  removeFile(path: string): Promise<void>;
  /** rm -r; a missing directory is not an error. */
  removeDirectory(path: string): Promise<void>;
  /** fsync of the directory itself, so created, renamed and removed entries survive a crash. */
  syncDirectory(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  isDirectory(path: string): Promise<boolean>;
  modifiedTimeMs(path: string): Promise<number>;
}

class NodeLogFile implements LogFile {
  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  async read(buffer: Buffer, bufferOffset: number, length: number, position: number) {
    let count = 0;
    while (count < length) {
      const { bytesRead } = await this.handle.read(
        buffer,
        bufferOffset + count,
        length - count,
        position + count,
      );
      if (bytesRead === 0) break;
      count += bytesRead;
    }
    return count;
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    if (buffers.length === 1) {
      const buffer = buffers[0]!;
      let written = 0;
      while (written < buffer.length) {
        const result = await this.handle.write(buffer, written, buffer.length - written, position);
        written += result.bytesWritten;
        position += result.bytesWritten;
      }
      return;
    }
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    const { bytesWritten } = await this.handle.writev(buffers as Buffer[], position);
    // A short writev is rare (disk full, signals); finish the rest with plain writes.
    if (bytesWritten < total) {
      const rest = Buffer.concat(buffers as Buffer[]).subarray(bytesWritten);
      await this.write([rest], position + bytesWritten);
    }
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.handle.truncate(sizeBytes);
  }

  async sizeBytes(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeFileSystem: FileSystem = {
  async openFile(path, options) {
    const access = options.readOnly === true ? fsConstants.O_RDONLY : fsConstants.O_RDWR;
    const flags = access | (options.create ? fsConstants.O_CREAT : 0);
    return new NodeLogFile(path, await open(path, flags, 0o644));
  },
  readFile: (path) => readFile(path),
  listDirectory: (path) => readdir(path),
  async makeDirectory(path) {
    await mkdir(path, { recursive: true });
  },
  rename: (from, to) => rename(from, to),
  removeFile: (path) => rm(path, { force: true }),
  removeDirectory: (path) => rm(path, { recursive: true, force: true }),
  async syncDirectory(path) {
    const handle = await open(path, fsConstants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async exists(path) {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  },
  async isDirectory(path) {
    return (await stat(path)).isDirectory();
  },
  async modifiedTimeMs(path) {
    return (await stat(path)).mtimeMs;
  },
};

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}
