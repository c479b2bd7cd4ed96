using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

// A world's login queue: EnterWorld answers a place when the world is full, QueueUpdate pushes follow,
// and at one's turn EnterWorld again with the ticket.
public sealed partial class MmoClient
{
    private readonly object _queueGate = new();
    private TaskCompletionSource<QueueStatus> _queueChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile QueueStatus? _queueStatus;
    // One more for every status heard (guarded by _queueGate): a wait knows whether news came since it last looked.
    private long _queueHeard;

    /// <summary>
    /// The newest queue status heard (EnterWorld's answer or a QueueUpdate push, by its version: one that arrives after a
    /// newer one is not taken); null when not queued.
    /// </summary>
    public QueueStatus? QueueStatus => _queueStatus;

    /// <summary>
    /// Enters the world, waiting in the world's queue first if it is full: each new position goes to
    /// <paramref name="progress"/>, and at the client's turn it sends EnterWorld again with its ticket.
    /// Pass <paramref name="queueTicket"/> (from <see cref="QueueStatus"/> of a lost connection) to keep a place
    /// after a reconnect. The QueueUpdate pushes still reach <see cref="Pushes"/> too.
    /// </summary>
    public async Task<EnterWorldResponse> EnterWorldThroughQueueAsync(
        string characterId, IProgress<QueueStatus>? progress = null, string? queueTicket = null, CancellationToken cancellationToken = default)
    {
        var response = await EnterWorldAsync(characterId, queueTicket, cancellationToken).ConfigureAwait(false);
        while (response.Queue is { } place)
        {
            // The push saying "ready" can be read before this response's continuation runs: keep the newer news.
            var (status, heard) = TakeNewerThan(place);
            progress?.Report(status);
            while (!status.Ready)
            {
                // Not "the next push": one read while the progress handler ran, or before this wait began, would be
                // missed, and the turn heard only at the next periodic push (seconds later, out of queue order).
                (status, heard) = await QueueStatusAfterAsync(heard, cancellationToken).ConfigureAwait(false);
                progress?.Report(status);
            }

            response = await EnterWorldAsync(characterId, status.Ticket, cancellationToken).ConfigureAwait(false);
        }

        _queueStatus = null;
        return response;
    }

    /// <summary>Waits for the next newer queue status pushed (or the connection's end, which throws <see cref="MmoDisconnectedException"/>).</summary>
    public async Task<QueueStatus> NextQueueStatusAsync(CancellationToken cancellationToken = default)
    {
        Task<QueueStatus> next;
        lock (_queueGate)
        {
            next = _queueChanged.Task;
        }

        return await WhenQueueChangedAsync(next, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The latest status, once one was heard after the <paramref name="heard"/>-th; with its own count.</summary>
    private async Task<(QueueStatus Status, long Heard)> QueueStatusAfterAsync(long heard, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<QueueStatus> next;
            lock (_queueGate)
            {
                if (_queueHeard > heard && _queueStatus is { } latest)
                {
                    return (latest, _queueHeard);
                }

                next = _queueChanged.Task;
            }

            await WhenQueueChangedAsync(next, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<QueueStatus> WhenQueueChangedAsync(Task<QueueStatus> next, CancellationToken cancellationToken)
    {
        var finished = await Task.WhenAny(next, Disconnected, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
        if (finished == next)
        {
            return await next.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new MmoDisconnectedException(await Disconnected.ConfigureAwait(false));
    }

    /// <summary>A pushed status, unless it is older than the one kept (overtaken on its way: it would hide a turn).</summary>
    private void OnQueueUpdate(QueueStatus status)
    {
        TaskCompletionSource<QueueStatus> signalled;
        lock (_queueGate)
        {
            if (IsOlderThanKeptLocked(status))
            {
                return;
            }

            (_, signalled) = SetQueueStatusLocked(status);
        }

        signalled.TrySetResult(status);
    }

    private (QueueStatus Status, long Heard) TakeNewerThan(QueueStatus answered)
    {
        TaskCompletionSource<QueueStatus> signalled;
        long heard;
        // The check and the write under one lock: a turn pushed between them would be overwritten by the older answer.
        lock (_queueGate)
        {
            // A server that does not number its statuses (version 0): at least a turn pushed before the answer is kept.
            if (_queueStatus is { } kept && kept.WorldId == answered.WorldId
                && (IsOlderThanKeptLocked(answered) || (answered.Version == 0 && kept.Ready && !answered.Ready)))
            {
                return (kept, _queueHeard);
            }

            (heard, signalled) = SetQueueStatusLocked(answered);
        }

        signalled.TrySetResult(answered);
        return (answered, heard);
    }

    /// <summary>
    /// Under <see cref="_queueGate"/>: whether the world told <paramref name="status"/> before the status kept. Its pushes
    /// may arrive out of order (two calls to a gateway are not kept in order by the cluster); versions say which is newer.
    /// </summary>
    private bool IsOlderThanKeptLocked(QueueStatus status) =>
        status.Version != 0 && _queueStatus is { } kept && kept.WorldId == status.WorldId && kept.Version > status.Version;

    /// <summary>Under <see cref="_queueGate"/>: the new latest status; the waiters to wake (after the lock) and the count heard.</summary>
    private (long Heard, TaskCompletionSource<QueueStatus> Signalled) SetQueueStatusLocked(QueueStatus status)
    {
        _queueStatus = status;
        var signalled = _queueChanged;
        _queueChanged = new TaskCompletionSource<QueueStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (++_queueHeard, signalled);
    }
}
