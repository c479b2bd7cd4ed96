using System.Diagnostics.CodeAnalysis;

namespace OrleansMmo.Grains;

/// <summary>
/// The outcome of a grain call that yields a value: the value, or a <see cref="GameFailure"/>.
/// The value can only be read through <see cref="TryGetValue"/>, so no caller reads a value that
/// is not there. <c>default</c> is a failure (<see cref="GameError.None"/>, which the gateway
/// answers as an internal error), never a success holding <c>default(T)</c>.
/// </summary>
[GenerateSerializer, Alias("mmo.Result`1")]
public readonly struct Result<T>
{
    [Id(0)] private readonly bool _succeeded;
    [Id(1)] private readonly T? _value;
    [Id(2)] private readonly GameFailure _failure;

    internal Result(bool succeeded, T? value, GameFailure failure)
    {
        _succeeded = succeeded;
        _value = value;
        _failure = failure;
    }

    public bool Succeeded => _succeeded;

    /// <summary>The failure; <see cref="GameError.None"/> on success.</summary>
    public GameFailure Failure => _failure;

    public static implicit operator Result<T>(GameError error) => new(false, default, error);

    public static implicit operator Result<T>(GameFailure failure) => new(false, default, failure);

    /// <summary>The value on success; otherwise false and <paramref name="failure"/> says why.</summary>
    public bool TryGetValue([MaybeNullWhen(false)] out T value, out GameFailure failure)
    {
        value = _value;
        failure = _failure;
        return _succeeded;
    }

    public override string ToString() => _succeeded ? $"Ok({_value})" : $"Failed({_failure})";
}

/// <summary>
/// The outcome of a grain call that yields no value: success, or a <see cref="GameFailure"/>.
/// <c>default</c> is a failure, never a success.
/// </summary>
[GenerateSerializer, Immutable, Alias("mmo.Result")]
public readonly struct Result
{
    [Id(0)] private readonly bool _succeeded;
    [Id(1)] private readonly GameFailure _failure;

    private Result(bool succeeded, GameFailure failure)
    {
        _succeeded = succeeded;
        _failure = failure;
    }

    public static Result Success { get; } = new(true, default);

    public bool Succeeded => _succeeded;

    /// <summary>The failure; <see cref="GameError.None"/> on success.</summary>
    public GameFailure Failure => _failure;

    /// <summary>A success holding <paramref name="value"/>. Failures convert from <see cref="GameError"/> and <see cref="GameFailure"/>.</summary>
    public static Result<T> Ok<T>(T value) => new(true, value, default);

    public static Result Fail(GameFailure failure) => new(false, failure);

    public static implicit operator Result(GameError error) => Fail(error);

    public static implicit operator Result(GameFailure failure) => Fail(failure);

    /// <summary>True when the call failed, with <paramref name="failure"/> saying why.</summary>
    public bool Failed(out GameFailure failure)
    {
        failure = _failure;
        return !_succeeded;
    }

    public override string ToString() => _succeeded ? "Ok" : $"Failed({_failure})";
}
