using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using OrleansMmo.Gateway.Sessions;
using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Metrics;

/// <summary>
/// The gateway's instruments, on Meter <see cref="MeterName"/>: what an operator graphs to see load,
/// latency and trouble. Recording is a few interlocked adds; tags are cached per opcode and code so the
/// hot path allocates nothing.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "OrleansMmo.Gateway";

    private static readonly ConcurrentDictionary<ushort, KeyValuePair<string, object?>> OpcodeTags = new();
    private static readonly ConcurrentDictionary<int, KeyValuePair<string, object?>> ErrorTags = new();
    private static readonly ConcurrentDictionary<int, KeyValuePair<string, object?>> ReasonTags = new();
    private static readonly KeyValuePair<string, object?> LoginKind = new("kind", "login");
    private static readonly KeyValuePair<string, object?> ResumeKind = new("kind", "resume");
    private static readonly KeyValuePair<string, object?> Ok = new("result", "ok");
    private static readonly KeyValuePair<string, object?> Failed = new("result", "failed");

    private readonly Counter<long> _connectionsOpened;
    private readonly Counter<long> _framesReceived;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _disconnects;
    private readonly Counter<long> _clusterRetries;
    private readonly Counter<long> _pushesDropped;

    public GatewayMetrics(IMeterFactory meterFactory, SessionRegistry sessions)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("mmo.gateway.connections", () => sessions.Count, "{connection}", "Open client connections");
        meter.CreateObservableUpDownCounter("mmo.gateway.connections.in_world", sessions.CountInWorld, "{connection}", "Connections playing a character");
        meter.CreateObservableUpDownCounter("mmo.gateway.outbound.queued_bytes", sessions.QueuedBytes, "By", "Bytes queued toward clients and not yet written: what slow readers hold");
        _connectionsOpened = meter.CreateCounter<long>("mmo.gateway.connections.opened", "{connection}", "Client connections accepted");
        _framesReceived = meter.CreateCounter<long>("mmo.gateway.frames.received", "{frame}", "Frames read from clients");
        _framesSent = meter.CreateCounter<long>("mmo.gateway.frames.sent", "{frame}", "Frames written to clients (responses, errors, pushes)");
        _bytesReceived = meter.CreateCounter<long>("mmo.gateway.bytes.received", "By", "Frame bytes read from clients, headers included");
        _bytesSent = meter.CreateCounter<long>("mmo.gateway.bytes.sent", "By", "Frame bytes written to clients, headers included");
        _requestDuration = meter.CreateHistogram<double>("mmo.gateway.request.duration", "s", "Time from a request's arrival to its answer being queued, by opcode",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _logins = meter.CreateCounter<long>("mmo.gateway.logins", "{login}", "Logins and session resumes, by kind and result");
        _errors = meter.CreateCounter<long>("mmo.gateway.errors", "{error}", "Error frames sent to clients, by code");
        _disconnects = meter.CreateCounter<long>("mmo.gateway.disconnects", "{connection}", "Connections closed by the gateway, by reason");
        _pushesDropped = meter.CreateCounter<long>("mmo.gateway.pushes.dropped", "{frame}", "Chat lines and world updates let go because their client read too slowly, by opcode");
        _clusterRetries = meter.CreateCounter<long>("mmo.gateway.cluster_retries", "{retry}", "Requests repeated while the cluster failed over, by opcode");
    }

    public void ConnectionOpened() => _connectionsOpened.Add(1);

    public void FrameReceived(int bytes)
    {
        _framesReceived.Add(1);
        _bytesReceived.Add(bytes);
    }

    public void FrameSent(int bytes)
    {
        _framesSent.Add(1);
        _bytesSent.Add(bytes);
    }

    public void RequestCompleted(Opcode opcode, TimeSpan elapsed) => _requestDuration.Record(elapsed.TotalSeconds, OpcodeTag(opcode));

    /// <summary>Counts Login and ResumeSession outcomes; other opcodes are ignored.</summary>
    public void AuthenticationAttempted(Opcode opcode, bool succeeded)
    {
        if (opcode is Opcode.Login or Opcode.ResumeSession)
        {
            _logins.Add(1, opcode == Opcode.Login ? LoginKind : ResumeKind, succeeded ? Ok : Failed);
        }
    }

    public void ErrorSent(ErrorCode code) =>
        _errors.Add(1, ErrorTags.GetOrAdd((int)code, static c => new("code", ((ErrorCode)c).ToString())));

    public void Disconnected(DisconnectReason reason) =>
        _disconnects.Add(1, ReasonTags.GetOrAdd((int)reason, static r => new("reason", ((DisconnectReason)r).ToString())));

    public void ClusterRetry(Opcode opcode) => _clusterRetries.Add(1, OpcodeTag(opcode));

    public void PushDropped(Opcode opcode) => _pushesDropped.Add(1, OpcodeTag(opcode));

    private static KeyValuePair<string, object?> OpcodeTag(Opcode opcode) =>
        OpcodeTags.GetOrAdd((ushort)opcode, static o => new("opcode", ((Opcode)o).ToString()));
}
