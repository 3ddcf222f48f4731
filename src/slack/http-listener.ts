// HTTP mode: what the app's server hands every request that is not a health route. POST /slack/events passes the
// request guard (size, signature over the raw bytes, timestamp window, replay; see signed-request.ts) before anything
// parses its body, then goes to Bolt's receiver with the body already buffered; other paths get Bolt's 404.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger as BoltLogger, HTTPModuleFunctions, type HTTPReceiver } from '@slack/bolt';
import type { Logger } from '../logger.js';
import { MalformedPayloadError } from './payload-envelope.js';
import type { SlackRequestGuard } from './signed-request.js';

export interface SlackHttpListenerOptions {
  receiver: HTTPReceiver;
  guard: SlackRequestGuard;
  log: Logger;
  boltLogger: BoltLogger;
  /** Logs a signed body that is not a Slack payload (shared with the app's other malformed-payload answers). */
  logMalformed: (error: unknown) => void;
}

export type SlackHttpListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createSlackHttpListener(options: SlackHttpListenerOptions): SlackHttpListener {
  const { receiver, guard, log } = options;

  async function forwardGuarded(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = await guard.check(req);
    if (verdict.ok === 'ssl_check') {
      res.writeHead(200).end();
      return;
    }
    if (verdict.ok === false) {
      if (verdict.cause === undefined) {
        log.warn({ errorCode: verdict.code, status: verdict.status }, 'Slack request refused before parsing');
      } else {
        // Our fault, not the sender's: the shared replay check could not be made (docs/SECURITY.md, fail closed).
        log.error(
          { errorCode: verdict.code, status: verdict.status, cause: verdict.cause },
          `Slack request refused before parsing: the replay check in the shared database failed (${verdict.cause})`,
        );
      }
      // An unread body would be drained to keep the connection alive; closing it costs us nothing.
      res.writeHead(verdict.status, verdict.bodyRead ? {} : { connection: 'close' }).end();
      return;
    }
    const buffered = Object.assign(req, { rawBody: verdict.rawBody });
    // Bolt reads `body.ssl_check` from whatever the body parses to, so a body that parses to null (`null`, or
    // `payload=null`) would make its request handler reject unhandled and leave the request without an answer.
    let parsed: unknown;
    try {
      parsed = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
    } catch {
      parsed = {}; // Bolt answers an unparsable signed body itself (400).
    }
    if (typeof parsed !== 'object' || parsed === null) {
      options.logMalformed(new MalformedPayloadError('the body is not an object'));
      res.writeHead(400).end();
      return;
    }
    receiver.requestListener(buffered, res);
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'POST' && path === '/slack/events') {
      forwardGuarded(req, res).catch((error: unknown) => {
        log.warn({ err: error }, 'unreadable Slack request');
        if (!res.headersSent) res.writeHead(400, { connection: 'close' }).end();
      });
      return;
    }
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      // Unknown paths arrive here as HTTPReceiverDeferredRequestError and become a 404.
      HTTPModuleFunctions.defaultDispatchErrorHandler({
        error: error as Error,
        logger: options.boltLogger,
        request: req,
        response: res,
      });
    }
  };
}
