using Courier.Core.Targets;

namespace Courier.Targets.FileSystem;

// Placeholder until the filesystem target lands.
internal sealed class FileSystemTargetFactory : ITargetFactory
{
    public string Kind => "filesystem";

    public ITarget Create(TargetDefinition definition) => throw new NotSupportedException("filesystem targets are not built yet");
}
