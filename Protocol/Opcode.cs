namespace OrleansMmo.Protocol;

/// <summary>
/// Every frame type on the wire. Ranges: requests 0x0001-0x3FFF (responses carry the request
/// opcode with <see cref="OpcodeExtensions.ResponseBit"/> set), pushes 0x4000-0x7FFF (request id 0), and
/// <see cref="Error"/>. Values are part of the protocol: never reuse or renumber one.
/// Clients skip push opcodes they do not know (newer gateways may add some), and use non-zero
/// request ids: id 0 marks frames that answer no request (pushes, connection-level errors).
/// </summary>
public enum Opcode : ushort
{
    None = 0,

    // Connection.
    Hello = 0x0001,
    Ping = 0x0002,

    // Account and session.
    Register = 0x0010,
    Login = 0x0011,
    ResumeSession = 0x0012,
    RenewTicket = 0x0013,
    Logout = 0x0014,

    // Characters.
    ListCharacters = 0x0020,
    CreateCharacter = 0x0021,
    DeleteCharacter = 0x0022,
    ListWorlds = 0x0023,
    EnterWorld = 0x0030,
    LeaveWorld = 0x0031,
    LeaveQueue = 0x0032,

    // World.
    Move = 0x0040,
    GetPlayer = 0x0041,
    Attack = 0x0042,
    Respawn = 0x0043,
    Chat = 0x0050,

    // Operations.
    Gm = 0x0060,

    // Server pushes.
    Disconnect = 0x4001,
    WorldUpdate = 0x4002,
    ChatMessage = 0x4003,
    Teleported = 0x4004,
    QueueUpdate = 0x4005,

    /// <summary>A failed request: <c>ErrorResponse</c>, request id echoed.</summary>
    Error = 0xFFFF,
}

public static class OpcodeExtensions
{
    /// <summary>Set on the opcode of a successful response: <c>Login | ResponseBit</c> answers a Login.</summary>
    public const ushort ResponseBit = 0x8000;

    public static ushort ResponseOf(this Opcode request) => (ushort)((ushort)request | ResponseBit);

    public static bool IsRequest(ushort opcode) => opcode is >= 0x0001 and <= 0x3FFF;

    public static bool IsPush(ushort opcode) => opcode is >= 0x4000 and <= 0x7FFF;

    public static bool IsResponse(ushort opcode) => opcode != (ushort)Opcode.Error && (opcode & ResponseBit) != 0;
}
