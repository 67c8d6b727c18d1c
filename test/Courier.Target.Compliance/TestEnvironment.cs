namespace Courier.Target.Compliance;

/// <summary>The real servers the tests talk to, found through environment variables (see <c>.ci/services</c>).</summary>
public static class TestEnvironment
{
    /// <summary>
    /// The value of <paramref name="name"/>; a test that needs a missing variable fails (never skips) and says how to get it.
    /// </summary>
    public static string Require(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            Assert.Fail($"{name} is not set: run `.ci/services start` and `source .ci/work/env` before the tests");
        }

        return value!;
    }
}
