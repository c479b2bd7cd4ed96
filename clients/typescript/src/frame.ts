/**
 * The frame codec (docs/protocol.md, "Frame layout"): a 12-byte big-endian header, then one protobuf message.
 *
 *   offset size field
 *        0    4 payload length  bytes after the header
 *        4    2 opcode
 *        6    2 flags           reserved, 0
 *        8    4 request id      chosen by the client, echoed on the answer; 0 on pushes
 */
export const HeaderSize = 12;

export interface Frame {
  readonly opcode: number;
  readonly requestId: number;
  /** A view into the received bytes: parse it before the next chunk is pushed. */
  readonly payload: Uint8Array;
}

export function encodeFrame(opcode: number, requestId: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HeaderSize + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length);
  view.setUint16(4, opcode);
  view.setUint16(6, 0);
  view.setUint32(8, requestId >>> 0);
  frame.set(payload, HeaderSize);
  return frame;
}

/** Why the decoder stopped: the stream cannot be resynchronised after a bad header. */
export class FrameError extends Error {}

/**
 * Turns a byte stream (TCP chunks, or WebSocket messages) into frames. Frames may span chunks; the length is
 * checked on the header alone, before the payload is buffered.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxPayloadBytes: number) {}

  /** Appends a chunk and returns every frame now complete, in order. Throws FrameError on a bad header. */
  push(chunk: Uint8Array): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= HeaderSize) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + offset, HeaderSize);
      const length = view.getUint32(0);
      if (length > this.maxPayloadBytes) {
        throw new FrameError(`the server sent a frame over ${this.maxPayloadBytes} bytes`);
      }

      if (view.getUint16(6) !== 0) {
        throw new FrameError("the server sent a frame with reserved flags set");
      }

      if (this.buffer.length - offset - HeaderSize < length) {
        break;
      }

      const start = offset + HeaderSize;
      frames.push({ opcode: view.getUint16(4), requestId: view.getUint32(8), payload: this.buffer.subarray(start, start + length) });
      offset = start + length;
    }

    this.buffer = offset === this.buffer.length ? new Uint8Array(0) : this.buffer.slice(offset);
    return frames;
  }

  /** Bytes held that are not a whole frame yet. */
  get pending(): number {
    return this.buffer.length;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
