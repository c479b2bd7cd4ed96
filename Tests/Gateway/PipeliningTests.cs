using Microsoft.Extensions.DependencyInjection;
using OrleansMmo.Grains;
using OrleansMmo.Grains.World;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;
using OrleansMmo.Tests.Infrastructure;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// Pipelining (docs/protocol.md "Pipelining"): several requests in one TCP write take effect in the
/// order sent, for the sender, for everyone who watches, and in storage. Each burst goes out in one
/// write and is repeated 50 times, because a race shows only some of the time.
/// </summary>
[Trait("Category", "Cluster")]
[Collection(PipelineClusterCollection.Name)]
public class PipeliningTests(PipelineCluster cluster)
{
    private const int Rounds = 50;
    private const float SpawnX = 1500, SpawnY = 1500;

    [Fact]
    public async Task TenMovesInOneWriteTakeEffectInTheOrderSentForTheMoverItsObserverAndStorage()
    {
        await using var mover = await RawSession.EnterWorldAsync(cluster.GamePort, "pmov");
        await using var observer = await WorldPlayer.EnterAsync(cluster, "pobs");
        await observer.WaitToSeeAsync(mover.CharacterName);

        var x = SpawnX;
        for (var round = 0; round < Rounds; round++)
        {
            // A 10 Hz client after a stall: ten 0.7 m steps (7 m/s) in one write, then where am I?
            var step = round % 2 == 0 ? 0.7f : -0.7f;
            var path = Enumerable.Range(1, 10).Select(i => (X: x + (i * step), Y: SpawnY + (round % 3))).ToArray();
            var answers = await mover.BurstAsync(
                [.. path.Select(p => (Opcode.Move, (Google.Protobuf.IMessage)RawSession.Move(p.X, p.Y))), (Opcode.GetPlayer, new GetPlayerRequest())]);

            for (var i = 0; i < path.Length; i++)
            {
                var moved = RawSession.Parse<MoveResponse>(Opcode.Move, answers[i]);
                Assert.True(moved.Accepted, $"round {round}: move {i} to ({path[i].X}, {path[i].Y}) was corrected to ({moved.Position.X}, {moved.Position.Y}), {moved.Rejection}");
                Assert.Equal((path[i].X, path[i].Y), (moved.Position.X, moved.Position.Y));
            }

            var last = path[^1];
            var player = RawSession.Parse<GetPlayerResponse>(Opcode.GetPlayer, answers[^1]).Player;
            Assert.True((last.X, last.Y) == (player.Position.X, player.Position.Y),
                $"round {round}: GetPlayer after the burst says ({player.Position.X}, {player.Position.Y}), the last move was ({last.X}, {last.Y})");
            await observer.WaitToSeeAsync(mover.CharacterName, e => e.X == last.X && e.Y == last.Y);
            x = last.X;
        }

        // Leaving the world writes the character: storage holds the last move of the last burst.
        await mover.ExpectAsync<LeaveWorldResponse>(Opcode.LeaveWorld, new LeaveWorldRequest());
        var stored = await StoredPlayerAsync(mover.CharacterId);
        Assert.Equal((x, SpawnY + ((Rounds - 1) % 3)), (stored.Position.X, stored.Position.Y));
        AssertNoHandlerFailed();
    }

    [Fact]
    public async Task FiveSayLinesInOneWriteAllArriveInTheOrderSentForTheSpeakerAndItsListener()
    {
        await using var speaker = await RawSession.EnterWorldAsync(cluster.GamePort, "psay");
        await using var listener = await WorldPlayer.EnterAsync(cluster, "plis");
        await listener.WaitToSeeAsync(speaker.CharacterName);

        var sent = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var lines = Enumerable.Range(1, 5).Select(i => $"line {round}.{i}").ToArray();
            sent.AddRange(lines);
            var answers = await speaker.BurstAsync([.. lines.Select(l => (Opcode.Chat, (Google.Protobuf.IMessage)RawSession.Say(l)))]);
            Assert.All(answers, a => RawSession.Parse<ChatResponse>(Opcode.Chat, a));

            await speaker.WaitForAsync(_ => SaidBy(speaker.Chat(), speaker.CharacterName).Count >= sent.Count, $"round {round}: the speaker's own lines");
            await listener.WaitForAsync(p => SaidBy(p.Chat(), speaker.CharacterName).Count >= sent.Count, $"round {round}: the listener's lines");
            Assert.Equal(sent, SaidBy(speaker.Chat(), speaker.CharacterName));
            Assert.Equal(sent, SaidBy(listener.Chat(), speaker.CharacterName));
        }

        AssertNoHandlerFailed();
    }

    [Fact]
    public async Task FiveWhispersInOneWriteArriveInTheOrderSent()
    {
        await using var sender = await RawSession.EnterWorldAsync(cluster.GamePort, "pwsp");
        await using var receiver = await WorldPlayer.EnterAsync(cluster, "prcv");

        var sent = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var lines = Enumerable.Range(1, 5).Select(i => $"whisper {round}.{i}").ToArray();
            sent.AddRange(lines);
            var answers = await sender.BurstAsync([.. lines.Select(l => (Opcode.Chat,
                (Google.Protobuf.IMessage)new ChatRequest { Channel = OrleansMmo.Protocol.Messages.ChatChannel.Whisper, ToName = receiver.Name, Text = l }))]);
            Assert.All(answers, a => RawSession.Parse<ChatResponse>(Opcode.Chat, a));

            await receiver.WaitForAsync(p => SaidBy(p.Chat(), sender.CharacterName).Count >= sent.Count, $"round {round}: the whispers");
            Assert.Equal(sent, SaidBy(receiver.Chat(), sender.CharacterName));
        }

        // The sender gets no copy of its whispers (docs/protocol.md, Chat).
        Assert.Empty(sender.Chat());
        AssertNoHandlerFailed();
    }

    [Fact]
    public async Task RequestsBeforeLogoutInOneWriteFinishFirstAndRequestsAfterItAreJudgedLoggedOut()
    {
        await using var mover = await RawSession.EnterWorldAsync(cluster.GamePort, "plgo");
        await using var observer = await WorldPlayer.EnterAsync(cluster, "plgw");
        await observer.WaitToSeeAsync(mover.CharacterName);

        for (var round = 0; round < Rounds; round++)
        {
            var target = (X: SpawnX + 5 + (round % 5), Y: SpawnY - 5);
            var answers = await mover.BurstAsync(
                (Opcode.Move, RawSession.Move(target.X, target.Y)),
                (Opcode.GetPlayer, new GetPlayerRequest()),
                (Opcode.Chat, RawSession.Say($"bye {round}")),
                (Opcode.Logout, new LogoutRequest()),
                (Opcode.ListCharacters, new ListCharactersRequest()),
                (Opcode.Ping, new PingRequest()));

            Assert.True(RawSession.Parse<MoveResponse>(Opcode.Move, answers[0]).Accepted, $"round {round}: the move");
            var position = RawSession.Parse<GetPlayerResponse>(Opcode.GetPlayer, answers[1]).Player.Position;
            Assert.Equal((target.X, target.Y), (position.X, position.Y));
            RawSession.Parse<ChatResponse>(Opcode.Chat, answers[2]);
            RawSession.Parse<LogoutResponse>(Opcode.Logout, answers[3]);
            Assert.Equal(ErrorCode.NotAllowedInState, answers[4].ErrorCode);
            RawSession.Parse<PingResponse>(Opcode.Ping, answers[5]);
            await observer.WaitNotToSeeAsync(mover.CharacterName);

            // Login and EnterWorld in one write: EnterWorld is judged after Login, and the character is back where it stood.
            var back = await mover.BurstAsync((Opcode.Login, mover.Login()), (Opcode.EnterWorld, mover.EnterWorld()));
            RawSession.Parse<LoginResponse>(Opcode.Login, back[0]);
            var entered = RawSession.Parse<EnterWorldResponse>(Opcode.EnterWorld, back[1]);
            Assert.Equal((target.X, target.Y), (entered.Arrival.Position.X, entered.Arrival.Position.Y));
            await observer.WaitToSeeAsync(mover.CharacterName, e => e.X == target.X && e.Y == target.Y);
            Assert.True(observer.Chat().Count(c => c.Text == $"bye {round}") == 1, $"round {round}: the observer heard the last line once");
        }

        Assert.DoesNotContain(mover.Frames(), f => f.Opcode == (ushort)Opcode.Disconnect);
        Assert.False(mover.Closed.IsCompleted, "the connection must stay open");
        AssertNoHandlerFailed();
    }

    [Fact]
    public async Task RequestsBeforeLeaveWorldInOneWriteFinishFirstAndAMoveAfterItDoesNotPutTheCharacterBack()
    {
        await using var mover = await RawSession.EnterWorldAsync(cluster.GamePort, "plvw");
        await using var observer = await WorldPlayer.EnterAsync(cluster, "plvo");
        await observer.WaitToSeeAsync(mover.CharacterName);

        for (var round = 0; round < Rounds; round++)
        {
            var target = (X: SpawnX - 5 - (round % 5), Y: SpawnY + 5);
            var answers = await mover.BurstAsync(
                (Opcode.Move, RawSession.Move(target.X, target.Y)),
                (Opcode.Chat, RawSession.Say($"leaving {round}")),
                (Opcode.GetPlayer, new GetPlayerRequest()),
                (Opcode.LeaveWorld, new LeaveWorldRequest()),
                (Opcode.Move, RawSession.Move(target.X + 1, target.Y)),
                (Opcode.GetPlayer, new GetPlayerRequest()));

            Assert.True(RawSession.Parse<MoveResponse>(Opcode.Move, answers[0]).Accepted, $"round {round}: the move");
            RawSession.Parse<ChatResponse>(Opcode.Chat, answers[1]);
            var position = RawSession.Parse<GetPlayerResponse>(Opcode.GetPlayer, answers[2]).Player.Position;
            Assert.Equal((target.X, target.Y), (position.X, position.Y));
            RawSession.Parse<LeaveWorldResponse>(Opcode.LeaveWorld, answers[3]);
            Assert.Equal(ErrorCode.NotAllowedInState, answers[4].ErrorCode);
            Assert.Equal(ErrorCode.NotAllowedInState, answers[5].ErrorCode);

            // Out of the world, written, and not put back by the move that came after LeaveWorld.
            await observer.WaitNotToSeeAsync(mover.CharacterName);
            var stored = await StoredPlayerAsync(mover.CharacterId);
            Assert.Equal((target.X, target.Y), (stored.Position.X, stored.Position.Y));

            var entered = await mover.ExpectAsync<EnterWorldResponse>(Opcode.EnterWorld, mover.EnterWorld());
            Assert.Equal((target.X, target.Y), (entered.Arrival.Position.X, entered.Arrival.Position.Y));
            await observer.WaitToSeeAsync(mover.CharacterName, e => e.X == target.X && e.Y == target.Y);
        }

        Assert.DoesNotContain(mover.Frames(), f => f.Opcode == (ushort)Opcode.Disconnect);
        AssertNoHandlerFailed();
    }

    [Fact]
    public async Task RequestsInFlightWhenAnotherLoginKicksTheConnectionGetNoAnswerAfterTheDisconnect()
    {
        var victim = await RawSession.EnterWorldAsync(cluster.GamePort, "pkik");
        var (username, characterId, characterName) = (victim.Username, victim.CharacterId, victim.CharacterName);
        await using var observer = await WorldPlayer.EnterAsync(cluster, "pkio");
        try
        {
            for (var round = 0; round < 10; round++)
            {
                await observer.WaitToSeeAsync(characterName);
                await using (var elsewhere = await cluster.ConnectAsync())
                {
                    // The owner logs in elsewhere while this connection keeps pipelining moves and chat.
                    var login = elsewhere.LoginAsync(username, WorldPlayer.Password);
                    for (var i = 0; !victim.Closed.IsCompleted; i++)
                    {
                        try
                        {
                            await victim.BurstAsync(
                                (Opcode.Move, RawSession.Move(SpawnX + (i % 10), SpawnY + 8)),
                                (Opcode.Chat, RawSession.Say($"kick {round}.{i}")),
                                (Opcode.GetPlayer, new GetPlayerRequest()));
                        }
                        catch (IOException)
                        {
                            // Kicked with the burst in flight: what was not answered before the notice gets no answer.
                        }
                    }

                    await login;
                    var frames = victim.Frames();
                    var notice = frames.FindIndex(f => f.Opcode == (ushort)Opcode.Disconnect);
                    Assert.True(notice >= 0 && notice == frames.Count - 1, $"round {round}: the Disconnect notice is the last frame");
                    Assert.Equal(DisconnectReason.LoggedInElsewhere, frames[notice].DisconnectReason);
                    // The bursts run until the other login lands, however long its hash takes on a loaded machine: past
                    // the chat and move budgets, their refusals are answers too.
                    foreach (var answer in frames.Where(f => f.RequestId > 1))
                    {
                        Assert.True(!answer.IsError || answer.ErrorCode is ErrorCode.SessionReplaced or ErrorCode.ChatRateLimited or ErrorCode.MoveRateLimited or ErrorCode.RateLimited,
                            $"round {round}: request {answer.RequestId} got {answer.ErrorCode}");
                    }

                    await observer.WaitNotToSeeAsync(characterName);
                }

                await victim.DisposeAsync();
                victim = await RawSession.ConnectAsync(cluster.GamePort);
                victim.Adopt(username, characterId, characterName);
                await victim.BurstAsync((Opcode.Login, victim.Login()), (Opcode.EnterWorld, victim.EnterWorld()));
            }
        }
        finally
        {
            await victim.DisposeAsync();
        }

        AssertNoHandlerFailed();
    }

    private static List<string> SaidBy(IEnumerable<ChatMessage> lines, string name) => [.. lines.Where(l => l.FromName == name).Select(l => l.Text)];

    private async Task<PlayerState> StoredPlayerAsync(Guid characterId)
    {
        var storage = cluster.Silo.Services.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(StorageNames.Game);
        var state = new GrainState<PlayerState>(new PlayerState());
        await storage.ReadStateAsync("player", GrainId.Create(GrainType.Create("player"), GrainIdKeyExtensions.CreateGuidKey(characterId)), state);
        return state.State ?? throw new InvalidOperationException($"no stored state for character {characterId}");
    }

    /// <summary>No request of these tests may end in an internal error (a handler exception).</summary>
    private void AssertNoHandlerFailed() =>
        Assert.DoesNotContain(cluster.Logs.Entries, e => e.StartsWith("Error OrleansMmo.Gateway", StringComparison.Ordinal) || e.Contains("NullReferenceException", StringComparison.Ordinal));
}
