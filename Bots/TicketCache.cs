using System.Collections.Concurrent;

namespace OrleansMmo.Bots;

/// <summary>
/// Session tickets by username, kept in a directory: each process writes one file for its share of
/// the bots (<c>tickets-FIRST-LAST.tsv</c>, lines of username TAB token), and reading takes every file,
/// newest last, so a later run's ticket replaces an earlier one. Tickets are single use: a bot that
/// resumes gets a new ticket, which replaces the spent one when the run saves.
/// </summary>
public sealed class TicketCache
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, string> _tickets = new(StringComparer.Ordinal);

    private TicketCache(string directory) => _directory = directory;

    public int Count => _tickets.Count;

    public static TicketCache Load(string directory)
    {
        var cache = new TicketCache(directory);
        if (!Directory.Exists(directory))
        {
            return cache;
        }

        foreach (var file in new DirectoryInfo(directory).GetFiles("tickets-*.tsv").OrderBy(f => f.LastWriteTimeUtc))
        {
            foreach (var line in File.ReadLines(file.FullName))
            {
                var tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab > 0 && tab < line.Length - 1)
                {
                    cache._tickets[line[..tab]] = line[(tab + 1)..];
                }
            }
        }

        return cache;
    }

    public bool TryGet(string username, out string token) => _tickets.TryGetValue(username, out token!);

    public void Set(string username, string token) => _tickets[username] = token;

    public void Forget(string username) => _tickets.TryRemove(username, out _);

    /// <summary>Writes this process's share (indices first..last) atomically: a crash leaves the previous file.</summary>
    public void Save(string prefix, int first, int last)
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, $"tickets-{prefix}-{first}-{last}.tsv");
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            for (var index = first; index <= last; index++)
            {
                var username = BotSettings.UsernameOf(prefix, index);
                if (_tickets.TryGetValue(username, out var token))
                {
                    writer.Write(username);
                    writer.Write('\t');
                    writer.WriteLine(token);
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}
