using Courier.Core.Storage;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public Task<SubmitResult?> RemoveAsync(string videoId, IReadOnlyList<string> targets, string nodeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        throw new NotSupportedException("removal is not built yet");

    public Task<bool> RecordFilesAsync(Guid deliveryId, Guid leaseToken, IReadOnlyList<DeliveredFile> files, CancellationToken cancellationToken) =>
        throw new NotSupportedException("delivered files are not recorded yet");

    public Task<IReadOnlyList<DeliveredFile>> GetFilesAsync(string videoId, string rendition, string target, int beforeVersion, CancellationToken cancellationToken) =>
        throw new NotSupportedException("delivered files are not recorded yet");

    public Task<IReadOnlyList<TargetVersion>> GetTargetVersionsAsync(string videoId, CancellationToken cancellationToken) =>
        throw new NotSupportedException("target versions are not built yet");
}
