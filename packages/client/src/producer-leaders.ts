/**
 * How the sender reaches each partition's leader: metadata refreshes for topics whose leader
 * is unknown or may have moved (in the background, one at a time, spaced by the retry
 * backoff so a leaderless partition cannot spin), and connections to leaders (one attempt at
 * a time per broker; after a failed one the broker is left alone for the backoff and metadata
 * is refreshed). Each outcome schedules a drain pass, which sends what can go.
 */
import type { Cluster } from './cluster.js';
import type { RecordAccumulator } from './record-accumulator.js';

export interface ProducerLeadersContext {
  cluster: Cluster;
  accumulator: RecordAccumulator;
  /** retry.initialBackoffMs: between refreshes, and after a failed connection. */
  backoffMs: number;
  isStopped(): boolean;
  scheduleDrain(): void;
  scheduleDrainAt(atMs: number): void;
}

export class ProducerLeaders {
  private readonly connecting = new Set<number>();
  private readonly nodeBackoffUntilMs = new Map<number, number>();
  private readonly topicsToRefresh = new Set<string>();
  private refreshing = false;
  /** Refreshes are spaced by the retry backoff, so a leaderless partition cannot spin. */
  private refreshNotBeforeMs = 0;

  constructor(private readonly context: ProducerLeadersContext) {}

  /** Until when sends to `leader` wait after a failed connection (0: they need not). */
  backoffUntilMs(leader: number): number {
    return this.nodeBackoffUntilMs.get(leader) ?? 0;
  }

  /** Opens a connection to `leader` in the background, unless one is being opened. */
  connect(leader: number): void {
    const { cluster } = this.context;
    if (this.connecting.has(leader)) return;
    this.connecting.add(leader);
    cluster.connectionTo(leader).then(
      () => {
        this.connecting.delete(leader);
        this.nodeBackoffUntilMs.delete(leader);
        this.context.scheduleDrain();
      },
      () => {
        this.connecting.delete(leader);
        const untilMs = Date.now() + this.context.backoffMs;
        this.nodeBackoffUntilMs.set(leader, untilMs);
        cluster.invalidateMetadata();
        this.context.scheduleDrainAt(untilMs);
      },
    );
  }

  /** Refreshes metadata for `topic` in the background (one refresh at a time, spaced). */
  requestRefresh(topic: string): void {
    this.topicsToRefresh.add(topic);
    if (this.refreshing || this.context.isStopped()) return;
    const now = Date.now();
    if (now < this.refreshNotBeforeMs) {
      this.context.scheduleDrainAt(this.refreshNotBeforeMs);
      return;
    }
    this.refreshNotBeforeMs = now + this.context.backoffMs;
    this.refreshing = true;
    const topics = [...this.topicsToRefresh];
    this.topicsToRefresh.clear();
    this.context.cluster.refreshMetadata(topics).then(
      () => {
        this.refreshing = false;
        if (this.topicsToRefresh.size > 0) this.requestRefresh([...this.topicsToRefresh][0]!);
        this.context.scheduleDrain();
      },
      () => {
        this.refreshing = false;
        for (const name of topics) this.topicsToRefresh.add(name);
        this.context.scheduleDrainAt(Date.now() + this.context.backoffMs);
      },
    );
  }

  /** Refreshes metadata for every topic with batches to send (the metadata is stale). */
  refreshActiveTopics(): void {
    for (const queue of this.context.accumulator.active) this.topicsToRefresh.add(queue.topic);
    const first = this.topicsToRefresh.values().next();
    if (!first.done) this.requestRefresh(first.value);
  }
}
