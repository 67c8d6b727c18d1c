using Courier.Core.Distribution;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Server.Hosting;

/// <summary>
/// This process opened on the ledger as one node, by <see cref="CourierServiceCollectionExtensions.OpenCourierAsync(IServiceCollection, CourierConfiguration, CancellationToken)"/>:
/// Courier composed, the targets checked, the store migrated and this node's <see cref="NodeSession"/> started. Disposing
/// it stops the session, which releases to the queue what this node still holds, and then disposes the services.
/// </summary>
public sealed class CourierNode : IServiceProvider, IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    internal CourierNode(ServiceProvider provider, NodeSession session)
    {
        _provider = provider;
        Session = session;
    }

    /// <summary>This node's session: its heartbeat runs while the node is open.</summary>
    public NodeSession Session { get; }

    public object? GetService(Type serviceType) => _provider.GetService(serviceType);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await _provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}
