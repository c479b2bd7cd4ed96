using OrleansMmo.Gateway.Routing;

namespace OrleansMmo.Tests.Gateway;

/// <summary>
/// The connection's own wait for a running grain call (what replaced a Task.WhenAny with the cluster's shared "next
/// silo loss" task): the call's answer when it comes, a silo loss cutting the wait short, the failover timeout giving
/// up, and a watch reused request after request. The whole failover path, with a real silo killed, is
/// FailoverRepeatTests.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FailoverWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static ValueTask<Reply> Call(TaskCompletionSource<Reply> answer) => new(answer.Task);

    [Fact]
    public async Task ACallThatAnswersIsAwaitedAndItsReplyTaken()
    {
        var watch = new FailoverWatch();
        for (var request = 0; request < 3; request++)
        {
            var answer = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
            watch.Arm();
            watch.Watch(Call(answer));
            var waiting = watch.UntilCompletedOrLostAsync().AsTask();
            Assert.False(waiting.IsCompleted, "the wait ended before the call answered");
            answer.SetResult(Reply.Fail(ErrorCode.Busy));

            Assert.True(await waiting.WaitAsync(Patience), $"request {request}: the answered call was taken for a loss");
            Assert.Equal(ErrorCode.Busy, watch.Result().Error);
        }
    }

    [Fact]
    public async Task ACallThatFailsPassesItsExceptionOn()
    {
        var watch = new FailoverWatch();
        var answer = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        watch.Arm();
        watch.Watch(Call(answer));
        var waiting = watch.UntilCompletedOrLostAsync().AsTask();
        answer.SetException(new InvalidOperationException("grain failed"));

        Assert.True(await waiting.WaitAsync(Patience));
        Assert.Equal("grain failed", Assert.Throws<InvalidOperationException>(() => watch.Result()).Message);
    }

    [Fact]
    public async Task ASiloLossEndsTheWaitAndTheCallStillAnswersWithinTheFailoverTimeout()
    {
        var watch = new FailoverWatch();
        var answer = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        watch.Arm();
        watch.Watch(Call(answer));
        var waiting = watch.UntilCompletedOrLostAsync().AsTask();
        watch.SiloLost();

        Assert.False(await waiting.WaitAsync(Patience), "a silo loss did not end the wait");
        var second = watch.UntilCompletedWithinAsync(Patience).AsTask();
        answer.SetResult(Reply.Fail(ErrorCode.WorldUnavailable));
        Assert.True(await second.WaitAsync(Patience), "the call that answered after the loss was given up on");
        Assert.Equal(ErrorCode.WorldUnavailable, watch.Result().Error);
    }

    [Fact]
    public async Task ALossWhileTheCallIsBeingSentCountsAndOneAfterTheRequestDoesNot()
    {
        var watch = new FailoverWatch();
        var answer = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        watch.Arm();
        watch.SiloLost();
        watch.Watch(Call(answer));
        Assert.False(await watch.UntilCompletedOrLostAsync().AsTask().WaitAsync(Patience), "a loss between Arm and Watch was missed");
        answer.SetResult(Reply.Fail(ErrorCode.Busy));
        Assert.True(await watch.UntilCompletedWithinAsync(Patience).AsTask().WaitAsync(Patience));
        watch.Result();

        // The request is over: a loss now concerns no call of this connection.
        watch.SiloLost();
        var next = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        watch.Arm();
        watch.Watch(Call(next));
        var waiting = watch.UntilCompletedOrLostAsync().AsTask();
        next.SetResult(Reply.Fail(ErrorCode.Busy));
        Assert.True(await waiting.WaitAsync(Patience), "a loss from before the request cut its wait short");
        watch.Result();
    }

    [Fact]
    public async Task ACallThatNeverAnswersIsGivenUpAfterTheFailoverTimeout()
    {
        var watch = new FailoverWatch();
        var answer = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        watch.Arm();
        watch.Watch(Call(answer));
        watch.SiloLost();
        Assert.False(await watch.UntilCompletedOrLostAsync().AsTask().WaitAsync(Patience));
        Assert.False(await watch.UntilCompletedWithinAsync(TimeSpan.FromMilliseconds(50)).AsTask().WaitAsync(Patience), "a call that never answered was not given up");

        // Its late end is the abandoned watch's alone (the router gives the connection a new one): nothing throws here.
        answer.SetException(new InvalidOperationException("late"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => answer.Task);
    }
}
