using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Grains;
using OrleansMmo.Grains.Accounts;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Tests.Gateway;

/// <summary>The one mapping from the grains' errors to the wire, and results that cannot be misread.</summary>
[Trait("Category", "Unit")]
public class GameErrorsTests
{
    [Fact]
    public void EveryGameErrorHasItsOwnWireCode()
    {
        foreach (var error in Enum.GetValues<GameError>().Where(e => e != GameError.None))
        {
            Assert.NotEqual(ErrorCode.InternalError, GameErrors.ToWire(error));
            Assert.True(Enum.IsDefined(GameErrors.ToWire(error)), $"{error} maps to an undefined code");
        }

        Assert.Equal(ErrorCode.InternalError, GameErrors.ToWire(GameError.None));
    }

    [Fact]
    public void OnlyAReplacedSessionClosesTheConnection()
    {
        foreach (var error in Enum.GetValues<GameError>())
        {
            var expected = error == GameError.SessionReplaced ? DisconnectReason.LoggedInElsewhere : DisconnectReason.Unspecified;
            Assert.Equal(expected, GameErrors.ClosesWith(error));
        }
    }

    [Fact]
    public void AFailureKeepsItsRetryTimeOnTheWire()
    {
        var reply = GameErrors.ToReply(new GameFailure(GameError.ChatRateLimited, TimeSpan.FromMilliseconds(750)));
        Assert.Null(reply.Message);
        Assert.Equal(ErrorCode.ChatRateLimited, reply.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(750), reply.RetryAfter);
    }

    [Fact]
    public void ADefaultResultIsAFailureNotAnEmptySuccess()
    {
        Result<string> result = default;
        Assert.False(result.TryGetValue(out _, out var failure));
        Assert.Equal(GameError.None, failure.Error);
        Assert.True(default(Result).Failed(out _));
        Assert.Equal(ErrorCode.InternalError, GameErrors.ToReply(failure).Error);
    }

    [Fact]
    public void ResultsGiveTheirValueOnlyOnSuccess()
    {
        Assert.True(Result.Ok("x").TryGetValue(out var value, out _));
        Assert.Equal("x", value);
        Result<string> failed = GameError.PlayerOffline;
        Assert.False(failed.TryGetValue(out _, out var failure));
        Assert.Equal(GameError.PlayerOffline, failure.Error);
        Assert.False(Result.Success.Failed(out _));
    }

    [Fact]
    public void ResultsCrossGrainBoundariesIntact()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var copier = services.GetRequiredService<DeepCopier>();
        var session = new AccountSession(Guid.NewGuid(), Guid.NewGuid(), new OrleansMmo.Grains.Accounts.SessionTicket("token", DateTimeOffset.UnixEpoch), null);

        foreach (var result in new[] { Result.Ok(session), new GameFailure(GameError.LoginThrottled, TimeSpan.FromSeconds(3)), default(Result<AccountSession>) })
        {
            foreach (var copy in new[] { serializer.Deserialize<Result<AccountSession>>(serializer.SerializeToArray(result)), copier.Copy(result) })
            {
                Assert.Equal(result.TryGetValue(out var expected, out var expectedFailure), copy.TryGetValue(out var actual, out var actualFailure));
                Assert.Equal(expected, actual);
                Assert.Equal(expectedFailure, actualFailure);
            }
        }

        Result chat = new GameFailure(GameError.ChatRateLimited, TimeSpan.FromSeconds(1));
        Assert.True(serializer.Deserialize<Result>(serializer.SerializeToArray(chat)).Failed(out var failure));
        Assert.Equal(new GameFailure(GameError.ChatRateLimited, TimeSpan.FromSeconds(1)), failure);
        Assert.False(serializer.Deserialize<Result>(serializer.SerializeToArray(Result.Success)).Failed(out _));
    }
}
