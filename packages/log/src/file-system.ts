/**
 * The file operations the log engine uses, injected so tests can simulate a crash that loses
 * every byte not yet fsync'd (TigerBeetle simulates its storage; Kafka injects `Time`). The
 * default, `nodeFileSystem`, is node:fs with short reads and writes retried.
 *
 * Every path is absolute or relative to the process's working directory. Errors are Node's
 * (with `code` such as ENOENT); the log turns them into KAFKA_STORAGE_ERROR with the path.
 */
import fs from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';

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

/**
 * A file by its descriptor, through node:fs's callback calls: each is one libuv request,
 * several microseconds cheaper than a FileHandle call, which matters at one write per append.
 */
class NodeLogFile implements LogFile {
  constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  async read(buffer: Buffer, bufferOffset: number, length: number, position: number) {
    let count = 0;
    while (count < length) {
      const bytesRead = await new Promise<number>((resolve, reject) => {
        fs.read(
          this.fd,
          buffer,
          bufferOffset + count,
          length - count,
          position + count,
          (error, n) => (error === null ? resolve(n) : reject(error)),
        );
      });
      if (bytesRead === 0) break;
      count += bytesRead;
    }
    return count;
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending: readonly Buffer[] = buffers;
    let total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    while (total > 0) {
      const written = await this.writeOnce(pending, position);
      total -= written;
      position += written;
      // A short write is rare (disk full, signals): write what is left.
      if (total > 0) pending = [Buffer.concat(pending as Buffer[]).subarray(written)];
    }
  }

  private writeOnce(buffers: readonly Buffer[], position: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const done = (error: NodeJS.ErrnoException | null, written: number) =>
        error === null ? resolve(written) : reject(error);
      if (buffers.length === 1) {
        const buffer = buffers[0]!;
        fs.write(this.fd, buffer, 0, buffer.length, position, done);
      } else {
        fs.writev(this.fd, buffers as Buffer[], position, done);
      }
    });
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.fsync(this.fd, (error) => (error === null ? resolve() : reject(error)));
    });
  }

  truncate(sizeBytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.ftruncate(this.fd, sizeBytes, (error) => (error === null ? resolve() : reject(error)));
    });
  }

  sizeBytes(): Promise<number> {
    return new Promise((resolve, reject) => {
      fs.fstat(this.fd, (error, stats) => (error === null ? resolve(stats.size) : reject(error)));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      fs.close(this.fd, (error) => (error === null ? resolve() : reject(error)));
    });
  }
}

export const nodeFileSystem: FileSystem = {
  openFile(path, options) {
    const access = options.readOnly === true ? fs.constants.O_RDONLY : fs.constants.O_RDWR;
    const flags = access | (options.create ? fs.constants.O_CREAT : 0);
    return new Promise((resolve, reject) => {
      fs.open(path, flags, 0o644, (error, fd) =>
        error === null ? resolve(new NodeLogFile(path, fd)) : reject(error),
      );
    });
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
    const handle = await open(path, fs.constants.O_RDONLY);
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
