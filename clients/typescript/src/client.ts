import { create } from "@bufbuild/protobuf";
import {
  HelloRequestSchema, HelloResponseSchema, PingRequestSchema, PingResponseSchema,
  type GatewayAddress, type HelloResponse,
} from "./gen/connection_pb.js";
import {
  LoginRequestSchema, LoginResponseSchema, LogoutRequestSchema, LogoutResponseSchema, RegisterRequestSchema,
  RegisterResponseSchema, RenewTicketRequestSchema, RenewTicketResponseSchema, ResumeSessionRequestSchema,
  ResumeSessionResponseSchema, type SessionTicket,
} from "./gen/account_pb.js";
import {
  CreateCharacterRequestSchema, CreateCharacterResponseSchema, DeleteCharacterRequestSchema, DeleteCharacterResponseSchema,
  EnterWorldRequestSchema, EnterWorldResponseSchema, LeaveWorldRequestSchema, LeaveWorldResponseSchema,
  ListCharactersRequestSchema, ListCharactersResponseSchema, type CharacterSummary, type EnterWorldResponse,
} from "./gen/character_pb.js";
import {
  GetPlayerRequestSchema, GetPlayerResponseSchema, MoveRequestSchema, MoveResponseSchema, Vec2Schema,
  type MoveResponse, type PlayerInfo, type WorldUpdate,
} from "./gen/world_pb.js";
import { ChatChannel, ChatRequestSchema, ChatResponseSchema, type ChatMessage } from "./gen/chat_pb.js";
import type { ErrorResponse } from "./gen/common_pb.js";
import { FrameConnection, type FrameConnectionOptions, type ServerPush } from "./connection.js";
import { MmoError, MmoDisconnectedError, MmoTimeoutError, type DisconnectInfo } from "./errors.js";
import { Opcode, ProtocolVersion } from "./opcodes.js";
import { WebSocketTransport, type FrameTransport, type WebSocketConstructor } from "./transport.js";

export interface MmoClientOptions extends FrameConnectionOptions {
  /** Sent in Hello, for the gateway's logs. */
  clientName?: string;
  /** Ping whenever nothing else was sent for the gateway's heartbeat interval. Default true. */
  automaticHeartbeat?: boolean;
  /** A WebSocket implementation when the platform has none (Node 20: the `ws` package's WebSocket). */
  webSocket?: WebSocketConstructor;
  /** How long connecting may take (ms). Default 10 000. */
  connectTimeoutMs?: number;
}

export interface LoginResult {
  accountId: string;
  ticket: SessionTicket;
  gateways: GatewayAddress[];
}

export interface PasswordLoginResult extends LoginResult {
  /**
   * Keep it on this device with the account's name (localStorage, say) and pass it to the next login of that
   * account: guesses by others behind the same address then cannot get that login throttled. Undefined from a
   * server that issues none.
   */
  deviceToken?: string;
}

export interface ResumeSessionResult extends LoginResult {
  /** The character that was in the world when the session was lost, if any. */
  lastCharacterId?: string;
}

/**
 * A game client: one typed method per request of docs/protocol.md, the session it holds, the heartbeat and
 * push events, on a FrameConnection over a WebSocket. The same calls as the C# SDK's MmoClient.
 */
export class MmoClient {
  private heartbeat?: ReturnType<typeof setInterval>;
  private ticket?: SessionTicket;
  private account?: string;

  /** A WorldUpdate push: apply it to a WorldView. */
  onWorldUpdate?: (update: WorldUpdate) => void;
  /** A ChatMessage push. */
  onChat?: (message: ChatMessage) => void;
  /** An Error frame that answered no request (sent just before the gateway closes, usually). */
  onUnmatchedError?: (error: ErrorResponse) => void;
  /** Once, when the connection ends, with why. */
  onClose?: (info: DisconnectInfo) => void;

  private constructor(readonly connection: FrameConnection, readonly url: string, private readonly options: MmoClientOptions) {
    connection.onPush = (push) => this.deliver(push);
    void connection.closed.then((info) => {
      this.stopHeartbeat();
      this.onClose?.(info);
    });
  }

  /** The gateway's Hello response: its id, heartbeat interval and limits. */
  hello?: HelloResponse;

  /** The newest ticket: resume with it on a new connection after this one is lost. */
  get currentTicket(): SessionTicket | undefined {
    return this.ticket;
  }

  get accountId(): string | undefined {
    return this.account;
  }

  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** Resolves once, when the connection ends. */
  get closed(): Promise<DisconnectInfo> {
    return this.connection.closed;
  }

  /** Connects to a gateway's WebSocket endpoint (`ws://host:7002/ws`) and says Hello. */
  static async connect(url: string, options: MmoClientOptions = {}): Promise<MmoClient> {
    const transport = await WebSocketTransport.connect(url, { webSocket: options.webSocket, timeoutMs: options.connectTimeoutMs });
    return MmoClient.start(transport, url, options);
  }

  /** Runs a client over a transport the caller opened, and says Hello. */
  static async start(transport: FrameTransport, url: string, options: MmoClientOptions = {}): Promise<MmoClient> {
    const client = new MmoClient(new FrameConnection(transport, options), url, options);
    try {
      await client.handshake();
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Measures a round trip (ms, on this side). */
  async ping(): Promise<{ roundTripMs: number; serverTimeMs: number }> {
    const started = Date.now();
    const response = await this.connection.request(Opcode.Ping, PingRequestSchema, create(PingRequestSchema, { clientTimeMs: BigInt(started) }), PingResponseSchema);
    return { roundTripMs: Date.now() - started, serverTimeMs: Number(response.serverTimeMs) };
  }

  /** Creates an account; returns its id. Does not log in. */
  async register(username: string, password: string): Promise<string> {
    const response = await this.connection.request(Opcode.Register, RegisterRequestSchema, create(RegisterRequestSchema, { username, password }), RegisterResponseSchema);
    return response.accountId;
  }

  /**
   * Logs in; a login elsewhere to the same account is kicked. `deviceToken`: the one an earlier login of this
   * account on this device answered, if any; keep the result's in its place.
   */
  async login(username: string, password: string, deviceToken?: string): Promise<PasswordLoginResult> {
    const response = await this.connection.request(Opcode.Login, LoginRequestSchema, create(LoginRequestSchema, { username, password, deviceToken: deviceToken ?? "" }), LoginResponseSchema);
    this.account = response.accountId;
    this.ticket = response.ticket;
    return { accountId: response.accountId, ticket: response.ticket!, gateways: response.gateways, deviceToken: response.deviceToken || undefined };
  }

  /** Authenticates with a ticket from an earlier connection; the ticket is spent and replaced. */
  async resumeSession(token: string): Promise<ResumeSessionResult> {
    const response = await this.connection.request(Opcode.ResumeSession, ResumeSessionRequestSchema, create(ResumeSessionRequestSchema, { token }), ResumeSessionResponseSchema);
    this.account = response.accountId;
    this.ticket = response.ticket;
    return {
      accountId: response.accountId,
      ticket: response.ticket!,
      gateways: response.gateways,
      lastCharacterId: response.lastCharacterId || undefined,
    };
  }

  /** A fresh ticket for this session; the previous one stops working. */
  async renewTicket(): Promise<SessionTicket> {
    const response = await this.connection.request(Opcode.RenewTicket, RenewTicketRequestSchema, create(RenewTicketRequestSchema), RenewTicketResponseSchema);
    this.ticket = response.ticket;
    return response.ticket!;
  }

  /** Ends the session; the connection stays open. */
  async logout(): Promise<void> {
    await this.connection.request(Opcode.Logout, LogoutRequestSchema, create(LogoutRequestSchema), LogoutResponseSchema);
    this.account = undefined;
    this.ticket = undefined;
  }

  async listCharacters(): Promise<CharacterSummary[]> {
    return (await this.connection.request(Opcode.ListCharacters, ListCharactersRequestSchema, create(ListCharactersRequestSchema), ListCharactersResponseSchema)).characters;
  }

  async createCharacter(name: string): Promise<CharacterSummary> {
    return (await this.connection.request(Opcode.CreateCharacter, CreateCharacterRequestSchema, create(CreateCharacterRequestSchema, { name }), CreateCharacterResponseSchema)).character!;
  }

  async deleteCharacter(characterId: string): Promise<void> {
    await this.connection.request(Opcode.DeleteCharacter, DeleteCharacterRequestSchema, create(DeleteCharacterRequestSchema, { characterId }), DeleteCharacterResponseSchema);
  }

  /** Plays as this character from now on: the answer holds its state and where it stands; WorldUpdates follow. */
  enterWorld(characterId: string): Promise<EnterWorldResponse> {
    return this.connection.request(Opcode.EnterWorld, EnterWorldRequestSchema, create(EnterWorldRequestSchema, { characterId }), EnterWorldResponseSchema);
  }

  async leaveWorld(): Promise<void> {
    await this.connection.request(Opcode.LeaveWorld, LeaveWorldRequestSchema, create(LeaveWorldRequestSchema), LeaveWorldResponseSchema);
  }

  /** The character is now at (x, y). `accepted = false` is a correction: adopt `position`. */
  move(x: number, y: number): Promise<MoveResponse> {
    return this.connection.request(Opcode.Move, MoveRequestSchema, create(MoveRequestSchema, { position: create(Vec2Schema, { x, y }) }), MoveResponseSchema);
  }

  async getPlayer(): Promise<PlayerInfo> {
    return (await this.connection.request(Opcode.GetPlayer, GetPlayerRequestSchema, create(GetPlayerRequestSchema), GetPlayerResponseSchema)).player!;
  }

  async chat(channel: ChatChannel, text: string, toName = ""): Promise<void> {
    await this.connection.request(Opcode.Chat, ChatRequestSchema, create(ChatRequestSchema, { channel, text, toName }), ChatResponseSchema);
  }

  say(text: string): Promise<void> {
    return this.chat(ChatChannel.SAY, text);
  }

  whisper(toName: string, text: string): Promise<void> {
    return this.chat(ChatChannel.WHISPER, text, toName);
  }

  /** Closes the connection; pending requests fail with MmoDisconnectedError. */
  close(): void {
    this.stopHeartbeat();
    this.connection.close();
  }

  private async handshake(): Promise<void> {
    const request = create(HelloRequestSchema, { protocolVersion: ProtocolVersion, clientName: this.options.clientName ?? "OrleansMmo.TypeScript" });
    this.hello = await this.connection.request(Opcode.Hello, HelloRequestSchema, request, HelloResponseSchema);
    const interval = this.hello.heartbeatIntervalMs || (this.hello.idleTimeoutMs ? this.hello.idleTimeoutMs / 3 : 0);
    if ((this.options.automaticHeartbeat ?? true) && interval > 0) {
      // Ticking every quarter interval and pinging after three quarters of silence keeps every gap under one interval.
      this.heartbeat = setInterval(() => {
        if (this.connection.millisecondsSinceLastSend >= interval * 0.75) {
          this.ping().catch((error: unknown) => {
            // RATE_LIMITED still counted as traffic; a dead connection reports itself through `closed`.
            if (!(error instanceof MmoError || error instanceof MmoTimeoutError || error instanceof MmoDisconnectedError)) {
              throw error;
            }
          });
        }
      }, interval / 4);
      (this.heartbeat as { unref?: () => void }).unref?.();
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private deliver(push: ServerPush): void {
    switch (push.opcode) {
      case Opcode.WorldUpdate:
        this.onWorldUpdate?.(push.message);
        break;
      case Opcode.ChatMessage:
        this.onChat?.(push.message);
        break;
      case Opcode.Error:
        this.onUnmatchedError?.(push.message);
        break;
      default:
        // The Disconnect notice: onClose carries its reason.
        break;
    }
  }
}
