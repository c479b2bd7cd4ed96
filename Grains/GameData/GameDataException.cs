namespace OrleansMmo.Grains.GameData;

/// <summary>Bad game data: names the file and the field, so the silo's start error says what to fix.</summary>
public sealed class GameDataException(string file, string field, string problem)
    : Exception($"Game data error in {file}, field {field}: {problem}")
{
    public string File { get; } = file;

    public string Field { get; } = field;
}
