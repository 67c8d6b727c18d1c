using Courier.Core.Targets;

namespace Courier.Targets.Http;

// Placeholder until the http target lands.
internal sealed class HttpTargetFactory : ITargetFactory
{
    public string Kind => "http";

    public ITarget Create(TargetDefinition definition) => throw new NotSupportedException("http targets are not built yet");
}
