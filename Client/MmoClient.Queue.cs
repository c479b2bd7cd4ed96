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

    /// <summary>The latest queue status heard (EnterWorld's answer or a QueueUpdate push); null when not queued.</summary>
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

    /// <summary>Waits for the next QueueUpdate push (or the connection's end, which throws <see cref="MmoDisconnectedException"/>).</summary>
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

    private void OnQueueUpdate(QueueStatus status) => SetQueueStatus(status);

    private (QueueStatus Status, long Heard) TakeNewerThan(QueueStatus answered)
    {
        TaskCompletionSource<QueueStatus> signalled;
        long heard;
        // The check and the write under one lock: a turn pushed between them would be overwritten by the older answer.
        lock (_queueGate)
        {
            if (_queueStatus is { Ready: true } ready && ready.WorldId == answered.WorldId && !answered.Ready)
            {
                return (ready, _queueHeard);
            }

            (heard, signalled) = SetQueueStatusLocked(answered);
        }

        signalled.TrySetResult(answered);
        return (answered, heard);
    }

    /// <returns>The count of statuses heard, this one included.</returns>
    private long SetQueueStatus(QueueStatus status)
    {
        TaskCompletionSource<QueueStatus> signalled;
        long heard;
        lock (_queueGate)
        {
            (heard, signalled) = SetQueueStatusLocked(status);
        }

        signalled.TrySetResult(status);
        return heard;
    }

    /// <summary>Under <see cref="_queueGate"/>: the new latest status; the waiters to wake (after the lock) and the count heard.</summary>
    private (long Heard, TaskCompletionSource<QueueStatus> Signalled) SetQueueStatusLocked(QueueStatus status)
    {
        _queueStatus = status;
        var signalled = _queueChanged;
        _queueChanged = new TaskCompletionSource<QueueStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        return (++_queueHeard, signalled);
    }
}
