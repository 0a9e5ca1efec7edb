/**
 * InitProducerId (key 22): a producer id and epoch for an idempotent or transactional producer.
 *
 * Client maxima: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v4 (flexible; v3-v4 when it
 * recovers a producer id after an error, KIP-360), kafka-python 2.0 does not send it. Cairn
 * implements v0-v4; v2 is the first flexible version.
 *
 * Request (InitProducerIdRequest.json)
 *   TransactionalId string|null                        v0+
 *   TransactionTimeoutMs int32                         v0+
 *   ProducerId int64                                   v3+ (default -1)
 *   ProducerEpoch int16                                v3+ (default -1)
 * Response (InitProducerIdResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   ErrorCode int16                                    v0+
 *   ProducerId int64                                   v0+ (default -1)
 *   ProducerEpoch int16                                v0+
 *
 * Versions: v1 throttles after the response; v2 is the first flexible version; v3 adds the
 * current ProducerId and ProducerEpoch so a producer can resume after INVALID_PRODUCER_EPOCH;
 * v4 may answer PRODUCER_FENCED. The response is the same from v2 to v4.
 */
import type { Api } from '../api.js';
import {
  readNullableStringField,
  readTagsField,
  writeNullableStringField,
  writeTagsField,
} from '../fields.js';

export interface InitProducerIdRequest {
  transactionalId: string | null;
  transactionTimeoutMs: number;
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

const flexibleVersion = 2;

export const initProducerIdApi: Api<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 4,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeNullableStringField(writer, flexible, request.transactionalId);
    writer.writeInt32(request.transactionTimeoutMs);
    if (version >= 3) {
      writer.writeInt64(request.producerId);
      writer.writeInt16(request.producerEpoch);
    }
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const transactionalId = readNullableStringField(reader, flexible);
    const transactionTimeoutMs = reader.readInt32();
    const producerId = version >= 3 ? reader.readInt64() : -1;
    const producerEpoch = version >= 3 ? reader.readInt16() : -1;
    readTagsField(reader, flexible);
    return { transactionalId, transactionTimeoutMs, producerId, producerEpoch };
  },

  encodeResponse(writer, version, response) {
    writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    writer.writeInt64(response.producerId);
    writer.writeInt16(response.producerEpoch);
    writeTagsField(writer, version >= flexibleVersion);
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = reader.readInt32();
    const errorCode = reader.readInt16();
    const producerId = reader.readInt64();
    const producerEpoch = reader.readInt16();
    readTagsField(reader, version >= flexibleVersion);
    return { throttleTimeMs, errorCode, producerId, producerEpoch };
  },
};
