namespace OrleansMmo.Grains.Accounts;

[GenerateSerializer, Alias("mmo.CharacterNameState")]
public sealed class CharacterNameState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public Guid CharacterId { get; set; }
    [Id(2)] public string AccountKey { get; set; } = "";

    /// <summary>
    /// Characters named alike before skeletons existed ("Admin" and "Аdmin" both claimed under their old keys),
    /// by case-folded name: the migration keeps them reachable by their exact names; no new look-alike is added.
    /// </summary>
    [Id(3)] public Dictionary<string, CharacterOwner> LookAlikes { get; set; } = new(StringComparer.Ordinal);
}

public sealed class CharacterNameGrain(
    [PersistentState("name", StorageNames.Game)] IPersistentState<CharacterNameState> state) : Grain, ICharacterNameGrain
{
    public Task<bool> Claim(Guid accountId, Guid characterId) => ClaimForAccount(accountId, characterId, "");

    public async Task<bool> ClaimForAccount(Guid accountId, Guid characterId, string accountKey)
    {
        if (state.State.CharacterId != Guid.Empty)
        {
            return state.State.CharacterId == characterId;
        }

        state.State.AccountId = accountId;
        state.State.CharacterId = characterId;
        state.State.AccountKey = accountKey;
        // Written through: two accounts must never both believe they own a name.
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> ClaimMigrated(CharacterOwner owner, string foldedName)
    {
        if (await ClaimForAccount(owner.AccountId, owner.CharacterId, owner.AccountKey))
        {
            return true;
        }

        if (!state.State.LookAlikes.TryAdd(foldedName, owner))
        {
            return false;
        }

        await state.WriteStateAsync();
        return false;
    }

    public Task<Guid> GetCharacter() => Task.FromResult(state.State.CharacterId);

    public Task<CharacterOwner?> GetOwner() => Task.FromResult(Holder());

    public Task<CharacterOwner?> Find(string foldedName) =>
        Task.FromResult(state.State.LookAlikes.TryGetValue(foldedName, out var lookAlike) ? lookAlike : Holder());

    public async Task Release(Guid characterId)
    {
        if (characterId == Guid.Empty)
        {
            return;
        }

        var lookAlike = state.State.LookAlikes.FirstOrDefault(l => l.Value.CharacterId == characterId).Key;
        if (lookAlike is not null)
        {
            state.State.LookAlikes.Remove(lookAlike);
        }
        else if (state.State.CharacterId == characterId)
        {
            // An old look-alike, if any, inherits the name: it was that player's before skeletons existed too.
            var heir = state.State.LookAlikes.OrderBy(l => l.Key, StringComparer.Ordinal).FirstOrDefault();
            var next = heir.Value ?? new CharacterOwner(Guid.Empty, Guid.Empty, "");
            if (heir.Key is not null)
            {
                state.State.LookAlikes.Remove(heir.Key);
            }

            state.State.AccountId = next.AccountId;
            state.State.CharacterId = next.CharacterId;
            state.State.AccountKey = next.AccountKey;
        }
        else
        {
            return;
        }

        await state.WriteStateAsync();
    }

    private CharacterOwner? Holder() => state.State.CharacterId == Guid.Empty
        ? null
        : new CharacterOwner(state.State.AccountId, state.State.CharacterId, state.State.AccountKey);
}
