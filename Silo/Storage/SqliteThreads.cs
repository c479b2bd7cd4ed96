using Orleans.Storage;
using OrleansMmo.Grains.Security;

namespace OrleansMmo.Silo.Storage;

/// <summary>
/// Threads of SQLite's own, where every unit of SQLite work of the silo runs (<see cref="GameDatabase.RunAsync(Func{Task})"/>).
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite has no asynchronous I/O: its async methods run synchronously on the caller, and a write that
/// finds another connection holding the write lock waits in SQLite's busy handler, which sleeps the thread (1, 2, 5,
/// ... up to 100 ms at a time). On the thread pool, which the grains, their timers and the silo's networking share
/// with only a few threads on a small machine, each such sleep or disk read held a thread every player's request
/// needed: while 100 sessions a second started, the silo's thread-pool delay reached a p99 of 14-33 ms with no
/// collection and the cores not busy (docs/benchmarks, "SQLite off the grains' threads"). Here it holds only the
/// database's work, and at a lower priority than the grains' (<see cref="StorageOptions.SqliteThreadNice"/>), so the
/// kernel serves players' requests first when the cores are short.
/// An idle thread sleeps on a monitor at once: a <c>BlockingCollection</c>'s semaphore spins and yields before it sleeps,
/// which cost the silo 6% of its CPU in <c>sched_yield</c> while sessions started (docs/benchmarks, "SQLite's threads
/// sleep at once").
/// </remarks>
internal sealed class SqliteThreads : TaskScheduler, IDisposable
{
    [ThreadStatic]
    private static bool _onSqliteThread;

    // Monitor.Wait, not System.Threading.Lock: the threads wait on the gate itself.
    private readonly object _gate = new();
    private readonly Queue<Task> _work = new();
    private readonly Thread[] _threads;
    private readonly int _nice;
    private volatile bool _stopped;

    public SqliteThreads(int count, int nice)
    {
        _nice = nice;
        _threads = new Thread[count];
        for (var i = 0; i < count; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = GameDatabase.SqliteThreadNamePrefix + i };
            _threads[i].Start();
        }
    }

    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Starts <paramref name="work"/> on one of the threads; in place once they are stopped (the silo's last writes).</summary>
    public Task<T> Run<T>(Func<Task<T>> work) => TryStart(work)?.Unwrap() ?? work();

    /// <inheritdoc cref="Run{T}(Func{Task{T}})"/>
    public Task Run(Func<Task> work) => TryStart(work)?.Unwrap() ?? work();

    /// <summary>Lets the threads finish what was queued, then stops them.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }

        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            // StartNew turns this into the TaskSchedulerException TryStart expects.
            ObjectDisposedException.ThrowIf(_stopped, this);
            _work.Enqueue(task);
            Monitor.Pulse(_gate);
        }
    }

    // A scheduler that refuses a task makes StartNew throw TaskSchedulerException; null then: the threads are stopped.
    private Task<TTask>? TryStart<TTask>(Func<TTask> work)
        where TTask : Task
    {
        try
        {
            return Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this);
        }
        catch (TaskSchedulerException) when (_stopped)
        {
            return null;
        }
    }

    // Work started from one of these threads (a nested unit) runs where it is rather than wait for a free thread.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => _onSqliteThread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return _work.ToArray();
        }
    }

    private void Work()
    {
        _onSqliteThread = true;
        // Lowering one's own priority needs no privilege; were it refused, the threads would only compete as equals.
        _ = ThreadScheduling.TrySetNice(_nice);
        while (Next() is { } task)
        {
            TryExecuteTask(task);
        }
    }

    // The next task, waiting for one without spinning; null once stopped and drained.
    private Task? Next()
    {
        lock (_gate)
        {
            while (_work.Count == 0)
            {
                if (_stopped)
                {
                    return null;
                }

                Monitor.Wait(_gate);
            }

            return _work.Dequeue();
        }
    }
}

/// <summary>Grain storage whose calls run as units of <see cref="GameDatabase.RunAsync(Func{Task})"/>.</summary>
internal sealed class SqliteThreadsStorage(IGrainStorage inner, GameDatabase database) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        database.RunAsync(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        database.RunAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        database.RunAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));
}
