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

    /// <summary>A route whose handler needs only the connection (before login: Hello, Register, Login ...).</summary>
    public static Route Create<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, TRequest, ValueTask<Reply>> handler, bool changesState = false)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, changesState, payload => parser.ParseFrom(payload), (session, request) => handler(session, (TRequest)request));

    /// <summary>
    /// A route for a logged-in connection: the handler gets the account session the connection holds
    /// when it runs. Should the connection have left that state in between, the request is answered
    /// NOT_ALLOWED_IN_STATE, as if it had arrived after.
    /// </summary>
    public static Route ForAccount<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, AccountBinding, TRequest, ValueTask<Reply>> handler, bool changesState = false)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, changesState, payload => parser.ParseFrom(payload), (session, request) =>
            session.Phase is { Binding: { } binding } phase && (phase.State & allowedIn) != 0
                ? handler(session, binding, (TRequest)request)
                : NotAllowedInState);

    /// <summary>A route for a connection in the world: the handler gets the character the connection plays when it runs.</summary>
    public static Route ForCharacter<TRequest>(Opcode opcode, MessageParser<TRequest> parser,
        Func<ClientSession, PlayingCharacter, TRequest, ValueTask<Reply>> handler)
        where TRequest : IMessage<TRequest> =>
        new(opcode, SessionState.InWorld, changesState: false, payload => parser.ParseFrom(payload), (session, request) =>
            session.Phase is { State: SessionState.InWorld, Binding: { } binding } && binding.TryGetCharacter(out var character)
                ? handler(session, character, (TRequest)request)
                : NotAllowedInState);

    private static ValueTask<Reply> NotAllowedInState => ValueTask.FromResult(Reply.Fail(ErrorCode.NotAllowedInState));
}
