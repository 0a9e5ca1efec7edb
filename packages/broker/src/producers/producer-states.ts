/**
 * The producer state of every partition log, created empty for a new partition and rebuilt
 * from the log's batch headers for the partitions that exist when the broker starts.
 */
import type { PartitionLog } from '@cairn/log';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { ProducerState } from './producer-state.js';
import { rebuildProducerState } from './rebuild-producer-state.js';

export class ProducerStates {
  // Keyed by the log object, so a deleted partition's state goes with its log.
  private readonly states = new WeakMap<PartitionLog, ProducerState>();

  /** Rebuilds the state of every partition the registry has; call before serving produce. */
  static async rebuild(registry: TopicRegistry): Promise<ProducerStates> {
    const producerStates = new ProducerStates();
    for (const topic of registry.topics()) {
      for (const [partition, log] of topic.partitions.entries()) {
        const state = new ProducerState(`${topic.name}-${partition}`);
        producerStates.states.set(log, await rebuildProducerState(log, state));
      }
    }
    return producerStates;
  }

  /** The state for `log`, empty when the log is new. Synchronous. */
  of(log: PartitionLog): ProducerState {
    let state = this.states.get(log);
    if (state === undefined) {
      state = new ProducerState(log.name);
      this.states.set(log, state);
    }
    return state;
  }
}
