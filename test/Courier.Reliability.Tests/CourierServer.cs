using System.Net;
using System.Net.Sockets;

namespace Courier.Reliability.Tests;

/// <summary>A real <c>courier serve</c> process on a free loopback port, up once <c>/healthz</c> answers 200.</summary>
internal sealed class CourierServer : IAsyncDisposable
{
    private CourierServer(CourierProcess process, Uri url)
    {
        Process = process;
        Url = url;
        Client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
    }

    public CourierProcess Process { get; }

    public Uri Url { get; }

    public HttpClient Client { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<CourierServer> StartAsync(string workingDirectory, Dictionary<string, string> environment, Uri? url = null)
    {
        if (url is null)
        {
            url = new Uri($"http://127.0.0.1:{FreePort()}/");
            environment["Courier__Api__Urls"] = url.AbsoluteUri.TrimEnd('/');
        }

        var process = CourierProcess.Start(workingDirectory, ["serve"], environment);
        var server = new CourierServer(process, url);
        try
        {
            await Eventually.WaitForAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"courier serve exited: {process.Stderr}\n{process.Stdout}");
                    }

                    try
                    {
                        using var response = await server.Client.GetAsync("healthz", TestContext.Current.CancellationToken);
                        return response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return (HttpStatusCode)0;
                    }
                },
                status => status == HttpStatusCode.OK,
                TimeSpan.FromSeconds(60),
                "courier serve answers /healthz");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Process.Terminate();
        try
        {
            await Process.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
        }

        Process.Dispose();
    }
}
