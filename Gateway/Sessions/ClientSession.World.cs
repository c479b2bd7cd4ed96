using OrleansMmo.Protocol;
using OrleansMmo.Protocol.Messages;

namespace OrleansMmo.Gateway.Sessions;

/// <summary>
/// Pushes from the world for the character this connection plays, and the one rule about their
/// order: world pushes are held from the start of EnterWorld until its response is queued.
/// The zone starts sending as soon as the character enters it, which can be before the EnterWorld
/// response is queued. A client must hear the response first (it resets its view), and must not
/// miss the first update (it names everyone already in view, and the zone never repeats it), so
/// these wait and go out right after it. The EnterWorld handler drives it:
/// <see cref="BeginEnteringWorld"/>, then <see cref="CancelEnteringWorld"/> on failure, or
/// <see cref="EnteredWorld"/> and, once the response is queued, <see cref="ReleaseWorldPushes"/>.
/// </summary>
public sealed partial class ClientSession
{
    private readonly Lock _enteringLock = new();
    private Guid? _entering;

    /// <summary>1 while an EnterWorld is under way: pushes take the lock only then, not on every frame.</summary>
    private int _enteringFlag;
    private List<(ushort Opcode, byte[] Payload)>? _held;

    /// <summary>Most pushes held during one EnterWorld; beyond it the client could not be told a consistent view, so it is cut off.</summary>
    private int MaxHeldPushes => Math.Max(16, _options.OutboundQueueCapacity / 4);

    /// <summary>Called by the EnterWorld handler before it asks the cluster to put the character in the world.</summary>
    public void BeginEnteringWorld(Guid characterId)
    {
        lock (_enteringLock)
        {
            _entering = characterId;
            _held = null;
            Volatile.Write(ref _enteringFlag, 1);
        }
    }

    /// <summary>EnterWorld failed: whatever was held is for a character this connection does not play.</summary>
    public void CancelEnteringWorld()
    {
        lock (_enteringLock)
        {
            _entering = null;
            _held = null;
            Volatile.Write(ref _enteringFlag, 0);
        }
    }

    /// <summary>Queues a push for <paramref name="characterId"/> if this connection plays it (or is entering the world with it).</summary>
    /// <returns>False when the push was dropped because the client reads too slowly (<see cref="DroppablePushes"/>).</returns>
    public bool SendWorldPush(Guid characterId, ushort opcode, ReadOnlySpan<byte> payload)
    {
        if (opcode == (ushort)Opcode.QueueUpdate)
        {
            // For a connection waiting in a world's queue (Authenticated): only while it waits for that character.
            if (State == SessionState.Authenticated && Queued is { } queued && queued.CharacterId == characterId)
            {
                SendPush(opcode, payload);
            }

            return true;
        }

        // Before BeginEnteringWorld the character is not in any zone yet, so nothing can arrive for it.
        if (Volatile.Read(ref _enteringFlag) != 0)
        {
            lock (_enteringLock)
            {
                if (_entering == characterId)
                {
                    _held ??= [];
                    if (_held.Count >= MaxHeldPushes)
                    {
                        Close(DisconnectReason.SlowConsumer, "too many pushes while entering the world", notify: false);
                        return true;
                    }

                    _held.Add((opcode, payload.ToArray()));
                    return true;
                }
            }
        }

        if (State == SessionState.InWorld && Binding?.CharacterId == characterId)
        {
            if (DroppablePushes.Includes(opcode, payload))
            {
                return SendDroppablePush(opcode, payload);
            }

            SendPush(opcode, payload);
        }

        return true;
    }

    /// <summary>EnterWorld succeeded: the connection plays the character now, but its pushes stay held until <see cref="ReleaseWorldPushes"/>.</summary>
    public void EnteredWorld(AccountBinding binding) => MoveTo(SessionState.InWorld, binding);

    /// <summary>After the EnterWorld response is queued: the held pushes follow it, in order, and later ones go straight out.</summary>
    public void ReleaseWorldPushes()
    {
        lock (_enteringLock)
        {
            if (_held is { } held)
            {
                foreach (var (opcode, payload) in held)
                {
                    SendPush(opcode, payload);
                }
            }

            _entering = null;
            _held = null;
            Volatile.Write(ref _enteringFlag, 0);
        }
    }
}
