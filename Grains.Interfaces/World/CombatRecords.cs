namespace OrleansMmo.Grains.World;

/// <summary>Why an attack did not happen; the values equal the wire enum's (<c>AttackRefusal</c>).</summary>
[GenerateSerializer, Alias("mmo.AttackRefusal")]
public enum AttackRefusal
{
    None = 0,
    TargetNotFound = 1,
    TargetNotVisible = 2,
    OutOfRange = 3,
    Cooldown = 4,
    AttackerDead = 5,
    TargetDead = 6,
    TargetNotAttackable = 7,
}

/// <summary>How a zone took a move.</summary>
[GenerateSerializer, Alias("mmo.ZoneMoveResult")]
public enum ZoneMoveResult
{
    Moved = 0,

    /// <summary>The zone does not have the character (it restarted after a failover): enter again.</summary>
    NotHere = 1,

    /// <summary>The character is dead and stays where it fell.</summary>
    Dead = 2,
}

/// <summary>What a zone knew of a character that left it: its health travels with it (0 and dead: it died there).</summary>
[GenerateSerializer, Alias("mmo.ZoneExit")]
public sealed record ZoneExit([property: Id(0)] bool WasHere, [property: Id(1)] int Health, [property: Id(2)] bool Dead);

/// <summary>
/// An attack as the zone judged it. <c>Here</c> false: the zone does not have the attacker (enter
/// again), nothing happened. <c>KilledCreature</c>: the template id of a creature this attack
/// killed, for experience and loot.
/// </summary>
[GenerateSerializer, Alias("mmo.ZoneAttackResult")]
public sealed record ZoneAttackResult(
    [property: Id(0)] bool Here,
    [property: Id(1)] AttackRefusal Refusal,
    [property: Id(2)] TimeSpan RetryAfter,
    [property: Id(3)] int Damage,
    [property: Id(4)] uint TargetHealthPercent,
    [property: Id(5)] bool Killed,
    [property: Id(6)] string? KilledCreature);

[GenerateSerializer, Alias("mmo.ZoneRespawnResult")]
public sealed record ZoneRespawnResult(
    [property: Id(0)] bool Here,
    [property: Id(1)] bool Respawned,
    [property: Id(2)] Position Position,
    [property: Id(3)] int Health);

/// <summary>Gold and items a kill put into the killer's inventory.</summary>
[GenerateSerializer, Alias("mmo.LootDrop")]
public sealed record LootDrop([property: Id(0)] long Gold, [property: Id(1)] IReadOnlyList<ItemStack> Items);

/// <summary>
/// An attack's outcome for the attacker: refused (a claim the server could not confirm: nothing
/// happened, <c>Refusal</c> says why), or a hit with its consequences. A refusal is an answer, not
/// an error: the client hears it with the attacker's own level and experience.
/// </summary>
[GenerateSerializer, Alias("mmo.AttackOutcome")]
public sealed record AttackOutcome(
    [property: Id(0)] AttackRefusal Refusal,
    [property: Id(1)] TimeSpan RetryAfter,
    [property: Id(2)] int Damage,
    [property: Id(3)] uint TargetHealthPercent,
    [property: Id(4)] bool Killed,
    [property: Id(5)] long ExperienceGained,
    [property: Id(6)] int Level,
    [property: Id(7)] long Experience,
    [property: Id(8)] bool LeveledUp,
    [property: Id(9)] LootDrop? Loot)
{
    /// <summary>An attack that did not happen, for <paramref name="refusal"/>.</summary>
    public static AttackOutcome Refused(AttackRefusal refusal, TimeSpan retryAfter, int level, long experience) =>
        new(refusal, retryAfter, 0, 0, false, 0, level, experience, false, null);
}

/// <summary>A respawn's outcome: <c>Respawned</c> false when the character was alive (it stays where it is).</summary>
[GenerateSerializer, Alias("mmo.RespawnOutcome")]
public sealed record RespawnOutcome(
    [property: Id(0)] bool Respawned,
    [property: Id(1)] Position Position,
    [property: Id(2)] int Health);
