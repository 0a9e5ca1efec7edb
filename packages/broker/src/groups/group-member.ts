/**
 * One member of a classic group (Kafka's MemberMetadata): who it is, the protocols it
 * supports with its metadata for each, its timeouts, its assignment, and the JoinGroup or
 * SyncGroup request it has parked with the coordinator, if any.
 */
import { assert } from '@cairn/protocol';
import type { Timer } from './clock.js';
import type { GroupProtocol, JoinGroupResult, SyncGroupResult } from './coordinator-api.js';

export type JoinCallback = (result: JoinGroupResult) => void;
export type SyncCallback = (result: SyncGroupResult) => void;

export const emptyBytes: Buffer = Buffer.alloc(0);

export interface GroupMemberInit {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly GroupProtocol[];
}

export class GroupMember {
  /** Changes only when a static member rejoins and is given a new id. */
  memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly protocolType: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocols: readonly GroupProtocol[];
  assignment: Buffer = emptyBytes;
  /** The parked JoinGroup, answered when the rebalance completes. */
  awaitingJoin: JoinCallback | null = null;
  /** The parked SyncGroup, answered when the leader's assignment arrives. */
  awaitingSync: SyncCallback | null = null;
  /** Joined during the current rebalance and not yet answered: it cannot heartbeat yet. */
  isNew = false;
  /** The session (or new-member join) timeout that removes the member when it fires. */
  heartbeatTimer: Timer | null = null;

  constructor(init: GroupMemberInit) {
    this.memberId = init.memberId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.protocolType = init.protocolType;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocols = init.protocols;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /**
   * Whether an expiring session timer leaves the member in the group. A member parked in a
   * JoinGroup or SyncGroup cannot heartbeat (its connection waits for the answer), so it is
   * spared, unless it is new: a new member's timer is the bound on its first join.
   */
  get survivesHeartbeatExpiration(): boolean {
    return !this.isNew && (this.isAwaitingJoin || this.isAwaitingSync);
  }

  /** The member's metadata for `protocolName`, which it must support. */
  metadata(protocolName: string): Buffer {
    const protocol = this.protocols.find((p) => p.name === protocolName);
    assert(protocol !== undefined, `member ${this.memberId} lacks protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** The member's most preferred protocol among `candidates` (its own order is preference). */
  vote(candidates: ReadonlySet<string>): string {
    const protocol = this.protocols.find((p) => candidates.has(p.name));
    assert(protocol !== undefined, `member ${this.memberId} supports no candidate protocol`);
    return protocol.name;
  }

  /** True when `protocols` are the member's, same names, order and metadata bytes. */
  matches(protocols: readonly GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((protocol, index) => {
      const own = this.protocols[index];
      return (
        own !== undefined && own.name === protocol.name && own.metadata.equals(protocol.metadata)
      );
    });
  }
}
