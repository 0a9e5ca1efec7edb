// Proves a checkpoint round-trips through a real file, that a missing file reads as missing,
// and that any single flipped byte reads as corrupt (fast-check over positions and bits), so a
// damaged logStartOffset or recoveryPoint is never trusted.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from '../src/checkpoint-file.js';
import { nodeFileSystem } from '../src/file-system.js';
import { makeTempDir } from './helpers/temp-dir.js';

describe('checkpoint file', () => {
  it('round-trips through a file and replaces it', async () => {
    const path = join(await makeTempDir(), 'recovery-point-offset-checkpoint');
    expect(await readCheckpoint(nodeFileSystem, path)).toEqual({ kind: 'missing' });
    await writeCheckpoint(nodeFileSystem, path, 42);
    await writeCheckpoint(nodeFileSystem, path, 2 ** 50);
    expect(await readCheckpoint(nodeFileSystem, path)).toEqual({ kind: 'valid', offset: 2 ** 50 });
    expect((await readFile(path, 'latin1')).split('\n').slice(0, 3)).toEqual([
      '0',
      '1',
      `${2 ** 50}`,
    ]);
  });

  it('reads any single flipped byte as corrupt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (offset, at, flip) => {
          const bytes = Buffer.from(encodeCheckpoint(offset), 'latin1');
          const position = at % bytes.length;
          bytes[position]! ^= flip;
          expect(decodeCheckpoint(bytes.toString('latin1')).kind).toBe('corrupt');
        },
      ),
    );
  });

  it('reads truncated and empty files as corrupt', async () => {
    const path = join(await makeTempDir(), 'c');
    await writeFile(path, encodeCheckpoint(7).slice(0, 5));
    expect((await readCheckpoint(nodeFileSystem, path)).kind).toBe('corrupt');
    await writeFile(path, '');
    expect((await readCheckpoint(nodeFileSystem, path)).kind).toBe('corrupt');
  });
});
