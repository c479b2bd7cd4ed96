namespace OrleansMmo.Tests.Infrastructure;

/// <summary>Waits for a signal with a deadline that names what was awaited, instead of sleeping.</summary>
public static class Await
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static async Task<T> Within<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        try
        {
            return await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {(timeout ?? Default).TotalSeconds:0.#} s waiting for {what}");
        }
    }

    public static async Task Within(Task task, string what, TimeSpan? timeout = null)
    {
        try
        {
            await task.WaitAsync(timeout ?? Default);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {(timeout ?? Default).TotalSeconds:0.#} s waiting for {what}");
        }
    }

    /// <summary>Re-checks <paramref name="condition"/> every <paramref name="interval"/> (100 ms) until it holds,
    /// for state that offers no signal to await (a registry refreshed by heartbeats, a process's health).</summary>
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var limit = timeout ?? Default;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
    }

    public static Task Until(Func<bool> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        Until(() => Task.FromResult(condition()), what, timeout, interval);
}
