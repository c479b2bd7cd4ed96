/** Every frame type on the wire (Protocol/Opcode.cs, docs/protocol.md). Values never change. */
export const Opcode = {
  Hello: 0x0001,
  Ping: 0x0002,
  Register: 0x0010,
  Login: 0x0011,
  ResumeSession: 0x0012,
  RenewTicket: 0x0013,
  Logout: 0x0014,
  ListCharacters: 0x0020,
  CreateCharacter: 0x0021,
  DeleteCharacter: 0x0022,
  EnterWorld: 0x0030,
  LeaveWorld: 0x0031,
  Move: 0x0040,
  GetPlayer: 0x0041,
  Attack: 0x0042,
  Respawn: 0x0043,
  Chat: 0x0050,
  Disconnect: 0x4001,
  WorldUpdate: 0x4002,
  ChatMessage: 0x4003,
  Error: 0xffff,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Set on the opcode of a successful response: Login | ResponseBit answers a Login. */
export const ResponseBit = 0x8000;

/** The protocol version this SDK speaks (sent in Hello). */
export const ProtocolVersion = 1;

export const responseOf = (request: number): number => request | ResponseBit;

export const isPush = (opcode: number): boolean => opcode >= 0x4000 && opcode <= 0x7fff;

export const isResponse = (opcode: number): boolean => opcode !== Opcode.Error && (opcode & ResponseBit) !== 0;

/** The opcode's name, for messages ("0x0099" when unknown). */
export function opcodeName(opcode: number): string {
  for (const [name, value] of Object.entries(Opcode)) {
    if (value === opcode) {
      return name;
    }
  }

  return `0x${opcode.toString(16).padStart(4, "0")}`;
}
