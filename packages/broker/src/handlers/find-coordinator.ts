/**
 * FindCoordinator: this broker coordinates every group (and every transactional id), so the
 * answer is always this broker's advertised address. The address is read per request: the
 * port is known only once the server listens.
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
      const { keyType } = request;
      if (keyType !== coordinatorKeyTypeGroup && keyType !== coordinatorKeyTypeTransaction) {
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
