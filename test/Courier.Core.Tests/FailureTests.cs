using System.Net.Sockets;
using Courier.Core.Distribution;
using Courier.Core.Sources;
using Courier.Core.Targets;

namespace Courier.Core.Tests;

public sealed class FailureTests
{
    [Fact]
    public void Target_exception_keeps_its_own_classification()
    {
        var failure = Failure.From(new TargetException("cdn", "429 Too Many Requests", true, "http_429", TimeSpan.FromSeconds(7)));

        failure.ShouldBe(new Failure("429 Too Many Requests", "http_429", true, TimeSpan.FromSeconds(7)));
    }

    [Fact]
    public void Source_gone_is_permanent()
    {
        var failure = Failure.From(new SourceMissingException("source file gone"));

        failure.IsTransient.ShouldBeFalse();
        failure.Kind.ShouldBe(ErrorKinds.SourceMissing);
    }

    [Fact]
    public void Network_errors_and_timeouts_are_transient()
    {
        Failure.From(new SocketException((int)SocketError.ConnectionReset)).ShouldSatisfyAllConditions(
            f => f.IsTransient.ShouldBeTrue(),
            f => f.Kind.ShouldBe(ErrorKinds.Connection));
        Failure.From(new HttpRequestException("reset")).IsTransient.ShouldBeTrue();
        Failure.From(new TimeoutException("slow")).Kind.ShouldBe(ErrorKinds.Timeout);
        Failure.From(new IOException("broken pipe")).IsTransient.ShouldBeTrue();
    }

    [Fact]
    public void Access_denied_is_permanent()
    {
        Failure.From(new UnauthorizedAccessException("denied")).ShouldSatisfyAllConditions(
            f => f.IsTransient.ShouldBeFalse(),
            f => f.Kind.ShouldBe(ErrorKinds.Auth));
    }

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(400, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    public void Http_status_classification_follows_the_design(int status, bool transient)
    {
        ErrorKinds.IsTransientHttp(status).ShouldBe(transient);
    }
}
