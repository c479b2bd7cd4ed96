namespace OrleansMmo.Grains.Accounts;

[GenerateSerializer, Alias("mmo.CharacterNameState")]
public sealed class CharacterNameState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public Guid CharacterId { get; set; }
    [Id(2)] public string AccountKey { get; set; } = "";
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

    public Task<Guid> GetCharacter() => Task.FromResult(state.State.CharacterId);

    public Task<CharacterOwner?> GetOwner() => Task.FromResult(state.State.CharacterId == Guid.Empty
        ? null
        : new CharacterOwner(state.State.AccountId, state.State.CharacterId, state.State.AccountKey));

    public async Task Release(Guid characterId)
    {
        if (state.State.CharacterId != characterId || characterId == Guid.Empty)
        {
            return;
        }

        state.State.AccountId = Guid.Empty;
        state.State.CharacterId = Guid.Empty;
        state.State.AccountKey = "";
        await state.WriteStateAsync();
    }
}
