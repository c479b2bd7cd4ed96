using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

// Pushes delivered on the caller's thread, for game loops whose objects may be touched only from their main thread.
public sealed partial class MmoClient
{
    private int _closedRaised;

    /// <summary>A WorldUpdate push, raised by <see cref="DispatchPushes"/> on its caller's thread.</summary>
    public event Action<WorldUpdate>? WorldUpdateReceived;

    /// <summary>A ChatMessage push, raised by <see cref="DispatchPushes"/> on its caller's thread.</summary>
    public event Action<ChatMessage>? ChatReceived;

    /// <summary>A TradeUpdate push (an invitation, offers, locks, confirmations, the end), raised by <see cref="DispatchPushes"/>.</summary>
    public event Action<TradeInfo>? TradeUpdated;

    /// <summary>An Error frame that answered no pending request, raised by <see cref="DispatchPushes"/>.</summary>
    public event Action<ErrorResponse>? UnmatchedErrorReceived;

    /// <summary>
    /// Raised once by <see cref="DispatchPushes"/>, after the last push, when the connection has ended (a
    /// Disconnect notice, a lost socket, or <see cref="DisposeAsync"/>): reconnect or go back to a menu here.
    /// </summary>
    public event Action<DisconnectInfo>? ConnectionClosed;

    /// <summary>
    /// Delivers up to <paramref name="maxPushes"/> queued pushes on the calling thread, in arrival order, as
    /// <see cref="WorldUpdateReceived"/>, <see cref="ChatReceived"/> and <see cref="UnmatchedErrorReceived"/>,
    /// then <see cref="ConnectionClosed"/> once the connection has ended and nothing is left. Never blocks:
    /// call it every frame from the game loop (Unity: <c>Update</c>). Returns how many pushes it delivered.
    /// Use it or <see cref="Pushes"/>, not both: each push goes to one reader.
    /// </summary>
    public int DispatchPushes(int maxPushes = int.MaxValue)
    {
        var delivered = 0;
        while (delivered < maxPushes && Connection.Pushes.TryRead(out var push))
        {
            delivered++;
            switch (push.Message)
            {
                case WorldUpdate update:
                    WorldUpdateReceived?.Invoke(update);
                    break;
                case ChatMessage chat:
                    ChatReceived?.Invoke(chat);
                    break;
                case TradeUpdate trade:
                    TradeUpdated?.Invoke(trade.Trade);
                    break;
                case ErrorResponse error:
                    UnmatchedErrorReceived?.Invoke(error);
                    break;
                default:
                    // The Disconnect notice: ConnectionClosed carries it, with the same reason and detail.
                    break;
            }
        }

        // The channel completes when the connection ends; once it is also empty, nothing more will come.
        if (Connection.Pushes.Completion.IsCompleted
            && Connection.DisconnectInfo is { } info
            && Interlocked.Exchange(ref _closedRaised, 1) == 0)
        {
            ConnectionClosed?.Invoke(info);
        }

        return delivered;
    }
}
