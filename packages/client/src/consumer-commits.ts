/**
 * What the consumer commits, as whom, and when (the OffsetCommit request itself:
 * offset-committer.ts).
 *
 * What: positions, the next offset to process of each partition, never an offset still being
 * processed; a partition whose position is unknown or already committed is left out.
 * As whom: the member's generation inside a group (a commit before the first join is refused
 * with REBALANCE_IN_PROGRESS), generation -1 outside one (assign()).
 * When: commit(), every autoCommitIntervalMs (autoCommit), before partitions are revoked
 * (autoCommit), and on close (autoCommit).
 */
import { ErrorCode } from '@cairn/protocol';
import type { PartitionState } from './consumer-partition-state.js';
import { errorFromCode } from './errors.js';
import type { GroupMembership } from './group-membership.js';
import type { HeldPartitions } from './held-partitions.js';
import type { CommitIdentity, OffsetCommitter, TopicPartitionOffset } from './offset-committer.js';

export interface ConsumerCommitsContext {
  committer: OffsetCommitter;
  partitions: HeldPartitions;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  /** The group membership; null outside a group. */
  membership(): GroupMembership | null;
  isClosed(): boolean;
}

export class ConsumerCommits {
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private autoCommitting = false;

  constructor(private readonly context: ConsumerCommitsContext) {}

  /**
   * Commits `offsets`, or else the position of every partition held. Rejects with the
   * coordinator's error; a generation error also starts a rebalance.
   */
  async commit(offsets?: TopicPartitionOffset[]): Promise<void> {
    const { committer, partitions } = this.context;
    const list = offsets ?? uncommittedPositions(partitions.all());
    if (list.length === 0) return;
    const identity = this.identity();
    if (identity === null) {
      throw errorFromCode(ErrorCode.REBALANCE_IN_PROGRESS, {
        message: 'the member has not joined its group yet',
      });
    }
    const code = await committer.commit(list, identity);
    if (code !== ErrorCode.NONE) {
      const membership = this.context.membership();
      if (membership !== null) await membership.handleAction(membership.member.onCommitError(code));
      throw errorFromCode(code, { message: 'commit failed: the group has moved on' });
    }
    for (const { topic, partition, offset } of list) {
      const state = partitions.get(topic, partition);
      if (state !== undefined) state.committedOffset = offset;
    }
  }

  /** autoCommit: commits the positions of `states`, which are about to be revoked. */
  async commitBeforeRevoke(states: readonly PartitionState[]): Promise<void> {
    if (!this.context.autoCommit) return;
    try {
      await this.commit(uncommittedPositions(states));
    } catch {
      // The group moved on: the new owner starts from the last successful commit.
    }
  }

  /** autoCommit: close() of a consumer outside a group commits its positions. */
  async commitOutsideGroup(): Promise<void> {
    if (!this.context.autoCommit) return;
    const positions = uncommittedPositions(this.context.partitions.all());
    if (positions.length === 0) return;
    await this.context.committer.commit(positions, outsideGroupIdentity());
  }

  /** autoCommit: commits every autoCommitIntervalMs until stopAutoCommit(); idempotent. */
  startAutoCommit(): void {
    if (!this.context.autoCommit || this.autoCommitTimer !== null) return;
    this.autoCommitTimer = setInterval(() => {
      if (this.autoCommitting || this.context.isClosed()) return;
      this.autoCommitting = true;
      this.commit()
        .catch(() => undefined) // the next interval, a revocation or close() commits again
        .finally(() => {
          this.autoCommitting = false;
        });
    }, this.context.autoCommitIntervalMs);
    this.autoCommitTimer.unref();
  }

  stopAutoCommit(): void {
    if (this.autoCommitTimer !== null) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
  }

  /** The member's generation, outside a group -1; null before the member first joined. */
  private identity(): CommitIdentity | null {
    const membership = this.context.membership();
    if (membership === null) return outsideGroupIdentity();
    const { member } = membership;
    if (member.memberId === '' || member.generationId < 0) return null;
    return {
      generationId: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
    };
  }
}

/** The position of each of `states` that is known and not committed yet. */
function uncommittedPositions(states: readonly PartitionState[]): TopicPartitionOffset[] {
  return states
    .filter((state) => state.source.kind === 'known' && state.position >= 0)
    .filter((state) => state.position !== state.committedOffset)
    .map(({ topic, partition, position }) => ({ topic, partition, offset: position }));
}

function outsideGroupIdentity(): CommitIdentity {
  return { generationId: -1, memberId: '', groupInstanceId: null };
}
