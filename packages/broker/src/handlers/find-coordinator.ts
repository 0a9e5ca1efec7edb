/**
 * FindCoordinator: this broker coordinates every group, so the answer is always this broker's
 * advertised address. The address is read per request: the port is known only once the server
 * listens. A transaction coordinator (key type 1) is refused with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a message: Cairn has none, and that code is the
 * one that fails a transactional client at once (transactions-unsupported.ts).
 */
import {
  coordinatorKeyTypeGroup,
  coordinatorKeyTypeTransaction,
  ErrorCode,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  findCoordinatorApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { transactionsUnsupportedMessage } from './transactions-unsupported.js';

export interface CoordinatorNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

export function createFindCoordinatorHandler(
  coordinatorNode: () => CoordinatorNode,
): ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse> {
  return {
    api: findCoordinatorApi,
    handle(request) {
      const { key, keyType } = request;
      if (keyType === coordinatorKeyTypeTransaction) {
        return {
          ...errorResponse(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
          errorMessage: transactionsUnsupportedMessage(key),
        };
      }
      if (keyType !== coordinatorKeyTypeGroup) {
        return {
          ...errorResponse(ErrorCode.INVALID_REQUEST),
          errorMessage: `unknown coordinator key type ${keyType}`,
        };
      }
      const { nodeId, host, port } = coordinatorNode();
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId,
        host,
        port,
      };
    },
    errorResponse: (_request, errorCode) => errorResponse(errorCode),
  };
}

function errorResponse(errorCode: number): FindCoordinatorResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage: null, nodeId: -1, host: '', port: -1 };
}
