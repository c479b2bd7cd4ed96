using System.Net;
using Microsoft.Extensions.Logging;
using OrleansMmo.Grains.Gateways;
using OrleansMmo.Grains.Persistence;

namespace OrleansMmo.Grains.Operations;

[GenerateSerializer, Alias("mmo.AddressBanState")]
public sealed class AddressBanState
{
    [Id(0)] public long Version { get; set; }
    [Id(1)] public List<AddressBan> Bans { get; set; } = [];
}

/// <summary>
/// The address bans, written through. Each change is pushed to every live gateway at once (awaited,
/// bounded), so a ban is in force everywhere when the operator hears it was made; gateways also fetch
/// the list with every registry heartbeat, which covers a gateway that started or missed a push.
/// </summary>
[GrainType("addressbans")]
public sealed partial class AddressBanGrain(
    [WriteBehindState("addressbans", StorageNames.Game)] IWriteBehindState<AddressBanState> state,
    TimeProvider time,
    ILogger<AddressBanGrain> logger) : Grain, IAddressBanGrain
{
    /// <summary>Bans kept at most: each gateway checks every login against the list.</summary>
    public const int MaxBans = 10_000;

    private static readonly TimeSpan PushTimeout = TimeSpan.FromSeconds(5);

    public async Task<long> Add(AddressBan ban)
    {
        var cidr = Normalize(ban.Cidr) ?? throw new ArgumentException($"'{ban.Cidr}' is not an address or CIDR range", nameof(ban));
        Prune();
        state.State.Bans.RemoveAll(b => b.Cidr == cidr);
        if (state.State.Bans.Count >= MaxBans)
        {
            throw new InvalidOperationException($"at most {MaxBans} address bans");
        }

        state.State.Bans.Add(ban with { Cidr = cidr });
        await SaveAndPushAsync();
        return state.State.Version;
    }

    public async Task<bool> Remove(string cidr)
    {
        var normalized = Normalize(cidr);
        if (normalized is null || state.State.Bans.RemoveAll(b => b.Cidr == normalized) == 0)
        {
            return false;
        }

        await SaveAndPushAsync();
        return true;
    }

    public Task<AddressBanList> GetAll()
    {
        var now = time.GetUtcNow();
        return Task.FromResult(new AddressBanList(state.State.Version, [.. state.State.Bans.Where(b => b.Ban.IsActiveAt(now))]));
    }

    /// <summary>The canonical text of a range (<c>10.1.2.3</c> becomes <c>10.1.2.3/32</c>), or null if it is not one.</summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (IPAddress.TryParse(text, out var address))
        {
            return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128).ToString();
        }

        return IPNetwork.TryParse(text, out var network) ? network.ToString() : null;
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        state.State.Bans.RemoveAll(b => !b.Ban.IsActiveAt(now));
    }

    private async Task SaveAndPushAsync()
    {
        state.State.Version++;
        await state.WriteThroughAsync();
        var list = await GetAll();
        var gateways = await GrainFactory.GetGrain<IGatewayRegistryGrain>(IGatewayRegistryGrain.Key).GetLive();
        await Task.WhenAll(gateways.Select(g => PushAsync(g, list)));
    }

    private async Task PushAsync(GatewayRegistration gateway, AddressBanList list)
    {
        try
        {
            await gateway.Observer.SetAddressBans(list).WaitAsync(PushTimeout);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The gateway fetches the list with its next heartbeat anyway.
            LogPushFailed(logger, gateway.GatewayId, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = LogEvents.AddressBansPushFailed, Level = LogLevel.Warning, Message = "Address bans not pushed to gateway {GatewayId} ({Error}); it fetches them with its next heartbeat")]
    private static partial void LogPushFailed(ILogger logger, string gatewayId, string error);
}
