/**
 * The logs of one data directory (Kafka's LogManager): one `<topic>-<partition>/` directory
 * per partition log (names in segment-files.ts), a lock file that keeps other processes out
 * (lock-file.ts), and a maintenance scheduler that runs flush.ms flushes, retention and
 * compaction over every open log.
 *
 * A partition's log is opened, and recovered, by `createLog` with the topic's config; `open`
 * does not open logs by itself, because the config lives with the broker. Directories of
 * deleted logs are renamed `<topic>-<partition>.<id>-delete` first, so a crash mid-deletion
 * leaves a name `open` recognises and finishes removing.
 *
 * Concurrency: every method may be called at any time. Calls for the same partition are
 * ordered: a `createLog` racing another, or a `deleteLog`, waits for the one before it.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { isAssertionError, kafkaError } from '@cairn/protocol';
import { type Clock, systemClock } from './clock.js';
import { compacts, deletesByRetention, type LogConfig } from './config.js';
import { maintenanceIntervalMsDefault, topicNameBytesMax } from './constants.js';
import { type FileSystem, nodeFileSystem } from './file-system.js';
import { LockFile } from './lock-file.js';
import type { LogManagerObserver } from './log-observer.js';
import { consoleLogLogger, type LogLogger } from './logger.js';
import { Mutex } from './mutex.js';
import { PartitionLog, type PartitionLogOptions } from './partition-log.js';
import {
  deletedDirectorySuffix,
  parsePartitionDirName,
  partitionDirName,
} from './segment-files.js';

export interface LogManagerOptions {
  clock?: Clock;
  fileSystem?: FileSystem;
  logger?: LogLogger;
  /** Starts the maintenance scheduler with this period; `startScheduler` can do it later. */
  maintenanceIntervalMs?: number;
  /** Gives each opened log an observer and hears of deleted logs (metrics, disk budget). */
  observer?: LogManagerObserver;
}

export interface ManagedLog {
  topic: string;
  partition: number;
  log: PartitionLog;
}

export interface MaintenanceReport {
  flushedLogCount: number;
  deletedSegmentCount: number;
  compactedSegmentCount: number;
  failedLogCount: number;
}

export class LogManager {
  private readonly logsByName = new Map<string, ManagedLog>();
  private readonly partitionMutexes = new Map<string, Mutex>();
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<unknown> | null = null;
  private schedulerRunning = false;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly lock: LockFile,
    private readonly fs: FileSystem,
    private readonly clock: Clock,
    private readonly logger: LogLogger,
    private readonly observer: LogManagerObserver | undefined,
  ) {}

  /**
   * Opens `dataDir` (creating it), takes its lock, and finishes deletions a crash
   * interrupted. Throws KAFKA_STORAGE_ERROR naming the directory and the pid when another live
   * process holds the lock.
   */
  static async open(dataDir: string, options: LogManagerOptions = {}): Promise<LogManager> {
    const fs = options.fileSystem ?? nodeFileSystem;
    const logger = options.logger ?? consoleLogLogger;
    await fs.makeDirectory(dataDir);
    const lock = await LockFile.acquire(dataDir, logger);
    const clock = options.clock ?? systemClock;
    const manager = new LogManager(dataDir, lock, fs, clock, logger, options.observer);
    try {
      for (const name of await fs.listDirectory(dataDir)) {
        if (!name.endsWith(deletedDirectorySuffix)) continue;
        logger.warn(`${join(dataDir, name)}: finishing the deletion of a log`);
        await fs.removeDirectory(join(dataDir, name));
      }
    } catch (error) {
      await lock.release();
      throw error;
    }
    if (options.maintenanceIntervalMs !== undefined) {
      manager.startScheduler(options.maintenanceIntervalMs);
    }
    return manager;
  }

  /**
   * Opens the partition's log, creating its directory when missing and recovering it when
   * present; returns the open log (with `config` applied) when it is already open. Throws
   * INVALID_TOPIC_EXCEPTION, INVALID_CONFIG, KAFKA_STORAGE_ERROR.
   */
  async createLog(topic: string, partition: number, config: LogConfig): Promise<PartitionLog> {
    checkTopicPartition(topic, partition);
    const name = partitionDirName(topic, partition);
    return this.partitionMutex(name).run(async () => {
      this.checkOpen();
      const open = this.logsByName.get(name);
      if (open !== undefined) {
        open.log.updateConfig(config);
        return open.log;
      }
      const options: PartitionLogOptions = {
        clock: this.clock,
        fileSystem: this.fs,
        logger: this.logger,
        name,
        ...(this.observer === undefined
          ? {}
          : { observer: this.observer.forLog(topic, partition) }),
      };
      const log = await PartitionLog.open(join(this.dataDir, name), config, options);
      this.logsByName.set(name, { topic, partition, log });
      return log;
    });
  }

  /** The open log of the partition, or undefined. */
  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logsByName.get(partitionDirName(topic, partition))?.log;
  }

  /**
   * Closes the partition's log and removes its directory (renamed to `...-delete` first).
   * No-op when neither is there. Throws KAFKA_STORAGE_ERROR.
   */
  async deleteLog(topic: string, partition: number): Promise<void> {
    checkTopicPartition(topic, partition);
    const name = partitionDirName(topic, partition);
    return this.partitionMutex(name).run(async () => {
      const open = this.logsByName.get(name);
      this.logsByName.delete(name);
      const sizeBytes = open?.log.sizeBytes ?? 0;
      if (open !== undefined) {
        await open.log.close().catch((error: unknown) => {
          this.logger.warn(`${name}: deleting after a failed close: ${String(error)}`);
        });
      }
      const dir = join(this.dataDir, name);
      if (!(await this.fs.exists(dir))) return;
      const doomed = `${dir}.${randomBytes(8).toString('hex')}${deletedDirectorySuffix}`;
      await this.fs.rename(dir, doomed);
      await this.fs.syncDirectory(this.dataDir);
      await this.fs.removeDirectory(doomed);
      this.observer?.onLogDeleted(topic, partition, sizeBytes);
    });
  }

  /** The open logs. */
  logs(): IterableIterator<ManagedLog> {
    return this.logsByName.values();
  }

  /** Partition directories present in the data directory, open or not. */
  async partitionsOnDisk(): Promise<Array<{ topic: string; partition: number }>> {
    const found: Array<{ topic: string; partition: number }> = [];
    for (const name of await this.fs.listDirectory(this.dataDir)) {
      const parsed = parsePartitionDirName(name);
      if (parsed !== null && (await this.fs.isDirectory(join(this.dataDir, name)))) {
        found.push(parsed);
      }
    }
    return found;
  }

  /**
   * Runs `runMaintenance` every `intervalMs` (the next run starts after the last one ends).
   * The timer does not keep the process alive. No-op when already running.
   */
  startScheduler(intervalMs = maintenanceIntervalMsDefault): void {
    this.checkOpen();
    if (this.schedulerRunning) return;
    this.schedulerRunning = true;
    const schedule = () => {
      if (!this.schedulerRunning) return;
      this.timer = setTimeout(() => {
        this.tick = this.runMaintenance().finally(schedule);
      }, intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the scheduler and waits for a run in progress. */
  async stopScheduler(): Promise<void> {
    this.schedulerRunning = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.tick?.catch(() => undefined);
  }

  /**
   * One maintenance pass over every open log: flush when flush.ms is due, retention when
   * cleanup.policy has delete, compaction when it has compact and new closed segments or
   * expiring tombstones wait. A failing log is reported and skipped; assertion failures crash.
   */
  async runMaintenance(): Promise<MaintenanceReport> {
    const report: MaintenanceReport = {
      flushedLogCount: 0,
      deletedSegmentCount: 0,
      compactedSegmentCount: 0,
      failedLogCount: 0,
    };
    for (const [name, { log }] of [...this.logsByName]) {
      // A log deleted since the pass began is skipped, not reported as failing.
      if (this.logsByName.get(name)?.log !== log) continue;
      try {
        const flushedBefore = log.recoveryPoint;
        await log.flushIfDue();
        if (log.recoveryPoint > flushedBefore) report.flushedLogCount += 1;
        if (deletesByRetention(log.config)) {
          report.deletedSegmentCount += (await log.applyRetention()).deletedSegmentCount;
        }
        if (compacts(log.config) && log.needsCompaction()) {
          report.compactedSegmentCount += (await log.compact()).cleanedSegmentCount;
        }
      } catch (error) {
        if (isAssertionError(error)) throw error;
        report.failedLogCount += 1;
        this.logger.warn(`${log.name}: maintenance failed: ${String(error)}`);
      }
    }
    return report;
  }

  /** Stops the scheduler, closes every log (flushing it) and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopScheduler();
    const logs = [...this.logsByName.values()];
    this.logsByName.clear();
    const results = await Promise.allSettled(logs.map(({ log }) => log.close()));
    await this.lock.release();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  private partitionMutex(name: string): Mutex {
    let mutex = this.partitionMutexes.get(name);
    if (mutex === undefined) {
      mutex = new Mutex();
      this.partitionMutexes.set(name, mutex);
    }
    return mutex;
  }

  private checkOpen(): void {
    if (this.closed) {
      throw kafkaError('KAFKA_STORAGE_ERROR', `log manager of ${this.dataDir} is closed`);
    }
  }
}

const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Kafka's topic name rules (they become directory names) and a non-negative partition. */
function checkTopicPartition(topic: string, partition: number): void {
  if (
    !legalTopicName.test(topic) ||
    topic === '.' ||
    topic === '..' ||
    Buffer.byteLength(topic) > topicNameBytesMax
  ) {
    throw kafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `topic name '${topic}' must be 1-${topicNameBytesMax} characters of [a-zA-Z0-9._-]`,
    );
  }
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', `partition ${partition} of '${topic}'`);
  }
}
