// The frame codec alone: no server needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeFrame, FrameDecoder, FrameError, HeaderSize } from "../dist/index.js";

test("a frame is a 12-byte big-endian header and its payload", () => {
  const frame = encodeFrame(0x0001, 1, new Uint8Array([0x08, 0x01, 0x12, 0x04, 0x64, 0x65, 0x6d, 0x6f]));
  // docs/protocol.md, "Worked example": Hello, request id 1, { protocol_version: 1, client_name: "demo" }.
  assert.deepEqual([...frame], [0, 0, 0, 8, 0, 1, 0, 0, 0, 0, 0, 1, 0x08, 0x01, 0x12, 0x04, 0x64, 0x65, 0x6d, 0x6f]);
});

test("frames split and merged anyhow decode the same", () => {
  const a = encodeFrame(0x8001, 7, new Uint8Array([1, 2, 3]));
  const b = encodeFrame(0x4002, 0, new Uint8Array(0));
  const stream = new Uint8Array([...a, ...b]);
  for (let cut = 1; cut < stream.length; cut++) {
    const decoder = new FrameDecoder(1024);
    const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    assert.deepEqual(frames.map((f) => [f.opcode, f.requestId, [...f.payload]]), [[0x8001, 7, [1, 2, 3]], [0x4002, 0, []]]);
    assert.equal(decoder.pending, 0);
  }
});

test("a header over the size limit or with flags set is refused before its payload arrives", () => {
  const big = new Uint8Array(HeaderSize);
  new DataView(big.buffer).setUint32(0, 2048);
  assert.throws(() => new FrameDecoder(1024).push(big), FrameError);
  const flagged = encodeFrame(0x8001, 1, new Uint8Array(0));
  flagged[7] = 1;
  assert.throws(() => new FrameDecoder(1024).push(flagged), FrameError);
});
