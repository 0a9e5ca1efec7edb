/**
 * Notices when the partitions of a group's topics change after an assignment was made:
 * partitions added (CreatePartitions), a subscribed topic created after the join, or one
 * deleted. Without this the new partitions would have no owner until some other rebalance,
 * and records produced to them would go unread.
 *
 * Kafka's ConsumerCoordinator keeps a metadata snapshot from the start of the rebalance,
 * refreshes metadata every metadata.max.age.ms and rejoins when they differ. Here:
 *
 *   snapshot   topic -> partition count the last assignment was made with (0: no such topic)
 *              - the leader: the counts it ran its assignor over, for every topic any member
 *                subscribes to (Java's assignmentSnapshot);
 *              - another member: the counts of its own topics when its assignment arrived.
 *                Java leaves this to the leader alone; a Cairn member watches its own topics
 *                too, so a group whose leader is another client still notices.
 *   changed()  asks Metadata for the snapshot's topics; true when any count differs (a topic
 *              answering with a transient error is not counted as changed).
 *
 * A snapshot replaced while a check waits for Metadata makes that check void (its answer
 * may predate the new assignment).
 */
import type { Cluster, TopicMetadata } from './cluster.js';

export class PartitionCountWatch {
  private snapshot: ReadonlyMap<string, number> | null = null;
  /** Bumped whenever the snapshot is replaced or cleared. */
  private version = 0;

  constructor(private readonly cluster: Cluster) {}

  /** The partition counts an assignment was made with; topics not in `counts` count as 0. */
  record(topics: readonly string[], counts: ReadonlyMap<string, number>): void {
    this.snapshot = new Map(topics.map((topic) => [topic, counts.get(topic) ?? 0]));
    this.version++;
  }

  /** A rebalance started: nothing to compare with until its assignment. */
  clear(): void {
    this.snapshot = null;
    this.version++;
  }

  /** The topics of the snapshot, or [] when there is none. */
  get topics(): string[] {
    return this.snapshot === null ? [] : [...this.snapshot.keys()];
  }

  /**
   * Whether any topic's partition count now differs from the snapshot. False without a
   * snapshot or when it was replaced meanwhile. Rejects when Metadata fails.
   */
  async changed(): Promise<boolean> {
    const snapshot = this.snapshot;
    if (snapshot === null || snapshot.size === 0) return false;
    const version = this.version;
    const metadata = await this.cluster.refreshMetadata([...snapshot.keys()]);
    if (version !== this.version) return false;
    for (const [topic, count] of snapshot) {
      const now = partitionCountOf(metadata.topics.get(topic));
      if (now !== null && now !== count) return true;
    }
    return false;
  }
}

/**
 * A topic's partition count from Metadata: 0 when the topic does not exist (the cluster drops
 * UNKNOWN_TOPIC_OR_PARTITION entries), null while it answers with another error (a leader
 * being elected, say): unknown, so not a change.
 */
function partitionCountOf(entry: TopicMetadata | undefined): number | null {
  if (entry === undefined) return 0;
  return entry.errorCode === 0 ? entry.partitions.length : null;
}

/**
 * The partition count of each topic that exists and has partitions (fresh Metadata); a topic
 * missing or in error is left out.
 */
export async function partitionCounts(
  cluster: Cluster,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  if (topics.length === 0) return counts;
  const metadata = await cluster.refreshMetadata([...topics]);
  for (const topic of topics) {
    const entry = metadata.topics.get(topic);
    if (entry !== undefined && entry.errorCode === 0 && entry.partitions.length > 0) {
      counts.set(topic, entry.partitions.length);
    }
  }
  return counts;
}
