// The SDK against a real gateway, which the suite starts (WebTests, TypeScriptSdkTests) and names in
// MMO_WS_URL (ws://127.0.0.1:PORT/ws).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket } from "ws";
import { fromBinary } from "@bufbuild/protobuf";
import {
  ChatChannel, DisconnectNoticeSchema, DisconnectReason, ErrorCode, ErrorResponseSchema, FrameDecoder, MmoClient, MmoError, Opcode, WorldView,
} from "../dist/index.js";

const url = process.env.MMO_WS_URL;
const password = "correct horse battery";
const unique = (prefix) => `${prefix}${Math.random().toString(36).slice(2, 12)}`;
const connect = (options = {}) => MmoClient.connect(url, { webSocket: WebSocket, clientName: "node-tests", ...options });

/** Resolves when `condition()` holds, re-checked on every push; fails after `ms` naming what it waited for. */
function until(client, condition, what, ms = 15_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    const check = () => {
      if (condition()) {
        clearTimeout(timer);
        resolve();
      }
    };
    const previous = { world: client.onWorldUpdate, chat: client.onChat };
    client.onWorldUpdate = (u) => { previous.world?.(u); check(); };
    client.onChat = (c) => { previous.chat?.(c); check(); };
    check();
  });
}

async function enterWorld(prefix) {
  const client = await connect();
  const username = unique(prefix);
  await client.register(username, password);
  await client.login(username, password);
  const name = unique(prefix.slice(0, 4)).slice(0, 14);
  const character = await client.createCharacter(name);
  // Handlers first: the first world update can come in the same read as the EnterWorld response; the view holds
  // it until the arrival resets it.
  const view = new WorldView();
  const chat = [];
  client.onWorldUpdate = (update) => view.apply(update);
  client.onChat = (message) => chat.push(message);
  const entered = await client.enterWorld(character.characterId);
  view.reset(entered.arrival);
  return { client, name, entered, view, chat, username };
}

test("the suite names a gateway", () => {
  assert.ok(url, "MMO_WS_URL is not set: run these tests through the .NET suite (./test.sh), which starts a gateway");
});

test("hello announces the gateway's limits", { skip: !url }, async () => {
  const client = await connect();
  try {
    assert.equal(client.hello.protocolVersion, 1);
    assert.ok(client.hello.maxPayloadBytes >= 1024);
    const ping = await client.ping();
    assert.ok(ping.roundTripMs >= 0);
  } finally {
    client.close();
  }
});

test("two players see each other move and chat", { skip: !url }, async () => {
  const alice = await enterWorld("tsalice");
  const bob = await enterWorld("tsbob");
  try {
    await until(bob.client, () => bob.view.findByName(alice.name) !== undefined, "bob to see alice");
    const start = alice.entered.arrival.position;
    const moved = await alice.client.move(start.x + 1.5, start.y + 0.5);
    assert.equal(moved.accepted, true);
    await until(bob.client, () => {
      const seen = bob.view.findByName(alice.name);
      return seen !== undefined && Math.abs(seen.x - (start.x + 1.5)) < 0.01 && Math.abs(seen.y - (start.y + 0.5)) < 0.01;
    }, "bob to see alice's move");
    await alice.client.chat(ChatChannel.SAY, "hello from typescript");
    await until(bob.client, () => bob.chat.some((c) => c.text === "hello from typescript"), "alice's chat line at bob");
    assert.equal(bob.chat.find((c) => c.text === "hello from typescript").fromName, alice.name);
  } finally {
    alice.client.close();
    bob.client.close();
  }
});

test("errors come back as codes", { skip: !url }, async () => {
  const client = await connect();
  try {
    const username = unique("tserr");
    await client.register(username, password);
    await assert.rejects(client.login(username, "wrong password!"), (error) => error instanceof MmoError && error.code === ErrorCode.INVALID_CREDENTIALS);
    await assert.rejects(client.listCharacters(), (error) => error instanceof MmoError && error.code === ErrorCode.NOT_ALLOWED_IN_STATE);
  } finally {
    client.close();
  }
});

test("a login answers a device token that the next login of the account can send", { skip: !url }, async () => {
  const first = await connect();
  const username = unique("tsdev");
  let token;
  try {
    await first.register(username, password);
    token = (await first.login(username, password)).deviceToken;
    assert.equal(typeof token, "string");
    assert.ok(token.length > 40);
  } finally {
    first.close();
  }

  const second = await connect();
  try {
    const again = await second.login(username, password, token);
    assert.equal(typeof again.deviceToken, "string");
    await assert.rejects(second.logout().then(() => second.login(username, "wrong password!", again.deviceToken)),
      (error) => error instanceof MmoError && error.code === ErrorCode.INVALID_CREDENTIALS);
  } finally {
    second.close();
  }
});

test("a session resumes on a new connection with its ticket", { skip: !url }, async () => {
  const player = await enterWorld("tsresume");
  const ticket = player.client.currentTicket.token;
  player.client.close();
  const again = await connect();
  try {
    const resumed = await again.resumeSession(ticket);
    assert.equal(resumed.accountId, player.client.accountId);
    assert.equal(resumed.lastCharacterId, player.entered.character.characterId);
    const back = await again.enterWorld(resumed.lastCharacterId);
    assert.equal(back.character.name, player.name);
  } finally {
    again.close();
  }
});

test("a text message is a protocol violation: an error, a Disconnect notice, then the close", { skip: !url }, async () => {
  const witness = await connect();
  // Bypass the SDK: browsers can send text, the protocol forbids it.
  const raw = new WebSocket(url);
  raw.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => { raw.onopen = resolve; raw.onerror = reject; });
  const decoder = new FrameDecoder(65536);
  const frames = [];
  raw.onmessage = (event) => frames.push(...decoder.push(new Uint8Array(event.data)).map((f) => ({ ...f, payload: f.payload.slice() })));
  const closed = new Promise((resolve) => { raw.onclose = (event) => resolve(event.code); });
  raw.send("hello?");
  assert.equal(await closed, 1000);
  assert.deepEqual(frames.map((f) => f.opcode), [Opcode.Error, Opcode.Disconnect]);
  assert.equal(fromBinary(ErrorResponseSchema, frames[0].payload).code, ErrorCode.MALFORMED_FRAME);
  assert.equal(fromBinary(DisconnectNoticeSchema, frames[1].payload).reason, DisconnectReason.PROTOCOL_VIOLATION);
  // The connection that behaves is untouched.
  await witness.ping();
  assert.equal(witness.connection.disconnectInfo, undefined);
  witness.close();
  assert.equal((await witness.closed).kind, "closedLocally");
});
