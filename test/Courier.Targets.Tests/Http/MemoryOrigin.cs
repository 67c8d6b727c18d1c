using System.Collections.Concurrent;

namespace Courier.Targets.Tests.Http;

/// <summary>
/// The answers of a small WebDAV origin kept in memory (PUT, MOVE, GET, HEAD, DELETE), for <see cref="LoopbackHttpServer"/>;
/// tests bend single answers to make it misbehave (store nothing, flip a byte, refuse a MOVE).
/// </summary>
internal sealed class MemoryOrigin
{
    /// <summary>What the origin holds, by request path.</summary>
    public ConcurrentDictionary<string, byte[]> Objects { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers a request, or lets <paramref name="bend"/> answer it first (return null from it to answer normally).</summary>
    public Func<RecordedRequest, CannedResponse?> With(Func<RecordedRequest, CannedResponse?> bend) => request => bend(request) ?? Answer(request);

    public CannedResponse Answer(RecordedRequest request)
    {
        switch (request.Method)
        {
            case "PUT":
                Objects[request.Path] = request.Body;
                return new CannedResponse(201);
            case "MOVE":
                var destination = new Uri(request.Headers["Destination"]).AbsolutePath;
                if (!Objects.TryRemove(request.Path, out var moved))
                {
                    return new CannedResponse(404);
                }

                Objects[destination] = moved;
                return new CannedResponse(201);
            case "GET":
            case "HEAD":
                return Objects.TryGetValue(request.Path, out var held) ? new CannedResponse(200, held) : new CannedResponse(404);
            case "DELETE":
                return Objects.TryRemove(request.Path, out _) ? new CannedResponse(204) : new CannedResponse(404);
            default:
                return new CannedResponse(405);
        }
    }
}
