using Microsoft.Extensions.Options;
using Npgsql;

namespace OrleansMmo.Silo.Storage;

/// <summary>Fails the silo at start on storage settings that could only fail later, at the first grain write.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    private static readonly TimeSpan _maxBusyTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The most threads <see cref="StorageOptions.SqliteThreads"/> may ask for: SQLite writes one at a time.</summary>
    public const int MaxSqliteThreads = 64;

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        if (options.Engine == StorageEngine.Postgres)
        {
            NpgsqlConnectionStringBuilder builder;
            try
            {
                builder = new NpgsqlConnectionStringBuilder(options.PostgresConnectionString);
            }
            catch (ArgumentException ex)
            {
                // Npgsql's message names the bad keyword, never the password.
                return ValidateOptionsResult.Fail($"ConnectionStrings:{StorageOptions.PostgresConnectionStringName} is not a valid Npgsql connection string: {ex.Message}");
            }

            return string.IsNullOrWhiteSpace(builder.Host)
                ? ValidateOptionsResult.Fail($"ConnectionStrings:{StorageOptions.PostgresConnectionStringName} has no Host.")
                : ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SqlitePath))
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqlitePath)} is empty: set a database file path, or ConnectionStrings:{StorageOptions.PostgresConnectionStringName}.");
        }

        if (options.SqliteBusyTimeout <= TimeSpan.Zero || options.SqliteBusyTimeout > _maxBusyTimeout)
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqliteBusyTimeout)} must be above zero and at most {_maxBusyTimeout}.");
        }

        if (options.SqliteThreads is < 0 or > MaxSqliteThreads)
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqliteThreads)} must be 0-{MaxSqliteThreads} (0: on the caller's thread).");
        }

        if (options.SqliteThreadNice is < 0 or > 19)
        {
            failures.Add($"{StorageOptions.SectionName}:{nameof(StorageOptions.SqliteThreadNice)} must be 0-19.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
