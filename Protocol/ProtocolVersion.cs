namespace OrleansMmo.Protocol;

public static class ProtocolVersion
{
    /// <summary>
    /// Raised on any change an older client cannot ignore. Adding a field or an opcode that
    /// old clients never send does not raise it.
    /// </summary>
    public const uint Current = 1;
}
