/**
 * `cairn cluster info`: the cluster id, the controller and the brokers, from a Metadata request.
 */
import { Cluster } from '../cluster.js';
import { positionalsOf } from './cli-args.js';
import { cliClusterOptions } from './cli-clients.js';
import type { Command } from './cli-command.js';
import { formatSection, writeJson, writeTable } from './cli-output.js';

const info: Command = {
  name: 'cluster info',
  summary: 'Show the cluster id, the controller, the brokers and how many topics there are.',
  usage: '[--brokers host:port,...] [--json]',
  options: {},
  async run({ io, brokers, json, positionals }) {
    positionalsOf(positionals, []);
    const cluster = new Cluster({ ...cliClusterOptions, bootstrap: brokers });
    try {
      const metadata = await cluster.refreshMetadata();
      const brokerList = [...metadata.brokers.values()].sort((a, b) => a.nodeId - b.nodeId);
      const topics = [...metadata.topics.values()];
      if (json) {
        writeJson(io, {
          clusterId: metadata.clusterId,
          controllerId: metadata.controllerId,
          brokers: brokerList.map(({ nodeId, host, port, rack }) => ({
            nodeId,
            host,
            port,
            rack: rack ?? null,
          })),
          topicCount: topics.filter((topic) => !topic.isInternal).length,
        });
        return;
      }
      io.stdout.write(
        formatSection([
          ['cluster id', metadata.clusterId],
          ['controller', metadata.controllerId],
          ['topics', topics.filter((topic) => !topic.isInternal).length],
        ]),
      );
      io.stdout.write('\n');
      writeTable(
        io,
        ['id', 'host', 'port', 'rack'],
        brokerList.map((broker) => [
          broker.nodeId === metadata.controllerId ? `${broker.nodeId}*` : broker.nodeId,
          broker.host,
          broker.port,
          broker.rack,
        ]),
      );
    } finally {
      await cluster.close();
    }
  },
};

export const clusterCommands: readonly Command[] = [info];
