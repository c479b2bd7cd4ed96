using OrleansMmo.Grains.GameData;

namespace OrleansMmo.Grains.World;

/// <summary>
/// How far a character may still move: a budget in metres, refilled at the maximum speed (times
/// the tolerance) and capped at what that speed covers in the longest allowed step. Early and
/// late packets average out, so network jitter causes no false corrections, while the distance
/// covered over any stretch of time never exceeds what the speed allows; a long pause does not
/// save up for a teleport, because the budget is capped.
/// </summary>
/// <remarks>
/// The slack that keeps clients' rounding from being punished is an overdraft, not a grant: a move
/// may take the budget below zero by at most the slack, and the overdraft is paid back from the
/// refill like any other distance. So over any time T the distance covered stays within
/// capacity + max speed x tolerance x T + one slack, however many tiny moves it is cut into.
/// (A per-move grant let 100 tiny moves a second gain slack x 100 metres a second.)
/// </remarks>
public struct MoveBudget
{
    private float _metres;
    private long _refilledAt;

    public static MoveBudget Full(MovementRules rules, long timestamp) =>
        new() { _metres = Capacity(rules), _refilledAt = timestamp };

    /// <summary>Spends <paramref name="distance"/> if the budget, overdrawn by at most <paramref name="slack"/>, covers it.</summary>
    public bool TrySpend(float distance, float slack, MovementRules rules, long timestamp, TimeProvider time)
    {
        var elapsed = (float)time.GetElapsedTime(_refilledAt, timestamp).TotalSeconds;
        _metres = Math.Min(Capacity(rules), _metres + (elapsed * rules.MaxSpeed * rules.SpeedTolerance));
        _refilledAt = timestamp;
        if (distance > _metres + slack)
        {
            return false;
        }

        _metres -= Math.Max(0, distance);
        return true;
    }

    private static float Capacity(MovementRules rules) =>
        rules.MaxSpeed * rules.SpeedTolerance * (float)rules.MaxStep.TotalSeconds;
}
