namespace OrleansMmo.Client;

/// <summary>The server sent bytes that break the protocol: a bad frame, an unparsable message, a response
/// with the wrong opcode. The client closes the connection, except for one unparsable response, which fails
/// only its request.</summary>
public sealed class MmoProtocolException : Exception
{
    public MmoProtocolException(string message)
        : base(message)
    {
    }

    public MmoProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
