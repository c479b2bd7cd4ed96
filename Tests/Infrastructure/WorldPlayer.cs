using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>
/// A client in the world for tests: registers, creates a character, enters the world, and keeps
/// a <see cref="WorldView"/> and every chat line from its pushes, so a test can await what the
/// client should come to know.
/// </summary>
public sealed class WorldPlayer : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly List<ChatMessage> _chat = [];
    private readonly List<(string ZoneId, ulong Tick)> _ticks = [];
    private readonly HashSet<string> _everSeen = [];
    private readonly Task _pump;
    private TaskCompletionSource _changed = NewSignal();
    private long _updates;
    private long _entityEntries;

    public const string Password = "correct horse battery";

    private WorldPlayer(MmoClient client, string username, string name, EnterWorldResponse entered)
    {
        Client = client;
        Username = username;
        Name = name;
        Entered = entered;
        View.Reset(entered.Arrival);
        _pump = Task.Run(PumpAsync);
    }

    public MmoClient Client { get; }

    public string Username { get; }

    public string Name { get; }

    public EnterWorldResponse Entered { get; }

    /// <summary>Read under <see cref="Snapshot{T}"/>: the pump applies updates concurrently.</summary>
    public WorldView View { get; } = new();

    public long UpdatesReceived => Interlocked.Read(ref _updates);

    /// <summary>Entries of every WorldUpdate received, fully decoded: entered + moved + left.</summary>
    public long EntityEntriesReceived => Interlocked.Read(ref _entityEntries);

    private readonly List<Teleported> _teleports = [];

    private readonly List<TradeInfo> _trades = [];

    /// <summary>TradeUpdate pushes received, oldest first.</summary>
    public IReadOnlyList<TradeInfo> Trades()
    {
        lock (_gate)
        {
            return [.. _trades];
        }
    }

    /// <summary>Waits for a TradeUpdate push of that trade (any trade when null) in that phase.</summary>
    public async Task<TradeInfo> WaitForTradeAsync(string? tradeId, TradePhase phase)
    {
        await WaitForAsync(p => p.Trades().Any(t => (tradeId is null || t.TradeId == tradeId) && t.Phase == phase), $"a trade update {tradeId} in {phase}");
        return Trades().Last(t => (tradeId is null || t.TradeId == tradeId) && t.Phase == phase);
    }

    /// <summary>Teleported pushes received, oldest first.</summary>
    public IReadOnlyList<Teleported> Teleports()
    {
        lock (_gate)
        {
            return [.. _teleports];
        }
    }

    public static Task<WorldPlayer> EnterAsync(GameCluster cluster, string prefix, int? port = null, MmoClientOptions? options = null) =>
        EnterAsync(cluster, prefix, () => cluster.ConnectAsync(options, port));

    /// <summary>As <see cref="EnterAsync(GameCluster, string, int?, MmoClientOptions?)"/>, over the connection <paramref name="connect"/> opens (WebSocket, say).</summary>
    public static async Task<WorldPlayer> EnterAsync(GameCluster cluster, string prefix, Func<Task<MmoClient>> connect)
    {
        var username = GameCluster.UniqueName(prefix);
        var client = await connect();
        await client.RegisterAsync(username, Password);
        await client.LoginAsync(username, Password);
        var name = prefix[..Math.Min(prefix.Length, 4)] + Guid.NewGuid().ToString("N")[..10];
        var character = await client.CreateCharacterAsync(name);
        var entered = await client.EnterWorldAsync(character.CharacterId);
        return new WorldPlayer(client, username, name, entered);
    }

    /// <summary>Wraps a client that already entered the world (in a world of its choosing, say).</summary>
    public static Task<WorldPlayer> AttachAsync(MmoClient client, string username, string name, EnterWorldResponse entered) =>
        Task.FromResult(new WorldPlayer(client, username, name, entered));

    public T Snapshot<T>(Func<WorldView, T> read)
    {
        lock (_gate)
        {
            return read(View);
        }
    }

    /// <summary>Whether a WorldUpdate ever named this character as entering this client's view.</summary>
    public bool EverSaw(string name)
    {
        lock (_gate)
        {
            return _everSeen.Contains(name);
        }
    }

    /// <summary>The ticks of the WorldUpdates received for <paramref name="zoneId"/>, in the order they were read.</summary>
    public IReadOnlyList<ulong> TicksFrom(string zoneId)
    {
        lock (_gate)
        {
            return [.. _ticks.Where(t => t.ZoneId == zoneId).Select(t => t.Tick)];
        }
    }

    public IReadOnlyList<ChatMessage> Chat()
    {
        lock (_gate)
        {
            return [.. _chat];
        }
    }

    public async Task<MoveResponse> MoveAsync(float x, float y)
    {
        var response = await Client.MoveAsync(x, y);
        if (response.ZoneChanged is { } arrival)
        {
            lock (_gate)
            {
                View.Reset(arrival);
            }
        }

        return response;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking on every push.</summary>
    public async Task WaitForAsync(Func<WorldPlayer, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Await.Default);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name}: timed out waiting for {what}");
            }

            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public Task WaitToSeeAsync(string name, Func<WorldView.Entity, bool>? where = null) =>
        WaitForAsync(p => p.Snapshot(v => v.FindByName(name) is { } e && (where is null || where(e))), $"{name} in view");

    public Task WaitNotToSeeAsync(string name) =>
        WaitForAsync(p => p.Snapshot(v => v.FindByName(name) is null), $"{name} out of view");

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var push in Client.ReadPushesAsync())
            {
                lock (_gate)
                {
                    switch (push.Message)
                    {
                        case WorldUpdate update:
                            Interlocked.Increment(ref _updates);
                            _ticks.Add((update.ZoneId, update.Tick));
                            Interlocked.Add(ref _entityEntries, update.Entered.Count + update.Moved.Count + update.Left.Count);
                            View.Apply(update);
                            foreach (var entered in update.Entered)
                            {
                                _everSeen.Add(entered.Name);
                            }

                            break;
                        case ChatMessage chat:
                            _chat.Add(chat);
                            break;
                        case Teleported teleported:
                            View.Reset(teleported.Arrival);
                            _teleports.Add(teleported);
                            break;
                        case TradeUpdate trade:
                            _trades.Add(trade.Trade);
                            break;
                    }

                    var signal = _changed;
                    _changed = NewSignal();
                    signal.SetResult();
                }
            }
        }
        catch (Exception) when (!Client.IsConnected)
        {
            // Disposed.
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _pump.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
