// Proves FindCoordinator names this broker for a consumer group (key type 0), refuses a
// transaction coordinator (key type 1) with TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a message
// that travels on the wire (v1, v2), and answers an unknown key type with INVALID_REQUEST.
import {
  ErrorCode,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  findCoordinatorApi,
  Reader,
  Writer,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/dispatcher.js';
import { createFindCoordinatorHandler } from '../../src/handlers/find-coordinator.js';

const context = {} as RequestContext; // the handler does not read it
const handler = createFindCoordinatorHandler(() => ({ nodeId: 1, host: 'cairn', port: 9092 }));

async function answer(request: FindCoordinatorRequest): Promise<FindCoordinatorResponse> {
  const response = await handler.handle(request, context);
  if (response === null) throw new Error('FindCoordinator always answers');
  return response;
}

/** The response as a client of `version` decodes it. */
function onTheWire(version: number, response: FindCoordinatorResponse): FindCoordinatorResponse {
  const writer = new Writer();
  findCoordinatorApi.encodeResponse(writer, version, response);
  return findCoordinatorApi.decodeResponse(new Reader(writer.finishCopy()), version);
}

describe('FindCoordinator handler', () => {
  it('names this broker as the coordinator of a consumer group', async () => {
    expect(await answer({ key: 'orders-readers', keyType: 0 })).toEqual({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: 1,
      host: 'cairn',
      port: 9092,
    });
  });

  it('refuses a transaction coordinator with a fatal code and says why', async () => {
    const refused = await answer({ key: 'orders-tx', keyType: 1 });
    expect(refused).toMatchObject({
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      nodeId: -1,
      host: '',
      port: -1,
    });
    expect(refused.errorMessage).toBe(
      'transactions are not supported by Cairn (transactional.id "orders-tx"); ' +
        'unset transactional.id: idempotent producers (enable.idempotence) are supported',
    );
    // Key type 1 exists from v1 on, and every version from v1 carries the message.
    for (const version of [1, 2]) expect(onTheWire(version, refused)).toEqual(refused);
  });

  it('answers an unknown key type with INVALID_REQUEST', async () => {
    const unknown = await answer({ key: 'x', keyType: 5 });
    expect(unknown.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(unknown.errorMessage).toBe('unknown coordinator key type 5');
  });
});
