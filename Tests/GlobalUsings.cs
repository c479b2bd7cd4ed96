// Orleans' implicit usings bring an Orleans.ErrorCode; in these tests "error code" is always the wire's.
global using ErrorCode = OrleansMmo.Protocol.Messages.ErrorCode;
