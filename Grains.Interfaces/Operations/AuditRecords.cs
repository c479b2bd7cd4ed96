namespace OrleansMmo.Grains.Operations;

/// <summary>One operator action as the audit log keeps it.</summary>
/// <param name="Id">Assigned by the database; 0 before it is written.</param>
/// <param name="At">When the action was carried out (the silo's clock).</param>
/// <param name="Operator">Who: <c>key:name</c> or <c>account:username</c>.</param>
/// <param name="Role">The operator's role at the time.</param>
/// <param name="Channel">API (HTTP, console, mmoctl) or game (a GM request).</param>
/// <param name="Source">The operator's address.</param>
/// <param name="Action">What, e.g. <c>kick</c>, <c>ban</c>, <c>grant</c>.</param>
/// <param name="Target">On whom: <c>account:alice</c>, <c>character:emerald/Bob</c>, <c>address:10.1.0.0/16</c>, <c>world:emerald</c>.</param>
/// <param name="Details">The action's parameters in words (duration, reason, item ...).</param>
/// <param name="Result">The outcome and its message, e.g. <c>ok</c>, <c>forbidden: needs Admin</c>.</param>
[GenerateSerializer, Alias("mmo.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Operator,
    [property: Id(3)] AccountRole Role,
    [property: Id(4)] OperatorChannel Channel,
    [property: Id(5)] string Source,
    [property: Id(6)] string Action,
    [property: Id(7)] string Target,
    [property: Id(8)] string Details,
    [property: Id(9)] string Result);

/// <summary>A search of the audit log; every filter is optional, newest first.</summary>
/// <param name="Target">Exact target, e.g. <c>account:alice</c>.</param>
/// <param name="Operator">Exact operator, e.g. <c>key:ops-alice</c>.</param>
/// <param name="Action">Exact action, e.g. <c>kick</c>.</param>
/// <param name="From">At or after.</param>
/// <param name="To">Before.</param>
/// <param name="Limit">Most entries returned (1-1000).</param>
/// <param name="BeforeId">Entries with a smaller id only: the next page after the last id seen.</param>
[GenerateSerializer, Alias("mmo.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] string? Target = null,
    [property: Id(1)] string? Operator = null,
    [property: Id(2)] string? Action = null,
    [property: Id(3)] DateTimeOffset? From = null,
    [property: Id(4)] DateTimeOffset? To = null,
    [property: Id(5)] int Limit = 100,
    [property: Id(6)] long? BeforeId = null)
{
    public const int MaxLimit = 1000;
}
