using System.Reflection;
using Microsoft.Extensions.Logging;

namespace OrleansMmo.Tests.Diagnostics;

/// <summary>
/// Log event ids are what operators filter and alert on: each assembly keeps them in one registry
/// (<c>LogEvents</c>), in its own ranges, every id used by exactly one log message.
/// </summary>
[Trait("Category", "Unit")]
public class LogEventIdTests
{
    private const BindingFlags AllMethods = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The assemblies that log, with the id ranges each owns (docs/operations.md).</summary>
    public static TheoryData<string> Assemblies => new() { "Gateway", "Grains", "Silo", "ServiceDefaults" };

    private static readonly Dictionary<string, (Assembly Assembly, (int From, int To)[] Ranges)> Owners = new()
    {
        ["Gateway"] = (typeof(OrleansMmo.Gateway.Routing.RequestRouter).Assembly, [(2000, 2999)]),
        ["Grains"] = (typeof(OrleansMmo.Grains.Accounts.AccountGrain).Assembly, [(1000, 1999), (3000, 4999), (6000, 6999)]),
        ["Silo"] = (typeof(OrleansMmo.Silo.Storage.SchemaMigrator).Assembly, [(5000, 5999)]),
        ["ServiceDefaults"] = (typeof(OrleansMmo.Hosting.ClusterTlsOptions).Assembly, [(7000, 7999)]),
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void EveryLogEventIdIsUsedOnceAndComesFromTheAssemblysRegistry(string name)
    {
        var (assembly, ranges) = Owners[name];
        var used = LoggerMessages(assembly);
        Assert.NotEmpty(used);

        var duplicates = used.GroupBy(m => m.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        Assert.True(duplicates.Count == 0, $"event ids used more than once in {name}: {string.Join("; ", duplicates)}");

        var registry = assembly.GetTypes().Single(t => t.Name == "LogEvents");
        var registered = registry.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(registered.Count, registered.Values.Distinct().Count());
        Assert.Equal(registered.Values.Order(), used.Select(m => m.EventId).Order());

        Assert.All(used, m => Assert.True(ranges.Any(r => m.EventId >= r.From && m.EventId <= r.To),
            $"{m.Method} uses event id {m.EventId}, outside {name}'s ranges"));
    }

    [Fact]
    public void NoTwoAssembliesShareALogEventId()
    {
        var all = Owners.Values.SelectMany(o => LoggerMessages(o.Assembly)).ToList();
        var shared = all.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(shared);
    }

    private static List<(int EventId, string Method)> LoggerMessages(Assembly assembly) =>
        [.. from type in assembly.GetTypes()
            from method in type.GetMethods(AllMethods)
            let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
            where attribute is not null
            select (attribute.EventId, $"{type.Name}.{method.Name}")];
}
