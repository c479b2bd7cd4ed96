using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.World;

namespace OrleansMmo.Grains.Gateways;

/// <summary>What a <see cref="GatewayFanout"/> tells the grain that owns it.</summary>
public interface IDeliveryListener
{
    /// <summary>
    /// Frames for these characters on this gateway did not arrive: dropped because the gateway had
    /// too many deliveries unanswered, or the call failed or timed out, or the gateway let their world
    /// updates go because their clients read too slowly. The list is only valid
    /// during the call. A zone forgets what it told them, so their next update is whole.
    /// </summary>
    void OnUndelivered(string gatewayId, IReadOnlyList<Guid> characters);

    /// <summary>The gateway failed <see cref="WorldOptions.MaxDeliveryFailures"/> deliveries in a row and was let go.</summary>
    void OnGatewayLost(string gatewayId);
}

/// <summary>
/// The one delivery policy for every grain that pushes to clients (zones, whispers, world chat,
/// announcements): frames are written per gateway, and <see cref="SendAsync"/> makes one
/// <see cref="IGatewayObserver.Deliver"/> call per gateway with everything written for it since
/// the last send.
/// </summary>
/// <remarks>
/// <para>Deliveries are tracked, not awaited by the sender's next turn: a call not answered within
/// <see cref="WorldOptions.DeliveryTimeout"/> counts as failed; after
/// <see cref="WorldOptions.MaxDeliveryFailures"/> failures in a row the gateway is let go (the
/// owner hears of it); with <see cref="WorldOptions.MaxPendingDeliveries"/> calls to a gateway
/// unanswered, a send's frames for it are dropped and counted rather than queued, so a slow
/// gateway costs bounded memory. Every frame not delivered is reported to the owner with its
/// character, which is where a push that must not be lost would be kept for the next send, and
/// where an update superseded by a newer one is simply let go.</para>
/// <para>Calls to one gateway may run there in any order: the gateway's Orleans client hands each message it
/// reads to the thread pool on its own. Where the order matters within a send's own kind (a zone's chat lines,
/// which players read in the order said), an <paramref name="ordered"/> fan-out keeps one call in flight per
/// gateway: what is written meanwhile waits and goes in one call when the gateway answers (at most
/// <see cref="WorldOptions.MaxPendingDeliveries"/> sends' worth: one more, and everything waiting is dropped and
/// reported as above, as for a gateway that far behind). A zone's ticks need no such wait: the gateway lets go
/// of a tick older than one it already ran, and the zone resends whole views (see <see cref="IGatewayObserver.Deliver"/>).</para>
/// <para>Not thread-safe: the owning grain uses it from its turns; the tracking continuations run
/// on the grain's scheduler too.</para>
/// </remarks>
public sealed partial class GatewayFanout(WorldOptions options, WorldMetrics metrics, ILogger logger, IDeliveryListener? listener = null, bool ordered = false)
{
    /// <summary>
    /// Sends in a row with nothing for a gateway (nothing in flight, no failure to remember) after which
    /// it is forgotten: 5 s of a zone's ticks. Keeps gateways that come and go from piling up, without
    /// dropping the buffers of one that is merely quiet for a tick.
    /// </summary>
    private const int IdleSendsBeforeForget = 50;

    private readonly Dictionary<string, Link> _links = new(StringComparer.Ordinal);

    /// <summary>Gateways this fan-out has frames or deliveries for.</summary>
    public int Gateways => _links.Count;

    /// <summary>The frames to send to the gateway holding <paramref name="session"/>'s connection.</summary>
    public PushWriter To(PlayerSession session) => To(session.GatewayId, session.Gateway);

    /// <summary>The frames to send to a gateway; the observer given last is the one called.</summary>
    public PushWriter To(string gatewayId, IGatewayObserver observer)
    {
        if (!_links.TryGetValue(gatewayId, out var link))
        {
            link = new Link(gatewayId, observer);
            _links.Add(gatewayId, link);
        }
        else
        {
            link.Observer = observer;
        }

        return link.Frames;
    }

    /// <summary>Deliveries sent to the gateway and not yet answered.</summary>
    public int PendingTo(string gatewayId) => _links.TryGetValue(gatewayId, out var link) ? link.Pending : 0;

    /// <summary>Forgets a gateway and whatever was written for it, telling nobody.</summary>
    public void Forget(string gatewayId) => _links.Remove(gatewayId);

    /// <summary>
    /// Sends each gateway the frames written for it since the last send, in one call. The task
    /// completes when every call is answered, failed or timed out (failures are handled here: the
    /// task never faults), with the number of gateways whose frames did not arrive.
    /// </summary>
    public Task<int> SendAsync(string source, long tick)
    {
        List<Task<bool>>? calls = null;
        var dropped = 0;
        List<string>? idle = null;
        foreach (var link in _links.Values)
        {
            var frames = link.Frames;
            if (frames.Count == 0)
            {
                if (link.Pending == 0 && link.Failures == 0 && ++link.IdleSends >= IdleSendsBeforeForget)
                {
                    (idle ??= []).Add(link.GatewayId);
                }

                continue;
            }

            link.IdleSends = 0;

            // Ordered: the frames wait for the call in flight, unless as many sends as a gateway may have
            // unanswered already wait behind it.
            var waiting = ordered && link.Pending > 0;
            if ((waiting ? link.SendsWaiting : link.Pending) >= options.MaxPendingDeliveries)
            {
                metrics.DroppedFrames.Add(frames.Count);
                listener?.OnUndelivered(link.GatewayId, frames.Characters);
                frames.Clear();
                link.SendsWaiting = 0;
                dropped++;
                continue;
            }

            if (waiting)
            {
                link.SendsWaiting++;
                (link.WaitingSource, link.WaitingTick) = (source, tick);
                continue;
            }

            (calls ??= []).Add(Send(link, source, tick));
        }

        foreach (var gatewayId in idle ?? [])
        {
            _links.Remove(gatewayId);
        }

        return calls is null ? Task.FromResult(dropped) : CountFailuresAsync(calls, dropped);
    }

    private Task<bool> Send(Link link, string source, long tick)
    {
        var batch = link.Frames.ToBatch(source, tick);
        link.Frames.Clear();
        link.SendsWaiting = 0;
        link.Pending++;
        metrics.Deliveries.Add(1);
        return TrackAsync(link, batch);
    }

    private static async Task<int> CountFailuresAsync(List<Task<bool>> calls, int dropped)
    {
        var failed = dropped;
        foreach (var call in calls)
        {
            if (!await call)
            {
                failed++;
            }
        }

        return failed;
    }

    private async Task<bool> TrackAsync(Link link, PushBatch batch)
    {
        try
        {
            var receipt = await link.Observer.Deliver(batch).WaitAsync(options.DeliveryTimeout);
            link.Failures = 0;
            if (receipt is { Undelivered.Length: > 0 })
            {
                // Let go at the gateway (their clients read too slowly; counted there): the call itself went through.
                listener?.OnUndelivered(link.GatewayId, receipt.Undelivered);
            }

            return true;
        }
        catch (Exception ex)
        {
            metrics.DeliveryFailures.Add(1);
            link.Failures++;
            LogDeliveryFailed(logger, link.GatewayId, batch.Source, link.Failures, ex.GetType().Name);
            listener?.OnUndelivered(link.GatewayId, batch.CharacterIds);
            // Only the link still registered under its id is let go: a newer one may have replaced it.
            if (link.Failures >= options.MaxDeliveryFailures && _links.TryGetValue(link.GatewayId, out var current) && current == link)
            {
                _links.Remove(link.GatewayId);
                LogGatewayLost(logger, link.GatewayId, batch.Source);
                listener?.OnGatewayLost(link.GatewayId);
            }

            return false;
        }
        finally
        {
            link.Pending--;
            // Ordered: what waited for this answer goes now (on the grain's scheduler, like the send itself),
            // to the gateway only if it is still the one registered under its id.
            if (ordered && link.Frames.Count > 0 && _links.TryGetValue(link.GatewayId, out var current) && current == link)
            {
                _ = Send(link, link.WaitingSource, link.WaitingTick);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.FanoutDeliveryFailed, Level = LogLevel.Warning, Message = "Delivery to gateway {GatewayId} from {Source} failed ({Failures} in a row): {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, string gatewayId, string source, int failures, string error);

    [LoggerMessage(EventId = LogEvents.FanoutGatewayDropped, Level = LogLevel.Warning, Message = "Gateway {GatewayId} stopped answering deliveries from {Source}: let go")]
    private static partial void LogGatewayLost(ILogger logger, string gatewayId, string source);

    private sealed class Link(string gatewayId, IGatewayObserver observer)
    {
        public string GatewayId { get; } = gatewayId;

        public IGatewayObserver Observer { get; set; } = observer;

        public PushWriter Frames { get; } = new();

        public int Pending { get; set; }

        public int Failures { get; set; }

        public int IdleSends { get; set; }

        /// <summary>Ordered fan-out: sends whose frames wait for the call in flight, and the source and tick of the last.</summary>
        public int SendsWaiting { get; set; }

        public string WaitingSource { get; set; } = "";

        public long WaitingTick { get; set; }
    }
}
