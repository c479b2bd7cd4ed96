using Wire = OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Grains.World.Zones;

/// <summary>A character in a zone: what others see of it, and where its owner's connection is.</summary>
public sealed class ZonePlayer(uint id, Guid characterId, string name, int level, Position position, PlayerSession session)
    : ViewEntity(id, EntityKind.Player, position, observes: true)
{
    public Guid CharacterId { get; } = characterId;

    public string CharacterIdText { get; } = characterId.ToString();

    public string Name { get; } = name;

    public int Level { get; set; } = level;

    /// <summary>The connection its updates go to; replaced when the character resumes elsewhere.</summary>
    public PlayerSession Session { get; set; } = session;

    public override void DescribeAppearance(Wire.EntityAppeared appeared)
    {
        appeared.CharacterId = CharacterIdText;
        appeared.Name = Name;
        appeared.Level = (uint)Level;
    }
}
