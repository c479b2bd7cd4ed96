namespace OrleansMmo.Grains.Operations;

/// <summary>How an operator action ended; written to the audit log as its result.</summary>
[GenerateSerializer, Alias("mmo.OperatorOutcome")]
public enum OperatorOutcome
{
    Ok = 0,
    /// <summary>No such account, character, ban or world.</summary>
    NotFound = 1,
    /// <summary>The request is malformed or breaks a rule (unknown item, position outside the zone, bad CIDR).</summary>
    Invalid = 2,
    /// <summary>The operator's role does not allow the action.</summary>
    Forbidden = 3,
    /// <summary>The action could not be completed (a grain or the database did not answer); it may be retried.</summary>
    Failed = 4,
}

/// <summary>The answer to an operator action: an outcome, a line for humans, and the value when there is one.</summary>
[GenerateSerializer, Alias("mmo.OperatorResult`1")]
public sealed record OperatorResult<T>(
    [property: Id(0)] OperatorOutcome Outcome,
    [property: Id(1)] string Message,
    [property: Id(2)] T? Value)
{
    public bool IsOk => Outcome == OperatorOutcome.Ok;
}

/// <summary>Makes <see cref="OperatorResult{T}"/>s.</summary>
public static class OperatorResult
{
    public static OperatorResult<T> Ok<T>(T value, string message = "done") => new(OperatorOutcome.Ok, message, value);

    public static OperatorResult<T> Fail<T>(OperatorOutcome outcome, string message) => new(outcome, message, default);
}

/// <summary>An operator action without a value to return.</summary>
[GenerateSerializer, Alias("mmo.OperatorDone")]
public sealed record OperatorDone([property: Id(0)] string What)
{
    public static readonly OperatorDone Instance = new("done");
}
