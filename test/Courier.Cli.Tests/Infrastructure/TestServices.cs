namespace Courier.Cli.Tests.Infrastructure;

/// <summary>The real servers the tests use, from the environment that <c>.ci/services start</c> writes.</summary>
public static class TestServices
{
    /// <summary>nginx WebDAV: its URL (ends with '/') and its document root.</summary>
    public static (Uri Url, string Root) WebDav
    {
        get
        {
            var url = Required("COURIER_TEST_WEBDAV_URL");
            var root = Required("COURIER_TEST_WEBDAV_ROOT");
            return (new Uri(url.EndsWith('/') ? url : url + "/"), root);
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run `.ci/services start` and `source .ci/work/env` (nginx WebDAV is needed by these tests)");
}
