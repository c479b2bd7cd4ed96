using System.Data;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// A <see cref="SqliteConnection"/> that never lends a pooled handle to two owners and never returns
/// one to the pool inside a transaction. Every SQLite connection the silo opens for grain storage and
/// its own tables is one of these (<see cref="SqliteGameDataSource"/>).
/// </summary>
/// <remarks>
/// <para>
/// Why: the silo intermittently failed with "Safety level may not be changed inside a transaction"
/// from the <c>PRAGMA synchronous</c> that <see cref="SqliteGameDataSource"/> runs on each opened
/// connection, i.e. a connection fresh from the pool was inside someone else's transaction. Two causes:
/// </para>
/// <list type="number">
/// <item>A race in Microsoft.Data.Sqlite's pool (10.0.x; https://github.com/dotnet/efcore/issues/39008,
/// fixed by https://github.com/dotnet/efcore/pull/39009 in a later release than the one pinned here).
/// An open marks a pooled handle active before it records its owner, and a close clears the owner
/// before it marks the handle inactive. A concurrent open that finds the pool empty reclaims "leaked"
/// handles (active, no owner) and can catch one in either gap: the same native handle is then lent to
/// two live connections, and one's transaction is the other's. Opening and closing under one
/// process-wide lock closes both gaps. Both are short when pooled (a stack pop or push), so the lock
/// costs little beside a statement.</item>
/// <item>A handle returned to the pool while a transaction is still open on it (one begun with
/// <c>BEGIN</c> in SQL, which <see cref="SqliteConnection.Close"/> does not know about; a managed
/// transaction whose rollback threw; or the other owner of a handle shared through the race). The
/// pool does not check, and the next owner inherits the transaction. On close this rolls back
/// whatever transaction the handle is still in; if that fails, it clears the pool so the handle is
/// closed rather than reused (closing a SQLite handle rolls its transaction back).</item>
/// </list>
/// <para>
/// Its commands also bind parameters by their prefixed names (<see cref="PrefixedParameterCommand"/>), which
/// Orleans' storage and the operations store name without a prefix.
/// </para>
/// <para>
/// Only connections of this type take the lock: a plain <see cref="SqliteConnection"/> on the same
/// connection string (a tool, a test) can still race with them. The silo opens none.
/// </para>
/// </remarks>
internal sealed class GuardedSqliteConnection(string connectionString) : SqliteConnection(connectionString)
{
    // One lock for every pool: the race is inside one pool, but pools are per connection string and a
    // silo has one, so finer locking would buy nothing.
    private static readonly Lock PoolLock = new();

    // What SqliteConnection.CreateCommand does, with the command type that binds cheaply; CreateDbCommand
    // (DbConnection.CreateCommand, as Orleans' storage calls it) comes here too.
    public override SqliteCommand CreateCommand() =>
        new PrefixedParameterCommand { Connection = this, CommandTimeout = DefaultTimeout, Transaction = Transaction };

    public override void Open()
    {
        lock (PoolLock)
        {
            base.Open();
        }
    }

    // DbConnection.OpenAsync, CloseAsync and DisposeAsync call Open, Close and Dispose, and
    // SqliteConnection.Dispose calls Close: these two overrides cover every way in and out.
    public override void Close()
    {
        if (State == ConnectionState.Open)
        {
            LeaveAnyTransaction();
        }

        lock (PoolLock)
        {
            base.Close();
        }
    }

    /// <summary>Clears the pool of <paramref name="connection"/>'s connection string under the pool lock.</summary>
    public static void ClearPoolGuarded(SqliteConnection connection)
    {
        // Clearing reclaims "leaked" handles too, the same step that races with an open.
        lock (PoolLock)
        {
            ClearPool(connection);
        }
    }

    private void LeaveAnyTransaction()
    {
        if (Transaction is { } managed)
        {
            try
            {
                // What base.Close would do first; done here so a failure cannot stop the close below
                // (an exception out of Close leaves the handle checked out, to be reclaimed into the pool
                // later, still in its transaction, once this object is collected).
                managed.Dispose();
            }
            catch (SqliteException)
            {
                // Handled below: the handle is still in the transaction, so the pool gets cleared.
                Transaction = null;
            }
        }

        if (!InTransaction())
        {
            return;
        }

        try
        {
            using var rollback = CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Handled below: a handle that could not roll back must not be reused.
        }

        if (InTransaction())
        {
            // Marks every handle of this pool not to be pooled again, this one included, so base.Close
            // closes it; the others finish their work and are closed when they come back.
            ClearPoolGuarded(this);
        }
    }

    // sqlite3_get_autocommit is 0 exactly while a transaction is open on the handle, however begun.
    private bool InTransaction() => Handle is { } handle && raw.sqlite3_get_autocommit(handle) == 0;
}
