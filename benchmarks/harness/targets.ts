/**
 * Every target the harness knows, with how to tell it cannot run here (a missing program or
 * package) and how to start it. A target that cannot run is skipped with its reason printed
 * and written to the report, never silently.
 */
import { cairnClientMissing, startCairnClient } from './cairn-client.js';
import { cairnKcatMissing, startCairnKcat } from './cairn-kcat.js';
import { natsMissing, startNatsJetStream } from './nats-jetstream.js';
import { redisMissing, startRedisStreams } from './redis-streams.js';
import type { Target, TargetContext, TargetName } from './target.js';

export interface TargetDefinition {
  /** Why it cannot run on this machine, or null. */
  missing(): Promise<string | null>;
  start(context: TargetContext): Promise<Target>;
}

export const targetDefinitions: Record<TargetName, TargetDefinition> = {
  'cairn-kcat': { missing: async () => cairnKcatMissing(), start: startCairnKcat },
  'cairn-client': { missing: cairnClientMissing, start: startCairnClient },
  'redis-streams': { missing: async () => redisMissing(), start: startRedisStreams },
  'nats-jetstream': { missing: async () => natsMissing(), start: startNatsJetStream },
};
