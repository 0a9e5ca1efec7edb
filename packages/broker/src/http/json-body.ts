/**
 * Request bodies: JSON only. fastify's own parsers are removed, so any other content type
 * (text/plain included) is refused 415, and JSON is parsed here so that a malformed body's
 * 400 says where it broke (JSON.parse's message names the position). As fastify does by
 * default, a `__proto__` key is refused: a body must not be able to reach a prototype.
 */
import type { FastifyInstance } from 'fastify';
import { httpError } from './http-errors.js';

const protoKey = /"__proto__"\s*:/;

export function installJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    // No body at all is no body (a DELETE sent with the header): the route's schema decides.
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    let parsed: unknown;
    try {
      // The reviver runs only for the rare body that names __proto__: JSON.parse is faster
      // alone, and includes() scans a large body several times faster than the pattern does.
      parsed =
        text.includes('__proto__') && protoKey.test(text)
          ? JSON.parse(text, refuseProto)
          : JSON.parse(text);
    } catch (error) {
      done(
        httpError(400, 'INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`),
      );
      return;
    }
    // Outside the try: done() runs the route, whose errors are not the body's.
    done(null, parsed);
  });
}

function refuseProto(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new SyntaxError('a "__proto__" key is not allowed');
  return value;
}
