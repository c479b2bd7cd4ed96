// Orleans' implicit usings bring an Orleans.ErrorCode; on the gateway "error code" always means the wire's.
global using ErrorCode = OrleansMmo.Protocol.Messages.ErrorCode;
