using System.Buffers;
using Google.Protobuf;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;

namespace OrleansMmo.Gateway.Routing;

/// <summary>One opcode: the states it is allowed in, how its payload parses, and its handler.</summary>
public sealed class Route
{
    private readonly Func<ReadOnlySequence<byte>, IMessage> _parse;
    private readonly Func<ClientSession, IMessage, ValueTask<Reply>>? _handle;
    private readonly Func<ClientSession, IMessage, Reply>? _answer;

    private Route(Opcode opcode, SessionState allowedIn, Func<ReadOnlySequence<byte>, IMessage> parse,
        Func<ClientSession, IMessage, ValueTask<Reply>>? handle, Func<ClientSession, IMessage, Reply>? answer)
    {
        Opcode = opcode;
        AllowedIn = allowedIn;
        _parse = parse;
        _handle = handle;
        _answer = answer;
    }

    public Opcode Opcode { get; }

    public SessionState AllowedIn { get; }

    /// <summary>
    /// Answered by the read loop as soon as the frame is read (Hello, Ping): no grain call, and no
    /// request still queued can change the verdict. Every other request waits its turn behind the
    /// connection's earlier requests and is judged in the state they leave (docs/protocol.md, "Pipelining").
    /// </summary>
    public bool IsInline => _answer is not null;

    /// <summary>Throws <see cref="InvalidProtocolBufferException"/> for a payload that is not the opcode's message.</summary>
    public IMessage Parse(ReadOnlySequence<byte> payload) => _parse(payload);

    /// <summary>Runs a queued route's handler.</summary>
    public ValueTask<Reply> HandleAsync(ClientSession session, IMessage request) =>
        _handle is { } handle ? handle(session, request) : ValueTask.FromResult(Answer(session, request));

    /// <summary>Answers an inline route at once.</summary>
    public Reply Answer(ClientSession session, IMessage request) =>
        _answer is { } answer ? answer(session, request) : throw new InvalidOperationException($"{Opcode} is not answered inline");

    /// <summary>A route answered at once by the read loop, without a grain call (Hello, Ping).</summary>
    public static Route Inline<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, TRequest, Reply> answer)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, payload => parser.ParseFrom(payload), null, (session, request) => answer(session, (TRequest)request));

    /// <summary>A queued route whose handler needs only the connection (before login: Register, Login ...).</summary>
    public static Route Create<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, TRequest, ValueTask<Reply>> handler)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, payload => parser.ParseFrom(payload), (session, request) => handler(session, (TRequest)request), null);

    /// <summary>
    /// A queued route for a logged-in connection: the handler gets the account session the connection
    /// holds when the request's turn comes. Should the connection have left that state by then, the
    /// request is answered NOT_ALLOWED_IN_STATE.
    /// </summary>
    public static Route ForAccount<TRequest>(Opcode opcode, MessageParser<TRequest> parser, SessionState allowedIn,
        Func<ClientSession, AccountBinding, TRequest, ValueTask<Reply>> handler)
        where TRequest : IMessage<TRequest> =>
        new(opcode, allowedIn, payload => parser.ParseFrom(payload), (session, request) =>
            session.Phase is { Binding: { } binding } phase && (phase.State & allowedIn) != 0
                ? handler(session, binding, (TRequest)request)
                : NotAllowedInState, null);

    /// <summary>A queued route for a connection in the world: the handler gets the character the connection plays when the request's turn comes.</summary>
    public static Route ForCharacter<TRequest>(Opcode opcode, MessageParser<TRequest> parser,
        Func<ClientSession, PlayingCharacter, TRequest, ValueTask<Reply>> handler)
        where TRequest : IMessage<TRequest> =>
        new(opcode, SessionState.InWorld, payload => parser.ParseFrom(payload), (session, request) =>
            session.Phase is { State: SessionState.InWorld, Binding: { } binding } && binding.TryGetCharacter(out var character)
                ? handler(session, character, (TRequest)request)
                : NotAllowedInState, null);

    private static ValueTask<Reply> NotAllowedInState => ValueTask.FromResult(Reply.Fail(ErrorCode.NotAllowedInState));
}
