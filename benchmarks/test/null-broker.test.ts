// Proves the null broker is a Kafka endpoint librdkafka accepts: kcat produces v2 batches to it
// with acks=1 and acks=all and ListOffsets then reports exactly the records it was given, and
// kcat consumes a held topic to its end. Skips without kcat (install-interop-tools.sh).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch } from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kcatConsume, kcatEndOffset, kcatProduce } from '../kcat.js';
import { type NullBroker, startNullBroker } from '../null-broker.js';
import { writeRecordFile } from '../record-file.js';

const hasKcat = spawnSync('kcat', ['-V'], { timeout: 10_000 }).status === 0;
if (!hasKcat) console.warn('null-broker: kcat not found, skipping (install-interop-tools.sh)');

describe.skipIf(!hasKcat)('null broker', () => {
  let dir: string;
  let broker: NullBroker;
  const recordCount = 25_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-null-broker-'));
    await writeRecordFile(join(dir, 'records.txt'), recordCount, 100);
    broker = await startNullBroker();
  });

  afterAll(async () => {
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['1', 'all'])('counts what kcat produces with acks=%s', async (acks) => {
    const topic = `acks-${acks}`;
    await kcatProduce({
      bootstrap: broker.bootstrap,
      topic,
      inputPath: join(dir, 'records.txt'),
      settings: { acks, 'linger.ms': '5' },
    });
    expect(await kcatEndOffset(broker.bootstrap, topic)).toBe(recordCount);
  });

  it('serves a held topic to a consumer, one batch per fetch', async () => {
    const records = Array.from({ length: 1_000 }, () => ({ value: Buffer.alloc(100, 0x62) }));
    broker.holdTopic('held', encodeRecordBatch({ records }), 7);
    const run = await kcatConsume({ bootstrap: broker.bootstrap, topic: 'held', settings: {} });
    expect(run.endOffset).toBe(7_000);
  });
});
