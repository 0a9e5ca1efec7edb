/**
 * A consumer's Fetch request for tests that send exact requests (wire-client.ts): no session,
 * read-uncommitted, 1 MiB limits, and no waiting unless `options` says so.
 */
import type { FetchRequest } from '@cairn/protocol';

export interface PartitionFetch {
  partition: number;
  /** 0 when left out. */
  fetchOffset?: number;
  /** 1 MiB when left out. */
  partitionMaxBytes?: number;
}

export function fetchRequest(
  topic: string,
  partitions: readonly PartitionFetch[],
  options: Partial<FetchRequest> = {},
): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: partitions.map(({ partition, fetchOffset, partitionMaxBytes }) => ({
          partition,
          currentLeaderEpoch: -1,
          fetchOffset: fetchOffset ?? 0,
          logStartOffset: -1,
          partitionMaxBytes: partitionMaxBytes ?? 1024 * 1024,
        })),
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
    ...options,
  };
}
