import { ErrorCode, type ErrorResponse } from "./gen/common_pb.js";
import type { DisconnectReason, GatewayAddress } from "./gen/connection_pb.js";
import { opcodeName } from "./opcodes.js";

/** The server answered a request with an Error frame. Branch on `code`; `detail` is for logs. */
export class MmoError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  /** Set for RATE_LIMITED, BUSY, LOGIN_THROTTLED, CHAT_RATE_LIMITED and MOVE_RATE_LIMITED: wait at least this long. */
  readonly retryAfterMs?: number;

  constructor(readonly requestOpcode: number, error: ErrorResponse) {
    super(`${opcodeName(requestOpcode)} failed: ${ErrorCode[error.code] ?? error.code} (${error.detail})`);
    this.name = "MmoError";
    this.code = error.code;
    this.detail = error.detail;
    this.retryAfterMs = error.retryAfterMs > 0 ? error.retryAfterMs : undefined;
  }
}

/** Who ended a connection and how. */
export type DisconnectKind = "serverNotice" | "closedByServer" | "closedLocally" | "protocolError" | "transportError";

/** Why a connection ended. */
export interface DisconnectInfo {
  readonly kind: DisconnectKind;
  /** From the Disconnect push, when one arrived. */
  readonly reason?: DisconnectReason;
  readonly detail: string;
  /** The last Error frame that answered no request (FRAME_TOO_LARGE, ...), sent just before a close. */
  readonly lastError?: ErrorResponse;
  /** Gateways a drain notice suggests resuming on. */
  readonly alternatives: readonly GatewayAddress[];
  readonly error?: unknown;
}

/** The request could not complete: the connection is closed, or closed while it waited. */
export class MmoDisconnectedError extends Error {
  constructor(readonly info: DisconnectInfo) {
    super(`the connection is closed (${info.kind}${info.reason !== undefined ? ` ${info.reason}` : ""}: ${info.detail})`);
    this.name = "MmoDisconnectedError";
  }
}

/** No answer within the request timeout. */
export class MmoTimeoutError extends Error {
  constructor(readonly requestOpcode: number, readonly requestId: number, timeoutMs: number) {
    super(`${opcodeName(requestOpcode)} (request ${requestId}) got no response within ${timeoutMs} ms`);
    this.name = "MmoTimeoutError";
  }
}
