namespace OrleansMmo.Grains.World;

/// <summary>Chat channels; the values equal the wire enum's.</summary>
[GenerateSerializer, Alias("mmo.ChatChannel")]
public enum ChatChannel
{
    Unspecified = 0,
    Say = 1,
    Zone = 2,
    World = 3,
    Whisper = 4,
    System = 5,
}
