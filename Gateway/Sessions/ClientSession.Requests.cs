using Route = OrleansMmo.Gateway.Routing.Route;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// The connection's requests, worked through one at a time in the order they arrived, so that what
/// a client pipelines takes effect in the order it was sent (docs/protocol.md, "Pipelining").
/// The read loop admits and queues; one worker, started when the queue stops being empty and ended
/// when it empties, runs them. Connections do not wait for each other: each has its own queue.
/// </summary>
public sealed partial class ClientSession
{
    private readonly Lock _requestsLock = new();
    private readonly Queue<QueuedRequest> _queue = new();
    private uint[]? _outstanding;
    private int _outstandingCount;
    private bool _working;

    /// <summary>
    /// The wait of the running request's grain call, which a silo loss cuts short (made with the first queued request,
    /// replaced after a call given up on; see <see cref="Routing.FailoverWatch"/>).
    /// </summary>
    internal Routing.FailoverWatch? FailoverWatch { get; set; }

    /// <summary>The worker of the last busy period; awaited when the connection ends. Set only by the read loop.</summary>
    public Task RequestWorker { get; set; } = Task.CompletedTask;

    /// <summary>Requests admitted and not yet answered.</summary>
    public int RequestsOutstanding
    {
        get
        {
            lock (_requestsLock)
            {
                return _outstandingCount;
            }
        }
    }

    /// <summary>Whether <paramref name="requestId"/> may be used now: not 0, not awaiting an answer.</summary>
    public RequestAdmission CheckRequestId(uint requestId)
    {
        if (requestId == 0)
        {
            return RequestAdmission.IdInvalid;
        }

        lock (_requestsLock)
        {
            return IndexOfOutstanding(requestId) >= 0 ? RequestAdmission.IdInUse : RequestAdmission.Admitted;
        }
    }

    /// <summary>
    /// Queues a request whose id passed <see cref="CheckRequestId"/>, unless the in-flight limit is
    /// reached. True in <paramref name="startWorker"/> when no worker runs: the caller starts one.
    /// </summary>
    public RequestAdmission Enqueue(QueuedRequest request, out bool startWorker)
    {
        startWorker = false;
        lock (_requestsLock)
        {
            if (_outstandingCount >= _options.MaxInFlightPerConnection)
            {
                return RequestAdmission.TooManyInFlight;
            }

            _outstanding ??= new uint[_options.MaxInFlightPerConnection];
            _outstanding[_outstandingCount++] = request.RequestId;
            _queue.Enqueue(request);
            if (!_working)
            {
                _working = startWorker = true;
            }

            return RequestAdmission.Admitted;
        }
    }

    /// <summary>
    /// The next request for the worker, or false when there is none (the worker then ends) or the
    /// connection is closing: requests not yet started are dropped then, without effect or answer.
    /// </summary>
    public bool TryDequeue(out QueuedRequest request)
    {
        lock (_requestsLock)
        {
            if (IsClosing)
            {
                _queue.Clear();
                _outstandingCount = 0;
            }

            if (_queue.TryDequeue(out request))
            {
                return true;
            }

            _working = false;
            return false;
        }
    }

    /// <summary>The request's answer is queued (or the connection is closing): its id may be used again.</summary>
    public void Answered(uint requestId)
    {
        lock (_requestsLock)
        {
            var index = IndexOfOutstanding(requestId);
            if (index >= 0)
            {
                _outstanding![index] = _outstanding[--_outstandingCount];
            }
        }
    }

    // At most MaxInFlightPerConnection (32 by default) entries: a scan is cheaper than a hash set and allocates nothing per request.
    private int IndexOfOutstanding(uint requestId)
    {
        for (var i = 0; i < _outstandingCount; i++)
        {
            if (_outstanding![i] == requestId)
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A request admitted to a connection's queue: its route, its id, and its parsed message.</summary>
public readonly record struct QueuedRequest(Route Route, uint RequestId, Google.Protobuf.IMessage Message);

public enum RequestAdmission
{
    Admitted,
    /// <summary>Request id 0, which only pushes and untrusted headers carry.</summary>
    IdInvalid,
    /// <summary>The id belongs to a request still awaiting its answer.</summary>
    IdInUse,
    TooManyInFlight,
}
