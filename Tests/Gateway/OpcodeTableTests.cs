using Microsoft.Extensions.Options;
using OrleansMmo.Gateway.Connections;
using OrleansMmo.Gateway.Handlers;
using OrleansMmo.Gateway.Routing;
using OrleansMmo.Protocol;

namespace OrleansMmo.Tests.Gateway;

[Trait("Category", "Unit")]
public class OpcodeTableTests
{
    // Handlers are never invoked here; the table only needs their method groups.
    private static readonly OpcodeTable Table = new(new GatewayHandlers(null!, null!, Options.Create(new GatewayOptions()), null!, null!, null!, null!, null!, null!, null!, null!, null!, null!), new WorldHandlers(null!), new GmHandlers(null!));

    [Fact]
    public void EveryRequestOpcodeIsRoutedExactlyOnce()
    {
        var requestOpcodes = Enum.GetValues<Opcode>().Where(o => OpcodeExtensions.IsRequest((ushort)o)).ToList();
        Assert.NotEmpty(requestOpcodes);
        foreach (var opcode in requestOpcodes)
        {
            Assert.Single(Table.Routes, r => r.Opcode == opcode);
        }

        Assert.Equal(Table.Routes.Count, Table.Routes.Select(r => r.Opcode).Distinct().Count());
    }

    [Fact]
    public void OnlyRequestOpcodesAreRouted()
    {
        Assert.All(Table.Routes, r => Assert.True(OpcodeExtensions.IsRequest((ushort)r.Opcode), $"{r.Opcode} is not in the request range"));
    }

    [Fact]
    public void OpcodeValuesAreUniqueAndResponsesDoNotCollideWithPushesOrErrors()
    {
        var values = Enum.GetValues<Opcode>().Select(o => (ushort)o).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
        foreach (var route in Table.Routes)
        {
            var response = route.Opcode.ResponseOf();
            Assert.True(OpcodeExtensions.IsResponse(response));
            Assert.DoesNotContain(response, values);
        }
    }

    [Fact]
    public void EveryRouteIsAllowedInSomeState()
    {
        Assert.All(Table.Routes, r => Assert.NotEqual(OrleansMmo.Gateway.Sessions.SessionState.None, r.AllowedIn));
    }
}
