using System.Buffers;
using Google.Protobuf;
using OrleansMmo.Protocol;

namespace OrleansMmo.Client;

/// <summary>A request awaiting its response, as the read loop and the timeout sweep see it.</summary>
internal interface IPendingRequest
{
    uint RequestId { get; }

    Opcode RequestOpcode { get; }

    /// <summary><see cref="MonotonicClock.Milliseconds"/> after which the request times out.</summary>
    long DeadlineMs { get; }

    /// <summary>Parses the response. Called on the read loop while <paramref name="payload"/> is still valid.</summary>
    void Complete(in ReadOnlySequence<byte> payload);

    void Fail(Exception exception);
}

/// <summary>
/// The task source and the correlation entry in one object, so a request costs one allocation besides its
/// messages and its Task. Continuations run asynchronously so that a caller's code never runs on, and
/// never stalls, the read loop.
/// </summary>
internal sealed class PendingRequest<TResponse> : TaskCompletionSource<TResponse>, IPendingRequest
    where TResponse : IMessage<TResponse>
{
    private readonly FrameConnection _owner;
    private readonly MessageParser<TResponse> _parser;
    private CancellationTokenRegistration _cancellation;

    public PendingRequest(FrameConnection owner, Opcode requestOpcode, MessageParser<TResponse> parser, long deadlineMs)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _owner = owner;
        _parser = parser;
        RequestOpcode = requestOpcode;
        DeadlineMs = deadlineMs;
    }

    // Written once, before the entry is published in the pending table.
    public uint RequestId { get; set; }

    public Opcode RequestOpcode { get; }

    public long DeadlineMs { get; }

    /// <summary>Must be called before the entry is published, so no completion can race the assignment.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken.UnsafeRegister(
            static (state, token) =>
            {
                var self = (PendingRequest<TResponse>)state!;
                self._owner.ForgetPending(self);
                self.TrySetCanceled(token);
            },
            this);
    }

    public void Complete(in ReadOnlySequence<byte> payload)
    {
        TResponse response;
        try
        {
            response = _parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            Fail(new MmoProtocolException($"The response to {RequestOpcode} (request {RequestId}) is not a valid message", ex));
            return;
        }

        if (TrySetResult(response))
        {
            ReleaseCancellation();
        }
    }

    public void Fail(Exception exception)
    {
        if (TrySetException(exception))
        {
            ReleaseCancellation();
        }
    }

    private void ReleaseCancellation()
    {
#if NET
        // Unregister, not Dispose: Dispose would wait for a callback running on another thread.
        _cancellation.Unregister();
#else
        // .NET Standard 2.1 has only Dispose, which waits for a callback running on another thread. That callback
        // never waits for anything (it removes a table entry and cancels a task), so the wait is short.
        _cancellation.Dispose();
#endif
    }
}
