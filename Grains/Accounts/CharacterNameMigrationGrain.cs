using Microsoft.Extensions.Logging;

namespace OrleansMmo.Grains.Accounts;

[GenerateSerializer, Alias("mmo.CharacterNameMigrationState")]
public sealed class CharacterNameMigrationState
{
    /// <summary>The last legacy key copied; the next batch starts after it, so a restart resumes.</summary>
    [Id(0)] public string After { get; set; } = "";

    [Id(1)] public bool Complete { get; set; }

    [Id(2)] public long Copied { get; set; }
}

/// <summary>
/// Copies names claimed under the old case-folded keys to skeleton keys (<see cref="ICharacterNameMigrationGrain"/>).
/// One batch per timer tick, the position written after each, so a silo loss resumes where it stopped.
/// </summary>
[GrainType("characternamemigration")]
public sealed partial class CharacterNameMigrationGrain(
    [PersistentState("names", StorageNames.Game)] IPersistentState<CharacterNameMigrationState> state,
    ILegacyCharacterNames legacyNames,
    CharacterNameMigrationStatus status,
    GameData.GameDataCatalog gameData,
    ILogger<CharacterNameMigrationGrain> logger) : Grain, ICharacterNameMigrationGrain
{
    private const int BatchSize = 256;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(50);
    private IGrainTimer? _timer;

    public async Task<bool> IsComplete()
    {
        if (!state.State.Complete && _timer is null)
        {
            // The first batch here, so a cluster without old names (every new one) is complete at once;
            // the rest on a timer, so this call returns while a large migration goes on.
            await CopyBatchAsync(CancellationToken.None);
            if (!state.State.Complete)
            {
                _timer = this.RegisterGrainTimer(CopyBatchAsync, new GrainTimerCreationOptions(Pause, Pause) { KeepAlive = true });
            }
        }

        if (state.State.Complete)
        {
            status.MarkComplete();
        }

        return state.State.Complete;
    }

    public async Task Restart()
    {
        state.State.After = "";
        state.State.Complete = false;
        state.State.Copied = 0;
        await state.WriteStateAsync();
        await IsComplete();
    }

    private async Task CopyBatchAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> keys;
        try
        {
            keys = await legacyNames.ListAfterAsync(state.State.After, BatchSize, cancellationToken);
            // Look-alikes in grain-id order, so the first of a pair from before holds the name (the key order is the
            // order of the batches too); names that are not look-alikes of each other in parallel.
            var copied = await Task.WhenAll(keys.GroupBy(SkeletonKeyOf, StringComparer.Ordinal).Select(async alike =>
            {
                var count = 0;
                foreach (var key in alike)
                {
                    count += await CopyAsync(key) ? 1 : 0;
                }

                return count;
            }));
            state.State.Copied += copied.Sum();
            if (keys.Count > 0)
            {
                state.State.After = keys[^1];
            }

            state.State.Complete = keys.Count < BatchSize;
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next tick tries the same batch again; creation waits meanwhile.
            LogBatchFailed(logger, state.State.After, ex);
            return;
        }

        if (state.State.Complete)
        {
            LogComplete(logger, state.State.Copied);
            status.MarkComplete();
            _timer?.Dispose();
            _timer = null;
        }
    }

    private string SkeletonKeyOf(string legacyKey) =>
        CharacterNames.TryParseLegacyKey(legacyKey, gameData.DefaultWorld, out var world, out var folded)
            ? CharacterNames.Key(world, folded, gameData.DefaultWorld)
            : legacyKey;

    /// <summary>Copies one legacy claim; true if it held a character.</summary>
    private async Task<bool> CopyAsync(string legacyKey)
    {
        if (!CharacterNames.TryParseLegacyKey(legacyKey, gameData.DefaultWorld, out var world, out var folded))
        {
            return false;
        }

        var owner = await GrainFactory.GetGrain<ICharacterNameGrain>(legacyKey).GetOwner();
        if (owner is null)
        {
            return false;
        }

        var skeletonKey = CharacterNames.Key(world, folded, gameData.DefaultWorld);
        if (!await GrainFactory.GetGrain<ICharacterNameGrain>(skeletonKey).ClaimMigrated(owner, folded))
        {
            LogLookAlike(logger, owner.CharacterId, skeletonKey);
        }

        return true;
    }

    [LoggerMessage(EventId = LogEvents.CharacterNameMigrationComplete, Level = LogLevel.Information, Message = "Character names: {Copied} names claimed before confusable skeletons now hold skeleton keys")]
    private static partial void LogComplete(ILogger logger, long copied);

    [LoggerMessage(EventId = LogEvents.CharacterNameLookAlikeKept, Level = LogLevel.Warning, Message = "Character names: character {CharacterId} had a look-alike of an older name ({SkeletonKey}); both keep their names, reachable by the exact name")]
    private static partial void LogLookAlike(ILogger logger, Guid characterId, string skeletonKey);

    [LoggerMessage(EventId = LogEvents.CharacterNameMigrationFailed, Level = LogLevel.Warning, Message = "Character names: copying the names after '{After}' to skeleton keys failed; trying again")]
    private static partial void LogBatchFailed(ILogger logger, string after, Exception exception);
}

/// <summary>Whether this silo has seen the name migration complete: after that, creation asks no grain.</summary>
public sealed class CharacterNameMigrationStatus
{
    private volatile bool _complete;

    public bool IsComplete => _complete;

    public void MarkComplete() => _complete = true;
}
