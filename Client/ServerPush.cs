using Google.Protobuf;
using OrleansMmo.Protocol;

namespace OrleansMmo.Client;

/// <summary>
/// A frame the server sent without the client waiting for it: a push (0x4000-0x7FFF, for example
/// <see cref="Opcode.Disconnect"/> with a <c>DisconnectNotice</c>), or an <see cref="Opcode.Error"/>
/// that matches no pending request (an answer to bytes sent with <see cref="MmoClient.SendRawAsync"/>,
/// or to a request that already timed out), with its <see cref="RequestId"/>.
/// </summary>
public sealed record ServerPush(Opcode Opcode, uint RequestId, IMessage Message);
