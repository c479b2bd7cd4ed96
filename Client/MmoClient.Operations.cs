using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Client;

public sealed partial class MmoClient
{
    /// <summary>
    /// A game-master request (the account needs the GameMaster or Admin role, else <see cref="MmoErrorException"/>
    /// with FORBIDDEN). The response's <c>Outcome</c> says whether the action was carried out.
    /// </summary>
    public Task<GmResponse> GmAsync(GmRequest request, CancellationToken cancellationToken = default) =>
        SendRequestAsync(Opcode.Gm, request, GmResponse.Parser, cancellationToken);
}
