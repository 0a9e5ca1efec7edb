/**
 * What every admin call shares: retries of retriable failures (refreshing metadata or finding
 * the coordinator again first when the error says so), the controller lookup, and turning a
 * response's error code into a typed error.
 */
import { ErrorCode } from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import {
  callsForCoordinatorLookup,
  callsForMetadataRefresh,
  type ErrorContext,
  errorFromCode,
  KafkaClientError,
} from './errors.js';
import { retry } from './retry.js';

/** Runs `fn`, retrying retriable errors with the cluster's retry settings. */
export function withRetries<T>(
  cluster: Cluster,
  fn: () => Promise<T>,
  groupId?: string,
): Promise<T> {
  return retry(fn, {
    ...cluster.retryOptions(),
    onRetry: (error) => {
      if (!(error instanceof KafkaClientError)) return;
      if (callsForMetadataRefresh(error.code)) cluster.invalidateMetadata();
      if (groupId !== undefined && callsForCoordinatorLookup(error.code)) {
        cluster.invalidateCoordinator(groupId);
      }
    },
  });
}

/** The controller's node id (topic changes go there), or 'any' when unknown. */
export async function controller(cluster: Cluster): Promise<number | 'any'> {
  let metadata = cluster.metadata();
  if (metadata.controllerId < 0 || cluster.isMetadataStale()) {
    metadata = await cluster.refreshMetadata([]);
  }
  return metadata.controllerId >= 0 ? metadata.controllerId : 'any';
}

/** Throws the typed error for `errorCode` unless it is NONE. */
export function check(
  errorCode: number,
  context: ErrorContext & { errorMessage?: string | null } = {},
): void {
  if (errorCode === ErrorCode.NONE) return;
  const { errorMessage, ...rest } = context;
  throw errorFromCode(
    errorCode,
    errorMessage === null || errorMessage === undefined ? rest : { ...rest, message: errorMessage },
  );
}

/** Groups items by a key, keeping their order. */
export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}
