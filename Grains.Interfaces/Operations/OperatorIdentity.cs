namespace OrleansMmo.Grains.Operations;

/// <summary>Where an operator action came from: the admin HTTP API (or the console on it), or a GM in the game.</summary>
[GenerateSerializer, Alias("mmo.OperatorChannel")]
public enum OperatorChannel
{
    Api = 0,
    Game = 1,
}

/// <summary>
/// Who asks for an operator action, as written to the audit log. Over HTTP the role comes from the
/// key; in the game from the GM's account, checked by the operator grain against the account's
/// live session (see <see cref="GameOperator"/>), never taken from the client.
/// </summary>
/// <param name="Name">The key's name (<c>key:ops-alice</c>) or the GM's account (<c>account:alice</c>).</param>
/// <param name="Role">What the operator may do.</param>
/// <param name="Channel">API or game.</param>
/// <param name="Source">The operator's address.</param>
[GenerateSerializer, Immutable, Alias("mmo.OperatorIdentity")]
public sealed record OperatorIdentity(
    [property: Id(0)] string Name,
    [property: Id(1)] AccountRole Role,
    [property: Id(2)] OperatorChannel Channel,
    [property: Id(3)] string Source);

/// <summary>A GM in the game: the operator grain asks the account for the role of this live session.</summary>
/// <param name="AccountKey">The GM's account grain key.</param>
/// <param name="SessionId">The GM's current session; a replaced session has no role.</param>
/// <param name="WorldId">The world the GM plays in: names in GM commands are looked up there.</param>
/// <param name="Source">The GM client's address.</param>
[GenerateSerializer, Immutable, Alias("mmo.GameOperator")]
public sealed record GameOperator(
    [property: Id(0)] string AccountKey,
    [property: Id(1)] Guid SessionId,
    [property: Id(2)] string WorldId,
    [property: Id(3)] string Source);
