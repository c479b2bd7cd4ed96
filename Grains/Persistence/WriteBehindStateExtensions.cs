namespace OrleansMmo.Grains.Persistence;

public static class WriteBehindStateExtensions
{
    /// <summary>
    /// Writes a change of value through (<see cref="IWriteBehindState{TState}.WriteThroughAsync"/>); when it
    /// cannot be written, <paramref name="undo"/> takes it back out of memory before the
    /// <see cref="StateNotWrittenException"/> goes on: a change the caller never heard succeed must not be
    /// written later with the next change.
    /// </summary>
    public static async Task WriteThroughOrUndoAsync<TState>(this IWriteBehindState<TState> state, Action<TState> undo)
        where TState : new()
    {
        try
        {
            await state.WriteThroughAsync();
        }
        catch (StateNotWrittenException)
        {
            undo(state.State);
            throw;
        }
    }
}
