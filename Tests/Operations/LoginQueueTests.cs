using System.Collections.Concurrent;
using System.Diagnostics;
using OrleansMmo.Client;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;
using Xunit.Abstractions;

namespace OrleansMmo.Tests.Operations;

/// <summary>The login queue of a full world, across two gateways: FIFO admission, pushed positions, a reconnect that keeps its place.</summary>
[Collection(OperationsClusterCollection.Name)]
[Trait("Category", "Cluster")]
public class LoginQueueTests(OperationsCluster cluster, ITestOutputHelper output)
{
    private const string World = "beta";
    private const int Capacity = 5;
    private const int Waiting = 12;

    [Fact]
    public async Task AFullWorldQueuesTwelveClientsOnTwoGatewaysAndAdmitsThemInOrderAsPlayersLeave()
    {
        using var admin = cluster.Api();
        var second = await cluster.StartGatewayAsync();
        var ports = new[] { cluster.GamePort, GameCluster.GamePortOf(second) };
        var occupants = new Queue<MmoClient>();
        var queued = new List<Queued>();
        try
        {
            Assert.Equal(200, (await admin.PutAsync($"/api/worlds/{World}", new { capacity = Capacity })).Status);
            for (var i = 0; i < Capacity; i++)
            {
                var (client, character) = await NewCharacterAsync($"occ{i}", ports[i % 2]);
                Assert.NotNull((await client.EnterWorldAsync(character)).Player);
                occupants.Enqueue(client);
            }

            // One by one, so the order of arrival is known; they alternate between the two gateways.
            for (var i = 0; i < Waiting; i++)
            {
                var (client, character) = await NewCharacterAsync($"q{i}", ports[i % 2]);
                var answer = await client.EnterWorldAsync(character);
                Assert.NotNull(answer.Queue);
                Assert.Equal(((uint)(i + 1), (uint)(i + 1), false), (answer.Queue.Position, answer.Queue.Length, answer.Queue.Ready));
                queued.Add(new Queued(i, client, character, answer.Queue));
            }

            var admitted = new ConcurrentQueue<int>();
            foreach (var waiter in queued)
            {
                waiter.Start(admitted);
            }

            // The periodic pushes come a slice of the queue at a time (World:QueueUpdateSlices, 10 by default, one slice
            // every 200 ms): the twelve hear their first push after the start spread over the interval, not all at once.
            await Await.Until(() => queued.All(q => q.UpdateAt(1) is not null), "every waiting client's first periodic queue update");
            var firstPushes = queued.Select(q => q.UpdateAt(1)!.Value).Order().ToList();
            var apart = firstPushes.Zip(firstPushes.Skip(1)).Count(p => Stopwatch.GetElapsedTime(p.First, p.Second) > TimeSpan.FromMilliseconds(80));
            output.WriteLine($"first periodic pushes, ms after the first: {string.Join(", ", firstPushes.Select(t => Stopwatch.GetElapsedTime(firstPushes[0], t).TotalMilliseconds.ToString("0")))}");
            Assert.True(apart >= 3, $"the waiting clients' pushes came in {apart + 1} groups (at least 4 expected from 10 slices)");

            // A GM walks past the queue.
            var (gm, gmCharacter, gmName) = await NewCharacterWithNameAsync("qgm", ports[0]);
            Assert.Equal(200, (await admin.PutAsync($"/api/accounts/{gmName}/role", new { role = "game_master" })).Status);
            Assert.NotNull((await gm.EnterWorldAsync(gmCharacter)).Player);
            await gm.DisposeAsync();

            // The fourth in line loses its connection and comes back on the other gateway with its tickets.
            var leaver = queued[3];
            await leaver.Client.RenewTicketAsync();
            var sessionTicket = leaver.Client.CurrentTicket!.Token;
            var queueTicket = leaver.Client.QueueStatus!.Ticket;
            await leaver.Client.DisposeAsync();
            await Await.Within(leaver.Entering.ContinueWith(_ => { }, TaskScheduler.Default), "the lost connection's wait to end");
            var back = await cluster.ConnectAsync(port: ports[1 - (3 % 2)]);
            await back.ResumeSessionAsync(sessionTicket);
            var kept = await back.EnterWorldAsync(leaver.CharacterId, queueTicket);
            Assert.Equal(4u, kept.Queue.Position);
            queued[3] = leaver with { Client = back };
            queued[3].Start(admitted, queueTicket);

            // Players leave one at a time; each time exactly the next in line gets in.
            for (var next = 0; next < Waiting; next++)
            {
                var leaving = occupants.Dequeue();
                await leaving.LeaveWorldAsync();
                var entered = await Await.Within(queued[next].Entering, $"client {next} to be admitted");
                Assert.NotNull(entered.Player);
                Assert.Equal([.. Enumerable.Range(0, next + 1)], admitted.ToArray());
                occupants.Enqueue(queued[next].Client);
                await leaving.DisposeAsync();
            }

            Assert.All(queued, q => Assert.True(q.PositionsOnlyWentDown, $"client {q.Index}: positions {string.Join(",", q.Positions)}"));
            // Every status the world told is numbered, newer ones higher: what lets a client ignore one overtaken on its way.
            Assert.All(queued, q => Assert.True(q.VersionsOnlyRose, $"client {q.Index}: versions {string.Join(",", q.Versions)}"));
            // The last in line waited through the whole test and heard its position at least every few seconds.
            var last = queued[^1];
            output.WriteLine($"last client: {last.Positions.Count} updates, longest gap {last.LongestGap.TotalMilliseconds:0} ms");
            Assert.True(last.LongestGap < TimeSpan.FromSeconds(5), $"longest gap between queue updates {last.LongestGap}");
        }
        finally
        {
            await admin.PutAsync($"/api/worlds/{World}", new { capacity = 10_000 });
            foreach (var client in occupants.Concat(queued.Select(q => q.Client)))
            {
                await client.DisposeAsync();
            }

            await cluster.StopGatewayAsync(second);
        }
    }

    [Fact]
    public async Task PlacesFreedByTheDozenAreHandedToTheQueueAFewEachTickNotInOneBurst()
    {
        using var admin = cluster.Api();
        var occupants = new List<MmoClient>();
        var queued = new List<Queued>();
        const int capacity = 2, waiting = 8;
        try
        {
            Assert.Equal(200, (await admin.PutAsync($"/api/worlds/{World}", new { capacity })).Status);
            for (var i = 0; i < capacity; i++)
            {
                var (client, character) = await NewCharacterAsync($"bo{i}", cluster.GamePort);
                Assert.NotNull((await client.EnterWorldAsync(character)).Player);
                occupants.Add(client);
            }

            var admitted = new ConcurrentQueue<int>();
            for (var i = 0; i < waiting; i++)
            {
                var (client, character) = await NewCharacterAsync($"bq{i}", cluster.GamePort);
                var answer = await client.EnterWorldAsync(character);
                Assert.NotNull(answer.Queue);
                var waiter = new Queued(i, client, character, answer.Queue);
                waiter.Start(admitted);
                queued.Add(waiter);
            }

            // Eight places at once: at World:QueueTurnsPerSecond 10 (2 a tick of 200 ms) the turns take four ticks.
            Assert.Equal(200, (await admin.PutAsync($"/api/worlds/{World}", new { capacity = capacity + waiting })).Status);
            foreach (var waiter in queued)
            {
                Assert.NotNull((await Await.Within(waiter.Entering, $"client {waiter.Index} to be admitted")).Player);
            }

            Assert.Equal([.. Enumerable.Range(0, waiting)], admitted.Order().ToArray());
            var turns = queued.Select(q => q.ReadyAt!.Value).Order().ToList();
            var spread = Stopwatch.GetElapsedTime(turns[0], turns[^1]);
            output.WriteLine($"turns, ms after the first: {string.Join(", ", turns.Select(t => Stopwatch.GetElapsedTime(turns[0], t).TotalMilliseconds.ToString("0")))}");
            Assert.True(spread >= TimeSpan.FromMilliseconds(300), $"eight turns came within {spread.TotalMilliseconds:0} ms (at {OperationsCluster.LoginQueueTurnsPerSecond}/s, 2 a tick, they span at least 2 ticks of 200 ms after the first)");
        }
        finally
        {
            await admin.PutAsync($"/api/worlds/{World}", new { capacity = 10_000 });
            foreach (var client in occupants.Concat(queued.Select(q => q.Client)))
            {
                await client.DisposeAsync();
            }
        }
    }

    private async Task<(MmoClient Client, string CharacterId)> NewCharacterAsync(string prefix, int port)
    {
        var (client, character, _) = await NewCharacterWithNameAsync(prefix, port);
        return (client, character);
    }

    private async Task<(MmoClient Client, string CharacterId, string Username)> NewCharacterWithNameAsync(string prefix, int port)
    {
        var username = GameCluster.UniqueName(prefix);
        var client = await cluster.ConnectAsync(port: port);
        await client.RegisterAsync(username, WorldPlayer.Password);
        await client.LoginAsync(username, WorldPlayer.Password);
        var character = await client.CreateCharacterAsync("Q" + Guid.NewGuid().ToString("N")[..10], World);
        return (client, character.CharacterId, username);
    }

    /// <summary>One waiting client: enters through the queue in the background, noting each position it is told and when.</summary>
    private sealed record Queued(int Index, MmoClient Client, string CharacterId, QueueStatus First) : IProgress<QueueStatus>
    {
        private readonly object _gate = new();
        private long _lastUpdate = Stopwatch.GetTimestamp();

        public List<uint> Positions { get; } = [];

        public List<ulong> Versions { get; } = [];

        // When each position was reported (Stopwatch timestamps): the first is EnterWorld's answer, the rest pushes.
        private readonly List<long> _updateTimes = [];
        private long? _readyAt;

        public TimeSpan LongestGap { get; private set; }

        public Task<EnterWorldResponse> Entering { get; private set; } = Task.FromResult(new EnterWorldResponse());

        public bool VersionsOnlyRose
        {
            get
            {
                lock (_gate)
                {
                    return Versions.Count > 0 && Versions[0] > 0 && Versions.Zip(Versions.Skip(1)).All(p => p.Second > p.First);
                }
            }
        }

        public bool PositionsOnlyWentDown
        {
            get
            {
                lock (_gate)
                {
                    return Positions.Zip(Positions.Skip(1)).All(p => p.Second <= p.First);
                }
            }
        }

        /// <summary>When the client was told its turn had come (a <see cref="Stopwatch"/> timestamp).</summary>
        public long? ReadyAt
        {
            get
            {
                lock (_gate)
                {
                    return _readyAt;
                }
            }
        }

        /// <summary>When the <paramref name="index"/>th position since the start was reported, if it was.</summary>
        public long? UpdateAt(int index)
        {
            lock (_gate)
            {
                return index < _updateTimes.Count ? _updateTimes[index] : null;
            }
        }

        public void Start(ConcurrentQueue<int> admitted, string? ticket = null)
        {
            _lastUpdate = Stopwatch.GetTimestamp();
            Entering = EnterAsync(admitted, ticket ?? First.Ticket);
        }

        public void Report(QueueStatus value)
        {
            lock (_gate)
            {
                Positions.Add(value.Position);
                Versions.Add(value.Version);
                var now = Stopwatch.GetTimestamp();
                _updateTimes.Add(now);
                if (value.Ready)
                {
                    _readyAt ??= now;
                }

                var gap = Stopwatch.GetElapsedTime(_lastUpdate, now);
                LongestGap = gap > LongestGap ? gap : LongestGap;
                _lastUpdate = now;
            }
        }

        private async Task<EnterWorldResponse> EnterAsync(ConcurrentQueue<int> admitted, string ticket)
        {
            var entered = await Client.EnterWorldThroughQueueAsync(CharacterId, this, ticket);
            admitted.Enqueue(Index);
            return entered;
        }
    }
}
