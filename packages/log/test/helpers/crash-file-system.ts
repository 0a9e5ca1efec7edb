/**
 * A FileSystem over real files that can simulate a machine crash: `crash()` puts every file
 * back to what its last fsync made durable, losing every byte written since, and returns the
 * file system of the machine after the reboot.
 *
 * The model (close to ext4 with data=ordered): a file's contents are durable at its last
 * fsync; a file never fsync'd is empty after a crash if its directory was fsync'd after it was
 * created, and gone otherwise; renames and removals are durable at once. The file system from
 * before the crash, and every handle it opened, fail from then on, like a process that died:
 * a log abandoned by the test cannot touch the files again. The crash waits for operations in
 * flight so none lands after the files were put back.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileSystem, LogFile } from '../../src/file-system.js';
import { nodeFileSystem } from '../../src/file-system.js';

type Durable = { kind: 'contents'; bytes: Buffer } | { kind: 'absent' } | { kind: 'created' };

/** What survives crashes: the durable state of every file touched, shared by every boot. */
class Disk {
  readonly durable = new Map<string, Durable>();
  readonly inFlight = new Set<Promise<unknown>>();
  generation = 0;
  failNextWrite = false;
  failNextSync = false;
  writeGate: Promise<void> | null = null;
}

const ioError = (message: string) => Object.assign(new Error(message), { code: 'EIO' });

export class CrashableFileSystem implements FileSystem {
  private readonly disk: Disk;
  private readonly generation: number;

  constructor(disk?: Disk) {
    this.disk = disk ?? new Disk();
    this.generation = this.disk.generation;
  }

  /** The next write fails with EIO (for sticky-failure tests). */
  set failNextWrite(value: boolean) {
    this.disk.failNextWrite = value;
  }

  set failNextSync(value: boolean) {
    this.disk.failNextSync = value;
  }

  /** While set, writes wait for it (to fill the append queue deterministically). */
  set writeGate(gate: Promise<void> | null) {
    this.disk.writeGate = gate;
  }

  openFile(path: string, options: { create: boolean; readOnly?: boolean }): Promise<LogFile> {
    return this.guard(async () => {
      // A path removed earlier in this boot and created again starts over as new.
      if (
        this.disk.durable.get(path)?.kind !== 'contents' &&
        this.disk.durable.get(path)?.kind !== 'created'
      ) {
        const exists = await nodeFileSystem.exists(path);
        const state: Durable = exists
          ? { kind: 'contents', bytes: await readFile(path) }
          : { kind: 'created' };
        this.disk.durable.set(path, state);
      }
      return this.wrap(await nodeFileSystem.openFile(path, options));
    });
  }

  readFile(path: string): Promise<Buffer> {
    return this.guard(() => nodeFileSystem.readFile(path));
  }

  listDirectory(path: string): Promise<string[]> {
    return this.guard(() => nodeFileSystem.listDirectory(path));
  }

  makeDirectory(path: string): Promise<void> {
    return this.guard(() => nodeFileSystem.makeDirectory(path));
  }

  rename(from: string, to: string): Promise<void> {
    return this.guard(async () => {
      await this.remember(from);
      await nodeFileSystem.rename(from, to);
      this.disk.durable.set(to, this.disk.durable.get(from) ?? { kind: 'absent' });
      this.disk.durable.set(from, { kind: 'absent' });
    });
  }

  removeFile(path: string): Promise<void> {
    return this.guard(async () => {
      await nodeFileSystem.removeFile(path);
      this.disk.durable.set(path, { kind: 'absent' });
    });
  }

  removeDirectory(path: string): Promise<void> {
    return this.guard(async () => {
      await nodeFileSystem.removeDirectory(path);
      for (const known of this.disk.durable.keys()) {
        if (known.startsWith(`${path}/`)) this.disk.durable.set(known, { kind: 'absent' });
      }
    });
  }

  syncDirectory(path: string): Promise<void> {
    return this.guard(async () => {
      await nodeFileSystem.syncDirectory(path);
      for (const [known, state] of this.disk.durable) {
        if (state.kind === 'created' && dirname(known) === path) {
          this.disk.durable.set(known, { kind: 'contents', bytes: Buffer.alloc(0) });
        }
      }
    });
  }

  exists(path: string): Promise<boolean> {
    return this.guard(() => nodeFileSystem.exists(path));
  }

  isDirectory(path: string): Promise<boolean> {
    return this.guard(() => nodeFileSystem.isDirectory(path));
  }

  modifiedTimeMs(path: string): Promise<number> {
    return this.guard(() => nodeFileSystem.modifiedTimeMs(path));
  }

  /** Loses everything not fsync'd; returns the file system to reopen the log with. */
  async crash(): Promise<CrashableFileSystem> {
    const { disk } = this;
    disk.generation += 1;
    while (disk.inFlight.size > 0) await Promise.allSettled([...disk.inFlight]);
    for (const [path, state] of disk.durable) {
      if (state.kind === 'contents') await writeFile(path, state.bytes);
      else await rm(path, { force: true });
    }
    disk.durable.clear();
    return new CrashableFileSystem(disk);
  }

  private async remember(path: string): Promise<void> {
    if (this.disk.durable.has(path)) return;
    if (await nodeFileSystem.exists(path)) {
      this.disk.durable.set(path, { kind: 'contents', bytes: await readFile(path) });
    }
  }

  /** Runs an operation of this boot, tracked so a crash waits for it; fails after a crash. */
  private guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.generation !== this.disk.generation) return Promise.reject(ioError('EIO: crashed'));
    const promise = operation();
    this.disk.inFlight.add(promise);
    const forget = () => this.disk.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private wrap(file: LogFile): LogFile {
    const { disk } = this;
    return {
      path: file.path,
      read: (buffer, bufferOffset, length, position) =>
        this.guard(() => file.read(buffer, bufferOffset, length, position)),
      write: (buffers, position) =>
        this.guard(async () => {
          if (disk.writeGate !== null) await disk.writeGate;
          if (disk.failNextWrite) {
            disk.failNextWrite = false;
            throw ioError('EIO: injected write failure');
          }
          await file.write(buffers, position);
        }),
      sync: () =>
        this.guard(async () => {
          if (disk.failNextSync) {
            disk.failNextSync = false;
            throw ioError('EIO: injected fsync failure');
          }
          await file.sync();
          disk.durable.set(file.path, { kind: 'contents', bytes: await readFile(file.path) });
        }),
      truncate: (sizeBytes) => this.guard(() => file.truncate(sizeBytes)),
      sizeBytes: () => this.guard(() => file.sizeBytes()),
      close: () => file.close(),
    };
  }
}
