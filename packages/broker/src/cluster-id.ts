/**
 * The cluster id, made once and kept in `<dataDir>/meta.properties` as Kafka keeps it
 * (`cluster.id=<22 characters of base64url>`), so clients see the same id after a restart.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

export const metaPropertiesFileName = 'meta.properties';

export async function loadClusterId(dataDir: string): Promise<string> {
  const path = join(dataDir, metaPropertiesFileName);
  try {
    const text = await readFile(path, 'utf8');
    const match = /^cluster\.id=(.+)$/m.exec(text);
    if (match === null) throw new Error(`${path}: no cluster.id line`);
    return match[1]!.trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const clusterId = randomBytes(16).toString('base64url');
  await writeFileAtomic(path, `version=1\ncluster.id=${clusterId}\n`);
  return clusterId;
}
