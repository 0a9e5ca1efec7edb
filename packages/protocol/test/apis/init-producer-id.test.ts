// Proves the InitProducerId codecs (v0-v4; flexible from v2) agree with kafkajs (v0-v1) and
// @platformatic/kafka (v0-v4) in both directions, skip unknown tagged fields, fill defaults for
// fields a version lacks, and reject every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  initProducerIdApi,
  Writer,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  kafkajsDecode,
  kafkajsRequestBytes,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const request: InitProducerIdRequest = {
  transactionalId: 'txn-1',
  transactionTimeoutMs: 60_000,
  producerId: 4_000,
  producerEpoch: 2,
};

const response: InitProducerIdResponse = {
  throttleTimeMs: 6,
  errorCode: 0,
  producerId: 4_001,
  producerEpoch: 0,
};

describe('InitProducerId', () => {
  it('decodes kafkajs requests, v0-v1', async () => {
    for (const version of [0, 1]) {
      const bytes = await kafkajsRequestBytes('initProducerId', version, {
        transactionalId: 'txn-1',
        transactionTimeout: 60_000,
      });
      expect(decodeRequest(initProducerIdApi, version, bytes)).toEqual({
        ...request,
        producerId: -1,
        producerEpoch: -1,
      });
    }
  });

  it('decodes @platformatic/kafka requests, v0-v4', () => {
    for (const version of versionsOf(initProducerIdApi)) {
      const bytes = platformaticRequestBytes('initProducerId', version, null, 30_000, 4_000n, 2);
      expect(decodeRequest(initProducerIdApi, version, bytes)).toEqual({
        transactionalId: null,
        transactionTimeoutMs: 30_000,
        producerId: version >= 3 ? 4_000 : -1,
        producerEpoch: version >= 3 ? 2 : -1,
      });
    }
  });

  it('encodes responses kafkajs decodes, v0-v1', async () => {
    for (const version of [0, 1]) {
      const bytes = encodeResponse(initProducerIdApi, version, response);
      const decoded = await kafkajsDecode('initProducerId', version, bytes);
      expect(decoded).toMatchObject({ errorCode: 0, producerId: '4001', producerEpoch: 0 });
      expect(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(6);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v4', () => {
    for (const version of versionsOf(initProducerIdApi)) {
      const bytes = encodeResponse(initProducerIdApi, version, response);
      expect(platformaticParse(initProducerIdApi, 'initProducerId', version, bytes)).toEqual({
        throttleTimeMs: 6,
        errorCode: 0,
        producerId: 4_001n,
        producerEpoch: 0,
      });
    }
  });

  it('skips unknown tagged fields in a flexible request', () => {
    const writer = new Writer();
    writer.writeCompactNullableString('txn-1');
    writer.writeInt32(60_000);
    writer.writeInt64(4_000);
    writer.writeInt16(2);
    writer.writeTaggedFields(new Map([[9, Buffer.from('future')]]));
    expect(decodeRequest(initProducerIdApi, 4, writer.finishCopy())).toEqual(request);
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(initProducerIdApi)) {
      const bytes = encodeRequest(initProducerIdApi, version, request);
      expect(decodeRequest(initProducerIdApi, version, bytes)).toEqual(
        version >= 3 ? request : { ...request, producerId: -1, producerEpoch: -1 },
      );
      const responseBytes = encodeResponse(initProducerIdApi, version, response);
      expect(decodeResponse(initProducerIdApi, version, responseBytes)).toEqual(response);
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(initProducerIdApi)) {
      expectTruncationsThrow(
        (reader) => initProducerIdApi.decodeRequest(reader, version),
        encodeRequest(initProducerIdApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => initProducerIdApi.decodeResponse(reader, version),
        encodeResponse(initProducerIdApi, version, response),
      );
    }
  });
});
