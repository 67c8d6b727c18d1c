using Courier.Core.Targets;

namespace Courier.S3;

// Placeholder until the s3 target lands.
internal sealed class S3TargetFactory : ITargetFactory
{
    public string Kind => "s3";

    public ITarget Create(TargetDefinition definition) => throw new NotSupportedException("s3 targets are not built yet");
}
