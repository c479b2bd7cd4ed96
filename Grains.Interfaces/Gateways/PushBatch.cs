namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// Ready-encoded push frames for many connections of one gateway, sent in one call: frame i goes
/// to <see cref="ConnectionIds"/>[i] if that connection still plays <see cref="CharacterIds"/>[i],
/// with opcode <see cref="Opcodes"/>[i] and payload <c>Payload[Ends[i-1]..Ends[i]]</c> (from 0 for i = 0);
/// a frame for connection <see cref="Everyone"/> goes to every in-world connection of the gateway.
/// Flat arrays: one allocation each, whatever the number of recipients.
/// </summary>
/// <remarks>
/// Immutable once made (the grains' <c>PushWriter</c> builds the arrays fresh for each batch, and neither sender nor
/// gateway writes to them afterwards), and marked so: otherwise Orleans deep-copies every argument of a call
/// before it leaves the caller, and a crowded zone's batch (megabytes of payload per tick) was copied on the
/// zone's own turn only to be serialized right after.
/// </remarks>
[GenerateSerializer, Immutable, Alias("mmo.PushBatch")]
public sealed class PushBatch
{
    /// <summary>The connection id of a broadcast frame (real connection ids start at 1).</summary>
    public const long Everyone = 0;

    /// <summary>Who sent it (a zone id, "whisper", "world"): for metrics and logs.</summary>
    [Id(0)] public string Source { get; init; } = "";

    /// <summary>The sender's tick, or 0.</summary>
    [Id(1)] public long Tick { get; init; }

    [Id(2)] public long[] ConnectionIds { get; init; } = [];

    [Id(3)] public Guid[] CharacterIds { get; init; } = [];

    [Id(4)] public ushort[] Opcodes { get; init; } = [];

    [Id(5)] public int[] Ends { get; init; } = [];

    [Id(6)] public byte[] Payload { get; init; } = [];

    public int Count => ConnectionIds.Length;

    public ReadOnlySpan<byte> PayloadOf(int index) =>
        Payload.AsSpan((index == 0 ? 0 : Ends[index - 1])..Ends[index]);
}
