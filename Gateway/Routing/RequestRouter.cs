using Google.Protobuf;
using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// Checks one frame against the connection's state and limits, then runs its handler and sends
/// the reply with the request's id: handlers never see or set request ids.
/// </summary>
public sealed partial class RequestRouter(OpcodeTable table, IOptions<GatewayOptions> options, ILogger<RequestRouter> logger)
{
    private readonly GatewayOptions _options = options.Value;

    /// <summary>
    /// Parses synchronously (the payload lives in the read buffer). The returned task is already
    /// complete unless the route changes the connection's state, in which case the read loop awaits it.
    /// </summary>
    public ValueTask DispatchAsync(ClientSession session, in Frame frame)
    {
        session.MarkReceived();
        var requestId = frame.RequestId;
        if (!table.TryGet(frame.Opcode, out var route))
        {
            LogProtocolViolation(logger, session.ConnectionId, "unknown opcode", frame.Opcode);
            session.SendError(requestId, ErrorCode.UnknownOpcode);
            session.Close(DisconnectReason.ProtocolViolation, "unknown opcode");
            return ValueTask.CompletedTask;
        }

        var state = session.State;
        if (state == SessionState.Handshaking && route.Opcode != Opcode.Hello)
        {
            LogProtocolViolation(logger, session.ConnectionId, "no handshake", frame.Opcode);
            session.SendError(requestId, ErrorCode.HandshakeRequired);
            session.Close(DisconnectReason.ProtocolViolation, "the first frame must be Hello");
            return ValueTask.CompletedTask;
        }

        if (!session.RateLimit.TryTake(out var retryAfter))
        {
            session.SendError(requestId, ErrorCode.RateLimited, retryAfter);
            if (++session.RateLimitStrikes >= _options.RateLimitStrikes)
            {
                session.Close(DisconnectReason.RateLimitAbuse, "kept sending while rate limited");
            }

            return ValueTask.CompletedTask;
        }

        session.RateLimitStrikes = 0;
        if ((route.AllowedIn & state) == 0)
        {
            session.SendError(requestId, ErrorCode.NotAllowedInState);
            return ValueTask.CompletedTask;
        }

        IMessage request;
        try
        {
            request = route.Parse(frame.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            session.SendError(requestId, ErrorCode.InvalidPayload);
            return ValueTask.CompletedTask;
        }

        if (!session.TryEnterRequest())
        {
            session.SendError(requestId, ErrorCode.TooManyInFlight);
            return ValueTask.CompletedTask;
        }

        var running = RunAsync(session, route, requestId, request);
        if (route.ChangesState)
        {
            return new ValueTask(running);
        }

        // Runs on; RunAsync catches and reports everything, so nothing is lost unobserved.
        return ValueTask.CompletedTask;
    }

    private async Task RunAsync(ClientSession session, Route route, uint requestId, IMessage request)
    {
        try
        {
            var reply = await route.HandleAsync(session, request).ConfigureAwait(false);
            if (reply.Message is not null)
            {
                session.Send(route.Opcode.ResponseOf(), requestId, reply.Message);
            }
            else
            {
                session.SendError(requestId, reply.Error, reply.RetryAfter);
            }

            if (reply.CloseWith != DisconnectReason.Unspecified)
            {
                session.Close(reply.CloseWith, ErrorDescriptions.Describe(reply.Error));
            }
        }
        catch (Exception ex)
        {
            // The client learns only that it failed; the details stay in the log.
            LogHandlerFailed(logger, ex, session.ConnectionId, route.Opcode);
            session.SendError(requestId, ErrorCode.InternalError);
        }
        finally
        {
            session.ExitRequest();
        }
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Information, Message = "Connection {ConnectionId}: protocol violation ({What}), opcode 0x{Opcode:X4}")]
    private static partial void LogProtocolViolation(ILogger logger, long connectionId, string what, ushort opcode);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Error, Message = "Connection {ConnectionId}: handler for {Opcode} failed")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, long connectionId, Opcode opcode);
}
