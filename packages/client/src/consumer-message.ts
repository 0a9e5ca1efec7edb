/**
 * One record as the consumer hands it to the application. Decoding is lazy: the decoder reads
 * a record's offset, timestamp and where its key and value lie (positions in the ArrayBuffer
 * of the fetch response, or of the inflated batch); the key and value become Buffer views (no
 * copy) on first access, and the headers are parsed only if asked for. A message therefore
 * keeps the fetch response it came from alive until it is dropped: copy the bytes you keep for
 * long. The response's buffer is the message's alone: it is never reused for later reads.
 *
 * Header layout inside the record (the body past the value, up to the record's end):
 *   headerCount   varint
 *   headerCount x [keyLength varint, key UTF-8, valueLength varint (-1 = null), value]
 */
import {
  isKafkaError,
  isProtocolError,
  kafkaError,
  Reader,
  type RecordHeader,
} from '@cairn/protocol';
import { bufferView } from './buffer-view.js';

const NULL_LENGTH = -1;
const noHeaders: readonly RecordHeader[] = Object.freeze([]);

export class ConsumerMessage {
  private keyView: Buffer | null | undefined = undefined;
  private valueView: Buffer | null | undefined = undefined;
  private headerList: RecordHeader[] | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    /** CreateTime of the record, or the batch's LogAppendTime for such topics (ms). */
    readonly timestamp: number,
    /** Holds the record; the positions below are byte offsets into it. */
    private readonly bytes: ArrayBufferLike,
    private readonly keyStart: number,
    /** -1 for a null key. */
    private readonly keyLength: number,
    private readonly valueStart: number,
    private readonly valueLength: number,
    /** Position of the header count; the headers end where the record ends. */
    private readonly headersStart: number,
    private readonly recordEnd: number,
  ) {}

  get key(): Buffer | null {
    if (this.keyView === undefined) {
      this.keyView =
        this.keyLength === NULL_LENGTH
          ? null
          : bufferView(this.bytes, this.keyStart, this.keyLength);
    }
    return this.keyView;
  }

  get value(): Buffer | null {
    if (this.valueView === undefined) {
      this.valueView =
        this.valueLength === NULL_LENGTH
          ? null
          : bufferView(this.bytes, this.valueStart, this.valueLength);
    }
    return this.valueView;
  }

  /** In record order; a key may repeat. Throws CORRUPT_MESSAGE if the bytes are malformed. */
  get headers(): RecordHeader[] {
    if (this.headerList === undefined) this.headerList = this.readHeaders();
    return this.headerList;
  }

  private readHeaders(): RecordHeader[] {
    const bytes = bufferView(this.bytes, this.headersStart, this.recordEnd - this.headersStart);
    // An empty header list is one zero byte: the common case costs no reader.
    if (bytes.length === 1 && bytes[0] === 0) return noHeaders as RecordHeader[];
    try {
      const reader = new Reader(bytes);
      const count = reader.readVarInt();
      if (count < 0 || count > reader.remaining) throw kafkaError('CORRUPT_MESSAGE');
      const headers = new Array<RecordHeader>(count);
      for (let index = 0; index < count; index++) {
        headers[index] = { key: reader.readVarIntString(), value: reader.readVarIntBytes() };
      }
      if (reader.remaining !== 0) throw kafkaError('CORRUPT_MESSAGE');
      return headers;
    } catch (error) {
      if (!isProtocolError(error) && !isKafkaError(error)) throw error;
      throw kafkaError(
        'CORRUPT_MESSAGE',
        `${this.topic}-${this.partition} offset ${this.offset}: malformed record headers`,
      );
    }
  }

  /** A plain object with every field decoded, for logging and JSON. */
  toJSON(): {
    topic: string;
    partition: number;
    offset: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: RecordHeader[];
  } {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.offset,
      timestamp: this.timestamp,
      key: this.key,
      value: this.value,
      headers: this.headers,
    };
  }
}
