using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansMmo.Grains.Security;

public enum PasswordCheck
{
    Mismatch,
    Match,
    /// <summary>Matches, but was hashed with weaker parameters than configured now.</summary>
    MatchNeedsRehash,
    /// <summary>No hashing slot within the queue bound; nothing was checked.</summary>
    Busy,
}

/// <summary>
/// PBKDF2-SHA512 password hashing, bounded: hashes run on <see cref="PasswordHashingOptions.MaxConcurrent"/> dedicated
/// threads of their own, scheduled below everything else (<see cref="PasswordHashingOptions.ThreadPriority"/>), never
/// on the thread pool the grains and the silo's networking run on; at most <see cref="PasswordHashingOptions.MaxQueued"/>
/// wait. Refused requests are told when to come back (<see cref="BusyRetryAfter"/>), later the longer the saturation
/// lasts. Stored form: <c>pbkdf2-sha512$iterations$base64(salt)$base64(hash)</c>, so parameters can be raised later.
/// </summary>
public sealed partial class PasswordHasher : IDisposable
{
    /// <summary>Name of the hashing threads (<c>/proc/self/task/*/comm</c> on Linux), followed by their index.</summary>
    public const string ThreadNamePrefix = "mmo-pwhash-";

    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;

    private readonly PasswordHashingOptions _options;
    private readonly ILogger<PasswordHasher> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _registrationSlots;
    private readonly int _registrationConcurrency;
    private int _registrationsWaiting;

    // Made on a hashing thread the first time an unknown name logs in: a grain must not wait on a hash it computes itself.
    private readonly Lazy<string> _decoyHash;

    // The hashing threads take their work from here. Its length is not the bound: _pending is (waiting and running).
    private readonly BlockingCollection<HashJob> _jobs = new(new ConcurrentQueue<HashJob>());
    private readonly Thread[] _threads;
    private readonly int[] _osThreadIds;
    private int _pending;

    // Saturation: since when requests have been refused with no request admitted straight to a thread in between
    // (a timestamp of _time; 0 = not saturated), and how many were refused in it.
    private long _saturatedSince;
    private int _refusedInSaturation;

    public PasswordHasher(IOptions<PasswordHashingOptions> options, ILogger<PasswordHasher> logger, TimeProvider time)
    {
        _options = options.Value;
        _logger = logger;
        _time = time;
        // Registrations hold at most half the hashing slots (at least one) and queue apart: a login waits behind
        // at most that many registration hashes, however many registrations are waiting.
        _registrationConcurrency = Math.Max(1, _options.MaxConcurrent / 2);
        _registrationSlots = new SemaphoreSlim(_registrationConcurrency, _registrationConcurrency);
        _decoyHash = new Lazy<string>(() => Compute(RandomNumberGenerator.GetHexString(32), _options.Iterations));
        _threads = new Thread[_options.MaxConcurrent];
        _osThreadIds = new int[_options.MaxConcurrent];
        for (var i = 0; i < _threads.Length; i++)
        {
            // Dedicated threads, not the pool: a hash holds its thread for tens of milliseconds, which on the pool would
            // leave grain turns and message processing queued behind it, and only a thread of our own can be given a
            // lower scheduling priority.
            _threads[i] = new Thread(HashLoop)
            {
                Name = ThreadNamePrefix + i.ToString(CultureInfo.InvariantCulture),
                IsBackground = true,
            };
            _threads[i].Start(i);
        }
    }

    public void Dispose()
    {
        _jobs.CompleteAdding();
        _registrationSlots.Dispose();
    }

    /// <summary>
    /// The kernel's ids of the hashing threads (Linux thread ids, for <c>top -H</c> or <c>/proc/PID/task/TID</c>); 0 for
    /// a thread not started yet, and on other systems.
    /// </summary>
    public IReadOnlyList<int> OsThreadIds => [.. Enumerable.Range(0, _osThreadIds.Length).Select(i => Volatile.Read(ref _osThreadIds[i]))];

    /// <summary>
    /// True while hashing is full: a password check now would be refused. Lets a caller answer BUSY before it
    /// spends anything on the request (the address throttle's grain calls).
    /// </summary>
    public bool IsSaturated => Volatile.Read(ref _pending) >= _options.MaxQueued + _options.MaxConcurrent;

    /// <summary>
    /// The <c>retry_after</c> for a request hashing refused: <see cref="PasswordHashingOptions.BusyRetryAfter"/>, doubled
    /// for every <see cref="PasswordHashingOptions.BusyRetryAfterDoubling"/> the saturation has lasted, at most
    /// <see cref="PasswordHashingOptions.MaxBusyRetryAfter"/>, plus up to as much again at random.
    /// </summary>
    public TimeSpan BusyRetryAfter()
    {
        var wait = BusyBackoff;
        return wait + wait * Random.Shared.NextDouble();
    }

    /// <summary>
    /// The back-off now, before the random part: <see cref="PasswordHashingOptions.BusyRetryAfter"/> doubled for every
    /// <see cref="PasswordHashingOptions.BusyRetryAfterDoubling"/> the current saturation has lasted, at most
    /// <see cref="PasswordHashingOptions.MaxBusyRetryAfter"/>.
    /// </summary>
    public TimeSpan BusyBackoff
    {
        get
        {
            var since = Volatile.Read(ref _saturatedSince);
            var lasted = since == 0 ? TimeSpan.Zero : _time.GetElapsedTime(since);
            var doublings = Math.Min(30, (int)(lasted / _options.BusyRetryAfterDoubling));
            return TimeSpan.FromTicks((long)Math.Min(_options.MaxBusyRetryAfter.Ticks, _options.BusyRetryAfter.Ticks * Math.Pow(2, doublings)));
        }
    }

    /// <summary>Hashes a new password; null when busy.</summary>
    public Task<string?> HashAsync(string password) =>
        RunBoundedAsync(() => Compute(password, _options.Iterations));

    /// <summary>
    /// Hashes a new account's password behind the logins: registrations queue apart (bounded by
    /// <see cref="PasswordHashingOptions.MaxQueuedRegistrations"/>) and hash on at most half the slots; null when busy.
    /// </summary>
    public async Task<string?> HashForRegistrationAsync(string password)
    {
        if (Interlocked.Increment(ref _registrationsWaiting) > _options.MaxQueuedRegistrations + _registrationConcurrency)
        {
            Interlocked.Decrement(ref _registrationsWaiting);
            Refused(_options.MaxQueuedRegistrations);
            return null;
        }

        bool acquired;
        try
        {
            acquired = await _registrationSlots.WaitAsync(_options.QueueTimeout).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _registrationsWaiting);
        }

        if (!acquired)
        {
            Refused(_options.MaxQueuedRegistrations);
            return null;
        }

        try
        {
            return await HashAsync(password).ConfigureAwait(false);
        }
        finally
        {
            _registrationSlots.Release();
        }
    }

    /// <summary>Checks a password against a stored hash in constant time.</summary>
    public async Task<PasswordCheck> VerifyAsync(string password, string storedHash)
    {
        var result = await RunBoundedAsync<object>(() => Check(password, storedHash));
        return result is PasswordCheck check ? check : PasswordCheck.Busy;
    }

    /// <summary>
    /// Spends the same work as a real check against nothing, so an unknown username takes as long
    /// as a wrong password and cannot be told apart by timing.
    /// </summary>
    public async Task<PasswordCheck> VerifyDecoyAsync(string password)
    {
        var result = await RunBoundedAsync<object>(() => Check(password, _decoyHash.Value));
        return result is PasswordCheck.Busy or null ? PasswordCheck.Busy : PasswordCheck.Mismatch;
    }

    private async Task<T?> RunBoundedAsync<T>(Func<T> work) where T : class
    {
        var pending = Interlocked.Increment(ref _pending);
        if (pending > _options.MaxQueued + _options.MaxConcurrent)
        {
            Interlocked.Decrement(ref _pending);
            Refused(_options.MaxQueued);
            return null;
        }

        if (pending <= _options.MaxConcurrent)
        {
            // Nobody waits ahead of this one: whatever saturation there was is over.
            EndSaturation();
        }

        try
        {
            var job = new HashJob(() => work());
            _jobs.Add(job);
            object? result;
            using (var timeout = new CancellationTokenSource(_options.QueueTimeout, _time))
            using (timeout.Token.Register(static state => ((HashJob)state!).GiveUp(), job))
            {
                result = await job.Result.ConfigureAwait(false);
            }

            if (result is null)
            {
                Refused(_options.MaxQueued);
            }

            return (T?)result;
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private void HashLoop(object? index)
    {
        Volatile.Write(ref _osThreadIds[(int)index!], ThreadScheduling.Lower(_options.ThreadPriority, _logger));
        // Blocks this dedicated thread while there is nothing to hash; that is what it is for.
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job.Run();
        }
    }

    private void Refused(int queueBound)
    {
        Interlocked.Increment(ref _refusedInSaturation);
        if (Interlocked.CompareExchange(ref _saturatedSince, _time.GetTimestamp(), 0) == 0)
        {
            // Once per saturation, not once per refusal: a storm refuses hundreds a second.
            LogSaturated(_logger, queueBound);
        }
    }

    private void EndSaturation()
    {
        var since = Volatile.Read(ref _saturatedSince);
        if (since != 0 && Interlocked.CompareExchange(ref _saturatedSince, 0, since) == since)
        {
            var refused = Interlocked.Exchange(ref _refusedInSaturation, 0);
            var lasted = _time.GetElapsedTime(since);
            LogSaturationOver(_logger, refused, lasted);
        }
    }

    private static string Compute(string password, int iterations)
    {
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        Span<byte> hash = stackalloc byte[HashBytes];
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, hash, iterations, HashAlgorithmName.SHA512);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    private object Check(string password, string storedHash)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations <= 0)
        {
            return PasswordCheck.Mismatch;
        }

        var salt = Convert.FromBase64String(parts[2]);
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordCheck.Mismatch;
        }

        return iterations < _options.Iterations ? PasswordCheck.MatchNeedsRehash : PasswordCheck.Match;
    }

    /// <summary>One hash waiting for a thread: run by the first hashing thread to take it, unless its wait ran out first.</summary>
    private sealed class HashJob(Func<object> work)
    {
        private const int Waiting = 0, Running = 1, GivenUp = 2;
        private readonly TaskCompletionSource<object?> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;

        /// <summary>The hash's result, or null when it waited longer than the queue timeout and was not run.</summary>
        public Task<object?> Result => _done.Task;

        public void GiveUp()
        {
            if (Interlocked.CompareExchange(ref _state, GivenUp, Waiting) == Waiting)
            {
                _done.TrySetResult(null);
            }
        }

        public void Run()
        {
            // A hash once started runs to its end: its caller is still waiting for it.
            if (Interlocked.CompareExchange(ref _state, Running, Waiting) != Waiting)
            {
                return;
            }

            try
            {
                _done.TrySetResult(work());
            }
            catch (Exception ex)
            {
                _done.TrySetException(ex);
            }
        }
    }

    [LoggerMessage(EventId = LogEvents.PasswordHashingSaturated, Level = LogLevel.Warning, Message = "Password hashing saturated ({MaxQueued} queued); answering BUSY with a growing retry_after")]
    private static partial void LogSaturated(ILogger logger, int maxQueued);

    [LoggerMessage(EventId = LogEvents.PasswordHashingSaturationOver, Level = LogLevel.Information, Message = "Password hashing no longer saturated: {Refused} requests answered BUSY in {Duration}")]
    private static partial void LogSaturationOver(ILogger logger, int refused, TimeSpan duration);
}
