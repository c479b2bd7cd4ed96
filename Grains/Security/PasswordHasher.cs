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
/// PBKDF2-SHA512 password hashing, bounded: at most <see cref="PasswordHashingOptions.MaxConcurrent"/>
/// hashes run at once, on the thread pool rather than a grain's scheduler, and at most
/// <see cref="PasswordHashingOptions.MaxQueued"/> wait. Stored form:
/// <c>pbkdf2-sha512$iterations$base64(salt)$base64(hash)</c>, so parameters can be raised later.
/// </summary>
public sealed partial class PasswordHasher : IDisposable
{
    private const string Scheme = "pbkdf2-sha512";
    private const int SaltBytes = 16;
    private const int HashBytes = 64;

    private readonly PasswordHashingOptions _options;
    private readonly ILogger<PasswordHasher> _logger;
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _registrationSlots;
    private readonly int _registrationConcurrency;
    private int _registrationsWaiting;
    private readonly Lazy<string> _decoyHash;
    private int _waiting;

    public PasswordHasher(IOptions<PasswordHashingOptions> options, ILogger<PasswordHasher> logger)
    {
        _options = options.Value;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrent, _options.MaxConcurrent);
        // Registrations hold at most half the hashing slots (at least one) and queue apart: a login waits behind
        // at most that many registration hashes, however many registrations are waiting.
        _registrationConcurrency = Math.Max(1, _options.MaxConcurrent / 2);
        _registrationSlots = new SemaphoreSlim(_registrationConcurrency, _registrationConcurrency);
        _decoyHash = new Lazy<string>(() => Compute(RandomNumberGenerator.GetHexString(32), _options.Iterations));
    }

    public void Dispose()
    {
        _slots.Dispose();
        _registrationSlots.Dispose();
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
            LogSaturated(_logger, _options.MaxQueuedRegistrations);
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
            LogSaturated(_logger, _options.MaxQueuedRegistrations);
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
        var result = await VerifyAsync(password, _decoyHash.Value);
        return result == PasswordCheck.Busy ? PasswordCheck.Busy : PasswordCheck.Mismatch;
    }

    private async Task<T?> RunBoundedAsync<T>(Func<T> work) where T : class
    {
        if (Interlocked.Increment(ref _waiting) > _options.MaxQueued + _options.MaxConcurrent)
        {
            Interlocked.Decrement(ref _waiting);
            LogSaturated(_logger, _options.MaxQueued);
            return null;
        }

        bool acquired;
        try
        {
            acquired = await _slots.WaitAsync(_options.QueueTimeout).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (!acquired)
        {
            LogSaturated(_logger, _options.MaxQueued);
            return null;
        }

        try
        {
            // Off the grain scheduler: a hash takes tens of milliseconds of pure CPU.
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
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

    [LoggerMessage(EventId = LogEvents.PasswordHashingSaturated, Level = LogLevel.Warning, Message = "Password hashing saturated ({MaxQueued} queued); answering BUSY")]
    private static partial void LogSaturated(ILogger logger, int maxQueued);
}
