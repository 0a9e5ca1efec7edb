/**
 * Hands out producer ids that are never handed out twice, across restarts too (Kafka's
 * ProducerIdManager, with a file where Kafka has ZooKeeper or the controller). Ids are reserved
 * in blocks of producerIdsPerBlock: the end of the block is made durable before the first id of
 * the block is handed out, so one fsync'd write serves a thousand InitProducerId requests, and
 * a crash at any point loses at most the unused rest of a block.
 *
 * `<dataDir>/producer-id-block`, text, replaced atomically (atomic-file.ts):
 *
 *   line  content         meaning
 *   1     0               format version
 *   2     nextProducerId  decimal; the first id not reserved. Every id below it may have been
 *                         handed out; none at or above it has been.
 *
 * A missing file means a fresh data dir: ids start at 0. A file that does not parse is refused
 * (KAFKA_STORAGE_ERROR) rather than guessed at, since a guess could hand out an id again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assert, kafkaError } from '@cairn/protocol';
import { writeFileAtomic } from '../atomic-file.js';
import { producerIdsPerBlock } from '../constants.js';

export const producerIdBlockFileName = 'producer-id-block';

const formatVersion = 0;
const fileFormat = /^0\n(0|[1-9][0-9]{0,15})\n$/;

/**
 * Concurrency: generateProducerId may be called concurrently; each call gets a distinct id.
 * While a block is being reserved, callers wait for that one write instead of starting more.
 */
export class ProducerIdManager {
  /** The next id to hand out. */
  private nextProducerId: number;
  /** The first id not covered by the durable reservation: ids below it may be handed out. */
  private reservedEnd: number;
  private reserving: Promise<void> | null = null;

  private constructor(
    private readonly path: string,
    firstUnreservedId: number,
    private readonly idsPerBlock: number,
  ) {
    this.nextProducerId = firstUnreservedId;
    this.reservedEnd = firstUnreservedId;
  }

  /**
   * Reads the reservation left by the previous run; reserves nothing yet (the first
   * generateProducerId does). Throws KAFKA_STORAGE_ERROR when the file cannot be read or
   * parsed.
   */
  static async open(
    dataDir: string,
    idsPerBlock = producerIdsPerBlock,
  ): Promise<ProducerIdManager> {
    assert(Number.isSafeInteger(idsPerBlock) && idsPerBlock >= 1, `idsPerBlock ${idsPerBlock}`);
    const path = join(dataDir, producerIdBlockFileName);
    return new ProducerIdManager(path, await readFirstUnreservedId(path), idsPerBlock);
  }

  /**
   * A producer id never handed out before by this data dir. Resolves at once while the current
   * block lasts; otherwise after the next block is reserved durably. Throws
   * KAFKA_STORAGE_ERROR (retriable) when that write fails; the next call tries again.
   */
  async generateProducerId(): Promise<number> {
    while (this.nextProducerId >= this.reservedEnd) await this.reserveBlock();
    const producerId = this.nextProducerId;
    this.nextProducerId += 1;
    return producerId;
  }

  private reserveBlock(): Promise<void> {
    this.reserving ??= this.writeReservation(this.reservedEnd + this.idsPerBlock).finally(() => {
      this.reserving = null;
    });
    return this.reserving;
  }

  private async writeReservation(reservedEnd: number): Promise<void> {
    assert(Number.isSafeInteger(reservedEnd), `producer ids exhausted at ${this.reservedEnd}`);
    try {
      await writeFileAtomic(this.path, `${formatVersion}\n${reservedEnd}\n`);
    } catch (error) {
      throw kafkaError('KAFKA_STORAGE_ERROR', `${this.path}: reserving producer ids: ${error}`);
    }
    this.reservedEnd = reservedEnd;
  }
}

async function readFirstUnreservedId(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw kafkaError('KAFKA_STORAGE_ERROR', `${path}: ${error}`);
  }
  const match = fileFormat.exec(text);
  const firstUnreservedId = match?.[1] === undefined ? Number.NaN : Number(match[1]);
  if (!Number.isSafeInteger(firstUnreservedId)) {
    throw kafkaError(
      'KAFKA_STORAGE_ERROR',
      `${path}: expected "${formatVersion}\\n<next producer id>\\n", ` +
        `found ${JSON.stringify(text.slice(0, 64))}`,
    );
  }
  return firstUnreservedId;
}
