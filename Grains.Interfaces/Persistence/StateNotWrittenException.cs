namespace OrleansMmo.Grains.Persistence;

/// <summary>
/// A write-through or flush did not reach storage: the database stayed unavailable for the whole
/// write-through timeout, or another activation of the grain wrote first (<see cref="IsConflict"/>).
/// The grain's state in memory is unchanged and, unless it was a conflict, still dirty: the
/// write-behind timer keeps trying. Nothing was acknowledged, so the request may be repeated: the gateway answers
/// it BUSY with a retry hint. Serialized by Orleans across silos and to the gateway (it lives in the interfaces
/// assembly so the gateway knows it).
/// </summary>
[GenerateSerializer, Alias("mmo.StateNotWrittenException")]
public sealed class StateNotWrittenException : Exception
{
    public StateNotWrittenException()
    {
    }

    public StateNotWrittenException(string message)
        : base(message)
    {
    }

    public StateNotWrittenException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public StateNotWrittenException(string message, bool isConflict, Exception? innerException)
        : base(message, innerException) => IsConflict = isConflict;

    /// <summary>
    /// True when another activation wrote a newer version first. This activation's unsaved changes are
    /// then discarded and it deactivates; the next call reads the stored state.
    /// </summary>
    [Id(0)]
    public bool IsConflict { get; private set; }
}
