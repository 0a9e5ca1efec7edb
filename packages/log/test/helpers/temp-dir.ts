/** Real temporary directories under os.tmpdir(), removed after each test. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(async () => {
  for (const dir of created.splice(0))
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

export async function makeTempDir(prefix = 'cairn-log-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
