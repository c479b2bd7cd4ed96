using System.Reflection;

namespace OrleansMmo.Tests.Infrastructure;

/// <summary>The suite's own rules (CONTRIBUTING.md): filters and skips depend on every class following them.</summary>
[Trait("Category", "Unit")]
public sealed class TraitTests
{
    private static readonly List<Type> TestClasses = typeof(TraitTests).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethods().Any(m => m.GetCustomAttribute<FactAttribute>() is not null))
        .ToList();

    [Fact]
    public void EveryTestClassHasExactlyOneKnownCategoryOnTheClassItself()
    {
        Assert.NotEmpty(TestClasses);
        foreach (var type in TestClasses)
        {
            var categories = Traits(type, TestTraits.Category).ToList();
            Assert.True(categories.Count == 1, $"{type.Name} has {categories.Count} [Trait(\"Category\", …)]; it needs exactly one of {string.Join(", ", TestTraits.Categories)}");
            Assert.Contains(categories[0], TestTraits.Categories);
            Assert.All(type.GetMethods(), m => Assert.Empty(Traits(m, TestTraits.Category)));
        }
    }

    [Fact]
    public void EveryNeedIsOneTheFrameworkKnows()
    {
        var needs = TestClasses.SelectMany(t => Traits(t, TestTraits.Needs).Concat(t.GetMethods().SelectMany(m => Traits(m, TestTraits.Needs)))).ToHashSet();

        Assert.Contains("Postgres", needs);
        Assert.All(needs, need => Assert.True(TestTraits.NeedChecks.ContainsKey(need), $"unknown need \"{need}\""));
        Assert.Contains("not a known need", Assert.Single(TestTraits.UnmetNeeds(["Typo"])), StringComparison.Ordinal);
    }

    /// <summary>The traits declared on the member itself, where the suite puts them (not inherited from a base class).</summary>
    private static IEnumerable<string> Traits(MemberInfo member, string name) =>
        member.CustomAttributes
            .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == name)
            .Select(a => (string)a.ConstructorArguments[1].Value!);
}
