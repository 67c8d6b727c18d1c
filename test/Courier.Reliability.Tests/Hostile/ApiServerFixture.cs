namespace Courier.Reliability.Tests.Hostile;

/// <summary>One <c>courier serve</c> with an API key and a filesystem target over the hostile workspace, for every API case.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const string ApiKey = "hostile-input-api-key-0123456789";

    public HostileWorkspace Workspace { get; } = new();

    internal CourierServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Server = await CourierServer.StartAsync(Workspace.Root, new Dictionary<string, string> { ["Courier__Api__ApiKey"] = ApiKey });

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Workspace.Dispose();
    }
}
