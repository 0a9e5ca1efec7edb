export type { AppendShape } from './append-batches.js';
export type { ScannedBatch, ScanOptions, ScanResult, ScanVerdict } from './batch-scan.js';
export { scanBatches } from './batch-scan.js';
export { type CheckpointRead, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
export { type Clock, systemClock } from './clock.js';
export type { CompactionResult } from './compaction.js';
export {
  type CleanupPolicy,
  compacts,
  defaultLogConfig,
  deletesByRetention,
  type LogConfig,
  logConfigNames,
  type MessageTimestampType,
  validateLogConfig,
} from './config.js';
export * as logLimits from './constants.js';
export { type FileSystem, type LogFile, nodeFileSystem } from './file-system.js';
export { LockFile } from './lock-file.js';
export {
  LogManager,
  type LogManagerOptions,
  type MaintenanceReport,
  type ManagedLog,
} from './log-manager.js';
export { ignoringLogObserver, type LogManagerObserver, type LogObserver } from './log-observer.js';
export { consoleLogLogger, type LogLogger, silentLogLogger } from './logger.js';
export {
  type AppendResult,
  PartitionLog,
  type PartitionLogOptions,
  PartitionLogProbe,
  type ReadResult,
  type RetentionResult,
  type SegmentInfo,
} from './partition-log.js';
export { newReadBuffers, type ReadBuffers } from './read-buffers.js';
export type { RetentionReason } from './retention.js';
export {
  formatBaseOffset,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
  segmentFileName,
} from './segment-files.js';
