namespace Courier.Reliability.Tests;

/// <summary>The real servers the tests talk to, from the variables <c>.ci/services start</c> writes. Missing ones fail the test.</summary>
internal static class TestEnvironment
{
    public static Uri WebDavUrl => new(Required("COURIER_TEST_WEBDAV_URL"));

    public static string WebDavRoot => Required("COURIER_TEST_WEBDAV_ROOT");

    /// <summary>Deletes what a test put under <paramref name="prefix"/> at the WebDAV origin; nothing there is fine.</summary>
    public static void DeleteWebDavPrefix(string prefix)
    {
        try
        {
            Directory.Delete(Path.Combine(WebDavRoot, prefix), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public static Uri S3Url => new(Required("COURIER_TEST_S3_URL"));

    public static string S3Dir => Required("COURIER_TEST_S3_DIR");

    public static string PostgresConnectionString => Required("COURIER_TEST_POSTGRES");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run `.ci/services start` and `source .ci/work/env` first (the reliability tests need the real servers)");
}
