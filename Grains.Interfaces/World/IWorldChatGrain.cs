namespace OrleansMmo.Grains.World;

/// <summary>
/// World-wide chat and system announcements: one call per live gateway, each of which pushes the
/// line to every in-world connection it holds, so every online player gets it exactly once.
/// A stateless worker: any silo serves it locally.
/// </summary>
[Alias("mmo.IWorldChatGrain")]
public interface IWorldChatGrain : IGrainWithIntegerKey
{
    [Alias("Broadcast")]
    Task Broadcast(ChatLine line);
}
