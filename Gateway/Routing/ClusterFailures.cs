using Microsoft.AspNetCore.Connections;
using OrleansMmo.Gateway.Cluster;

namespace OrleansMmo.Gateway.Routing;

/// <summary>
/// Which grain-call failures mean "the cluster is failing over", as opposed to a failed request.
/// After a silo dies, calls to its grains are rejected until membership declares it dead and the
/// grains reactivate elsewhere; calls in flight through a lost connection fail. Those calls never
/// reached a grain that finished them, so they are worth repeating.
/// </summary>
public static class ClusterFailures
{
    // Internal to Orleans: thrown when a connection to a silo cannot be opened.
    private const string ConnectionFailedTypeName = "Orleans.Runtime.Messaging.ConnectionFailedException";

    public static bool IsTransient(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // SiloUnavailableException derives from it: the target silo or the gateway silo is gone.
                case OrleansMessageRejectionException:
                case CallLostInFailoverException:
                case ConnectionAbortedException:
                case ConnectionResetException:
                    return true;
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    return IsTransient(aggregate.InnerExceptions[0]);
            }

            if (current.GetType().FullName == ConnectionFailedTypeName)
            {
                return true;
            }
        }

        return false;
    }
}
