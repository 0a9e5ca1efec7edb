/**
 * ApiVersions: advertises exactly the APIs and versions the dispatch table implements, so the
 * list can never drift from the code.
 */
import {
  type AnyApi,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  apiVersionsApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';

export function createApiVersionsHandler(
  apis: () => readonly AnyApi[],
): ApiHandler<ApiVersionsRequest, ApiVersionsResponse> {
  const response = (errorCode: number): ApiVersionsResponse => ({
    errorCode,
    apiKeys: apis()
      .map((api) => ({
        apiKey: api.apiKey,
        minVersion: api.minVersion,
        maxVersion: api.maxVersion,
      }))
      .sort((a, b) => a.apiKey - b.apiKey),
    throttleTimeMs: 0,
  });
  return {
    api: apiVersionsApi,
    handle: () => response(0),
    errorResponse: (_request, errorCode) => response(errorCode),
  };
}
