using System.Buffers;
using Google.Protobuf;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;

namespace OrleansMmo.Gateway.Routing;

/// <summary>One opcode: the states it is allowed in, how its payload parses, and its handler.</summary>
public sealed class Route
{
    private readonly Func<ReadOnlySequence<byte>, IMessage> _parse;
    private readonly Func<ClientSession, IMessage, ValueTask<Reply>> _handle;

    private Route(Opcode opcode, SessionState allowedIn, bool changesState,
        Func<ReadOnlySequence<byte>, IMessage> parse, Func<ClientSession, IMessage, ValueTask<Reply>> handle)
    {
        Opcode = opcode;
        AllowedIn = allowedIn;
        ChangesState = changesState;
        _parse = parse;
        _handle = handle;
    }

    public Opcode Opcode { get; }

    public SessionState AllowedIn { get; }

    /// <summary>
    /// Handled before the next frame is read, so a request sent after Login is judged in the state
    /// Login left. Other requests run concurrently, up to the in-flight limit.
    /// </summary>
    public bool ChangesState { get; }

    /// <summary>Throws <see cref="InvalidProtocolBufferException"/> for a payload that is not the opcode's message.</summary>
    public IMessage Parse(ReadOnlySequence<byte> payload) => _parse(payload);

    public ValueTask<Reply> HandleAsync(ClientSession session, IMessage request) => _handle(session, request);

    public static Route Create<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, TRequest, ValueTask<Reply>> handler, bool changesState = false)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, changesState, payload => parser.ParseFrom(payload), (session, request) => handler(session, (TRequest)request));
}
