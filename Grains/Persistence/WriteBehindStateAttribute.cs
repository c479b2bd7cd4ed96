using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansMmo.Grains.Persistence;

/// <summary>
/// Marks a grain constructor parameter of type <see cref="IWriteBehindState{TState}"/>: Orleans
/// creates one per activation through <see cref="WriteBehindStateAttributeMapper"/>, as it does
/// <c>[PersistentState]</c>.
/// </summary>
/// <param name="stateName">The state's name in storage (the <c>StateName</c> column). Never change it: stored state is found by it.</param>
/// <param name="storageName">The grain storage provider, e.g. <see cref="StorageNames.Game"/>.</param>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class WriteBehindStateAttribute(string stateName, string storageName) : Attribute, IFacetMetadata
{
    public string StateName { get; } = stateName;

    public string StorageName { get; } = storageName;
}

/// <summary>Turns a <see cref="WriteBehindStateAttribute"/> parameter into a per-activation factory, resolved once per grain class.</summary>
internal sealed class WriteBehindStateAttributeMapper : IAttributeToFactoryMapper<WriteBehindStateAttribute>
{
    private static readonly MethodInfo _createMethod = typeof(WriteBehindStateAttributeMapper)
        .GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    public Factory<IGrainContext, object> GetFactory(ParameterInfo parameter, WriteBehindStateAttribute attribute)
    {
        var type = parameter.ParameterType;
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IWriteBehindState<>))
        {
            throw new ArgumentException(
                $"[{nameof(WriteBehindStateAttribute)}] on parameter '{parameter.Name}' of {parameter.Member.DeclaringType}: the parameter must be IWriteBehindState<TState>, not {type}.");
        }

        if (string.IsNullOrWhiteSpace(attribute.StateName) || string.IsNullOrWhiteSpace(attribute.StorageName))
        {
            throw new ArgumentException(
                $"[{nameof(WriteBehindStateAttribute)}] on parameter '{parameter.Name}' of {parameter.Member.DeclaringType}: state name and storage name are required.");
        }

        var create = _createMethod.MakeGenericMethod(type.GetGenericArguments()[0])
            .CreateDelegate<Func<IGrainContext, string, string, object>>();
        return context => create(context, attribute.StateName, attribute.StorageName);
    }

    private static WriteBehindState<TState> Create<TState>(IGrainContext context, string stateName, string storageName)
        where TState : new()
    {
        var services = context.ActivationServices;
        var storage = services.GetKeyedService<Orleans.Storage.IGrainStorage>(storageName)
            ?? throw new InvalidOperationException(
                $"No grain storage named '{storageName}' is registered, needed by [{nameof(WriteBehindStateAttribute)}(\"{stateName}\")] on {context.GrainId.Type}.");
        var facet = new WriteBehindState<TState>(context, stateName, storage, services.GetRequiredService<WriteBehindRuntime>(), services);
        facet.Participate(context.ObservableLifecycle);
        return facet;
    }
}
