/**
 * The error code a request is counted under in cairn_requests_total: the response's top-level
 * errorCode when it is not NONE, else the first non-NONE errorCode of its topics' partitions
 * (or of a flat list of results), else NONE. It looks two levels of lists deep, the shape of
 * every Kafka response: the work is one step per topic and partition, done once per request.
 */
const NONE = 0;

export function responseErrorCode(response: unknown): number {
  if (!isRecord(response)) return NONE;
  const own = response.errorCode;
  if (typeof own === 'number' && own !== NONE) return own;
  for (const key in response) {
    const list = response[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const found = listedErrorCode(item);
      if (found !== NONE) return found;
    }
  }
  return NONE;
}

/** An item of a response list: its own errorCode, or the first in its own lists. */
function listedErrorCode(item: unknown): number {
  if (!isRecord(item)) return NONE;
  const own = item.errorCode;
  if (typeof own === 'number' && own !== NONE) return own;
  for (const key in item) {
    const list = item[key];
    if (!Array.isArray(list)) continue;
    for (const inner of list) {
      if (!isRecord(inner)) break;
      const code = inner.errorCode;
      if (typeof code === 'number' && code !== NONE) return code;
    }
  }
  return NONE;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Buffer.isBuffer(value);
}
