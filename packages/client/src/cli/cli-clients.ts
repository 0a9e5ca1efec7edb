/**
 * Connection settings of the clients `cairn` opens: a client id of its own, and fewer retries
 * and a shorter connect timeout than an application's, so that a wrong --brokers fails in
 * about a second instead of retrying for long.
 */
import { Admin } from '../admin.js';
import type { ClusterOptions } from '../cluster.js';

export const cliClusterOptions: Omit<ClusterOptions, 'bootstrap'> = {
  clientId: 'cairn-cli',
  connectTimeoutMs: 5_000,
  retry: { retries: 2 },
};

/** For commands that read a topic: they must not create it by asking about it. */
export const cliReadClusterOptions: Omit<ClusterOptions, 'bootstrap'> = {
  ...cliClusterOptions,
  allowAutoTopicCreation: false,
};

/** Opens an admin client, runs `use`, closes it. */
export async function withAdmin<T>(
  brokers: string[],
  use: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = new Admin({ ...cliClusterOptions, bootstrap: brokers });
  try {
    return await use(admin);
  } finally {
    await admin.close();
  }
}
