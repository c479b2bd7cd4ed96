import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { ErrorResponseSchema, type ErrorResponse } from "./gen/common_pb.js";
import { DisconnectNoticeSchema, type DisconnectNotice } from "./gen/connection_pb.js";
import { ChatMessageSchema, type ChatMessage } from "./gen/chat_pb.js";
import { WorldUpdateSchema, type WorldUpdate } from "./gen/world_pb.js";
import { encodeFrame, FrameDecoder, FrameError, type Frame } from "./frame.js";
import { isPush, isResponse, Opcode, opcodeName, responseOf } from "./opcodes.js";
import { MmoDisconnectedError, MmoError, MmoTimeoutError, type DisconnectInfo } from "./errors.js";
import type { FrameTransport } from "./transport.js";

/** A frame the server sent without being asked: a push, or an Error that answers no pending request. */
export type ServerPush =
  | { opcode: typeof Opcode.WorldUpdate; message: WorldUpdate }
  | { opcode: typeof Opcode.ChatMessage; message: ChatMessage }
  | { opcode: typeof Opcode.Disconnect; message: DisconnectNotice }
  | { opcode: typeof Opcode.Error; requestId: number; message: ErrorResponse };

export interface FrameConnectionOptions {
  /** How long a request waits for its answer (ms); 0 waits forever. Default 10 000. */
  requestTimeoutMs?: number;
  /** Largest payload accepted from the server; a bigger frame closes the connection. Default 4 MiB. */
  maxInboundPayloadBytes?: number;
}

interface Pending {
  readonly opcode: number;
  readonly deadline: number;
  resolve(payload: Uint8Array): void;
  reject(error: unknown): void;
}

/**
 * Frames over one transport: request ids and their answers, pushes, timeouts, the end of the connection.
 * Knows nothing of what the messages mean (MmoClient's business) nor of what carries the bytes.
 */
export class FrameConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder: FrameDecoder;
  private readonly requestTimeoutMs: number;
  private readonly sweep?: ReturnType<typeof setInterval>;
  private readonly closedPromise: Promise<DisconnectInfo>;
  private resolveClosed!: (info: DisconnectInfo) => void;
  private lastRequestId = 0;
  private lastUnmatchedError?: ErrorResponse;
  private info?: DisconnectInfo;
  private lastSendAt = Date.now();

  /** Every push and unmatched error, in arrival order. */
  onPush?: (push: ServerPush) => void;

  constructor(private readonly transport: FrameTransport, options: FrameConnectionOptions = {}) {
    this.decoder = new FrameDecoder(options.maxInboundPayloadBytes ?? 4 * 1024 * 1024);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    transport.onData = (bytes) => this.receive(bytes);
    transport.onClose = (detail, error) =>
      this.terminate({ kind: error ? "transportError" : "closedByServer", detail, error, lastError: this.lastUnmatchedError, alternatives: [] });
    if (this.requestTimeoutMs > 0) {
      // One sweep per connection rather than a timer per request: fires at most an eighth of the timeout late.
      const period = Math.min(250, Math.max(10, this.requestTimeoutMs / 8));
      this.sweep = setInterval(() => this.sweepTimeouts(), period);
      (this.sweep as { unref?: () => void }).unref?.();
    }
  }

  get isConnected(): boolean {
    return this.info === undefined;
  }

  /** Resolves once, when the connection ends, with why. Never rejects. */
  get closed(): Promise<DisconnectInfo> {
    return this.closedPromise;
  }

  get disconnectInfo(): DisconnectInfo | undefined {
    return this.info;
  }

  get pendingRequestCount(): number {
    return this.pending.size;
  }

  /** Milliseconds since something was last sent (a heartbeat pings only when this grows). */
  get millisecondsSinceLastSend(): number {
    return Date.now() - this.lastSendAt;
  }

  /** Sends one request and resolves with its response, parsed; an Error frame rejects with MmoError. */
  async request<Req extends DescMessage, Res extends DescMessage>(
    opcode: number,
    requestSchema: Req,
    request: MessageShape<Req>,
    responseSchema: Res,
  ): Promise<MessageShape<Res>> {
    const payload = await this.requestRaw(opcode, toBinary(requestSchema, request));
    try {
      return fromBinary(responseSchema, payload);
    } catch (error) {
      throw new Error(`the response to ${opcodeName(opcode)} is not a valid message: ${String(error)}`);
    }
  }

  /** Sends a request with the given payload bytes and resolves with the response's payload. */
  requestRaw(opcode: number, payload: Uint8Array): Promise<Uint8Array> {
    if (this.info) {
      return Promise.reject(new MmoDisconnectedError(this.info));
    }

    let id: number;
    do {
      // Ids start at 1 and wrap, skipping 0, which pushes use.
      this.lastRequestId = (this.lastRequestId + 1) >>> 0 || 1;
      id = this.lastRequestId;
    } while (this.pending.has(id));

    return new Promise<Uint8Array>((resolve, reject) => {
      const deadline = this.requestTimeoutMs > 0 ? Date.now() + this.requestTimeoutMs : Number.POSITIVE_INFINITY;
      this.pending.set(id, { opcode, deadline, resolve, reject });
      this.sendBytes(encodeFrame(opcode, id, payload));
    });
  }

  /** Sends bytes as they are (tests of what the gateway does with bad input). */
  sendRaw(bytes: Uint8Array): void {
    if (this.info) {
      throw new MmoDisconnectedError(this.info);
    }

    this.sendBytes(bytes);
  }

  /** Closes the connection; pending requests fail with MmoDisconnectedError. */
  close(detail = "closed by the application"): void {
    this.terminate({ kind: "closedLocally", detail, lastError: this.lastUnmatchedError, alternatives: [] });
    this.transport.close();
  }

  private sendBytes(bytes: Uint8Array): void {
    try {
      this.transport.send(bytes);
      this.lastSendAt = Date.now();
    } catch (error) {
      this.terminate({ kind: "transportError", detail: String(error), error, lastError: this.lastUnmatchedError, alternatives: [] });
    }
  }

  private receive(bytes: Uint8Array): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(bytes);
    } catch (error) {
      this.protocolError(error instanceof FrameError ? error.message : String(error), error);
      return;
    }

    for (const frame of frames) {
      if (this.info) {
        return;
      }

      this.dispatch(frame);
    }
  }

  private dispatch(frame: Frame): void {
    if (frame.opcode === Opcode.Error) {
      const error = this.parse(ErrorResponseSchema, frame);
      if (!error) {
        return;
      }

      const pending = frame.requestId !== 0 ? this.take(frame.requestId) : undefined;
      if (pending) {
        pending.reject(new MmoError(pending.opcode, error));
      } else {
        this.lastUnmatchedError = error;
        this.onPush?.({ opcode: Opcode.Error, requestId: frame.requestId, message: error });
      }

      return;
    }

    if (isResponse(frame.opcode)) {
      // No entry: the request timed out, and nobody wants the answer any more.
      const pending = this.take(frame.requestId);
      if (!pending) {
        return;
      }

      if (frame.opcode !== responseOf(pending.opcode)) {
        const detail = `${opcodeName(pending.opcode)} (request ${frame.requestId}) was answered with opcode 0x${frame.opcode.toString(16)}`;
        pending.reject(new Error(detail));
        this.protocolError(detail);
        return;
      }

      // Copied: the payload is a view into the decoder's buffer.
      pending.resolve(frame.payload.slice());
      return;
    }

    if (!isPush(frame.opcode)) {
      this.protocolError(`the server sent opcode 0x${frame.opcode.toString(16)}, which is not a response, push or error`);
      return;
    }

    switch (frame.opcode) {
      case Opcode.Disconnect: {
        const notice = this.parse(DisconnectNoticeSchema, frame);
        if (notice) {
          this.onPush?.({ opcode: Opcode.Disconnect, message: notice });
          this.terminate({
            kind: "serverNotice",
            reason: notice.reason,
            detail: notice.detail,
            lastError: this.lastUnmatchedError,
            alternatives: notice.alternatives,
          });
          this.transport.close();
        }

        return;
      }
      case Opcode.WorldUpdate: {
        const update = this.parse(WorldUpdateSchema, frame);
        if (update) {
          this.onPush?.({ opcode: Opcode.WorldUpdate, message: update });
        }

        return;
      }
      case Opcode.ChatMessage: {
        const chat = this.parse(ChatMessageSchema, frame);
        if (chat) {
          this.onPush?.({ opcode: Opcode.ChatMessage, message: chat });
        }

        return;
      }
      default:
        // A push this SDK does not know yet: newer gateways may add pushes, and clients must skip them.
        return;
    }
  }

  private parse<T extends DescMessage>(schema: T, frame: Frame): MessageShape<T> | undefined {
    try {
      return fromBinary(schema, frame.payload);
    } catch (error) {
      this.protocolError(`frame 0x${frame.opcode.toString(16)} does not hold a valid ${schema.typeName}`, error);
      return undefined;
    }
  }

  private take(requestId: number): Pending | undefined {
    const pending = this.pending.get(requestId);
    if (pending) {
      this.pending.delete(requestId);
    }

    return pending;
  }

  private sweepTimeouts(): void {
    const now = Date.now();
    for (const [id, pending] of this.pending) {
      if (now >= pending.deadline) {
        this.pending.delete(id);
        pending.reject(new MmoTimeoutError(pending.opcode, id, this.requestTimeoutMs));
      }
    }
  }

  private protocolError(detail: string, error?: unknown): void {
    this.terminate({ kind: "protocolError", detail, error, lastError: this.lastUnmatchedError, alternatives: [] });
    this.transport.close();
  }

  /** Ends the connection once; the first reason wins. */
  private terminate(info: DisconnectInfo): void {
    if (this.info) {
      return;
    }

    this.info = info;
    if (this.sweep) {
      clearInterval(this.sweep);
    }

    const failure = new MmoDisconnectedError(info);
    for (const pending of this.pending.values()) {
      pending.reject(failure);
    }

    this.pending.clear();
    this.resolveClosed(info);
  }
}
