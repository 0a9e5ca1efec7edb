/** Limits and sizes of the protocol package. Unit and qualifier last (TigerBeetle style). */
import { assert } from './assert.js';

/** Largest length a string, bytes or array field may declare; frames are bounded well below. */
export const fieldBytesMax = 100 * 1024 * 1024;

/** Largest element count of an array field, so a hostile count cannot make us allocate. */
export const arrayLengthMax = 1_000_000;

/** Tagged fields per structure; Kafka uses a handful, a flood of them is an attack. */
export const taggedFieldsMax = 1_000;

/** A writer starts at this size and doubles as needed. */
export const writerInitialBytes = 1024;

/**
 * Payloads at least this large are written by reference (Writer.writeRawShared) and sent as
 * their own part of a writev; smaller ones are cheaper to copy than to add a part for.
 */
export const writerSharedBytesMin = 16 * 1024;

/**
 * A Produce request's record batches at least this large are written by reference (the
 * client sends them from the producer's batch buffers, no copy); smaller ones are copied, which
 * costs less than one more part in the socket write.
 */
export const produceRecordsSharedBytesMin = 4 * 1024;

/** Bytes of the scratch buffer murmur2OfKey writes string keys into to hash them unallocated. */
export const murmur2KeyScratchBytes = 64 * 1024;
/** String keys of at most this many characters are copied to the scratch in JS when ASCII. */
export const murmur2AsciiKeyChars = 32;

/** Bytes of an unsigned varint holding 32 bits, and of a varlong holding 64 bits. */
export const varintBytesMax = 5;
export const varlongBytesMax = 10;

/**
 * Largest records section a compressed batch may inflate to. A small compressed batch can
 * claim gigabytes (a zip bomb); decompression stops here with CORRUPT_MESSAGE instead.
 */
export const decompressedBytesMax = 64 * 1024 * 1024;

/** Uncompressed bytes per block of xerial-framed snappy: snappy-java's default, as Kafka's. */
export const snappyXerialBlockBytes = 32 * 1024;

assert(snappyXerialBlockBytes <= decompressedBytesMax, 'a snappy block must fit the limit');
assert(murmur2AsciiKeyChars <= murmur2KeyScratchBytes, 'a short key must fit the scratch');
