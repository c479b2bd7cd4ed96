/**
 * What carries frames: a WebSocket (browsers, Node with the `ws` package or Node 22's global WebSocket).
 * The frame connection does everything else, so another carrier is another small class.
 */
export interface FrameTransport {
  /** Sends bytes holding whole frames (one WebSocket message). */
  send(bytes: Uint8Array): void;
  /** Closes the carrier; onClose follows. */
  close(): void;
  onData?: (bytes: Uint8Array) => void;
  onClose?: (detail: string, error?: unknown) => void;
}

/** The subset of the WHATWG WebSocket this SDK uses: browsers' own and the `ws` package both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Frames over a WebSocket: every binary message holds whole frames (docs/protocol.md, "WebSocket"). */
export class WebSocketTransport implements FrameTransport {
  onData?: (bytes: Uint8Array) => void;
  onClose?: (detail: string, error?: unknown) => void;
  private closed = false;

  private constructor(private readonly socket: WebSocketLike) {
    socket.onmessage = (event) => {
      if (typeof event.data === "string") {
        this.finish("the server sent a text message; the protocol is binary messages of frames");
        socket.close(1003, "binary only");
        return;
      }

      this.onData?.(toBytes(event.data));
    };
    socket.onclose = (event) => this.finish(`the server closed the connection (${event.code}${event.reason ? ` ${event.reason}` : ""})`);
    socket.onerror = (error) => this.finish("the WebSocket failed", error);
  }

  /** Opens a WebSocket to `url` (ws:// or wss://) and resolves once it is open. */
  static connect(url: string, options: { webSocket?: WebSocketConstructor; timeoutMs?: number } = {}): Promise<WebSocketTransport> {
    const Ctor = options.webSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      return Promise.reject(new Error("no WebSocket implementation: pass options.webSocket (for example the ws package's WebSocket)"));
    }

    return new Promise((resolve, reject) => {
      const socket = new Ctor(url);
      socket.binaryType = "arraybuffer";
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`connecting to ${url} took longer than ${options.timeoutMs ?? 10_000} ms`));
      }, options.timeoutMs ?? 10_000);
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new WebSocketTransport(socket));
      };
      socket.onerror = (error) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(`could not connect to ${url}`));
      };
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  close(): void {
    if (this.socket.readyState <= 1) {
      this.socket.close(1000);
    }

    this.finish("closed by the application");
  }

  private finish(detail: string, error?: unknown): void {
    if (!this.closed) {
      this.closed = true;
      this.onClose?.(detail, error);
    }
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data);
  }

  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }

  if (Array.isArray(data)) {
    // The ws package may deliver a fragmented message as an array of buffers.
    const parts = data.map(toBytes);
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }

    return joined;
  }

  throw new Error("unsupported WebSocket message data");
}
